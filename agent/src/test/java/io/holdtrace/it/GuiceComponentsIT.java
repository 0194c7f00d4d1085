package io.holdtrace.it;

import static io.holdtrace.it.AgentRun.findings;
import static io.holdtrace.it.DiSupport.assertComponent;
import static io.holdtrace.it.DiSupport.assertMatchesSchema;
import static io.holdtrace.it.DiSupport.printed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.example.scenario.guice.GuiceScenario;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Guice 7 injectors under the real agent: an eager singleton and a @Provides singleton each given
 * an unscoped component that takes a connection (captive dependencies, with both bindings'
 * scopes and declaration sites), and the healthy ways that are not findings.
 */
class GuiceComponentsIT {

    private static final Duration LIMIT = Duration.ofSeconds(90);
    private static final String S = "com.example.scenario.guice.GuiceScenario$";

    private static JsonNode captiveOf(List<JsonNode> captives, String longLived) {
        for (JsonNode f : captives) {
            if (f.path("longLived").path("name").asText().equals(longLived)) {
                return f;
            }
        }
        throw new AssertionError("no captive-dependency held by " + longLived + ": " + captives);
    }

    @Test
    void singletonsGivenAnUnscopedComponentThatTakesAConnectionAreCaptiveDependencies() throws Exception {
        AgentRun.Running app = AgentRun.main(GuiceScenario.class).agentArgs("threshold=1m,reportInterval=100ms")
                .args(Databases.H2.url, "captive").start();
        JsonNode during = app.awaitReport(r -> !findings(r, "captive-dependency", null).isEmpty(), Duration.ofSeconds(30));
        AgentRun.Result run = app.finish(LIMIT).assertOk();
        JsonNode first = captiveOf(findings(during, "captive-dependency", null), S + "ReportingService");
        assertTrue(Instant.parse(first.path("detectedAt").asText()).toEpochMilli() <= printed(run.stdout, "USING"),
                "reported once the injector was built, before anything used it: " + first);

        JsonNode r = run.report();
        List<JsonNode> captives = findings(r, "captive-dependency", null);
        assertEquals(2, captives.size(), r.path("findings").toString());

        JsonNode eager = captiveOf(captives, S + "ReportingService");
        assertComponent(eager.path("longLived"), S + "ReportingService", "eager-singleton", S + "ReportingService",
                "binding at " + S + "CaptiveModule.configure(GuiceScenario.java:");
        assertComponent(eager.path("captured"), S + "DataConnection", "unscoped", S + "DataConnection",
                "just-in-time binding of " + S + "DataConnection");
        assertEquals(run.site("guice-data-connection"), eager.path("site").asText());
        assertEquals("main", eager.path("thread").asText());
        assertTrue(eager.path("open").asBoolean());
        List<String> threads = DiSupport.texts(eager.path("threads"));
        assertTrue(threads.containsAll(List.of("request-1", "request-2", "request-3")), "used from every request thread: " + threads);

        JsonNode provided = captiveOf(captives, S + "AuditLog");
        assertComponent(provided.path("longLived"), S + "AuditLog", "singleton", S + "AuditLog",
                "@Provides " + S + "CaptiveModule.auditLog()");
        assertEquals(S + "DataConnection", provided.path("captured").path("name").asText());
        assertTrue(Instant.parse(provided.path("detectedAt").asText()).toEpochMilli() >= printed(run.stdout, "STARTED"),
                "a lazy singleton is judged when it is made");

        JsonNode container = r.path("components").path("containers").get(0);
        assertEquals("guice", container.path("kind").asText());
        assertEquals("unscoped", DiSupport.registration(r, S + "DataConnection").path("scope").asText());
        assertMatchesSchema(r);
    }

    @Test
    void aDataSourceKeptOrAnUnscopedComponentThroughAProviderOrPerCallIsNoFinding() throws Exception {
        AgentRun.Result run = AgentRun.main(GuiceScenario.class).agentArgs("threshold=1m")
                .args(Databases.H2.url, "healthy").run(LIMIT).assertOk();
        JsonNode r = run.report();
        assertEquals(0, r.path("findings").size(), "no finding: " + r.path("findings"));
        assertEquals(6, r.path("pools").get(0).path("acquires").asInt(), r.path("pools").toString());
        assertEquals("singleton", DiSupport.registration(r, S + "HealthyService").path("scope").asText());
        assertMatchesSchema(r);
    }

