package io.holdtrace.it;

import static io.holdtrace.it.AgentRun.findings;
import static io.holdtrace.it.AgentRun.site;
import static io.holdtrace.it.DiSupport.assertComponent;
import static io.holdtrace.it.DiSupport.assertMatchesSchema;
import static io.holdtrace.it.DiSupport.registration;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.example.scenario.NestedLoaderLauncher;
import com.example.scenario.boot3.Boot3Scenario;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A small Spring Boot 3.5 application (Spring Framework 6.2, Boot's auto-configured HikariCP
 * DataSource, JdbcTemplate and transaction manager) under the real agent, run the way the Spring
 * 6.2 variant of {@link SpringComponentsIT} is: the application's Spring 7, HikariCP and H2 jars
 * swapped for the ones the build copies to target/it-libs/boot3, in a class loader of its own.
 * Incident A as a captive-dependency finding, the @Transactional method named beside its call
 * site, and a singleton that keeps only the DataSource as no finding.
 */
class SpringBoot3IT {

    private static final Duration LIMIT = Duration.ofSeconds(90);
    private static final String PKG = "com.example.scenario.boot3.";

    /** What the copied jars replace: the test class path's own Spring (and Boot), HikariCP and H2. */
    private static final Predicate<String> NOT_SWAPPED = e -> {
        String p = e.replace('\\', '/');
        return !p.contains("/org/springframework/") && !p.contains("/com/zaxxer/") && !p.contains("/com/h2database/");
    };

