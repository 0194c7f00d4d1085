package com.example.scenario;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.RequestBody;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.util.Timeout;
import org.springframework.http.HttpMethod;
import org.springframework.http.client.HttpComponentsClientHttpRequestFactory;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.http.client.SimpleClientHttpRequestFactory;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestClientResponseException;
import org.springframework.web.client.RestTemplate;

/**
 * Outbound HTTP calls made while a connection is held, with each client the agent knows, to a
 * loopback server: an answer, a POST, a 404, a refused connection and a time-out, in one hold per
 * client. The URLs carry a token in the query string and a password in the user-info, which the
 * agent must never show. Call sites are marked: the hold's ({@code CLIENT}) and the call's
 * ({@code call-CLIENT}).
 *
 * <p>Usage: {@code RpcScenario POOL URL USER PASSWORD SCENARIO...}; SCENARIO is a client name
 * (jdk, jdk-async, urlconnection, httpclient5, okhttp, resttemplate, restclient-jdk,
 * restclient-httpclient5), {@code no-hold}, or {@code incident}.
 */
public final class RpcScenario {

    /** In the query string of the calls: must appear in no output of the agent. */
    public static final String TOKEN = "qs-secret-7f3a91";
    /** In the user-info of the calls: likewise. */
    public static final String PASSWORD = "ui-secret-c2e8b0";
    public static final String USER = "rpcuser";
    /** Client connect and read time-out; the slow call takes longer. {@code -Dscenario.timeoutMs} changes it. */
    static final int TIMEOUT_MS = Integer.getInteger("scenario.timeoutMs", 500);
    static final int SLOW_MS = 2000;

    private RpcScenario() {
    }

    public static void main(String[] args) throws Exception {
        Pools.Handle handle = Pools.open(args[0], args[1], args[2], args[3].equals("-") ? "" : args[3]);
        try (LoopbackHttp http = new LoopbackHttp()) {
            System.out.println("HTTP-PORT " + http.port());
            for (int i = 4; i < args.length; i++) {
                run(args[i], handle.dataSource, http);
            }
        }
        handle.close();
        System.out.println("DONE");
    }

    static void run(String scenario, DataSource ds, LoopbackHttp http) throws Exception {
        switch (scenario) {
            case "no-hold": noHold(ds, http); break;
            case "incident": incident(ds, http); break;
            default: oneHold(scenario, ds, http); break;
        }
    }

    /**
     * The calls each client makes, as the test expects them: an answer after 50 ms (with user-info
     * in its URL, for the clients that accept it: Apache HttpClient 5 refuses it), a POST, a 404, a
     * refused connection, a time-out. Every query string carries the token.
     */
    static void calls(Connection held, Caller caller, LoopbackHttp http, boolean userInfo) throws Exception {
        query(held);
        int dead = LoopbackHttp.deadPort();
        String secret = "?token=" + TOKEN;
        attempt(caller, "GET", "http://" + (userInfo ? USER + ":" + PASSWORD + "@" : "") + "127.0.0.1:" + http.port()
                + "/api/ok" + secret + "&delay=50#frag-" + TOKEN);
        attempt(caller, "POST", http.url("/api/login" + secret + "&delay=20"));
        attempt(caller, "GET", http.url("/api/missing" + secret + "&status=404"));
        attempt(caller, "GET", "http://127.0.0.1:" + dead + "/api/down" + secret);
        attempt(caller, "GET", http.url("/api/slow" + secret + "&delay=" + SLOW_MS));
    }

    private static void attempt(Caller caller, String method, String url) {
        try {
            System.out.println("CALL " + method + " " + caller.call(method, url));
        } catch (Exception e) {
            System.out.println("CALL " + method + " failed: " + e.getClass().getName());
        }
    }

    /** One hold per client, each at a call site of its own, making the calls of {@link #calls}. */
    static void oneHold(String client, DataSource ds, LoopbackHttp http) throws Exception {
        Caller k = caller(client);
        boolean ui = !client.endsWith("httpclient5");
        switch (client) {
            case "jdk": try (Connection c = ds.getConnection()) { Sites.mark(client); calls(c, k, http, ui); } break;
            case "jdk-async": try (Connection c = ds.getConnection()) { Sites.mark(client); calls(c, k, http, ui); } break;
            case "urlconnection": try (Connection c = ds.getConnection()) { Sites.mark(client); calls(c, k, http, ui); } break;
            case "httpclient5": try (Connection c = ds.getConnection()) { Sites.mark(client); calls(c, k, http, ui); } break;
            case "okhttp": try (Connection c = ds.getConnection()) { Sites.mark(client); calls(c, k, http, ui); } break;
            case "resttemplate": try (Connection c = ds.getConnection()) { Sites.mark(client); calls(c, k, http, ui); } break;
            case "restclient-jdk": try (Connection c = ds.getConnection()) { Sites.mark(client); calls(c, k, http, ui); } break;
            case "restclient-httpclient5": try (Connection c = ds.getConnection()) { Sites.mark(client); calls(c, k, http, ui); } break;
            default: throw new IllegalArgumentException("unknown scenario " + client);
        }
    }