    @Test
    void aSingletonGivenAComponentOfACustomShorterScopeIsACaptiveNamingThatScope() throws Exception {
        AgentRun.Result run = AgentRun.main(GuiceScenario.class).agentArgs("threshold=1m")
                .args(Databases.H2.url, "scoped-captive").run(LIMIT).assertOk();
        JsonNode r = run.report();
        List<JsonNode> captives = findings(r, "captive-dependency", null);
        assertEquals(1, captives.size(), r.path("findings").toString());
        JsonNode f = captives.get(0);
        assertComponent(f.path("longLived"), S + "ThreadReport", "singleton", S + "ThreadReport",
                "just-in-time binding of " + S + "ThreadReport");
        assertComponent(f.path("captured"), S + "ThreadConnection", S + "ThreadScoped", S + "ThreadConnection",
                "binding at " + S + "ThreadScopeModule.configure(GuiceScenario.java:");
        assertEquals(run.site("guice-thread-connection"), f.path("site").asText());
        assertEquals("main", f.path("thread").asText());
        assertTrue(f.path("open").asBoolean());
        assertTrue(DiSupport.texts(f.path("threads")).containsAll(List.of("request-1", "request-2", "request-3")),
                "main's thread-scoped connection, used by every thread: " + f);
        assertTrue(f.path("detail").asText().contains("singleton '" + S + "ThreadReport' was given " + S + "ThreadScoped"), f.toString());
        assertMatchesSchema(r);
    }

    @Test
    void aComponentOfACustomScopeThatNoLongerLivedComponentKeepsIsNoFinding() throws Exception {
        AgentRun.Result run = AgentRun.main(GuiceScenario.class).agentArgs("threshold=1m")
                .args(Databases.H2.url, "scoped-healthy").run(LIMIT).assertOk();
        JsonNode r = run.report();
        assertEquals(0, r.path("findings").size(), "no finding: " + r.path("findings"));
        assertEquals(S + "ThreadScoped", DiSupport.registration(r, S + "ThreadConnection").path("scope").asText());
        JsonNode s = AgentRun.site(r, run.site("guice-thread-connection"));
        assertEquals(3, s.path("acquires").asInt(), "one per thread: " + s);
        assertEquals(0, s.path("open").asInt());
        assertEquals(S + "ThreadScoped", s.path("component").path("scope").asText(), s.toString());
        assertMatchesSchema(r);
    }

    @Test
    void anUnscopedComponentThatTakesItsConnectionOnFirstUseIsACaptiveWhereASingletonKeepsItNotThroughAProvider()
            throws Exception {
        AgentRun.Result run = AgentRun.main(GuiceScenario.class).agentArgs("threshold=1m")
                .args(Databases.H2.url, "lazy").run(LIMIT).assertOk();
        JsonNode r = run.report();
        List<JsonNode> captives = findings(r, "captive-dependency", null);
        assertEquals(1, captives.size(), r.path("findings").toString());
        JsonNode f = captives.get(0);
        assertComponent(f.path("longLived"), S + "LazyReporting", "singleton", S + "LazyReporting",
                "just-in-time binding of " + S + "LazyReporting");
        assertComponent(f.path("captured"), S + "LazyConnection", "unscoped", S + "LazyConnection",
                "just-in-time binding of " + S + "LazyConnection");
        assertEquals(run.site("guice-lazy-connection"), f.path("site").asText());
        assertEquals("request-1", f.path("thread").asText(), "taken on first use: " + f);
        assertTrue(f.path("detail").asText().contains("on first use"), f.toString());
        assertTrue(DiSupport.texts(f.path("threads")).containsAll(List.of("request-1", "request-2", "request-3")), f.toString());
        JsonNode s = AgentRun.site(r, run.site("guice-lazy-connection"));
        assertEquals(4, s.path("acquires").asInt(), "three per-call holds through the Provider, and the captured one: " + s);
        assertEquals(1, s.path("open").asInt(), s.toString());
        assertMatchesSchema(r);
    }
}
