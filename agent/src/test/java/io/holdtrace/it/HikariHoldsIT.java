package io.holdtrace.it;

import static io.holdtrace.it.AgentRun.findings;
import static io.holdtrace.it.AgentRun.pool;
import static io.holdtrace.it.AgentRun.site;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.example.scenario.OtherAgent;
import com.example.scenario.PoolScenario;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** HikariCP under the real agent: every way a hold ends, every finding, on real databases. */
class HikariHoldsIT {

    private static final Duration LIMIT = Duration.ofSeconds(60);

    static AgentRun.Result scenario(Databases db, String agentArgs, String... scenarios) throws Exception {
        return scenarioIn(db, agentArgs, new String[0], scenarios);
    }

    /** {@link #scenario} with more JVM arguments. */
    static AgentRun.Result scenarioIn(Databases db, String agentArgs, String[] jvm, String... scenarios) throws Exception {
        assertTrue(db.reachable(), db + " must be running for the integration tests: " + db.url);
        String[] args = new String[4 + scenarios.length];
        args[0] = "hikari";
        args[1] = db.url;
        args[2] = db.user;
        args[3] = db.password;
        System.arraycopy(scenarios, 0, args, 4, scenarios.length);
        return AgentRun.main(PoolScenario.class).agentArgs(agentArgs).jvm("-Dscenario.holdMs=900").jvm(jvm).args(args)
                .run(LIMIT).assertOk();
    }