    /** Calls made while no connection is held: before, between and after holds, and on another thread. */
    static void noHold(DataSource ds, LoopbackHttp http) throws Exception {
        for (String client : new String[] {"jdk", "jdk-async", "urlconnection", "httpclient5", "okhttp", "resttemplate"}) {
            Caller caller = caller(client);
            caller.call("GET", http.url("/free/before"));
            try (Connection c = ds.getConnection()) { Sites.mark("no-hold");
                query(c);
                Thread other = new Thread(() -> {
                    try {
                        caller.call("GET", http.url("/free/other-thread"));
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                }, "not-holding");
                other.start();
                other.join();
            }
            caller.call("GET", http.url("/free/after"));
        }
    }

    /**
     * Incident B: a pool of {@code scenario.poolSize} (10), {@code scenario.callers} (100) threads
     * each taking a connection and, still holding it, making a blocking call to an authentication
     * service that takes {@code scenario.authDelayMs} (200 ms), {@code scenario.requests} (2) times.
     */
    static void incident(DataSource ds, LoopbackHttp http) throws Exception {
        int callers = Integer.getInteger("scenario.callers", 100);
        int requests = Integer.getInteger("scenario.requests", 2);
        long delay = Long.getLong("scenario.authDelayMs", 200);
        Auth auth = new Auth(http.url("/oauth/token?client_secret=" + TOKEN + "&delay=" + delay));
        ExecutorService pool = Executors.newFixedThreadPool(callers, r -> {
            Thread t = new Thread(r, "request");
            t.setDaemon(true);
            return t;
        });
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        for (int i = 0; i < callers; i++) {
            done.add(pool.submit(() -> {
                start.await();
                for (int r = 0; r < requests; r++) {
                    login(ds, auth);
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> f : done) {
            f.get(5, TimeUnit.MINUTES);
        }
        pool.shutdownNow();
    }

    /**
     * One hold past a 500 ms threshold spent mostly in an outbound call (so a long-hold finding
     * sees the call in progress), then a 404 from another target.
     */
    public static void longHoldWithCall(DataSource ds) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        try (LoopbackHttp http = new LoopbackHttp()) {
            try (Connection c = ds.getConnection()) { Sites.mark("rpc");
                query(c);
                client.send(HttpRequest.newBuilder(URI.create(http.url("/api/report?delay=900&token=" + TOKEN))).build(),
                        HttpResponse.BodyHandlers.discarding());
                client.send(HttpRequest.newBuilder(URI.create(http.url("/api/gone?status=404"))).build(),
                        HttpResponse.BodyHandlers.discarding());
            }
        }
    }

    /** A request handler that authenticates while it still holds its connection. */
    static void login(DataSource ds, Auth auth) throws Exception {
        try (Connection c = ds.getConnection()) { Sites.mark("login");
            query(c);
            auth.token();
        }
    }

    /** The "third-party" authentication client: a blocking POST. */
    static final class Auth {
        private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        private final URI uri;

        Auth(String url) {
            this.uri = URI.create(url);
        }

        String token() throws Exception {
            HttpRequest req = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials")).build();
            HttpResponse<String> r = client.send(req, HttpResponse.BodyHandlers.ofString()); Sites.mark("auth-call");
            return r.body();
        }
    }

    static void query(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 1")) {
            rs.next();
        }
    }

    /** One HTTP client: makes a call, returns the status, or throws what the client throws. */
    interface Caller {
        int call(String method, String url) throws Exception;
    }

    static Caller caller(String client) {
        switch (client) {
            case "jdk": return new Jdk(false);
            case "jdk-async": return new Jdk(true);
            case "urlconnection": return new UrlConnection();
            case "httpclient5": return new Hc5();
            case "okhttp": return new OkHttp();
            case "resttemplate": return new SpringTemplate();
            case "restclient-jdk": return new SpringRestClient(new JdkClientHttpRequestFactory(
                    HttpClient.newBuilder().connectTimeout(Duration.ofMillis(TIMEOUT_MS)).build()), "call-restclient-jdk");
            case "restclient-httpclient5": return new SpringRestClient(new HttpComponentsClientHttpRequestFactory(Hc5.client()),
                    "call-restclient-httpclient5");
            default: throw new IllegalArgumentException("unknown client " + client);
        }
    }

    static final class Jdk implements Caller {
        private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofMillis(TIMEOUT_MS)).build();
        private final boolean async;

        Jdk(boolean async) {
            this.async = async;
        }

        @Override
        public int call(String method, String url) throws Exception {
            HttpRequest req = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMillis(TIMEOUT_MS))
                    .method(method, method.equals("POST") ? HttpRequest.BodyPublishers.ofString("a=1") : HttpRequest.BodyPublishers.noBody())
                    .build();
            if (async) {
                // sendAsync joined on the holding thread, as Spring's JdkClientHttpRequest does
                int code = client.sendAsync(req, HttpResponse.BodyHandlers.ofString()).get().statusCode(); Sites.mark("call-jdk-async");
                return code;
            }
            HttpResponse<String> r = client.send(req, HttpResponse.BodyHandlers.ofString()); Sites.mark("call-jdk");
            return r.statusCode();
        }
    }

    static final class UrlConnection implements Caller {
        @Override
        public int call(String method, String url) throws Exception {
            HttpURLConnection c = (HttpURLConnection) new URL(url).openConnection();
            c.setConnectTimeout(TIMEOUT_MS);
            c.setReadTimeout(TIMEOUT_MS);
            c.setRequestMethod(method);
            if (method.equals("POST")) {
                c.setDoOutput(true);
                try (OutputStream out = c.getOutputStream()) { Sites.mark("call-urlconnection-post");
                    out.write("a=1".getBytes(StandardCharsets.UTF_8));
                }
            }
            try {
                int code = c.getResponseCode(); Sites.mark("call-urlconnection");
                try (InputStream in = code < 400 ? c.getInputStream() : c.getErrorStream()) {
                    if (in != null) {
                        in.readAllBytes();
                    }
                }
                return code;
            } finally {
                c.disconnect();
            }
        }
    }

    static final class Hc5 implements Caller {
        private final CloseableHttpClient client = client();

        static CloseableHttpClient client() {
            return HttpClients.custom().setDefaultRequestConfig(RequestConfig.custom()
                    .setResponseTimeout(Timeout.ofMilliseconds(TIMEOUT_MS)).build()).build();
        }

        @Override
        public int call(String method, String url) throws Exception {
            HttpUriRequestBase req = new HttpUriRequestBase(method, URI.create(url));
            if (method.equals("POST")) {
                req.setEntity(new StringEntity("a=1", ContentType.APPLICATION_FORM_URLENCODED));
            }
            int code = client.execute(req, r -> { EntityUtils.consume(r.getEntity()); return r.getCode(); }); Sites.mark("call-httpclient5");
            return code;
        }
    }

    static final class OkHttp implements Caller {
        private final OkHttpClient client = new OkHttpClient.Builder().connectTimeout(Duration.ofMillis(TIMEOUT_MS))
                .readTimeout(Duration.ofMillis(TIMEOUT_MS)).build();

        @Override
        public int call(String method, String url) throws Exception {
            okhttp3.Request req = new okhttp3.Request.Builder().url(url)
                    .method(method, method.equals("POST") ? RequestBody.create("a=1", MediaType.get("application/x-www-form-urlencoded")) : null)
                    .build();
            try (okhttp3.Response r = client.newCall(req).execute()) { Sites.mark("call-okhttp");
                return r.code();
            }
        }
    }

    static final class SpringTemplate implements Caller {
        private final RestTemplate template;

        SpringTemplate() {
            SimpleClientHttpRequestFactory f = new SimpleClientHttpRequestFactory();
            f.setConnectTimeout(TIMEOUT_MS);
            f.setReadTimeout(TIMEOUT_MS);
            template = new RestTemplate(f);
        }

        @Override
        public int call(String method, String url) throws Exception {
            try {
                // a URI, so RestTemplate does not expand (and re-encode) the query
                int code = template.exchange(URI.create(url), HttpMethod.valueOf(method), null, String.class).getStatusCode().value(); Sites.mark("call-resttemplate");
                return code;
            } catch (RestClientResponseException e) {
                return e.getStatusCode().value();
            }
        }
    }

    static final class SpringRestClient implements Caller {
        private final RestClient client;
        private final String mark;

        SpringRestClient(org.springframework.http.client.ClientHttpRequestFactory f, String mark) {
            this.mark = mark;
            if (f instanceof JdkClientHttpRequestFactory) {
                ((JdkClientHttpRequestFactory) f).setReadTimeout(Duration.ofMillis(TIMEOUT_MS));
            }
            client = RestClient.builder().requestFactory(f).build();
        }

        @Override
        public int call(String method, String url) throws Exception {
            try {
                int code = client.method(HttpMethod.valueOf(method)).uri(URI.create(url)).retrieve().toBodilessEntity().getStatusCode().value(); Sites.mark(mark);
                return code;
            } catch (RestClientResponseException e) {
                return e.getStatusCode().value();
            }
        }
    }
}
