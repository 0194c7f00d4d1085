package com.example.scenario.spring.webhealthy;

import java.sql.SQLException;
import org.springframework.stereotype.Service;

/** A singleton given the request-scoped ProxiedData through its scoped proxy: not a captive. */
@Service
public class ProxiedCalls {

    private final ProxiedData data;

    public ProxiedCalls(ProxiedData data) {
        this.data = data;
    }

    public void call() throws SQLException {
        data.use();
    }
}
