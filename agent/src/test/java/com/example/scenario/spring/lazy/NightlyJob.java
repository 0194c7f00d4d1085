package com.example.scenario.spring.lazy;

import java.sql.SQLException;
import org.springframework.stereotype.Service;

/** A singleton given the prototype JobConnection (made nowhere else), run once on one thread: its connection stays out. */
@Service
public class NightlyJob {

    private final JobConnection connection;

    public NightlyJob(JobConnection connection) {
        this.connection = connection;
    }

    public long run() throws SQLException {
        return connection.count();
    }
}
