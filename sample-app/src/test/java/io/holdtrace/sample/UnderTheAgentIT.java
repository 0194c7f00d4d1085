package io.holdtrace.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.net.InetSocketAddress;
import java.net.Socket;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The packaged sample app (a Spring Boot fat jar: its classes load through Boot's nested-jar class
 * loader) under the packaged agent, stopped the way an operator stops it, with SIGTERM, on embedded
 * H2 and on the PostgreSQL server. The agent must weave the pool inside the fat jar, attribute
 * holds to the app's own methods, and report each incident with its kind and exact method: A (the
 * singleton that captured a connection), B (the auth call made while holding), C (the 404 from a
 * removed endpoint, while holding), the leak; and nothing on the healthy endpoints.
 */
class UnderTheAgentIT {

    private static final String PKG = "io.holdtrace.sample.";

    @ParameterizedTest(name = "on {0}")
    @ValueSource(strings = {"h2", "postgres"})
    void theFatJarUnderTheAgentReportsItsIncidentsAndNothingOnHealthyEndpoints(String db) throws Exception {
        if (db.equals("postgres")) {
            assertTrue(listening(5432), "PostgreSQL is not listening on 127.0.0.1:5432 (.ci/run starts it)");
        }
        Path agent = Paths.get(System.getProperty("holdtrace.agentJar"));
        Path jar = Paths.get(System.getProperty("sample.jar"));
        assertTrue(Files.isRegularFile(agent), "agent jar: " + agent);
        assertTrue(Files.isRegularFile(jar), "sample app jar: " + jar);
        Path dir = Files.createTempDirectory("sample-under-agent");
        Path report = dir.resolve("report.json");
        Path portFile = dir.resolve("port");
        Path log = dir.resolve("app.log");
        List<String> cmd = List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(), "-Xshare:off",
                "-javaagent:" + agent + "=report=" + report + ",threshold=1s,reportInterval=0,captureBudget=all",
                "-jar", jar.toString(), "--db=" + db, "--server.port=0", "--sample.port-file=" + portFile,
                "--sample.downstream.auth-latency=20ms");
        Process app = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            String base = "http://127.0.0.1:" + awaitPort(app, portFile, log);
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            List<String> paths = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                paths.addAll(List.of("/healthy/orders", "/healthy/pay", "/healthy/report", "/a/report", "/leak", "/b/checkout",
                        "/c/legacy"));
            }
            for (String p : paths) {
                http.send(HttpRequest.newBuilder(URI.create(base + p)).timeout(Duration.ofSeconds(20)).build(),
                        HttpResponse.BodyHandlers.discarding());
            }
            Thread.sleep(1500); // the leaked connections pass the 1 s threshold
        } finally {
            app.destroy(); // SIGTERM: Spring closes the pool, the agent writes its report
            if (!app.waitFor(60, TimeUnit.SECONDS)) {
                app.destroyForcibly();
                fail("the app did not stop within 60 s; log: " + Files.readString(log));
            }
        }
        String output = Files.readString(log);
        assertTrue(Files.isRegularFile(report), "no report; app log:\n" + output);
        assertFalse(output.contains("internal error"), output);
        JsonNode r = new ObjectMapper().readTree(report.toFile());

        JsonNode pool = null;
        for (JsonNode p : r.path("pools")) {
            if (p.path("name").asString().equals("sample")) {
                pool = p;
            }
        }
        assertTrue(pool != null && pool.path("type").asString().equals("hikari"), r.path("pools").toString());
        assertEquals(10, pool.path("maxSize").asInt());

        long healthyOrders = 0;
        for (JsonNode s : r.path("sites")) {
            if (s.path("site").asString().startsWith(PKG + "shop.ShopRepository.recentOrders(")) {
                healthyOrders += s.path("acquires").asLong();
            }
        }
        assertEquals(10, healthyOrders, "the JdbcTemplate read is attributed to the repository method: " + r.path("sites"));

        boolean leakFound = false;
        boolean captiveFound = false;
        for (JsonNode f : r.path("findings")) {
            String site = f.path("site").asString();
            String stack = f.path("stack").toString();
            assertFalse(site.contains(".healthy.") || site.contains("ShopRepository") || stack.contains("PerCallReportingService"),
                    "no finding on a healthy endpoint: " + f);
            String kind = f.path("kind").asString();
            if (site.startsWith(PKG + "leak.OrderExportService.exportCsv(") && (kind.equals("leak") || kind.equals("gc-unclosed"))) {
                leakFound = true;
            }
            if (site.startsWith(PKG + "captive.DataConnection.<init>(") && kind.equals("leak")) {
                captiveFound = true; // taken at start-up by 'main', which has ended, and never given back
            }
        }
        assertTrue(leakFound, "the connection leaked on the exception path: " + r.path("findings"));

        // incident A, named by the container: the singleton that captured the connection-taking prototype
        JsonNode captive = null;
        for (JsonNode f : r.path("findings")) {
            if (f.path("kind").asString().equals("captive-dependency")) {
                captive = f;
            }
        }
        assertTrue(captive != null, "captive-dependency: " + r.path("findings"));
        assertEquals("reportingService", captive.path("longLived").path("name").asString(), captive.toString());
        assertEquals("singleton", captive.path("longLived").path("scope").asString(), captive.toString());
        assertEquals("dataConnection", captive.path("captured").path("name").asString(), captive.toString());
        assertEquals("prototype", captive.path("captured").path("scope").asString(), captive.toString());
        assertTrue(captive.path("open").asBoolean() || captive.path("endReason").asString().equals("pool-shutdown"), captive.toString());

        // incident B's hold is owned by the @Transactional method, named beside the caller's line
        boolean checkout = false;
        for (JsonNode site : r.path("sites")) {
            checkout |= site.path("transactional").asString().equals(PKG + "checkout.CheckoutService.checkout");
        }
        assertTrue(checkout, "the transactional method of /b/checkout: " + r.path("sites"));

        // incident B: the auth call made while the checkout transaction holds its connection
        JsonNode b = rpcFinding(r, "POST", "/auth/token", PKG + "checkout.CheckoutController.checkout(");
        assertEquals(PKG + "checkout.CheckoutService.checkout", b.path("transactional").asString(), b.toString());
        assertEquals(10, b.path("calls").asInt(), b + "\ncounts: " + r.path("counts") + "\nsites: " + r.path("sites"));
        assertEquals(10, b.path("outcomes").path("200").asInt(), b.toString());
        assertTrue(b.path("callSites").toString().contains(PKG + "downstream.DownstreamClient.authToken("), b.toString());
        assertTrue(b.path("callTime").path("meanMs").asDouble() >= 20.0, "the auth latency is 20 ms: " + b);
        assertTrue(b.path("share").asDouble() > 0.0 && b.path("share").asDouble() <= 1.0, b.toString());
        assertEquals("http", b.path("target").path("scheme").asString(), b.toString());
        assertEquals("127.0.0.1", b.path("target").path("host").asString(), b.toString());

        // incident C: the removed endpoint answers 404 while the repricing transaction holds its connection
        JsonNode c = rpcFinding(r, "GET", "/legacy/discounts/{id}", PKG + "legacy.LegacyPricingController.reprice(");
        assertEquals(PKG + "legacy.LegacyPricingService.reprice", c.path("transactional").asString(), c.toString());
        assertEquals(10, c.path("outcomes").path("404").asInt(), c.toString());
        assertEquals(1, c.path("outcomes").size(), "every call answered 404: " + c);
        assertTrue(c.path("callSites").toString().contains(PKG + "downstream.DownstreamClient.legacyDiscount("), c.toString());
        assertTrue(captiveFound, "the connection the singleton captured at start-up: " + r.path("findings"));
    }

    /** The one rpc-while-holding finding for this target at a site starting with {@code sitePrefix}. */
    private static JsonNode rpcFinding(JsonNode report, String method, String path, String sitePrefix) {
        JsonNode found = null;
        for (JsonNode f : report.path("findings")) {
            if (f.path("kind").asString().equals("rpc-while-holding") && f.path("target").path("method").asString().equals(method)
                    && f.path("target").path("path").asString().equals(path) && f.path("site").asString().startsWith(sitePrefix)) {
                assertTrue(found == null, "one finding per (pool, site, target): " + report.path("findings"));
                found = f;
            }
        }
        assertTrue(found != null, "rpc-while-holding " + method + " " + path + " at " + sitePrefix + ": " + report.path("findings"));
        return found;
    }

    private static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int awaitPort(Process app, Path portFile, Path log) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            if (Files.isRegularFile(portFile) && !Files.readString(portFile).isBlank()) {
                return Integer.parseInt(Files.readString(portFile).trim());
            }
            if (!app.isAlive()) {
                fail("the app exited during start-up:\n" + Files.readString(log));
            }
            Thread.sleep(100);
        }
        fail("the app was not ready within 90 s:\n" + Files.readString(log));
        return -1;
    }
}
