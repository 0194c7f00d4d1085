package io.holdtrace.it;

import static io.holdtrace.it.AgentRun.findings;
import static io.holdtrace.it.AgentRun.site;
import static io.holdtrace.it.DiSupport.assertComponent;
import static io.holdtrace.it.DiSupport.assertMatchesSchema;
import static io.holdtrace.it.DiSupport.printed;
import static io.holdtrace.it.DiSupport.registration;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.example.scenario.NestedLoaderLauncher;
import com.example.scenario.spring.SpringScenario;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Spring contexts under the real agent, on Spring Framework 7 and 6.2: incident A as a
 * captive-dependency finding (both components, scopes and declaration sites, reported once the
 * context has started, linked to the hold that never ends and the threads that share it), the
 * healthy ways of doing it that are not findings, and the @Transactional method named beside the
 * call site.
 */
class SpringComponentsIT {

    private static final Duration LIMIT = Duration.ofSeconds(90);
    private static final String PKG = "com.example.scenario.spring.";

    enum SpringLine {
        SPRING_7("7."), SPRING_6_2("6.2.");

        final String versionPrefix;

        SpringLine(String versionPrefix) {
            this.versionPrefix = versionPrefix;
        }
    }

    /**
     * Spring 7 runs from the system class path; Spring 6.2 (its jars swapped in for Spring 7's)
     * runs the way a Boot fat jar does, application and libraries in a class loader of their own.
     */
    static AgentRun app(SpringLine line, String agentArgs, String... parts) throws IOException {
        List<String> args = new ArrayList<>();
        args.add(Databases.H2.url);
        args.addAll(List.of(parts));
        if (line == SpringLine.SPRING_7) {
            return AgentRun.main(SpringScenario.class).agentArgs(agentArgs).args(args.toArray(new String[0]));
        }
        Path dir = Paths.get("target", "it-libs", "spring6");
        assertTrue(Files.isDirectory(dir), "Spring 6.2 jars are copied by the build: " + dir.toAbsolutePath());
        List<String> nested = new ArrayList<>();
        AgentRun.applicationClasspath().stream().filter(e -> !e.replace('\\', '/').contains("/org/springframework/")).forEach(nested::add);
        try (Stream<Path> jars = Files.list(dir)) {
            jars.filter(p -> p.toString().endsWith(".jar")).forEach(p -> nested.add(p.toAbsolutePath().toString()));
        }
        args.add(0, SpringScenario.class.getName());
        return AgentRun.main(NestedLoaderLauncher.class).agentArgs(agentArgs)
                .jvm("-Dscenario.nestedClasspath=" + String.join(File.pathSeparator, nested))
                .classpathFilter(e -> !e.replace('\\', '/').contains("/org/springframework/"))
                .args(args.toArray(new String[0]));
    }

