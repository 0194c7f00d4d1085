package io.holdtrace.sample.downstream;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The services the shop depends on, served from the same JVM on a loopback port so that the
 * sample needs nothing outside itself. It answers:
 * <ul>
 *   <li>{@code POST /auth/token}: an auth token, after {@code authLatency}; fails with
 *       {@code authFailureStatus} for a share {@code authFailureRate} of calls;</li>
 *   <li>{@code GET /ledger/{id}}: a ledger entry, after {@code ledgerLatency}.</li>
 * </ul>
 * Everything else, {@code /legacy/...} included, is 404: that endpoint was removed (incident C).
 */
public final class DownstreamServer implements AutoCloseable {

    private final HttpServer server;
    private final ExecutorService workers;
    private final DownstreamSettings settings;
    private final LongAdder authRequests = new LongAdder();
    private final LongAdder ledgerRequests = new LongAdder();
    private final AtomicInteger tokens = new AtomicInteger();

    private DownstreamServer(HttpServer server, ExecutorService workers, DownstreamSettings settings) {
        this.server = server;
        this.workers = workers;
        this.settings = settings;
    }

    public static DownstreamServer start(DownstreamSettings settings) throws IOException {
        HttpServer server = HttpServer.create(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), settings.getPort()), 50);
        AtomicInteger threadNumber = new AtomicInteger();
        ExecutorService workers = Executors.newFixedThreadPool(settings.getThreads(), task -> {
            Thread t = new Thread(task, "downstream-" + threadNumber.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        DownstreamServer downstream = new DownstreamServer(server, workers, settings);
        server.createContext("/auth/token", downstream::authToken);
        server.createContext("/ledger/", downstream::ledger);
        server.setExecutor(workers);
        server.start();
        return downstream;
    }

    public URI baseUri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Auth requests received so far, counted when they arrive, before the latency. */
    public long authRequests() {
        return authRequests.sum();
    }

    public long ledgerRequests() {
        return ledgerRequests.sum();
    }

    private void authToken(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!exchange.getRequestURI().getPath().equals("/auth/token")) {
                respond(exchange, 404, "not found");
                return;
            }
            if (!exchange.getRequestMethod().equals("POST")) {
                respond(exchange, 405, "POST only");
                return;
            }
            authRequests.increment();
            exchange.getRequestBody().readAllBytes();
            if (!pause(settings.getAuthLatency())) {
                respond(exchange, 503, "shutting down");
            } else if (ThreadLocalRandom.current().nextDouble() < settings.getAuthFailureRate()) {
                respond(exchange, settings.getAuthFailureStatus(), "auth failed (simulated)");
            } else {
                respond(exchange, 200, "tok-" + tokens.incrementAndGet());
            }
        }
    }

    private void ledger(HttpExchange exchange) throws IOException {
        try (exchange) {
            String id = exchange.getRequestURI().getPath().substring("/ledger/".length());
            if (!exchange.getRequestMethod().equals("GET") || !id.matches("\\d{1,18}")) {
                respond(exchange, 404, "not found");
                return;
            }
            ledgerRequests.increment();
            if (!pause(settings.getLedgerLatency())) {
                respond(exchange, 503, "shutting down");
            } else {
                respond(exchange, 200, "ledger " + id + ": balanced");
            }
        }
    }

    /** Sleeps through a simulated latency; false when interrupted by shutdown. */
    private static boolean pause(Duration latency) {
        try {
            Thread.sleep(latency.toMillis());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        workers.shutdownNow();
    }
}
