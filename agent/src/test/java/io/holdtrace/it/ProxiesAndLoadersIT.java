package io.holdtrace.it;

import static io.holdtrace.it.AgentRun.findings;
import static io.holdtrace.it.AgentRun.pool;
import static io.holdtrace.it.AgentRun.site;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.example.scenario.IsolatedLoaderScenario;
import com.example.scenario.NestedProxyScenario;
import com.example.scenario.PoolScenario;
import com.example.scenario.RelocationScenario;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Where the agent meets the application's own structure: proxy stacks, class loaders, clashing libraries. */
class ProxiesAndLoadersIT {

    private static final Duration LIMIT = Duration.ofSeconds(60);
    private static final Path IT_LIBS = Paths.get("target", "it-libs");

    @Test
    void aStackOfDataSourceProxiesCountsEachPhysicalCheckoutOnce() throws Exception {
        AgentRun.Result run = AgentRun.main(NestedProxyScenario.class).args("jdbc:h2:mem:nested").run(LIMIT).assertOk();
        JsonNode r = run.report();
        JsonNode pool = pool(r, "nested");
        assertEquals(5, pool.path("acquires").asInt(), "five statements through five lazy connections, three lazy ones never used");
        // the lazy proxy touches the pool at the first statement: that line is the site
        assertEquals(5, site(r, run.site("through-proxies")).path("acquires").asInt());
        assertEquals(1, r.path("sites").size(), r.path("sites").toString());
        assertEquals(0, r.path("findings").size(), r.path("findings").toString());
        for (JsonNode p : r.path("pools")) {
            assertFalse(p.path("type").asText().equals("unpooled"), p.toString());
        }
    }

    @Test
    void anApplicationWithItsOwnJacksonAndByteBuddyRunsUnchanged() throws Exception {
        List<String> appLibs = jars(IT_LIBS.resolve("app"));
        assertEquals(4, appLibs.size(), "jackson x3 and byte-buddy copied for the application: " + appLibs);
        AgentRun run = AgentRun.main(RelocationScenario.class).args("hikari", Databases.H2.url, "sa", "-", "close")
                .jvm("-Xshare:auto"); // class-data sharing on, as users run: the JVM's notice of the appended jar shows
        appLibs.forEach(run::classpath);
        AgentRun.Result result = run.run(LIMIT).assertOk();
        assertTrue(result.stdout.contains("APP-JACKSON 2.17.2 {\"ok\":true}"), result.toString());
        assertTrue(result.stdout.contains("APP-BYTEBUDDY byte-buddy-1.15.11.jar true"), result.toString());
        assertTrue(result.stdout.contains("AGENT-LOADER bootstrap"), "the agent's classes are the bootstrap loader's: " + result);
        assertEquals(2, result.stderr.split("bootstrap classpath has been appended", -1).length,
                "one jar appended to the bootstrap class path, so the JVM's class-data sharing notice once: " + result.stderr);
        assertEquals(20, site(result.report(), result.site("close")).path("acquires").asInt());
    }

    @Test
    void thePoolInAChildFirstWebAppLoaderIsWovenAndTracked() throws Exception {
        List<String> isolated = jars(IT_LIBS.resolve("isolated"));
        assertEquals(3, isolated.size(), isolated.toString());
        List<String> args = new ArrayList<>();
        args.add(Paths.get("target", "test-classes").toAbsolutePath().toString());
        args.addAll(isolated);
        args.addAll(List.of("--", "hikari", Databases.H2.url, "sa", "-", "close", "leak-at-exit"));
        AgentRun.Result run = AgentRun.main(IsolatedLoaderScenario.class)
                .classpathFilter(e -> !e.contains("HikariCP") && !e.contains("/h2/") && !e.contains("slf4j"))
                .agentArgs("threshold=500ms").jvm("-Dscenario.holdMs=700").args(args.toArray(new String[0]))
                .run(LIMIT).assertOk();
        assertTrue(run.stdout.contains("POOL-LOADER isolated"), run.toString());
        JsonNode r = run.report();
        assertEquals(20, site(r, run.site("close")).path("acquires").asInt());
        assertEquals(1, findings(r, "leak", run.site("leak-at-exit")).size(), r.path("findings").toString());
    }

    @Test
    void unpooledDriverConnectionsAreHoldsFromOpenToClose() throws Exception {
        // the scenario's own DataSource class is plumbing, like Spring's DriverManagerDataSource: declared as framework
        AgentRun.Result run = AgentRun.main(PoolScenario.class)
                .agentArgs("threshold=500ms,frameworkPackages=+com.example.scenario.Pools").jvm("-Dscenario.holdMs=700")
                .args("driver", Databases.H2.url, "sa", "-", "close", "double-close", "leak-at-exit").run(LIMIT).assertOk();
        JsonNode r = run.report();
        JsonNode pool = pool(r, "org.h2.Driver");
        assertEquals("unpooled", pool.path("type").asText());
        assertEquals(22, pool.path("acquires").asInt());
        assertEquals(20, site(r, run.site("close")).path("acquires").asInt());
        assertEquals(1, site(r, run.site("double-close")).path("hold").path("count").asInt());
        assertEquals(1, findings(r, "leak", run.site("leak-at-exit")).size(), r.path("findings").toString());
    }

    @Test
    void theAgentRunsOnJava25() throws Exception {
        Path jdk25 = Paths.get(System.getProperty("holdtrace.it.jdk25", "/usr/lib/jvm/temurin-25-jdk-amd64"));
        assertTrue(Files.isExecutable(jdk25.resolve("bin").resolve("java")), "the Java 25 JDK is expected at " + jdk25);
        AgentRun.Result run = AgentRun.main(PoolScenario.class).javaHome(jdk25.toString()).agentArgs("threshold=500ms")
                .jvm("-Dscenario.holdMs=700").args("hikari", Databases.H2.url, "sa", "-", "close", "gc", "leak-at-exit")
                .run(LIMIT).assertOk();
        JsonNode r = run.report();
        assertTrue(r.path("agent").path("jvm").path("version").asText().startsWith("25"), r.path("agent").toString());
        assertEquals(20, site(r, run.site("close")).path("acquires").asInt());
        assertEquals(1, findings(r, "gc-unclosed", run.site("gc")).size());
        assertEquals(1, findings(r, "leak", run.site("leak-at-exit")).size());
        assertFalse(run.stderr.contains("internal error"), run.stderr);
    }

    private static List<String> jars(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".jar")).map(p -> p.toAbsolutePath().toString()).sorted()
                    .collect(Collectors.toList());
        }
    }
}