    @ParameterizedTest
    @EnumSource(SpringLine.class)
    void aSingletonGivenAPrototypeThatTakesAConnectionIsACaptiveDependency(SpringLine line) throws Exception {
        AgentRun.Running app = app(line, "threshold=1m,reportInterval=100ms", "captive").start();
        JsonNode during = app.awaitReport(r -> !findings(r, "captive-dependency", null).isEmpty(), Duration.ofSeconds(30));
        AgentRun.Result run = app.finish(LIMIT).assertOk();
        assertTrue(run.stdout.contains("SPRING " + line.versionPrefix), run.stdout);
        assertTrue(line == SpringLine.SPRING_7 || run.stdout.contains("APP-LOADER app"), run.stdout);
        assertFalse(run.stderr.contains("internal error"), run.stderr);
        JsonNode first = findings(during, "captive-dependency", null).get(0);
        assertTrue(Instant.parse(first.path("detectedAt").asText()).toEpochMilli() <= printed(run.stdout, "USING"),
                "reported once the context started, before anything used it: " + first);

        JsonNode r = run.report();
        List<JsonNode> captives = findings(r, "captive-dependency", null);
        assertEquals(1, captives.size(), r.path("findings").toString());
        JsonNode f = captives.get(0);
        assertComponent(f.path("longLived"), "reportingService", "singleton", PKG + "captive.ReportingService",
                "component class " + PKG + "captive.ReportingService");
        assertComponent(f.path("captured"), "dataConnection", "prototype", PKG + "DataConnection",
                "@Bean " + PKG + "captive.CaptiveConfig.dataConnection()");
        assertEquals("dataConnection", f.path("component").path("name").asText(), "the component that took it: " + f);
        assertEquals(run.site("data-connection"), f.path("site").asText());
        assertEquals("spring-captive", f.path("pool").asText());
        assertEquals("main", f.path("thread").asText(), "taken at start-up");
        assertTrue(f.path("open").asBoolean(), "never given back: " + f);
        List<String> threads = DiSupport.texts(f.path("threads"));
        assertTrue(threads.containsAll(List.of("request-1", "request-2", "request-3")), "used from every request thread: " + threads);
        assertTrue(f.path("detail").asText().contains("reportingService"), f.toString());

        JsonNode s = site(r, run.site("data-connection"));
        assertEquals("dataConnection", s.path("component").path("name").asText());
        assertEquals(1, s.path("open").asInt());
        assertEquals("prototype", registration(r, "dataConnection").path("scope").asText());
        assertEquals("singleton", registration(r, "reportingService").path("scope").asText());
        assertEquals("singleton", registration(r, "dataSource").path("scope").asText());
        JsonNode container = r.path("components").path("containers").get(0);
        assertEquals("spring", container.path("kind").asText());
        assertTrue(container.path("started").asBoolean());
        assertMatchesSchema(r);
    }

    @ParameterizedTest
    @EnumSource(SpringLine.class)
    void aDataSourceKeptOrAShortLivedComponentReachedThroughAProviderOrAScopedProxyIsNoFinding(SpringLine line) throws Exception {
        AgentRun.Result run = app(line, "threshold=1m", "healthy").run(LIMIT).assertOk();
        assertTrue(run.stdout.contains("SPRING " + line.versionPrefix), run.stdout);
        JsonNode r = run.report();
        assertEquals(0, r.path("findings").size(), "no finding: " + r.path("findings"));
        assertEquals("singleton", registration(r, "calls").path("scope").asText());
        assertEquals("prototype", registration(r, "dataConnection").path("scope").asText());
        assertEquals("call", registration(r, "scopedTarget.scopedData").path("scope").asText());
        assertEquals("singleton", registration(r, "scopedData").path("scope").asText(), "the scoped proxy itself");
        assertTrue(r.path("pools").get(0).path("acquires").asInt() >= 8, "the healthy calls did take connections: " + r.path("pools"));
        assertEquals(0, r.path("pools").get(0).path("inUse").asInt());
        for (JsonNode s : r.path("sites")) {
            assertFalse(s.path("component").isMissingNode(), "every hold is attributed to a component: " + s);
        }
        assertMatchesSchema(r);
    }

    @ParameterizedTest
    @EnumSource(SpringLine.class)
    void aTransactionsHoldNamesItsTransactionalMethodBesideTheCallSite(SpringLine line) throws Exception {
        AgentRun.Result run = app(line, "threshold=1m", "tx").run(LIMIT).assertOk();
        JsonNode r = run.report();
        JsonNode s = site(r, run.site("tx-place"));
        assertEquals(PKG + "tx.OrderService.place", s.path("transactional").asText(), s.toString());
        assertEquals("orderService", s.path("component").path("name").asText(), "the bean whose method owns it: " + s);
        assertEquals(1, s.path("acquires").asInt());
        assertEquals(0, r.path("findings").size(), r.path("findings").toString());
        assertMatchesSchema(r);
    }

    private static JsonNode captiveHeldBy(List<JsonNode> captives, String longLived) {
        for (JsonNode f : captives) {
            if (f.path("longLived").path("name").asText().equals(longLived)) {
                return f;
            }
        }
        throw new AssertionError("no captive-dependency held by " + longLived + ": " + captives);
    }

