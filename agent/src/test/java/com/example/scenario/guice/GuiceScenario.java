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
 * {@code healthy} (a singleton that keeps the DataSource, a Provider, unscoped per call).
 */
public final class GuiceScenario {

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
