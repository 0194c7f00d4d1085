package io.holdtrace.sample;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import io.holdtrace.sample.downstream.DownstreamServer;
import io.holdtrace.sample.downstream.DownstreamSettings;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.sql.DataSource;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Knobs and gauges for a person or a script driving the sample. */
@RestController
@RequestMapping("/admin")
public class AdminController {

    private final DownstreamSettings settings;
    private final DownstreamServer downstream;
    private final HikariDataSource pool;

    public AdminController(DownstreamSettings settings, DownstreamServer downstream, DataSource dataSource)
            throws SQLException {
        this.settings = settings;
        this.downstream = downstream;
        this.pool = dataSource.unwrap(HikariDataSource.class);
    }

    @GetMapping("/downstream")
    public Map<String, Object> downstream() {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("baseUri", downstream.baseUri().toString());
        state.put("authLatencyMs", settings.getAuthLatency().toMillis());
        state.put("authFailureRate", settings.getAuthFailureRate());
        state.put("authFailureStatus", settings.getAuthFailureStatus());
        state.put("ledgerLatencyMs", settings.getLedgerLatency().toMillis());
        state.put("authRequests", downstream.authRequests());
        state.put("ledgerRequests", downstream.ledgerRequests());
        return state;
    }

    /** e.g. {@code curl -X POST 'localhost:8080/admin/downstream?authLatencyMs=2000'} */
    @PostMapping("/downstream")
    public Map<String, Object> changeDownstream(@RequestParam(required = false) Long authLatencyMs,
                                                @RequestParam(required = false) Double authFailureRate,
                                                @RequestParam(required = false) Integer authFailureStatus,
                                                @RequestParam(required = false) Long ledgerLatencyMs) {
        if (authLatencyMs != null) {
            settings.setAuthLatency(Duration.ofMillis(authLatencyMs));
        }
        if (authFailureRate != null) {
            settings.setAuthFailureRate(authFailureRate);
        }
        if (authFailureStatus != null) {
            settings.setAuthFailureStatus(authFailureStatus);
        }
        if (ledgerLatencyMs != null) {
            settings.setLedgerLatency(Duration.ofMillis(ledgerLatencyMs));
        }
        return downstream();
    }

    /** A setting out of its range, e.g. a failure rate above 1. */
    @ExceptionHandler(IllegalArgumentException.class)
    public ProblemDetail badSetting(IllegalArgumentException e) {
        return ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, e.getMessage());
    }

    @GetMapping("/pool")
    public Map<String, Object> pool() {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("name", pool.getPoolName());
        state.put("maximumPoolSize", pool.getMaximumPoolSize());
        HikariPoolMXBean gauges = pool.getHikariPoolMXBean();
        if (gauges != null) {
            state.put("active", gauges.getActiveConnections());
            state.put("idle", gauges.getIdleConnections());
            state.put("total", gauges.getTotalConnections());
            state.put("waiting", gauges.getThreadsAwaitingConnection());
        }
        return state;
    }
}