    /**
     * Another agent retransforms the HikariCP classes that holdtrace rewrote as they loaded: the
     * JVM accepts it (holdtrace gives the classes the same fields and interfaces again) and the
     * slot path and its hooks work on, every checkout counted and returned.
     */
    @Test
    void anotherAgentsRetransformationKeepsTheSlotPath() throws Exception {
        Path other = Files.createTempFile("other-agent", ".jar");
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        m.getMainAttributes().putValue("Premain-Class", OtherAgent.class.getName());
        m.getMainAttributes().putValue("Can-Retransform-Classes", "true");
        try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(other), m)) {
            // the class itself is on the application's class path
        }
        try {
            AgentRun.Result run = scenarioIn(Databases.H2, "threshold=5s", new String[] {"-javaagent:" + other},
                    "retransform-hikari");
            assertTrue(run.stdout.contains("RETRANSFORMED 4"), run.stdout + run.stderr);
            assertTrue(run.stdout.contains("SLOT-PATH true"), run.stdout);
            JsonNode r = run.report();
            JsonNode site = site(r, run.site("after-retransform"));
            assertEquals(5, site.path("acquires").asInt(), site.toString());
            assertEquals(5, site.path("hold").path("count").asInt(), site.toString());
            assertEquals(0, site.path("open").asInt(), site.toString());
            assertEquals(0, pool(r, "scenario-hikari").path("inUse").asInt());
            assertEquals(0, r.path("agent").path("internalErrors").asInt(), run.stderr);
        } finally {
            Files.deleteIfExists(other);
        }
    }

    @ParameterizedTest
    @EnumSource(Databases.class)
    void everyEndOfAHoldIsCountedOnceAndNoneIsAFinding(Databases db) throws Exception {
        AgentRun.Result run = scenario(db, "threshold=5s", "close", "double-close", "close-other-thread", "abort", "evict");
        JsonNode r = run.report();

        assertEquals(20, site(r, run.site("close")).path("acquires").asInt());
        for (String s : new String[] {"double-close", "close-other-thread", "abort", "evict"}) {
            JsonNode site = site(r, run.site(s));
            assertEquals(1, site.path("acquires").asInt(), s);
            assertEquals(0, site.path("open").asInt(), s);
            assertEquals(1, site.path("hold").path("count").asInt(), s + ": the hold ended exactly once");
        }
        JsonNode pool = pool(r, "scenario-hikari");
        assertEquals("hikari", pool.path("type").asText());
        assertEquals(24, pool.path("acquires").asInt());
        assertEquals(24, pool.path("hold").path("count").asInt());
        assertEquals(0, pool.path("inUse").asInt());
        assertEquals(4, pool.path("maxSize").asInt());
        assertTrue(pool.path("driver").path("connectionClass").asText().startsWith(db == Databases.H2 ? "org.h2." : db == Databases.POSTGRES ? "org.postgresql." : "org.mariadb."));
        assertEquals(0, r.path("findings").size(), "no finding for healthy holds: " + r.path("findings"));
        for (JsonNode p : r.path("pools")) {
            assertFalse(p.path("type").asText().equals("unpooled"), "the pool's own physical connections are not holds: " + p);
        }
        assertFalse(r.toString().contains("password"), "no credentials in the report");
    }

    /**
     * The woven proxy keeps the interface the load-time rewrite gave it (a weave that described
     * the class from its jar instead would drop it, and a return would no longer find the slot its
     * checkout used).
     */
    @Test
    void checkoutsTakeTheSlotPath() throws Exception {
        AgentRun.Result run = scenario(Databases.H2, "threshold=5s", "slot-path");
        assertTrue(run.stdout.contains("SLOT-PATH true"), run.stdout);
        assertEquals(1, site(run.report(), run.site("slot-path")).path("hold").path("count").asInt());
    }

    @ParameterizedTest
    @EnumSource(Databases.class)
    void aPoolShutdownWithAConnectionOutIsALeakAtItsSite(Databases db) throws Exception {
        AgentRun.Result run = scenario(db, "threshold=500ms", "shutdown");
        JsonNode r = run.report();
        List<JsonNode> leaks = findings(r, "leak", run.site("shutdown"));
        assertEquals(1, leaks.size(), r.path("findings").toString());
        assertEquals("pool-shutdown", leaks.get(0).path("endReason").asText());
        assertTrue(leaks.get(0).path("heldMs").asDouble() >= 500);
        JsonNode pool = pool(r, "scenario-hikari");
        assertTrue(pool.path("closed").asBoolean());
        assertEquals(0, pool.path("inUse").asInt());
    }

    @Test
    void aConnectionThatOutlivesMaxLifetimeIsEvictedOnReturnAndItsHoldEndsOnce() throws Exception {
        // HikariCP accepts no maxLifetime under 30 s: this test holds for 32 s
        AgentRun.Result run = AgentRun.main(PoolScenario.class).agentArgs("threshold=5s")
                .jvm("-Dscenario.maxLifetimeMs=30000", "-Dscenario.holdMs=32000")
                .args("hikari", Databases.H2.url, "sa", "-", "max-lifetime").run(Duration.ofSeconds(90)).assertOk();
        assertTrue(run.stdout.contains("PHYSICAL-REPLACED true"), "the pool retired the connection: " + run);
        JsonNode r = run.report();
        List<JsonNode> longHolds = findings(r, "long-hold", run.site("max-lifetime"));
        assertEquals(1, longHolds.size(), r.path("findings").toString());
        assertFalse(longHolds.get(0).path("open").asBoolean());
        assertEquals("close", longHolds.get(0).path("endReason").asText());
        assertTrue(longHolds.get(0).path("heldMs").asDouble() >= 32000);
        assertTrue(findings(r, "leak", null).isEmpty(), r.path("findings").toString());
        JsonNode pool = pool(r, "scenario-hikari");
        assertEquals(0, pool.path("inUse").asInt());
        assertEquals(1, site(r, run.site("max-lifetime")).path("hold").path("count").asInt());
    }

    @Test
    void theCaptureBudgetIsAShareOfWhatTheProcessSpendsMeasuredOnlyOnceItRunsOut() throws Exception {
        // 0.1% grants 1 ms a second at first: two threads checking out flat out spend it at once
        AgentRun.Result busy = scenario(Databases.H2, "captureBudget=0.1%", "busy");
        JsonNode capture = busy.report().path("agent").path("capture");
        double cores = capture.path("processCores").asDouble();
        assertTrue(cores > 0.1 && cores <= Runtime.getRuntime().availableProcessors() + 0.5, capture.toString());
        assertEquals(0.001, capture.path("budgetShare").asDouble(), 1e-9, capture.toString());
        // the grant is 0.1% of the cores measured (rounded to a thousandth of a core in the report),
        // and never under the floor of 0.2 ms a second
        assertEquals(Math.max(200_000.0, 0.001 * cores * 1e9), capture.path("budgetNanosPerSecond").asDouble(), 1_000.0,
                capture.toString());
        JsonNode pool = pool(busy.report(), "scenario-hikari");
        assertTrue(pool.path("uncaptured").asLong() > 0 && pool.path("uncaptured").asLong() < pool.path("acquires").asLong(),
                pool.toString());

        // a few checkouts fit in the first grant: the process's CPU is never read
        AgentRun.Result few = scenario(Databases.H2, "captureBudget=100%", "close");
        JsonNode fewCapture = few.report().path("agent").path("capture");
        assertEquals(-1.0, fewCapture.path("processCores").asDouble(), fewCapture.toString());
        assertEquals(1_000_000_000L, fewCapture.path("budgetNanosPerSecond").asLong(), fewCapture.toString());
        assertEquals(0, pool(few.report(), "scenario-hikari").path("uncaptured").asInt());
    }

    @Test
    void withTheCaptureBudgetSpentCheckoutsAreCountedAndFindingsTakeTheHoldersStack() throws Exception {
        AgentRun.Result run = scenario(Databases.H2, "threshold=300ms,captureBudget=0%", "close", "long");
        JsonNode r = run.report();
        JsonNode pool = pool(r, "scenario-hikari");
        assertEquals(21, pool.path("acquires").asInt(), "every checkout counted");
        assertEquals(21, pool.path("uncaptured").asInt(), "none attributed");
        assertEquals(0, r.path("sites").size(), r.path("sites").toString());
        List<JsonNode> longHolds = findings(r, "long-hold", null);
        assertEquals(1, longHolds.size());
        // the holder was still inside the method that took the connection when the hold crossed the threshold
        String site = longHolds.get(0).path("site").asText();
        assertTrue(site.startsWith("com.example.scenario.PoolScenario.holdLong(") && site.endsWith("(from the holder's stack)"), site);
    }

    @Test
    void tablesAreBoundedAndWhatIsLeftOutIsCounted() throws Exception {
        AgentRun.Result run = scenario(Databases.H2, "threshold=300ms,maxSites=1,maxFindings=1",
                "close", "double-close", "long", "shared", "leak-at-exit");
        JsonNode r = run.report();
        assertEquals(1, r.path("findings").size());
        long total = 0;
        for (JsonNode n : r.path("counts").path("findingsByKind")) {
            total += n.asLong();
        }
        long notKept = 0;
        for (JsonNode n : r.path("counts").path("findingsNotKept")) {
            notKept += n.asLong();
        }
        assertTrue(total >= 4, r.path("counts").toString());
        assertEquals(total - 1, notKept, r.path("counts").toString());
        List<String> sites = r.path("sites").findValuesAsText("site");
        assertTrue(sites.contains("(other sites)") && sites.size() == 2, sites.toString());
        long acquires = 0;
        for (JsonNode s : r.path("sites")) {
            acquires += s.path("acquires").asLong();
        }
        assertEquals(pool(r, "scenario-hikari").path("acquires").asLong(), acquires, "nothing lost, only summed");
    }

    @Test
    void aConnectionStillOutAtExitIsALeak() throws Exception {
        AgentRun.Result run = scenario(Databases.H2, "threshold=500ms", "leak-at-exit");
        JsonNode r = run.report();
        assertTrue(r.path("agent").path("final").asBoolean());
        List<JsonNode> leaks = findings(r, "leak", run.site("leak-at-exit"));
        assertEquals(1, leaks.size(), r.path("findings").toString());
        assertTrue(leaks.get(0).path("open").asBoolean());
        assertEquals("main", leaks.get(0).path("thread").asText());
        assertEquals(1, site(r, run.site("leak-at-exit")).path("open").asInt());
    }

    @Test
    void aConnectionCollectedUnclosedIsFoundWithThePoolAndSite() throws Exception {
        AgentRun.Result run = scenario(Databases.H2, "threshold=5s", "gc");
        JsonNode r = run.report();
        List<JsonNode> gc = findings(r, "gc-unclosed", run.site("gc"));
        assertEquals(1, gc.size(), r.path("findings").toString());
        assertEquals("scenario-hikari", gc.get(0).path("pool").asText());
        assertTrue(gc.get(0).path("detail").asText().contains("scenario-hikari"));
        assertEquals(1, pool(r, "scenario-hikari").path("gcUnclosed").asInt());
    }

    @Test
    void aLongHoldIsReportedWhileOpenWithTheHolderStackThenCompleted() throws Exception {
        assertTrue(Databases.H2.reachable());
        AgentRun.Running app = AgentRun.main(PoolScenario.class).agentArgs("threshold=300ms,reportInterval=100ms")
                .jvm("-Dscenario.holdMs=3000").args("hikari", Databases.H2.url, "sa", "-", "long").start();
        JsonNode during = app.awaitReport(r -> !findings(r, "long-hold", null).isEmpty(), Duration.ofSeconds(20));
        JsonNode open = findings(during, "long-hold", null).get(0);
        assertTrue(open.path("open").asBoolean(), "reported while still held: " + open);
        assertTrue(open.path("holderStack").toString().contains("Thread.sleep"), "the holder's stack now shows what it does: " + open);
        assertEquals("TIMED_WAITING", open.path("holderState").asText());

        AgentRun.Result run = app.finish(LIMIT).assertOk();
        List<JsonNode> done = findings(run.report(), "long-hold", run.site("long"));
        assertEquals(1, done.size());
        assertFalse(done.get(0).path("open").asBoolean());
        assertEquals("close", done.get(0).path("endReason").asText());
        assertTrue(done.get(0).path("heldMs").asDouble() >= 3000);
        assertTrue(findings(run.report(), "leak", null).isEmpty(), "a long hold that ended is not a leak");
    }

    @Test
    void aConnectionThreadsTakeTurnsOnIsCrossThreadButAHandOffIsNot() throws Exception {
        AgentRun.Result run = scenario(Databases.H2, "threshold=5s", "shared", "close-other-thread");
        JsonNode r = run.report();
        List<JsonNode> cross = findings(r, "cross-thread", run.site("shared"));
        assertEquals(1, cross.size(), r.path("findings").toString());
        String threads = cross.get(0).path("threads").toString();
        assertTrue(threads.contains("main") && threads.contains("worker-a") && threads.contains("worker-b"), threads);
        assertTrue(findings(r, "cross-thread", run.site("close-other-thread")).isEmpty());
    }

    @Test
    void aConnectionWhoseThreadEndedIsALeak() throws Exception {
        AgentRun.Result run = scenario(Databases.H2, "threshold=500ms", "owner-ends");
        JsonNode r = run.report();
        List<JsonNode> leaks = findings(r, "leak", run.site("owner-ends"));
        assertEquals(1, leaks.size(), r.path("findings").toString());
        assertEquals("short-lived-worker", leaks.get(0).path("thread").asText());
        assertTrue(leaks.get(0).path("detail").asText().contains("has ended"), leaks.get(0).toString());
    }

    @ParameterizedTest
    @EnumSource(Databases.class)
    void underContentionEveryCheckoutIsCountedAndInUseNeverExceedsThePool(Databases db) throws Exception {
        AgentRun.Result run = scenario(db, "threshold=5s,captureBudget=all", "contend");
        JsonNode r = run.report();
        JsonNode pool = pool(r, "scenario-hikari");
        assertEquals(2400, pool.path("acquires").asInt());
        assertEquals(2400, pool.path("hold").path("count").asInt());
        assertEquals(run.stdout.replaceAll("(?s).*CONTEND-TIMEOUTS (\\d+).*", "$1"), pool.path("timeouts").asText(), "time-outs counted");
        assertEquals(0, pool.path("inUse").asInt());
        assertTrue(pool.path("peakInUse").asInt() <= 4, "a returned connection handed straight to a waiter is never counted twice: " + pool);
        assertEquals(2400, site(r, run.site("contend")).path("acquires").asInt());
    }

    /**
     * HikariCP's own clock readings time the checkout and the return (holdtrace reads none of its
     * own there): a wait for a connection that another thread gives back, and the hold that follows.
     */
    @Test
    void aWaitForAReturnedConnectionAndTheHoldAfterItAreTimedByThePoolsClock() throws Exception {
        assertWaitAndHoldTimed(scenario(Databases.H2, "threshold=5s", "wait-for-return"));
    }

    /**
     * On macOS HikariCP's clock is {@code currentTimeMillis()}: there the agent reads its own clock
     * around the checkout and at the return, and the figures are the same.
     */
    @Test
    void whereHikariCpsClockIsInMillisecondsTheAgentTimesTheCheckoutAndReturnItself() throws Exception {
        assertWaitAndHoldTimed(scenarioIn(Databases.H2, "threshold=5s", new String[] {"-Dos.name=Mac OS X"}, "wait-for-return"));
    }

    private static void assertWaitAndHoldTimed(AgentRun.Result run) throws Exception {
        JsonNode r = run.report();
        long waitedMs = Long.parseLong(run.stdout.replaceAll("(?s).*WAITED-MS (\\d+).*", "$1"));
        JsonNode s = site(r, run.site("wait-for-return"));
        assertEquals(1, s.path("acquires").asInt(), s.toString());
        double wait = s.path("wait").path("maxMs").asDouble();
        assertTrue(wait >= 100 && wait <= waitedMs + 1, "waited for the connection given back after 150 ms (" + waitedMs + " ms by the caller): " + s);
        double hold = s.path("hold").path("maxMs").asDouble();
        assertTrue(hold >= 300 && hold < 1300, "held 300 ms: " + s);
        JsonNode pool = pool(r, "scenario-hikari");
        assertTrue(pool.path("wait").path("maxMs").asDouble() >= 100, pool.toString());
        assertEquals(5, pool.path("acquires").asInt(), pool.toString());
        assertEquals(5, pool.path("hold").path("count").asInt(), "every hold ended, the one closed by another thread too: " + pool);
        assertEquals(0, pool.path("inUse").asInt(), pool.toString());
        assertTrue(pool.path("hold").path("maxMs").asDouble() >= 450, "the three kept until the end, past the 150 + 300 ms: " + pool);
    }

    @Test
    void aCheckoutThatTimesOutIsCountedForThePoolAndTheWaitingSite() throws Exception {
        AgentRun.Result run = scenario(Databases.H2, "threshold=5s", "timeout");
        JsonNode r = run.report();
        assertTrue(run.stdout.contains("TIMEOUT"));
        assertEquals(1, pool(r, "scenario-hikari").path("timeouts").asInt());
        JsonNode waiter = site(r, run.site("timeout"));
        assertEquals(1, waiter.path("timeouts").asInt());
        assertTrue(waiter.path("wait").path("maxMs").asDouble() >= 200, waiter.toString());
    }
}
