package io.holdtrace.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.example.scenario.PoolScenario;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What holdtrace must get right for every pool, checked from the report of a real pool over a
 * real database, in a separate JVM under the shaded agent. A subclass names the pool.
 *
 * <p>Every run captures every checkout ({@code captureBudget=all}), so per-site counts are exact
 * rather than sampled.
 */
abstract class PoolHoldTrackingContract {

    /** The ways back every pool offers; "close" checks out 20 times, the others once. */
    static final List<String> WAYS_BACK = List.of("close", "double-close", "close-other-thread", "abort");

    private static final Duration RUN_LIMIT = Duration.ofMinutes(2);

    private final String type;
    private final String namePattern;

    /**
     * @param type the pool's type in the report, also the pool argument of {@link PoolScenario}
     * @param namePattern the name the report must give the pool
     */
    PoolHoldTrackingContract(String type, String namePattern) {
        this.type = type;
        this.namePattern = namePattern;
    }

    /** Ways of ending a hold that only this pool offers, run along with the common ones. */
    List<String> poolSpecificWaysBack() {
        return List.of();
    }

    @ParameterizedTest
    @EnumSource(Databases.class)
    void everyWayBackEndsTheHoldExactlyOnce(Databases db) throws Exception {
        assertTrue(db.reachable(), db + " must be up at " + db.url + " (user " + db.user + ")");
        List<String> ways = new ArrayList<>(WAYS_BACK);
        ways.addAll(poolSpecificWaysBack());
        AgentRun.Result run = run(db, "captureBudget=all", ways.toArray(new String[0]));
        assertGivenBack(run, ways);
        JsonNode findings = run.report().path("findings");
        assertEquals(0, findings.size(), "findings: " + findings);
    }

    @Test
    void connectionUsedByThreadsTakingTurnsIsCrossThread() throws Exception {
        AgentRun.Result run = run(Databases.H2, "captureBudget=all", "shared");
        JsonNode report = run.report();
        assertEquals(1, AgentRun.findings(report, "cross-thread", run.site("shared")).size(),
                "findings: " + report.path("findings"));
        assertGivenBack(run, List.of("shared"));
    }

    @Test
    void poolClosedWithAConnectionOutIsOneLeakEndedByShutdown() throws Exception {
        AgentRun.Result run = run(Databases.H2, "threshold=500ms,captureBudget=all", "shutdown");
        JsonNode report = run.report();
        List<JsonNode> leaks = AgentRun.findings(report, "leak", null);
        assertEquals(1, leaks.size(), "leaks: " + leaks);
        assertEquals(run.site("shutdown"), leaks.get(0).path("site").asText());
        assertEquals("pool-shutdown", leaks.get(0).path("endReason").asText(), leaks.get(0).toString());
        JsonNode pool = thePool(report);
        assertTrue(pool.path("closed").asBoolean(), pool.toString());
        assertEquals(0, pool.path("inUse").asInt(), pool.toString());
    }

    @Test
    void connectionDroppedWithoutCloseIsFoundUnclosed() throws Exception {
        AgentRun.Result run = run(Databases.H2, "captureBudget=all", "gc");
        JsonNode report = run.report();
        assertEquals(1, AgentRun.findings(report, "gc-unclosed", run.site("gc")).size(),
                "findings: " + report.path("findings"));
        JsonNode pool = thePool(report);
        assertEquals(1, pool.path("gcUnclosed").asInt(), pool.toString());
    }

    @Test
    void underContentionTheInUseCountNeverExceedsThePool() throws Exception {
        AgentRun.Result run = run(Databases.H2, "captureBudget=all", "contend");
        JsonNode report = run.report();
        JsonNode pool = thePool(report);
        assertEquals(2400, pool.path("acquires").asInt(), pool.toString());
        assertEquals(2400, pool.path("hold").path("count").asInt(), pool.toString());
        assertEquals(run.stdout.replaceAll("(?s).*CONTEND-TIMEOUTS (\\d+).*", "$1"), pool.path("timeouts").asText(), "time-outs counted");
        assertEquals(0, pool.path("inUse").asInt(), pool.toString());
        assertTrue(pool.path("peakInUse").asInt() <= 4, "4 connections, 8 threads: " + pool);
        assertEquals(2400, AgentRun.site(report, run.site("contend")).path("acquires").asInt());
    }

    @Test
    void checkoutThatTimesOutIsCounted() throws Exception {
        AgentRun.Result run = run(Databases.H2, "captureBudget=all", "timeout");
        assertTrue(run.stdout.contains("TIMEOUT "), run.toString());
        JsonNode pool = thePool(run.report());
        assertEquals(1, pool.path("timeouts").asInt(), pool.toString());
        assertEquals(0, pool.path("inUse").asInt(), pool.toString());
    }

    /** Each way's site took exactly its checkouts and has none open, and the pool has none in use. */
    void assertGivenBack(AgentRun.Result run, List<String> ways) throws Exception {
        JsonNode report = run.report();
        for (String way : ways) {
            JsonNode site = AgentRun.site(report, run.site(way));
            assertEquals(way.equals("close") ? 20 : 1, site.path("acquires").asInt(), way + ": acquires\n" + site);
            assertEquals(0, site.path("open").asInt(), way + ": still open\n" + site);
        }
        JsonNode pool = thePool(report);
        assertEquals(0, pool.path("inUse").asInt(), pool.toString());
    }

    AgentRun.Result run(Databases db, String agentArgs, String... scenarios) throws Exception {
        List<String> args = new ArrayList<>(List.of(type, db.url, db.user, db.password));
        args.addAll(List.of(scenarios));
        return AgentRun.main(PoolScenario.class)
                .agentArgs(agentArgs)
                .jvm("-Dscenario.poolSize=4", "-Dscenario.connectionTimeoutMs=250", "-Dscenario.holdMs=800")
                .args(args.toArray(new String[0]))
                .run(RUN_LIMIT)
                .assertOk();
    }

    /**
     * The one pool in the report, checked: of this type, with the expected name, and alone, so no
     * physical connection the pool opened for itself was taken for an unpooled hold. Checks too
     * that the agent had no internal error (a failure to weave a pool class counts as one).
     */
    private JsonNode thePool(JsonNode report) {
        List<String> types = new ArrayList<>();
        report.path("pools").forEach(p -> types.add(p.path("type").asText()));
        assertEquals(List.of(type), types, "pools: " + report.path("pools"));
        JsonNode pool = report.path("pools").get(0);
        assertTrue(pool.path("name").asText().matches(namePattern), "pool name: " + pool);
        assertEquals(0, report.path("agent").path("internalErrors").asInt(), "internal errors: " + report.path("agent"));
        return pool;
    }
}
