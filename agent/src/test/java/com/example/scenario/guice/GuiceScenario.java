package com.example.scenario.guice;

import com.example.scenario.Sites;
import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Inject;
import com.google.inject.Injector;
import com.google.inject.Provider;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;

/**
 * Guice injectors run under the agent. Usage: {@code GuiceScenario URL PART...}, PART one of
 * {@code captive} (incident A twice: an eager singleton and a @Provides singleton, each given an
 * unscoped component that takes a connection, then used from several threads) and
 * {@code healthy} (a singleton that keeps the DataSource, a Provider, unscoped per call),
 * {@code scoped-captive} (a singleton given a component of a custom thread scope that takes a
 * connection), {@code scoped-healthy} (the thread-scoped component through a Provider, one per
 * thread, closed), {@code lazy} (an unscoped component that takes its connection on first use:
 * given to a singleton, and per call through a Provider).
 */
public final class GuiceScenario {

    /** What the scenarios leave open at exit, kept reachable to the end (past main, through the exit report). */
    static final java.util.List<Object> KEPT = new java.util.ArrayList<>();

    private GuiceScenario() {
    }

    /** Unscoped (just-in-time binding): takes a connection when built and keeps it until close(). */
    public static class DataConnection implements AutoCloseable {
        private final Connection connection;

        @Inject
        public DataConnection(DataSource dataSource) throws SQLException {
            this.connection = dataSource.getConnection(); Sites.mark("guice-data-connection");
        }

        public long count() throws SQLException {
            try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("SELECT 1")) {
                rs.next();
                return rs.getLong(1);
            }
        }

