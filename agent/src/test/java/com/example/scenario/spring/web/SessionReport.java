package com.example.scenario.spring.web;

import java.sql.SQLException;
import org.springframework.context.annotation.Lazy;
import org.springframework.stereotype.Service;

/** A singleton (made on the first request that needs it) given the session-scoped SessionData itself, not a proxy. */
@Service
@Lazy
public class SessionReport {

    private final SessionData data;

    public SessionReport(SessionData data) {
        this.data = data;
    }

    public long report() throws SQLException {
        return data.count();
    }
}
