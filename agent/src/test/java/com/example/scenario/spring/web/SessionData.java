package com.example.scenario.spring.web;

import com.example.scenario.Sites;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.springframework.context.annotation.Scope;
import org.springframework.stereotype.Component;

/** Session-scoped, no scoped proxy: takes a connection when built, for as long as its session lasts. */
@Component
@Scope("session")
public class SessionData {

    private final Connection connection;

    public SessionData(DataSource dataSource) throws SQLException {
        this.connection = dataSource.getConnection(); Sites.mark("session-data");
    }

    public long count() throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("SELECT 1")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
