package com.example.scenario.spring.captive;

import com.example.scenario.spring.DataConnection;
import java.sql.SQLException;
import org.springframework.stereotype.Service;

/** Incident A: a singleton given the prototype DataConnection, so its connection lives as long as this. */
@Service
public class ReportingService {

    private final DataConnection connection;

    public ReportingService(DataConnection connection) {
        this.connection = connection;
    }

    public long report() throws SQLException {
        return connection.count();
    }
}
