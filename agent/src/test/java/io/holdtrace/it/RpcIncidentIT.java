package io.holdtrace.it;

import static io.holdtrace.it.AgentRun.findings;
import static io.holdtrace.it.AgentRun.pool;
import static io.holdtrace.it.AgentRun.site;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.example.scenario.RpcScenario;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Incident B (shared/incidents.md) under the real agent: a pool of 10, 100 concurrent callers,
 * each holding its connection across a slow (200 ms) authentication call, twice. The report must
 * name the method that holds the connection and the call it makes, the target, how much of the
 * hold the call took, the waits it caused (who waited, how long, for which pool), and the pool
 * size the measured rate and hold need, with and without the call inside the hold.
 */
class RpcIncidentIT {

    private static final int POOL = 10;
    private static final int CALLERS = 100;
    private static final int REQUESTS = 2;
    private static final int DELAY_MS = 200;

    @ParameterizedTest
    @EnumSource(value = Databases.class, names = {"H2", "POSTGRES"})
    void aBlockingCallInsideTheHoldIsNamedTimedAndTurnedIntoPoolSizeAdvice(Databases db) throws Exception {
        assertTrue(db.reachable(), db + " must be running for the integration tests: " + db.url);
        AgentRun.Result run = AgentRun.main(RpcScenario.class).agentArgs("threshold=5s,captureBudget=all") // every site exact, on a busy machine too
                .jvm("-Dscenario.poolSize=" + POOL, "-Dscenario.connectionTimeoutMs=60000", "-Dscenario.callers=" + CALLERS,
                        "-Dscenario.requests=" + REQUESTS, "-Dscenario.authDelayMs=" + DELAY_MS)
                .args("hikari", db.url, db.user, db.password, "incident").run(Duration.ofSeconds(180)).assertOk();
        JsonNode r = run.report();
        int port = Integer.parseInt(run.stdout.replaceAll("(?s).*HTTP-PORT (\\d+).*", "$1"));
        String login = run.site("login");
        int total = CALLERS * REQUESTS;

        // the finding: the method that holds the connection, the call it makes, and the target
        List<JsonNode> found = findings(r, "rpc-while-holding", login);
        assertEquals(1, found.size(), r.path("findings").toString());
        JsonNode f = found.get(0);
        assertEquals("scenario-hikari", f.path("pool").asText());
        assertEquals("POST", f.path("target").path("method").asText());
        assertEquals("http://127.0.0.1:" + port + "/oauth/token", f.path("target").path("url").asText());
        assertEquals(List.of(run.site("auth-call")), List.of(f.path("callSites").get(0).asText()), f.toString());
        assertEquals(total, f.path("calls").asInt());
        assertEquals(total, f.path("outcomes").path("200").asInt(), f.toString());
        assertEquals(0, f.path("errors").asInt());
        assertTrue(f.path("callTime").path("meanMs").asDouble() >= DELAY_MS, f.toString());
        assertTrue(f.path("share").asDouble() > 0.8, "nearly all of the hold is the call: " + f);
        assertTrue(f.path("detail").asText().contains("POST http://127.0.0.1:" + port + "/oauth/token " + total + " times"), f.toString());
        assertFalse(r.toString().contains(RpcScenario.TOKEN), "the client secret in the query string is never shown");

        // the waits it caused: who waited, how long, for which pool
        JsonNode wait = f.path("poolWait");
        assertEquals("scenario-hikari", wait.path("pool").asText());
        assertEquals(0, wait.path("timeouts").asInt());
        assertTrue(wait.path("waitMaxMs").asDouble() >= 1000, "the last of 100 callers waits for 9 rounds of 200 ms: " + wait);
        JsonNode waiter = wait.path("sites").get(0);
        assertEquals(login, waiter.path("site").asText(), "the callers waited at the same site: " + wait);
        assertEquals(total, waiter.path("checkouts").asInt());
        JsonNode site = site(r, login);
        assertEquals(total, site.path("acquires").asInt());
        assertTrue(site.path("wait").path("p99Ms").asDouble() >= 1000, site.toString());

        // the advice: Little's law with the call inside the hold, and without
        JsonNode p = pool(r, "scenario-hikari");
        assertEquals(POOL, p.path("maxSize").asInt());
        assertEquals(POOL, p.path("peakInUse").asInt(), "exhausted");
        JsonNode a = p.path("advice");
        assertEquals("busiest 1 s window", a.path("rateBasis").asText(), a.toString());
        assertEquals(POOL, a.path("maxSize").asInt());
        assertTrue(a.path("saturated").asBoolean(), a.toString());
        double needed = a.path("neededConnections").asDouble();
        // the mean number of connections in use over the window, integrated: a saturated pool of 10
        // had (nearly) all 10 out all the time, and can never have had more; a checkout is counted
        // after the pool handed the connection out and its return before the pool takes it back
        assertTrue(needed <= POOL + 0.01, "never more than the pool had: " + a);
        // (not all 10: between a return and the next waiter's checkout the pool hands the entry over
        // and wakes that thread, which on a loaded 2-core CI host took a fifth of the time once: 7.77)
        assertTrue(needed >= POOL * 0.7, "the saturated pool was in use throughout the busiest second: " + a);
        assertTrue(a.path("rateTimesMeanHold").asDouble() > 0, "rate x mean hold is kept beside it: " + a);
        double demand = a.path("demandConnections").asDouble();
        assertTrue(demand > POOL * 2 && demand > needed, "far more callers held or waited than the pool had: " + a);
        // HikariCP counts its waiting threads: sampled, they cannot add up to more callers than there are
        assertTrue(demand <= CALLERS + 0.01, "held or waiting, at most the 100 callers: " + a);
        assertEquals(demand, needed + a.path("waitingThreads").asDouble(), 0.011, a.toString());
        assertTrue(a.path("callShare").asDouble() > 0.8, a.toString());
        assertEquals(total, a.path("callsInHolds").asInt());
        JsonNode without = a.path("withoutCalls");
        assertTrue(without.path("neededConnections").asDouble() < needed / 5,
                "without the call inside the hold, a fraction of the connections: " + a);
        double p99 = a.path("p99HoldMs").asDouble();
        double p99Without = without.path("p99HoldMs").asDouble();
        assertTrue(p99 >= DELAY_MS, "every hold spans a 200 ms call: " + a);
        // every hold spends at least the 200 ms call in it, so each net hold is at least 200 ms
        // shorter and so is their p99: p99 net + 200 <= p99, give or take the histograms' error
        // (each reported percentile within 6.25% of its bucket's values)
        assertTrue(p99Without > 0 && p99Without + DELAY_MS <= p99 * 1.14, "the p99 hold less its call: " + a);
        // ~1/10 of it on a quiet machine; a starved start-up (the first holds of 100 threads on 2
        // busy cores) was seen to leave 1/3
        assertTrue(p99Without < p99 / 2, "the p99 hold less its call is a fraction of it: " + a);
        // the waits over the run: the first 100 checkouts alone, 10 at a time, each behind holds of
        // at least 200 ms, wait (0 + 1 + ... + 9) x 10 x 200 ms = 90 s in all (the busiest second's
        // mean wait depends on which checkouts ended in it: 420-530 ms seen)
        assertTrue(a.path("waitTotalMs").asDouble() >= 80_000, a.toString());
        assertTrue(a.path("meanWaitMs").asDouble() > DELAY_MS, a.toString());

        AgentRun.Result summary = AgentRun.main("io.holdtrace.agent.HoldtraceAgent").noAgent()
                .classpath(AgentRun.agentJar().toString()).args("summary", run.reportFile.toString())
                .run(Duration.ofSeconds(30)).assertOk();
        String line = summary.stdout.lines().filter(l -> l.startsWith("  scenario-hikari: ")).findFirst().orElse("");
        assertTrue(line.contains("connections needed = in use on average over the busiest 1 s window (max 10, saturated")
                        && line.contains("without them in the hold"),
                summary.stdout);
        assertTrue(summary.stdout.contains("rpc-while-holding " + login + " -> POST http://127.0.0.1:" + port + "/oauth/token"),
                summary.stdout);
    }
}
