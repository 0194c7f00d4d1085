package com.example.scenario.spring.web;

import java.sql.SQLException;
import org.springframework.context.annotation.Lazy;
import org.springframework.stereotype.Service;

/** A singleton (made on the first request that needs it) given the request-scoped RequestData itself, not a proxy. */
@Service
@Lazy
public class RequestReport {

    private final RequestData data;

    public RequestReport(RequestData data) {
        this.data = data;
    }

    public long report() throws SQLException {
        return data.count();
    }
}
