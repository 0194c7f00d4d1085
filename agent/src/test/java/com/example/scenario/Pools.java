package com.example.scenario;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.time.Duration;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.apache.commons.dbcp2.BasicDataSource;

/** Opens each kind of pool the scenarios run on, the way an application would. */
final class Pools {

    private Pools() {
    }

    static final class Handle {
        final DataSource dataSource;
        private final AutoCloseable closer;
        private final Evictor evictor;

        Handle(DataSource dataSource, AutoCloseable closer, Evictor evictor) {
            this.dataSource = dataSource;
            this.closer = closer;
            this.evictor = evictor;
        }

        void close() throws Exception {
            closer.close();
        }

        void evict(Connection c) throws Exception {
            evictor.evict(c);
        }
    }

    interface Evictor {
        void evict(Connection c) throws Exception;
    }

    static Handle open(String pool, String url, String user, String password) {
        switch (pool) {
            case "hikari": {
                HikariConfig cfg = new HikariConfig();
                cfg.setPoolName("scenario-hikari");
                cfg.setJdbcUrl(url);
                // named, so the pool finds the driver in whatever class loader loaded the pool
                cfg.setDriverClassName(url.startsWith("jdbc:h2:") ? "org.h2.Driver"
                        : url.startsWith("jdbc:postgresql:") ? "org.postgresql.Driver" : "org.mariadb.jdbc.Driver");
                cfg.setUsername(user);
                cfg.setPassword(password);
                cfg.setMaximumPoolSize(Integer.getInteger("scenario.poolSize", 4));
                cfg.setConnectionTimeout(Long.getLong("scenario.connectionTimeoutMs", 250));
                cfg.setMaxLifetime(Long.getLong("scenario.maxLifetimeMs", 1_800_000L));
                HikariDataSource ds = new HikariDataSource(cfg);
                return new Handle(ds, ds::close, ds::evictConnection);
            }
            case "dbcp2": {
                BasicDataSource ds = new BasicDataSource();
                ds.setUrl(url);
                ds.setUsername(user);
                ds.setPassword(password);
                ds.setMaxTotal(Integer.getInteger("scenario.poolSize", 4));
                ds.setMaxWait(Duration.ofMillis(Long.getLong("scenario.connectionTimeoutMs", 250)));
                ds.setInitialSize(1); // opens a physical connection at start-up too: it must not count as a hold
                return new Handle(ds, ds::close, ds::invalidateConnection);
            }
            case "tomcat": {
                // configured through the DataSource's own setters: no PoolProperties in this class's
                // signatures, so the JVM verifies it without tomcat-jdbc when a run leaves it out
                org.apache.tomcat.jdbc.pool.DataSource ds = new org.apache.tomcat.jdbc.pool.DataSource();
                ds.setName("scenario-tomcat");
                ds.setUrl(url);
                ds.setUsername(user);
                ds.setPassword(password);
                ds.setDriverClassName(driverClass(url));
                int size = Integer.getInteger("scenario.poolSize", 4);
                ds.setMaxActive(size);
                ds.setMaxIdle(size);
                ds.setMinIdle(1);
                ds.setInitialSize(1); // opens a physical connection at start-up too: it must not count as a hold
                ds.setMaxWait(Long.getLong("scenario.connectionTimeoutMs", 250).intValue());
                // tomcat-jdbc has no call that takes back a connection that is out; only its
                // abandoned-connection timer does that, on its own schedule
                return new Handle(ds, ds::close, c -> {
                    throw new UnsupportedOperationException("tomcat-jdbc cannot evict a connection that is out");
                });
            }
            case "driver": {
                DataSource ds = new DriverManagerDataSource(url, user, password);
                return new Handle(ds, () -> { }, Connection::close);
            }
            default:
                throw new IllegalArgumentException("unknown pool " + pool);
        }
    }

    /** tomcat-jdbc loads its driver by class name (else it warns and falls back to DriverManager). */
    private static String driverClass(String url) {
        try {
            return DriverManager.getDriver(url).getClass().getName();
        } catch (SQLException e) {
            throw new IllegalArgumentException("no JDBC driver for " + url, e);
        }
    }

    /** A plain non-pooled DataSource over DriverManager, like Spring's DriverManagerDataSource. */
    static final class DriverManagerDataSource implements DataSource {
        private final String url;
        private final String user;
        private final String password;

        DriverManagerDataSource(String url, String user, String password) {
            this.url = url;
            this.user = user;
            this.password = password;
        }

        @Override
        public Connection getConnection() throws SQLException {
            return DriverManager.getConnection(url, user, password);
        }

        @Override
        public Connection getConnection(String u, String p) throws SQLException {
            return DriverManager.getConnection(url, u, p);
        }

        @Override
        public PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(PrintWriter out) {
        }

        @Override
        public void setLoginTimeout(int seconds) {
        }

        @Override
        public int getLoginTimeout() {
            return 0;
        }

        @Override
        public Logger getParentLogger() throws SQLFeatureNotSupportedException {
            throw new SQLFeatureNotSupportedException();
        }

        @Override
        public <T> T unwrap(Class<T> iface) throws SQLException {
            throw new SQLException("not a wrapper");
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) {
            return false;
        }
    }
}
