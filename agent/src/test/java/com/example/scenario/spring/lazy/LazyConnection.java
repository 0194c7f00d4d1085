package com.example.scenario.spring.lazy;

import com.example.scenario.Sites;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.springframework.beans.factory.config.ConfigurableBeanFactory;
import org.springframework.context.annotation.Scope;
import org.springframework.stereotype.Component;

/** A prototype that takes its connection on first use, not while it is built, and keeps it until close(). */
@Component
@Scope(ConfigurableBeanFactory.SCOPE_PROTOTYPE)
public class LazyConnection implements AutoCloseable {

    private final DataSource dataSource;
    private Connection connection;

    public LazyConnection(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    private Connection connection() throws SQLException {
        if (connection == null) { connection = dataSource.getConnection(); Sites.mark("lazy-connection"); }
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
