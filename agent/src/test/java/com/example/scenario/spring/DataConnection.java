package com.example.scenario.spring;

import com.example.scenario.Sites;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;

/** A per-resolve component that takes a connection when it is built and keeps it until close(): incident A's. */
public class DataConnection implements AutoCloseable {

    private final Connection connection;

    public DataConnection(DataSource dataSource) throws SQLException {
        this.connection = dataSource.getConnection(); Sites.mark("data-connection");
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
