package com.example.scenario.boot3;

import com.example.scenario.Sites;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.springframework.context.annotation.Scope;
import org.springframework.stereotype.Component;

/** A prototype that takes a connection from Boot's DataSource when it is built and keeps it: incident A's. */
@Component
@Scope("prototype")
public class DataConnection {

    private final Connection connection;

    public DataConnection(DataSource dataSource) throws SQLException {
        this.connection = dataSource.getConnection(); Sites.mark("boot3-data-connection");
    }

    public long count() throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("SELECT 1")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