    @ParameterizedTest
    @EnumSource(SpringLine.class)
    void singletonsGivenAPrototypeInAnXmlFileAreCaptiveDependenciesDeclaredInThatFile(SpringLine line) throws Exception {
        AgentRun.Result run = app(line, "threshold=1m", "xml").run(LIMIT).assertOk();
        assertTrue(run.stdout.contains("SPRING " + line.versionPrefix), run.stdout);
        JsonNode r = run.report();
        List<JsonNode> captives = findings(r, "captive-dependency", null);
        assertEquals(2, captives.size(), r.path("findings").toString());
        String xml = "class path resource [captive-context.xml]";
        JsonNode byConstructor = captiveHeldBy(captives, "reportingService");
        assertComponent(byConstructor.path("longLived"), "reportingService", "singleton", PKG + "captive.ReportingService",
                "bean 'reportingService' in " + xml);
        assertComponent(byConstructor.path("captured"), "dataConnection", "prototype", PKG + "DataConnection",
                "bean 'dataConnection' in " + xml);
        JsonNode byProperty = captiveHeldBy(captives, "auditLog");
        assertComponent(byProperty.path("longLived"), "auditLog", "singleton", PKG + "xml.AuditLog", "bean 'auditLog' in " + xml);
        assertComponent(byProperty.path("captured"), "dataConnection", "prototype", PKG + "DataConnection",
                "bean 'dataConnection' in " + xml);
        for (JsonNode f : captives) {
            assertEquals(run.site("data-connection"), f.path("site").asText());
            assertEquals("spring-xml", f.path("pool").asText());
            assertTrue(f.path("open").asBoolean(), f.toString());
            assertTrue(DiSupport.texts(f.path("threads")).containsAll(List.of("request-1", "request-2", "request-3")), f.toString());
        }
        assertEquals("bean 'dataSource' in " + xml + " (factory method " + PKG + "SpringScenario.dataSource())",
                registration(r, "dataSource").path("declaredAt").asText(), "an XML factory-method bean is no @Bean method");
        assertMatchesSchema(r);
    }

    @ParameterizedTest
    @EnumSource(SpringLine.class)
    void requestAndSessionScopedBeansGivenToSingletonsWithoutAScopedProxyAreCaptiveDependencies(SpringLine line) throws Exception {
        AgentRun.Result run = app(line, "threshold=1m", "web").run(LIMIT).assertOk();
        assertTrue(run.stdout.contains("SPRING " + line.versionPrefix), run.stdout);
        JsonNode r = run.report();
        List<JsonNode> captives = findings(r, "captive-dependency", null);
        assertEquals(2, captives.size(), r.path("findings").toString());
        for (String scope : List.of("request", "session")) {
            String holder = scope + "Report";
            JsonNode f = captiveHeldBy(captives, holder);
            String cls = Character.toUpperCase(scope.charAt(0)) + scope.substring(1);
            assertComponent(f.path("longLived"), holder, "singleton", PKG + "web." + cls + "Report",
                    "component class " + PKG + "web." + cls + "Report");
            assertComponent(f.path("captured"), scope + "Data", scope, PKG + "web." + cls + "Data",
                    "component class " + PKG + "web." + cls + "Data");
            assertEquals(run.site(scope + "-data"), f.path("site").asText());
            assertEquals("request-1", f.path("thread").asText(), "taken in the first request: " + f);
            assertTrue(f.path("open").asBoolean(), "kept after its " + scope + " ended: " + f);
            assertTrue(DiSupport.texts(f.path("threads")).containsAll(List.of("request-1", "request-2", "request-3")),
                    "used by the later requests of other users: " + f);
            assertEquals(scope, registration(r, scope + "Data").path("scope").asText());
        }
        assertMatchesSchema(r);
    }

