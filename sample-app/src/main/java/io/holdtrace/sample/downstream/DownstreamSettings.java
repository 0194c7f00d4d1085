package io.holdtrace.sample.downstream;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * How the in-JVM downstream service behaves. Bound from {@code sample.downstream.*} at start-up;
 * latency and failures can then be changed while the app runs ({@code POST /admin/downstream}),
 * so one load test can compare a fast and a slow dependency.
 */
@ConfigurationProperties("sample.downstream")
public class DownstreamSettings {

    private static final Duration MAX_LATENCY = Duration.ofMinutes(2);

    /** Loopback port of the downstream service; 0 takes any free port. */
    private int port = 0;
    /** Threads serving downstream requests; each sleeps through its latency. */
    private int threads = 32;
    /** How long the app's RestClient waits for a downstream answer. */
    private Duration readTimeout = Duration.ofSeconds(10);

    private volatile Duration authLatency = Duration.ofMillis(200);
    private volatile double authFailureRate = 0.0;
    private volatile int authFailureStatus = 503;
    private volatile Duration ledgerLatency = Duration.ofMillis(20);

    public int getPort() {
        return port;
    }

    public void setPort(int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("sample.downstream.port must be 0..65535, not " + port);
        }
        this.port = port;
    }

    public int getThreads() {
        return threads;
    }

    public void setThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("sample.downstream.threads must be at least 1");
        }
        this.threads = threads;
    }

    public Duration getReadTimeout() {
        return readTimeout;
    }

    public void setReadTimeout(Duration readTimeout) {
        this.readTimeout = readTimeout;
    }

    public Duration getAuthLatency() {
        return authLatency;
    }

    public void setAuthLatency(Duration authLatency) {
        this.authLatency = checkLatency("auth-latency", authLatency);
    }

    public double getAuthFailureRate() {
        return authFailureRate;
    }

    public void setAuthFailureRate(double authFailureRate) {
        if (!(authFailureRate >= 0.0 && authFailureRate <= 1.0)) {
            throw new IllegalArgumentException("sample.downstream.auth-failure-rate must be 0..1, not " + authFailureRate);
        }
        this.authFailureRate = authFailureRate;
    }

    public int getAuthFailureStatus() {
        return authFailureStatus;
    }

    public void setAuthFailureStatus(int authFailureStatus) {
        if (authFailureStatus < 400 || authFailureStatus > 599) {
            throw new IllegalArgumentException("sample.downstream.auth-failure-status must be 400..599, not " + authFailureStatus);
        }
        this.authFailureStatus = authFailureStatus;
    }

    public Duration getLedgerLatency() {
        return ledgerLatency;
    }

    public void setLedgerLatency(Duration ledgerLatency) {
        this.ledgerLatency = checkLatency("ledger-latency", ledgerLatency);
    }

    private static Duration checkLatency(String name, Duration latency) {
        if (latency.isNegative() || latency.compareTo(MAX_LATENCY) > 0) {
            throw new IllegalArgumentException("sample.downstream." + name + " must be 0.." + MAX_LATENCY + ", not " + latency);
        }
        return latency;
    }
}
