package com.example.scenario.spring.webhealthy;

import com.example.scenario.Sites;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.springframework.context.annotation.Scope;
import org.springframework.context.annotation.ScopedProxyMode;
import org.springframework.stereotype.Component;

/** Request-scoped behind a scoped proxy: each request gets its own, closed when the request completes. */
@Component
@Scope(value = "request", proxyMode = ScopedProxyMode.TARGET_CLASS)
public class ProxiedData implements AutoCloseable {

    private final Connection connection;

    public ProxiedData(DataSource dataSource) throws SQLException {
        this.connection = dataSource.getConnection(); Sites.mark("proxied-data");
    }

    public void use() throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute("SELECT 1");
        }
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }
}