    @Test
    void aBootSingletonGivenAPrototypeThatTakesAConnectionIsACaptiveDependency() throws Exception {
        Path dir = Paths.get("target", "it-libs", "boot3");
        assertTrue(Files.isDirectory(dir), "Spring Boot 3 jars are copied by the build: " + dir.toAbsolutePath());
        List<String> nested = new ArrayList<>();
        AgentRun.applicationClasspath().stream().filter(NOT_SWAPPED).forEach(nested::add);
        try (Stream<Path> jars = Files.list(dir)) {
            jars.filter(p -> p.toString().endsWith(".jar")).forEach(p -> nested.add(p.toAbsolutePath().toString()));
        }
        AgentRun.Running app = AgentRun.main(NestedLoaderLauncher.class).agentArgs("threshold=1m,reportInterval=100ms")
                .jvm("-Dscenario.nestedClasspath=" + String.join(File.pathSeparator, nested),
                        "-Dorg.springframework.boot.logging.LoggingSystem=none")
                .classpathFilter(NOT_SWAPPED)
                .args(Boot3Scenario.class.getName(), Databases.H2.url)
                .start();
        // a report from while the application runs, all five checkouts made (incident A's, the
        // transaction's, the healthy singleton's three): the one at exit races Boot's shutdown
        // hook, which closes the pool, and so the captured connection, at the same time. A
        // checkout is counted by its pool at once and by its site at the detector's next pass,
        // so the report waited for has all five on their sites too
        JsonNode r = app.awaitReport(rep -> rep.path("pools").size() == 1
                && rep.path("pools").get(0).path("acquires").asInt() >= 5
                && siteAcquires(rep) >= 5
                && !findings(rep, "captive-dependency", null).isEmpty(), Duration.ofSeconds(60));
        AgentRun.Result run = app.finish(LIMIT).assertOk();
        assertTrue(run.stdout.contains("SPRING 6.2."), run.stdout);
        assertTrue(run.stdout.contains("BOOT 3.5."), run.stdout);
        assertTrue(run.stdout.contains("APP-LOADER app"), run.stdout);
        assertTrue(run.stdout.contains("DONE"), run.stdout);
        assertFalse(run.stderr.contains("internal error"), run.stderr);

        // incident A: the singleton service, the prototype component, and the connection it keeps
        List<JsonNode> captives = findings(r, "captive-dependency", null);
        assertEquals(1, captives.size(), r.path("findings").toString());
        JsonNode f = captives.get(0);
        assertComponent(f.path("longLived"), "reportingService", "singleton", PKG + "ReportingService",
                "component class " + PKG + "ReportingService");
        assertComponent(f.path("captured"), "dataConnection", "prototype", PKG + "DataConnection",
                "component class " + PKG + "DataConnection");
        assertEquals("dataConnection", f.path("component").path("name").asText(), "the component that took it: " + f);
        assertEquals(run.site("boot3-data-connection"), f.path("site").asText());
        assertEquals("boot3", f.path("pool").asText(), "Boot's auto-configured Hikari pool: " + f);
        assertEquals("main", f.path("thread").asText(), "taken while the application started: " + f);
        assertTrue(f.path("open").asBoolean(), "never given back: " + f);
        assertTrue(DiSupport.texts(f.path("threads")).containsAll(List.of("request-1", "request-2", "request-3")), f.toString());
        assertTrue(f.path("detail").asText().contains("reportingService"), f.toString());

        JsonNode held = site(r, run.site("boot3-data-connection"));
        assertEquals("dataConnection", held.path("component").path("name").asText(), "the hold is the component's: " + held);
        assertEquals("prototype", held.path("component").path("scope").asText(), held.toString());
        assertEquals(1, held.path("acquires").asInt(), held.toString());
        assertEquals(1, held.path("open").asInt(), held.toString());

        // the @Transactional method, through Boot's transaction manager
        JsonNode tx = site(r, run.site("boot3-tx-place"));
        assertEquals(PKG + "OrderService.place", tx.path("transactional").asText(), tx.toString());
        assertEquals("orderService", tx.path("component").path("name").asText(), "the bean whose method owns it: " + tx);
        assertEquals(1, tx.path("acquires").asInt(), tx.toString());
        assertEquals(0, tx.path("open").asInt(), tx.toString());

        // the healthy singleton that keeps only the DataSource
        JsonNode healthy = site(r, run.site("boot3-inventory"));
        assertEquals("inventory", healthy.path("component").path("name").asText(), healthy.toString());
        assertEquals(3, healthy.path("acquires").asInt(), healthy.toString());
        assertEquals(0, healthy.path("open").asInt(), healthy.toString());
        for (JsonNode any : r.path("findings")) {
            assertFalse(any.toString().contains("inventory"), "the DataSource kept by a singleton is no finding: " + any);
        }
        for (JsonNode any : r.path("findings")) {
            assertEquals(run.site("boot3-data-connection"), any.path("site").asText(),
                    "the captured connection's are the only findings (it is also shared across threads): " + any);
        }

        assertEquals("singleton", registration(r, "inventory").path("scope").asText());
        assertEquals("singleton", registration(r, "reportingService").path("scope").asText());
        assertEquals("prototype", registration(r, "dataConnection").path("scope").asText());
        assertEquals("singleton", registration(r, "dataSource").path("scope").asText(), "Boot's auto-configured DataSource");
        JsonNode container = r.path("components").path("containers").get(0);
        assertEquals("spring", container.path("kind").asText());
        assertTrue(container.path("started").asBoolean());
        assertEquals(1, r.path("pools").get(0).path("inUse").asInt(), "only the captured connection still out: " + r.path("pools"));
        assertMatchesSchema(r);

        // at exit: still one captive, whether the last pass saw the pool closed by Boot's shutdown
        // hook or not, and in agreement with the pool and the site in the same report
        JsonNode last = run.report();
        List<JsonNode> atExit = findings(last, "captive-dependency", null);
        assertEquals(1, atExit.size(), last.path("findings").toString());
        boolean closed = last.path("pools").get(0).path("closed").asBoolean();
        assertEquals(!closed, atExit.get(0).path("open").asBoolean(), "open unless the pool closed: " + last);
        assertEquals(closed ? "pool-shutdown" : "", atExit.get(0).path("endReason").asText(), atExit.get(0).toString());
        assertEquals(closed ? 0 : 1, site(last, run.site("boot3-data-connection")).path("open").asInt(), last.path("sites").toString());
        assertEquals(5, last.path("pools").get(0).path("acquires").asInt(), last.path("pools").toString());
        assertMatchesSchema(last);
    }

    private static int siteAcquires(JsonNode report) {
        int n = 0;
        for (JsonNode s : report.path("sites")) {
            n += s.path("acquires").asInt();
        }
        return n;
    }
}
