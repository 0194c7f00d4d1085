package io.holdtrace.it;

import static io.holdtrace.it.AgentRun.findings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.example.scenario.PoolScenario;
import com.example.scenario.UnloadScenario;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** What the agent promises whatever the application does: it keeps watching, and it keeps nothing alive. */
class RobustnessIT {

    private static final Duration LIMIT = Duration.ofSeconds(90);

    @Test
    void aLongHoldIsReportedWhileOpenEvenWhenTheApplicationSaturatesTheCpu() throws Exception {
        AgentRun.Running app = AgentRun.main(PoolScenario.class).agentArgs("threshold=300ms,reportInterval=200ms")
                .jvm("-Dscenario.holdMs=10000").args("hikari", Databases.H2.url, "sa", "-", "long-while-busy").start();
        // the hold lasts 10 s under 4 spinning threads per core; detection must see it while it is
        // still open (the predicate), whatever the saturated JVM's start-up took (seen past 5 s in CI)
        JsonNode during = app.awaitReport(r -> findings(r, "long-hold", null).stream().anyMatch(f -> f.path("open").asBoolean()),
                Duration.ofSeconds(10));
        JsonNode open = findings(during, "long-hold", null).get(0);
        assertTrue(open.path("heldMs").asDouble() < 10000, "seen while still held: " + open);
        AgentRun.Result run = app.finish(LIMIT).assertOk();
        assertEquals(1, findings(run.report(), "long-hold", run.site("long-while-busy")).size());
    }

    @Test
    void anUndeployedWebAppsClassLoaderIsNotKeptAliveByTheAgent() throws Exception {
        List<String> args = new ArrayList<>();
        args.add(Paths.get("target", "test-classes").toAbsolutePath().toString());
        try (Stream<Path> s = Files.list(Paths.get("target", "it-libs", "isolated"))) {
            args.addAll(s.map(p -> p.toAbsolutePath().toString()).sorted().collect(Collectors.toList()));
        }
        // uses the pool (sites captured, holds completed, a connection dropped unclosed), then closes it
        args.addAll(List.of("--", "hikari", "jdbc:h2:mem:undeployed", "sa", "-", "close", "shared", "gc", "close-pool"));
        AgentRun.Result run = AgentRun.main(UnloadScenario.class)
                .classpathFilter(e -> !e.contains("HikariCP") && !e.contains("/h2/") && !e.contains("slf4j"))
                .agentArgs("threshold=5s").args(args.toArray(new String[0])).run(LIMIT).assertOk();
        assertTrue(run.stdout.contains("LOADER-COLLECTED true"), run.toString());
        JsonNode r = run.report();
        assertEquals(20, AgentRun.site(r, run.site("close")).path("acquires").asInt(), "and the agent did track that pool");
        assertFalse(run.stderr.contains("internal error"), run.stderr);
    }
}
