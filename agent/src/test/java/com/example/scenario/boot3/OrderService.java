package com.example.scenario.boot3;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** A @Transactional method on Boot's auto-configured transaction manager and JdbcTemplate. */
@Service
public class OrderService {

    private final JdbcTemplate jdbc;

    public OrderService(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    @Transactional
    public long place() {
        return jdbc.queryForObject("SELECT 1", Long.class);
    }
}