        @Override
        public void close() throws SQLException {
            connection.close();
        }
    }

    /** Incident A: bound asEagerSingleton, given the unscoped DataConnection. */
    public static class ReportingService {
        private final DataConnection connection;

        @Inject
        public ReportingService(DataConnection connection) {
            this.connection = connection;
        }

        public long report() throws SQLException {
            return connection.count();
        }
    }

    /** Made by a @Provides @Singleton method that is given a DataConnection. */
    public static class AuditLog {
        final DataConnection connection;

        AuditLog(DataConnection connection) {
            this.connection = connection;
        }
    }

    /** A custom scope: one instance per thread, for as long as the thread runs, until {@link ThreadScope#clear}. */
    @java.lang.annotation.Retention(java.lang.annotation.RetentionPolicy.RUNTIME)
    @java.lang.annotation.Target({java.lang.annotation.ElementType.TYPE, java.lang.annotation.ElementType.METHOD})
    @com.google.inject.ScopeAnnotation
    public @interface ThreadScoped {
    }

    public static final class ThreadScope implements com.google.inject.Scope {
        private static final ThreadLocal<java.util.Map<com.google.inject.Key<?>, Object>> CURRENT =
                ThreadLocal.withInitial(java.util.HashMap::new);

        @Override
        @SuppressWarnings("unchecked")
        public <T> Provider<T> scope(com.google.inject.Key<T> key, Provider<T> unscoped) {
            return () -> (T) CURRENT.get().computeIfAbsent(key, k -> unscoped.get());
        }

        /** Ends this thread's instances (closing them is their user's business). */
        static void clear() {
            CURRENT.remove();
        }
    }

    /** Bound in ThreadScoped: takes a connection when built and keeps it until close(). */
    public static class ThreadConnection implements AutoCloseable {
        private final Connection connection;

        @Inject
        public ThreadConnection(DataSource dataSource) throws SQLException {
            this.connection = dataSource.getConnection(); Sites.mark("guice-thread-connection");
        }

        public long count() throws SQLException {
            try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("SELECT 1")) {
                rs.next();
                return rs.getLong(1);
            }
        }

        @Override
        public void close() throws SQLException {
            connection.close();
        }
    }

    /** A singleton given the thread-scoped ThreadConnection itself: every thread shares the one made for main. */
    @Singleton
    public static class ThreadReport {
        private final ThreadConnection connection;

        @Inject
        public ThreadReport(ThreadConnection connection) {
            this.connection = connection;
        }

        public long report() throws SQLException {
            return connection.count();
        }
    }

    /** The right way: the thread's own ThreadConnection through a Provider, closed when the thread's work ends. */
    @Singleton
    public static class ThreadWork {
        private final Provider<ThreadConnection> connections;

        @Inject
        public ThreadWork(Provider<ThreadConnection> connections) {
            this.connections = connections;
        }

        void work() throws Exception {
            try {
                connections.get().count();
                connections.get().count(); // the same one again, within the thread
            } finally {
                connections.get().close();
                ThreadScope.clear();
            }
        }
    }

    static final class ThreadScopeModule extends AbstractModule {
        @Override
        protected void configure() {
            bindScope(ThreadScoped.class, new ThreadScope());
            bind(ThreadConnection.class).in(ThreadScoped.class);
        }
    }

    /** Unscoped (just-in-time binding): takes its connection on first use, not while built, and keeps it until close(). */
    public static class LazyConnection implements AutoCloseable {
        private final DataSource dataSource;
        private Connection connection;

        @Inject
        public LazyConnection(DataSource dataSource) {
            this.dataSource = dataSource;
        }

        private Connection connection() throws SQLException {
            if (connection == null) { connection = dataSource.getConnection(); Sites.mark("guice-lazy-connection"); }
            return connection;
        }

        public long count() throws SQLException {
            try (Statement s = connection().createStatement(); ResultSet rs = s.executeQuery("SELECT 1")) {
                rs.next();
                return rs.getLong(1);
            }
        }

        @Override
        public void close() throws SQLException {
            if (connection != null) {
                connection.close();
            }
        }
    }

    /** A singleton given the unscoped LazyConnection: its connection, taken on the first report, stays with it. */
    @Singleton
    public static class LazyReporting {
        private final LazyConnection connection;

        @Inject
        public LazyReporting(LazyConnection connection) {
            this.connection = connection;
        }

        public long report() throws SQLException {
            return connection.count();
        }
    }

    /** The right way with the same class: one per call through a Provider, closed at the end of the call. */
    @Singleton
    public static class LazyCalls {
        private final Provider<LazyConnection> perCall;

        @Inject
        public LazyCalls(Provider<LazyConnection> perCall) {
            this.perCall = perCall;
        }

        void call() throws Exception {
            try (LazyConnection c = perCall.get()) {
                c.count();
            }
        }
    }

    static final class DataSourceModule extends AbstractModule {
        private final String url;
        private final String pool;

        DataSourceModule(String url, String pool) {
            this.url = url;
            this.pool = pool;
        }

        @Override
        protected void configure() {
            HikariConfig cfg = new HikariConfig();
            cfg.setPoolName(pool);
            cfg.setJdbcUrl(url);
            cfg.setUsername("sa");
            cfg.setMaximumPoolSize(4);
            bind(DataSource.class).toInstance(new HikariDataSource(cfg));
        }
    }

    static final class CaptiveModule extends AbstractModule {
        @Override
        protected void configure() {
            bind(ReportingService.class).asEagerSingleton();
        }

        @Provides
        @Singleton
        AuditLog auditLog(DataConnection connection) {
            return new AuditLog(connection);
        }
    }

    /** Keeps the DataSource; a Provider per call; an unscoped component per call. */
    @Singleton
    public static class HealthyService {
        private final DataSource dataSource;
        private final Provider<DataConnection> connections;

        @Inject
        public HealthyService(DataSource dataSource, Provider<DataConnection> connections) {
            this.dataSource = dataSource;
            this.connections = connections;
        }

        void call(Injector injector) throws Exception {
            try (Connection c = dataSource.getConnection()) {
                c.createStatement().close();
            }
            try (DataConnection d = connections.get()) {
                d.count();
            }
            try (DataConnection d = injector.getInstance(DataConnection.class)) {
                d.count();
            }
        }
    }

    public static void main(String[] args) throws Exception {
        String url = args[0];
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "captive": captive(url); break;
                case "healthy": healthy(url); break;
                case "scoped-captive": scopedCaptive(url); break;
                case "scoped-healthy": scopedHealthy(url); break;
                case "lazy": lazy(url); break;
                default: throw new IllegalArgumentException(args[i]);
            }
        }
        System.out.println("DONE");
    }

    static void captive(String url) throws Exception {
        Injector injector = Guice.createInjector(new DataSourceModule(url, "guice-captive"), new CaptiveModule());
        System.out.println("STARTED " + System.currentTimeMillis());
        Thread.sleep(Long.getLong("scenario.pauseMs", 1500));
        ReportingService reporting = injector.getInstance(ReportingService.class);
        injector.getInstance(AuditLog.class);
        System.out.println("USING " + System.currentTimeMillis());
        for (int round = 0; round < 2; round++) {
            for (String name : new String[] {"request-1", "request-2", "request-3"}) {
                Thread t = new Thread(() -> {
                    try {
                        reporting.report();
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                }, name);
                t.start();
                t.join();
            }
        }
        Thread.sleep(400);
        KEPT.add(reporting); // reachable past main, through the exit report: a GC as the JVM shuts down would collect the held connection
    }

    /** Runs {@code body} on a thread of that name, and waits for it. */
    static void on(String thread, java.util.concurrent.Callable<?> body) throws Exception {
        java.util.concurrent.atomic.AtomicReference<Exception> failed = new java.util.concurrent.atomic.AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                body.call();
            } catch (Exception e) {
                failed.set(e);
            }
        }, thread);
        t.start();
        t.join();
        if (failed.get() != null) {
            throw failed.get();
        }
    }

    static void scopedCaptive(String url) throws Exception {
        Injector injector = Guice.createInjector(new DataSourceModule(url, "guice-scoped"), new ThreadScopeModule());
        ThreadReport report = injector.getInstance(ThreadReport.class); // made on main, given main's ThreadConnection
        for (String name : new String[] {"request-1", "request-2", "request-3"}) {
            on(name, report::report);
        }
        Thread.sleep(400);
        KEPT.add(report); // reachable past main, through the exit report: a GC as the JVM shuts down would collect the held connection
    }

    static void scopedHealthy(String url) throws Exception {
        Injector injector = Guice.createInjector(new DataSourceModule(url, "guice-scoped-healthy"), new ThreadScopeModule());
        ThreadWork work = injector.getInstance(ThreadWork.class);
        for (String name : new String[] {"request-1", "request-2", "request-3"}) {
            on(name, () -> {
                work.work();
                return null;
            });
        }
        Thread.sleep(600);
        ((HikariDataSource) injector.getInstance(DataSource.class)).close();
    }

    static void lazy(String url) throws Exception {
        Injector injector = Guice.createInjector(new DataSourceModule(url, "guice-lazy"));
        LazyReporting reporting = injector.getInstance(LazyReporting.class);
        LazyCalls calls = injector.getInstance(LazyCalls.class);
        for (String name : new String[] {"request-1", "request-2", "request-3"}) {
            on(name, () -> {
                calls.call();
                return reporting.report();
            });
        }
        Thread.sleep(400);
        KEPT.add(reporting); // reachable past main, through the exit report: a GC as the JVM shuts down would collect the held connection
    }

    static void healthy(String url) throws Exception {
        Injector injector = Guice.createInjector(new DataSourceModule(url, "guice-healthy"));
        HealthyService service = injector.getInstance(HealthyService.class);
        for (String name : new String[] {"request-1", "request-2"}) {
            Thread t = new Thread(() -> {
                try {
                    service.call(injector);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            }, name);
            t.start();
            t.join();
        }
        Thread.sleep(600);
        ((HikariDataSource) injector.getInstance(DataSource.class)).close();
    }
}
