package io.holdtrace.it;

import static io.holdtrace.it.AgentRun.findings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.example.scenario.RpcScenario;
import com.example.scenario.RpcTlsScenario;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * HTTPS calls made while a connection is held, under the real agent: a loopback HTTPS server with
 * a key generated for the run (keytool, self-signed, for IP 127.0.0.1), which the clients trust
 * through the JVM's trust store. Each call is found with scheme {@code https}, host, port, path
 * and status, and the token in its query string appears nowhere in the report or on stderr.
 * {@code HttpsURLConnection} is the https face of the same JDK implementation as
 * {@code HttpURLConnection}, so its calls must be found as the latter's are.
 */
class RpcTlsIT {

    private static final String PASSWORD = "holdtrace-test";
    static final String[] CLIENTS = {"jdk", "urlconnection", "okhttp", "httpclient5"};

    private static AgentRun.Result run;
    private static JsonNode report;
    private static int port;

    @BeforeAll
    static void runAllClientsOverTls() throws Exception {
        assertTrue(Databases.H2.reachable());
        Path dir = Files.createTempDirectory("holdtrace-tls");
        Path keystore = dir.resolve("server.p12");
        Path cert = dir.resolve("server.cer");
        Path truststore = dir.resolve("trust.p12");
        keytool("-genkeypair", "-alias", "loopback", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=127.0.0.1",
                "-ext", "san=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12", "-keystore", keystore.toString(),
                "-storepass", PASSWORD, "-keypass", PASSWORD);
        keytool("-exportcert", "-alias", "loopback", "-keystore", keystore.toString(), "-storepass", PASSWORD,
                "-file", cert.toString());
        keytool("-importcert", "-noprompt", "-alias", "loopback", "-file", cert.toString(), "-storetype", "PKCS12",
                "-keystore", truststore.toString(), "-storepass", PASSWORD);

        List<String> args = new ArrayList<>(List.of("hikari", Databases.H2.url, Databases.H2.user, Databases.H2.password));
        args.addAll(List.of(CLIENTS));
        run = AgentRun.main(RpcTlsScenario.class).agentArgs("threshold=30s,captureBudget=all")
                .jvm("-Dscenario.keystore=" + keystore, "-Dscenario.keystorePassword=" + PASSWORD,
                        "-Djavax.net.ssl.trustStore=" + truststore, "-Djavax.net.ssl.trustStorePassword=" + PASSWORD,
                        "-Djavax.net.ssl.trustStoreType=PKCS12",
                        "-Dscenario.timeoutMs=20000") // a first TLS handshake on a busy machine: no time-out, an answer
                .args(args.toArray(new String[0])).run(Duration.ofSeconds(180)).assertOk();
        report = run.report();
        port = Integer.parseInt(run.stdout.replaceAll("(?s).*HTTPS-PORT (\\d+).*", "$1"));
    }

    private static void keytool(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "keytool hung");
        assertEquals(0, p.exitValue(), "keytool " + String.join(" ", args) + ":\n" + out);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"jdk, jdk-httpclient", "urlconnection, urlconnection", "okhttp, okhttp", "httpclient5, httpclient5"})
    void anHttpsCallMadeWhileHoldingIsFoundWithItsSchemeTargetAndStatus(String scenario, String client) {
        assertTrue(run.stdout.contains("CALL GET 200") && run.stdout.contains("CALL GET 404"), "the calls were answered: " + run.stdout);
        String site = run.site("tls-" + scenario);
        Map<String, JsonNode> byPath = new HashMap<>();
        for (JsonNode f : findings(report, "rpc-while-holding", site)) {
            assertEquals(null, byPath.put(f.path("target").path("path").asText(), f), "one finding per target: " + f);
        }
        assertEquals(2, byPath.size(), "two targets at " + site + ": " + report.path("findings"));

        JsonNode ok = byPath.get("/api/secure");
        JsonNode target = ok.path("target");
        assertEquals("GET", target.path("method").asText());
        assertEquals("https", target.path("scheme").asText(), ok.toString());
        assertEquals("127.0.0.1", target.path("host").asText());
        assertEquals(port, target.path("port").asInt());
        assertEquals("/api/secure", target.path("path").asText());
        assertEquals("https://127.0.0.1:" + port + "/api/secure", target.path("url").asText());
        assertEquals(List.of(client), texts(ok.path("clients")), ok.toString());
        assertEquals(1, ok.path("calls").asInt(), "counted once: " + ok);
        assertEquals(1, ok.path("outcomes").path("200").asInt(), ok.toString());
        assertEquals(0, ok.path("errors").asInt(), ok.toString());
        assertTrue(ok.path("callTime").path("maxMs").asDouble() >= 30, "the server's 30 ms: " + ok);

        JsonNode missing = byPath.get("/api/missing");
        assertEquals("https://127.0.0.1:" + port + "/api/missing", missing.path("target").path("url").asText());
        assertEquals(1, missing.path("outcomes").path("404").asInt(), missing.toString());
        assertEquals(0, missing.path("errors").asInt(), missing.toString());
    }

    @Test
    void theTokenInTheQueryStringIsNeverShown() throws Exception {
        String reportText = Files.readString(run.reportFile);
        assertTrue(reportText.contains("https://127.0.0.1:" + port + "/api/secure"), "the calls are in the report");
        for (String secret : new String[] {RpcScenario.TOKEN, "token=", "status=404", "delay="}) {
            assertFalse(reportText.contains(secret), "'" + secret + "' in the report");
            assertFalse(run.stderr.contains(secret), "'" + secret + "' on stderr:\n" + run.stderr);
        }
        assertEquals(0, report.path("agent").path("internalErrors").asInt(), run.stderr);
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
