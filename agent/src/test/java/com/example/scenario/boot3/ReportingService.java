package com.example.scenario.boot3;

import java.sql.SQLException;
import org.springframework.stereotype.Service;

/** The singleton given the prototype: its one DataConnection, and that connection, live as long as it does. */
@Service
public class ReportingService {

    private final DataConnection data;

    public ReportingService(DataConnection data) {
        this.data = data;
    }

    public long report() throws SQLException {
        return data.count();
    }
}
