package com.example.scenario;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLContext;

/**
 * A loopback HTTP server whose every answer is controlled by the request's query string:
 * {@code ?delay=MS&status=CODE} (defaults 0 and 200). Any path answers; the query may carry other
 * parameters (a token) that the agent must never show. Bound to 127.0.0.1 only. Plain HTTP, or
 * HTTPS with the server key of an {@link SSLContext} ({@link #https}).
 */
public final class LoopbackHttp implements AutoCloseable {

    private final HttpServer server;
    private final ExecutorService workers;
    private final String scheme;

    public LoopbackHttp() throws IOException {
        this(null);
    }

    /** An HTTPS server presenting the key of {@code tls}. */
    public static LoopbackHttp https(SSLContext tls) throws IOException {
        return new LoopbackHttp(tls);
    }

    private LoopbackHttp(SSLContext tls) throws IOException {
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", 0);
        if (tls == null) {
            server = HttpServer.create(address, 200);
            scheme = "http";
        } else {
            HttpsServer s = HttpsServer.create(address, 200);
            s.setHttpsConfigurator(new HttpsConfigurator(tls));
            server = s;
            scheme = "https";
        }
        workers = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "loopback-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(workers);
        server.createContext("/", exchange -> {
            try (exchange) {
                try (InputStream in = exchange.getRequestBody()) {
                    in.readAllBytes();
                }
                String q = exchange.getRequestURI().getRawQuery();
                long delay = param(q, "delay", 0);
                int status = (int) param(q, "status", 200);
                if (delay > 0) {
                    Thread.sleep(delay);
                }
                byte[] body = ("{\"status\":" + status + "}").getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(status, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException clientGone) {
                // the client timed out and hung up: nothing to answer
            }
        });
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** {@code http://127.0.0.1:PORT} (or https) + path. */
    public String url(String pathAndQuery) {
        return scheme + "://127.0.0.1:" + port() + pathAndQuery;
    }

    /** A loopback port nobody listens on: a call there is refused. */
    public static int deadPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static long param(String query, String name, long dflt) {
        if (query == null) {
            return dflt;
        }
        for (String p : query.split("&")) {
            if (p.startsWith(name + "=")) {
                return Long.parseLong(p.substring(name.length() + 1));
            }
        }
        return dflt;
    }

    @Override
    public void close() {
        server.stop(0);
        workers.shutdownNow();
    }
}