    @ParameterizedTest
    @EnumSource(SpringLine.class)
    void aRequestScopedBeanBehindAScopedProxyIsNoFindingAndASessionBeansConnectionIsItsOwn(SpringLine line) throws Exception {
        AgentRun.Result run = app(line, "threshold=500ms", "web-healthy").run(LIMIT).assertOk();
        assertTrue(run.stdout.contains("SPRING " + line.versionPrefix), run.stdout);
        JsonNode r = run.report();
        assertEquals(List.of(), findings(r, "captive-dependency", null), "no captive");

        JsonNode proxied = site(r, run.site("proxied-data"));
        assertEquals(3, proxied.path("acquires").asInt(), "one per request: " + proxied);
        assertEquals(0, proxied.path("open").asInt(), "closed as each request completed: " + proxied);
        assertComponent(proxied.path("component"), "scopedTarget.proxiedData", "request", PKG + "webhealthy.ProxiedData",
                "component class " + PKG + "webhealthy.ProxiedData");
        assertTrue(findings(r, "long-hold", run.site("proxied-data")).isEmpty(), r.path("findings").toString());

        JsonNode session = site(r, run.site("user-session"));
        assertEquals(1, session.path("acquires").asInt(), "one for the session: " + session);
        assertComponent(session.path("component"), "userSession", "session", PKG + "webhealthy.UserSession",
                "component class " + PKG + "webhealthy.UserSession");
        List<JsonNode> held = findings(r, "long-hold", run.site("user-session"));
        assertEquals(1, held.size(), r.path("findings").toString());
        JsonNode f = held.get(0);
        assertEquals("userSession", f.path("component").path("name").asText(), f.toString());
        assertEquals("session", f.path("component").path("scope").asText(), f.toString());
        assertFalse(f.path("open").asBoolean(), "given back when the session ended: " + f);
        assertTrue(f.path("heldMs").asDouble() >= 900, "held across the session's requests: " + f);
        assertTrue(Instant.parse(f.path("startedAt").asText()).toEpochMilli() + (long) f.path("heldMs").asDouble()
                <= printed(run.stdout, "SESSION-ENDED") + 50, "ended with the session: " + f);
        assertEquals(0, r.path("pools").get(0).path("inUse").asInt(), r.path("pools").toString());
        assertMatchesSchema(r);
    }

    @ParameterizedTest
    @EnumSource(SpringLine.class)
    void aPrototypeThatTakesItsConnectionOnFirstUseIsACaptiveWhereASingletonKeepsItNotWhereItIsMadePerCall(SpringLine line)
            throws Exception {
        AgentRun.Result run = app(line, "threshold=1s", "lazy").run(LIMIT).assertOk();
        assertTrue(run.stdout.contains("SPRING " + line.versionPrefix), run.stdout);
        JsonNode r = run.report();
        List<JsonNode> captives = findings(r, "captive-dependency", null);
        assertEquals(2, captives.size(), r.path("findings").toString());

        JsonNode shared = captiveHeldBy(captives, "lazyReporting");
        assertComponent(shared.path("longLived"), "lazyReporting", "singleton", PKG + "lazy.LazyReporting",
                "component class " + PKG + "lazy.LazyReporting");
        assertComponent(shared.path("captured"), "lazyConnection", "prototype", PKG + "lazy.LazyConnection",
                "component class " + PKG + "lazy.LazyConnection");
        assertEquals("lazyConnection", shared.path("component").path("name").asText(), shared.toString());
        assertEquals(run.site("lazy-connection"), shared.path("site").asText());
        assertEquals("request-1", shared.path("thread").asText(), "taken on first use: " + shared);
        assertTrue(shared.path("detail").asText().contains("on first use"), shared.toString());
        assertTrue(DiSupport.texts(shared.path("threads")).containsAll(List.of("request-1", "request-2", "request-3")), shared.toString());

        JsonNode job = captiveHeldBy(captives, "nightlyJob");
        assertEquals("jobConnection", job.path("captured").path("name").asText(), job.toString());
        assertEquals(run.site("job-connection"), job.path("site").asText());
        assertEquals(List.of("main"), DiSupport.texts(job.path("threads")), "one thread, open past the threshold: " + job);

        // the per-call instances of the same prototype: closed, one slow call held past the
        // threshold is a long hold of its own, not a captive
        List<JsonNode> longHolds = findings(r, "long-hold", run.site("lazy-connection"));
        assertTrue(longHolds.stream().anyMatch(f -> !f.path("open").asBoolean() && f.path("heldMs").asDouble() >= 1400),
                "the slow per-call hold: " + longHolds);
        for (JsonNode f : captives) {
            assertTrue(f.path("open").asBoolean(), "no closed per-call hold is a captive: " + f);
        }
        assertEquals(2, r.path("pools").get(0).path("inUse").asInt(), "only the captured two still out: " + r.path("pools"));
        assertMatchesSchema(r);
    }
}
