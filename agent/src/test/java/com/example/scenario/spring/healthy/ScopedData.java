package com.example.scenario.spring.healthy;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;

/** Takes a connection when built, like DataConnection, and keeps it until its scope ends; reached only through a scoped proxy. */
public class ScopedData implements AutoCloseable {

    private final Connection connection;

    public ScopedData(DataSource dataSource) throws SQLException {
        this.connection = dataSource.getConnection();
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
