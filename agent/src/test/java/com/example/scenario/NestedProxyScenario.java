package com.example.scenario;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import javax.sql.DataSource;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.jdbc.datasource.LazyConnectionDataSourceProxy;
import org.springframework.jdbc.datasource.TransactionAwareDataSourceProxy;
import org.springframework.jdbc.datasource.lookup.AbstractRoutingDataSource;

/**
 * A stack of DataSource proxies as Spring applications build them: routing, delegating,
 * transaction-aware and lazy, over one HikariCP pool. Each physical checkout must count once,
 * and a lazy connection that never ran a statement never touched the pool.
 */
public final class NestedProxyScenario {

    private NestedProxyScenario() {
    }

    public static void main(String[] args) throws Exception {
        HikariConfig cfg = new HikariConfig();
        cfg.setPoolName("nested");
        cfg.setJdbcUrl(args[0]);
        cfg.setUsername("sa");
        cfg.setMaximumPoolSize(2);
        HikariDataSource pool = new HikariDataSource(cfg);
        LazyConnectionDataSourceProxy lazy = new LazyConnectionDataSourceProxy(pool);
        // given up front, so the proxy needn't borrow a connection once to learn them
        lazy.setDefaultAutoCommit(true);
        lazy.setDefaultTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
        DataSource txAware = new TransactionAwareDataSourceProxy(lazy);
        DataSource delegating = new DelegatingDataSource(txAware);
        AbstractRoutingDataSource routing = new AbstractRoutingDataSource() {
            @Override
            protected Object determineCurrentLookupKey() {
                return "main";
            }
        };
        routing.setTargetDataSources(Map.of("main", delegating));
        routing.afterPropertiesSet();

        for (int i = 0; i < 5; i++) {
            try (Connection c = routing.getConnection(); Statement s = c.createStatement()) { Sites.mark("through-proxies");
                try (ResultSet rs = s.executeQuery("SELECT 1")) {
                    rs.next();
                }
            }
        }
        for (int i = 0; i < 3; i++) {
            try (Connection c = routing.getConnection()) { Sites.mark("lazy-never-used");
                c.getAutoCommit(); // answered by the lazy proxy itself
            }
        }
        pool.close();
        System.out.println("DONE");
    }
}
