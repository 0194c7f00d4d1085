package com.example.scenario.spring.lazy;

import java.sql.SQLException;
import org.springframework.stereotype.Service;

/** A singleton given the prototype LazyConnection, which takes its connection on the first report and keeps it. */
@Service
public class LazyReporting {

    private final LazyConnection connection;

    public LazyReporting(LazyConnection connection) {
        this.connection = connection;
    }

    public long report() throws SQLException {
        return connection.count();
    }
}
