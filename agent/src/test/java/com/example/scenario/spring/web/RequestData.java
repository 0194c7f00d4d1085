package com.example.scenario.spring.web;

import com.example.scenario.Sites;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.springframework.context.annotation.Scope;
import org.springframework.stereotype.Component;

/** Request-scoped, no scoped proxy: takes a connection when built, for as long as its request lasts. */
@Component
@Scope("request")
public class RequestData {

    private final Connection connection;

    public RequestData(DataSource dataSource) throws SQLException {
        this.connection = dataSource.getConnection(); Sites.mark("request-data");
    }

    public long count() throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("SELECT 1")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
