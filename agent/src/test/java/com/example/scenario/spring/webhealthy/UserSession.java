package com.example.scenario.spring.webhealthy;

import com.example.scenario.Sites;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.springframework.context.annotation.Scope;
import org.springframework.stereotype.Component;

/**
 * Session-scoped and looked up per request (no singleton holds it): a long-lived holder that
 * keeps one connection for its session's life, closed when the session ends.
 */
@Component
@Scope("session")
public class UserSession implements AutoCloseable {

    private final Connection connection;

    public UserSession(DataSource dataSource) throws SQLException {
        this.connection = dataSource.getConnection(); Sites.mark("user-session");
    }

    public void touch() throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute("SELECT 1");
        }
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }
}
