package io.holdtrace.it;

import static io.holdtrace.it.AgentRun.findings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.example.scenario.RpcScenario;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Outbound calls made while a connection is held, with every client the agent knows, under the
 * real agent, against a loopback server: each call is found at the hold's call site and at the
 * line that made it, with its target, outcome (an answer, a POST, a 404, a refused connection, a
 * time-out) and time; nested clients (Spring's over the JDK's and Apache's) count once; the token
 * in the query string and the password in the user-info appear in no output: report, summary,
 * stderr, JFR.
 */
class RpcClientsIT {

    private static final Duration LIMIT = Duration.ofSeconds(180);
    static final String[] CLIENTS = {"jdk", "jdk-async", "urlconnection", "httpclient5", "okhttp", "resttemplate",
            "restclient-jdk", "restclient-httpclient5"};

    private static AgentRun.Result run;
    private static JsonNode report;
    private static Path jfr;
    private static int port;

    /** One JVM, one hold per client (each at its own site), recorded with JFR. */
    @BeforeAll
    static void runAllClients() throws Exception {
        assertTrue(Databases.H2.reachable());
        Path dir = Files.createTempDirectory("holdtrace-rpc");
        Path jfc = dir.resolve("holdtrace.jfc");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                AgentRun.agentJar().toString(), "jfc").redirectOutput(jfc.toFile()).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0);
        jfr = dir.resolve("app.jfr");
        List<String> args = new ArrayList<>(List.of("hikari", Databases.H2.url, Databases.H2.user, Databases.H2.password));
        args.addAll(List.of(CLIENTS));
        run = AgentRun.main(RpcScenario.class).agentArgs("threshold=5s,captureBudget=all")
                .jvm("-XX:StartFlightRecording:filename=" + jfr + ",settings=default,settings=" + jfc)
                .args(args.toArray(new String[0])).run(LIMIT).assertOk();
        report = run.report();
        port = Integer.parseInt(run.stdout.replaceAll("(?s).*HTTP-PORT (\\d+).*", "$1"));
    }

    /** The findings at one hold site, by target path; each target once. */
    private static Map<String, JsonNode> byPath(String holdSite) {
        Map<String, JsonNode> out = new HashMap<>();
        for (JsonNode f : findings(report, "rpc-while-holding", holdSite)) {
            JsonNode prev = out.put(f.path("target").path("path").asText(), f);
            assertEquals(null, prev, "one finding per (site, target): " + f);
        }
        return out;
    }

    @ParameterizedTest(name = "{0} ({1})")
    @CsvSource({
            "jdk, jdk-httpclient, call-jdk",
            "jdk-async, jdk-httpclient, call-jdk-async",
            "urlconnection, urlconnection, call-urlconnection",
            "httpclient5, httpclient5, call-httpclient5",
            "okhttp, okhttp, call-okhttp",
            "resttemplate, urlconnection, call-resttemplate",
            "restclient-jdk, jdk-httpclient, call-restclient-jdk",
            "restclient-httpclient5, httpclient5, call-restclient-httpclient5"})
    void eachCallMadeWhileHoldingIsFoundWithItsTargetOutcomeAndTime(String scenario, String client, String callMark) {
        String holdSite = run.site(scenario);
        String callSite = run.site(callMark);
        Map<String, JsonNode> f = byPath(holdSite);
        assertEquals(List.of("/api/down", "/api/login", "/api/missing", "/api/ok", "/api/slow"),
                f.keySet().stream().sorted().collect(Collectors.toList()), "five targets at " + holdSite + ": " + f.values());

        for (JsonNode x : f.values()) {
            assertEquals("rpc-while-holding", x.path("kind").asText());
            assertEquals("scenario-hikari", x.path("pool").asText());
            assertEquals("main", x.path("thread").asText());
            assertEquals(List.of(client), strings(x.path("clients")), "counted once, by the client underneath: " + x);
            assertEquals(1, x.path("calls").asInt(), "one call, counted once however the clients nest: " + x);
            assertEquals(0, x.path("inProgress").asInt());
            assertEquals("http", x.path("target").path("scheme").asText());
            assertEquals("127.0.0.1", x.path("target").path("host").asText());
            // HttpURLConnection's POST begins at getOutputStream(), on the line before the response is read
            String madeAt = scenario.equals("urlconnection") && x.path("target").path("method").asText().equals("POST")
                    ? run.site("call-urlconnection-post") : callSite;
            assertTrue(strings(x.path("callSites")).contains(madeAt), "the line that made the call: " + madeAt + " in " + x);
            assertTrue(x.path("share").asDouble() > 0 && x.path("share").asDouble() <= 1, x.toString());
            assertTrue(x.path("stack").toString().contains(holdSite), "the hold's acquiring stack: " + x);
        }

        JsonNode ok = f.get("/api/ok");
        assertEquals("GET", ok.path("target").path("method").asText());
        assertEquals(port, ok.path("target").path("port").asInt());
        assertEquals("http://127.0.0.1:" + port + "/api/ok", ok.path("target").path("url").asText());
        assertEquals(Map.of("200", 1), outcomes(ok));
        assertEquals(0, ok.path("errors").asInt());
        assertTrue(ok.path("callTime").path("maxMs").asDouble() >= 50, "the server's 50 ms: " + ok);
        assertTrue(ok.path("detail").asText().contains("GET http://127.0.0.1:" + port + "/api/ok 1 time"), ok.toString());

        JsonNode login = f.get("/api/login");
        assertEquals("POST", login.path("target").path("method").asText());
        assertEquals(Map.of("200", 1), outcomes(login));
        assertTrue(login.path("callTime").path("maxMs").asDouble() >= 20, login.toString());

        JsonNode missing = f.get("/api/missing");
        assertEquals(Map.of("404", 1), outcomes(missing), "a 404 is an answer, thrown for or not: " + missing);
        assertEquals(0, missing.path("errors").asInt());

        JsonNode down = f.get("/api/down");
        assertEquals(1, down.path("errors").asInt(), down.toString());
        assertEquals(0, down.path("timeouts").asInt(), down.toString());
        String refused = down.path("outcomes").fieldNames().next();
        assertTrue(refused.endsWith("ConnectException"), "connection refused: " + down);
        assertTrue(down.path("target").path("port").asInt() != port);

        JsonNode slow = f.get("/api/slow");
        assertEquals(1, slow.path("errors").asInt(), slow.toString());
        String how = slow.path("outcomes").fieldNames().next();
        if (scenario.equals("restclient-jdk")) {
            // Spring's JDK request factory enforces its read time-out by cancelling the future
            assertTrue(how.equals("java.util.concurrent.CancellationException") || slow.path("timeouts").asInt() == 1, slow.toString());
        } else {
            assertEquals(1, slow.path("timeouts").asInt(), "a time-out: " + slow);
        }
        double ms = slow.path("callTime").path("maxMs").asDouble();
        assertTrue(ms >= 450 && ms < 1900, "timed until the client's 500 ms time-out, not the server's 2 s: " + slow);
    }

    @Test
    void noTokenPasswordOrUserInfoInAnyOutput() throws Exception {
        AgentRun.Result summary = AgentRun.main("io.holdtrace.agent.HoldtraceAgent").noAgent()
                .classpath(AgentRun.agentJar().toString()).args("summary", run.reportFile.toString())
                .run(Duration.ofSeconds(30)).assertOk();
        assertTrue(summary.stdout.contains("rpc-while-holding"), summary.stdout);
        assertTrue(summary.stdout.contains("GET http://127.0.0.1:" + port + "/api/ok"), summary.stdout);

        String reportText = Files.readString(run.reportFile);
        byte[] recording = Files.readAllBytes(jfr);
        List<String> holdtraceEvents = new ArrayList<>();
        for (RecordedEvent e : RecordingFile.readAllEvents(jfr)) {
            if (e.getEventType().getName().startsWith("holdtrace.")) {
                holdtraceEvents.add(e.toString());
            }
        }
        assertFalse(holdtraceEvents.isEmpty());
        for (String secret : new String[] {RpcScenario.TOKEN, RpcScenario.PASSWORD, RpcScenario.USER, "token=", "frag-"}) {
            assertFalse(reportText.contains(secret), "'" + secret + "' in the report");
            assertFalse(summary.stdout.contains(secret), "'" + secret + "' in the summary");
            assertFalse(run.stderr.contains(secret), "'" + secret + "' on stderr:\n" + run.stderr);
            for (String e : holdtraceEvents) {
                assertFalse(e.contains(secret), "'" + secret + "' in a JFR event: " + e);
            }
        }
        String raw = new String(recording, StandardCharsets.ISO_8859_1);
        for (String secret : new String[] {RpcScenario.TOKEN, RpcScenario.PASSWORD}) {
            assertFalse(raw.contains(secret), "'" + secret + "' anywhere in the recording, the JDK's own events included");
        }
        assertEquals(0, report.path("agent").path("internalErrors").asInt(), run.stderr);
    }

    @Test
    void eachHoldsJfrEventCountsItsCallsAndNamesThem() throws Exception {
        List<RecordedEvent> holds = RecordingFile.readAllEvents(jfr).stream()
                .filter(e -> e.getEventType().getName().equals("holdtrace.Hold")).collect(Collectors.toList());
        for (String scenario : CLIENTS) {
            String site = run.site(scenario);
            List<RecordedEvent> at = holds.stream().filter(e -> site.equals(e.getString("site"))).collect(Collectors.toList());
            assertEquals(1, at.size(), site + ": " + holds);
            RecordedEvent e = at.get(0);
            assertEquals(5, e.getInt("rpcCount"), e.toString());
            assertTrue(e.getDuration("rpcTime").toMillis() >= 500 && e.getDuration("rpcTime").compareTo(e.getDuration()) <= 0, e.toString());
            String calls = e.getString("rpcCalls");
            assertNotNull(calls);
            assertTrue(calls.contains("GET http://127.0.0.1:" + port + "/api/ok 200 "), calls);
            assertTrue(calls.contains("GET http://127.0.0.1:" + port + "/api/missing 404 "), calls);
            assertEquals(5, calls.lines().count(), calls);
        }
        List<RecordedEvent> found = RecordingFile.readAllEvents(jfr).stream()
                .filter(e -> e.getEventType().getName().equals("holdtrace.Finding") && "rpc-while-holding".equals(e.getString("kind")))
                .collect(Collectors.toList());
        assertFalse(found.isEmpty(), "the findings are JFR events too");
    }

    @Test
    void thePoolsAdviceCountsTheTimeHoldsSpentInCalls() {
        JsonNode a = AgentRun.pool(report, "scenario-hikari").path("advice");
        assertEquals(CLIENTS.length, a.path("holdsWithCalls").asInt(), a.toString());
        assertEquals(CLIENTS.length * 5, a.path("callsInHolds").asInt(), a.toString());
        assertTrue(a.path("callShare").asDouble() > 0.5, a.toString());
        assertTrue(a.path("withoutCalls").path("meanHoldMs").asDouble() < a.path("meanHoldMs").asDouble() / 2, a.toString());
        assertEquals(CLIENTS.length * 5, report.path("counts").path("outboundCalls").path("whileHolding").asInt());
    }

    @Test
    void callsMadeWhileNoConnectionIsHeldAreNoFinding() throws Exception {
        AgentRun.Result free = AgentRun.main(RpcScenario.class).agentArgs("threshold=5s,captureBudget=all")
                .args("hikari", Databases.H2.url, Databases.H2.user, Databases.H2.password, "no-hold").run(LIMIT).assertOk();
        JsonNode r = free.report();
        assertTrue(findings(r, "rpc-while-holding", null).isEmpty(), r.path("findings").toString());
        assertEquals(0, r.path("counts").path("outboundCalls").path("whileHolding").asInt());
        assertEquals(0, AgentRun.pool(r, "scenario-hikari").path("advice").path("callsInHolds").asInt());
        assertEquals(6, AgentRun.site(r, free.site("no-hold")).path("acquires").asInt(), "the holds themselves are tracked");
    }

    /** The JDK's own clients are internal classes that change between releases: the newest LTS too. */
    @Test
    void onJava25TheCallsAreFoundAsOn17() throws Exception {
        Path jdk25 = Path.of(System.getProperty("holdtrace.it.jdk25", "/usr/lib/jvm/temurin-25-jdk-amd64"));
        assertTrue(Files.isExecutable(jdk25.resolve("bin").resolve("java")), "the Java 25 JDK is expected at " + jdk25);
        String[] scenarios = {"jdk", "jdk-async", "urlconnection", "okhttp", "restclient-jdk"};
        List<String> args = new ArrayList<>(List.of("hikari", Databases.H2.url, Databases.H2.user, Databases.H2.password));
        args.addAll(List.of(scenarios));
        // a cold JVM's first call was seen to miss the 500 ms time-out on a busy machine: this test
        // looks at the answers only, and 1.5 s still times out the 2 s call
        AgentRun.Result r25 = AgentRun.main(RpcScenario.class).javaHome(jdk25.toString()).agentArgs("threshold=5s,captureBudget=all")
                .jvm("-Dscenario.timeoutMs=1500")
                .args(args.toArray(new String[0])).run(LIMIT).assertOk();
        JsonNode r = r25.report();
        int p25 = Integer.parseInt(r25.stdout.replaceAll("(?s).*HTTP-PORT (\\d+).*", "$1"));
        for (String scenario : scenarios) {
            List<JsonNode> f = findings(r, "rpc-while-holding", r25.site(scenario));
            if (scenario.equals("restclient-jdk") && f.size() == 4) {
                // Spring's JDK request factory enforces its read time-out by cancelling the send's
                // future; the cancelled exchange completes on HttpClient's own thread, and is counted
                // only if that happens before the hold ends (a race, documented in README). The four
                // calls that ended on the holding thread must all be there.
                assertTrue(f.stream().noneMatch(x -> x.path("target").path("path").asText().equals("/api/slow")), f.toString());
            } else {
                assertEquals(5, f.size(), scenario + ": " + f);
            }
            JsonNode ok = f.stream().filter(x -> x.path("target").path("path").asText().equals("/api/ok")).findFirst().orElseThrow();
            assertEquals("http://127.0.0.1:" + p25 + "/api/ok", ok.path("target").path("url").asText());
            assertEquals(1, ok.path("outcomes").path("200").asInt(), ok.toString());
        }
        assertEquals(0, r.path("agent").path("internalErrors").asInt(), r25.stderr);
    }

    @Test
    void theClientHooksSwitchOffByName() throws Exception {
        AgentRun.Result off = AgentRun.main(RpcScenario.class)
                .agentArgs("threshold=5s,exclude=jdk-httpclient:urlconnection:httpclient5:okhttp")
                .args("hikari", Databases.H2.url, Databases.H2.user, Databases.H2.password, "jdk", "okhttp").run(LIMIT).assertOk();
        JsonNode r = off.report();
        assertTrue(findings(r, "rpc-while-holding", null).isEmpty(), r.path("findings").toString());
        assertEquals(2, AgentRun.pool(r, "scenario-hikari").path("acquires").asInt(), "holds are still tracked");
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static Map<String, Integer> outcomes(JsonNode finding) {
        Map<String, Integer> out = new HashMap<>();
        finding.path("outcomes").fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asInt()));
        return out;
    }
}
