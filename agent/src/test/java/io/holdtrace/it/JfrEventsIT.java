package io.holdtrace.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.example.scenario.PoolScenario;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import jdk.jfr.Configuration;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The JFR events under the real agent, recorded the way the docs say (-XX:StartFlightRecording
 * with the JDK's default settings and holdtrace.jfc) on the JDK that runs Maven (17 here) and on
 * Java 25, and read back with {@link RecordingFile}.
 */
class JfrEventsIT {

    private static final Duration LIMIT = Duration.ofSeconds(120);
    /** The second JDK; the machine has Temurin 25 here. */
    private static final Path JAVA_25 = Paths.get(System.getProperty("holdtrace.java25", "/usr/lib/jvm/temurin-25-jdk-amd64"));
    private static final String POOL = "scenario-hikari";

    private static Path jfc;
    /** One recorded scenario run per JDK, shared by the tests that read it. */
    private static final Map<Path, Recorded> RUNS = new ConcurrentHashMap<>();

    static Stream<Path> jdks() {
        return Stream.of(Paths.get(System.getProperty("java.home")), JAVA_25);
    }

    /** The settings file as users get it: {@code java -jar holdtrace-agent.jar jfc > holdtrace.jfc}. */
    @BeforeAll
    static void extractJfc() throws Exception {
        jfc = Files.createTempDirectory("holdtrace-jfr").resolve("holdtrace.jfc");
        Process p = new ProcessBuilder(java(Paths.get(System.getProperty("java.home"))).toString(), "-jar",
                AgentRun.agentJar().toString(), "jfc").redirectOutput(jfc.toFile()).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue());
    }

    private static final class Recorded {
        final AgentRun.Result run;
        final Path file;
        final List<RecordedEvent> events;

        Recorded(AgentRun.Result run, Path file) throws IOException {
            this.run = run;
            this.file = file;
            this.events = RecordingFile.readAllEvents(file);
        }

        List<RecordedEvent> of(String type) {
            return events.stream().filter(e -> e.getEventType().getName().equals(type)).collect(Collectors.toList());
        }

        List<RecordedEvent> at(String type, String site) {
            return of(type).stream().filter(e -> site.equals(e.getString("site"))).collect(Collectors.toList());
        }
    }

    /** The four kinds of finding, a long hold, and connections left out for the pool samples to see. */
    private static Recorded recorded(Path jdk) {
        return RUNS.computeIfAbsent(jdk, j -> {
            try {
                checkJdk(j);
                Path file = Files.createTempDirectory("holdtrace-jfr").resolve("app.jfr");
                AgentRun.Result run = AgentRun.main(PoolScenario.class).javaHome(j.toString())
                        // every checkout captured, so each event's site is exact on a busy machine too
                        .agentArgs("threshold=500ms,captureBudget=all")
                        .jvm("-XX:StartFlightRecording:filename=" + file + ",settings=default,settings=" + jfc,
                                "-Dscenario.holdMs=900")
                        .args("hikari", Databases.H2.url, Databases.H2.user, Databases.H2.password,
                                "long", "shared", "gc", "owner-ends")
                        .run(LIMIT).assertOk();
                assertTrue(Files.size(file) > 0, "no recording at " + file + "\n" + run);
                return new Recorded(run, file);
            } catch (IOException | InterruptedException e) {
                throw new AssertionError(e);
            }
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void aHoldIsADurationEventWithItsAcquiringSiteAndStack(Path jdk) throws Exception {
        Recorded r = recorded(jdk);
        String site = r.run.site("long");
        List<RecordedEvent> holds = r.at("holdtrace.Hold", site);
        assertEquals(1, holds.size(), "one hold event at " + site + ": " + r.of("holdtrace.Hold"));
        RecordedEvent e = holds.get(0);
        assertEquals(POOL, e.getString("pool"));
        assertEquals("hikari", e.getString("poolType"));
        assertEquals("main", e.getString("holder"));
        assertEquals("main", e.getThread().getJavaName());
        assertEquals("close", e.getString("endReason"));
        assertTrue(e.getDuration().toMillis() >= 900, "held for the scenario's 900 ms: " + e);
        Duration wait = e.getDuration("waitTime");
        assertFalse(wait.isNegative());
        assertTrue(wait.compareTo(e.getDuration()) < 0, "waited less than held: " + e);
        String stack = e.getString("acquireStack");
        assertTrue(stack.startsWith("com.zaxxer.hikari."), "the acquiring stack, pool frames first: " + stack);
        assertTrue(stack.lines().anyMatch(site::equals), "the acquiring stack holds the site: " + stack);
        assertNull(e.getStackTrace(), "JFR's own stack would be the release site: it is off");
        assertNull(e.getString("component"), "filled once component attribution exists");
        assertEquals(0, e.getInt("rpcCount"));
        assertEquals(Duration.ZERO, e.getDuration("rpcTime"));
        assertTrue(r.at("holdtrace.Hold", r.run.site("gc")).isEmpty(), "a hold that never ended has no hold event");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void eachFindingIsAnEventWithItsKindSiteAndHolder(Path jdk) throws Exception {
        Recorded r = recorded(jdk);
        RecordedEvent longHold = finding(r, "long-hold", "long");
        assertEquals("main", longHold.getString("holder"));
        assertTrue(longHold.getBoolean("open"));
        assertTrue(longHold.getDuration("heldTime").toMillis() >= 500, longHold.toString());
        assertEquals("TIMED_WAITING", longHold.getString("holderState"));
        assertTrue(longHold.getString("holderStack").contains("PoolScenario.holdLong("),
                "the holder's stack when the finding was made: " + longHold);

        RecordedEvent leak = finding(r, "leak", "owner-ends");
        assertEquals("short-lived-worker", leak.getString("holder"));
        assertTrue(leak.getString("detail").contains("has ended"), leak.toString());

        RecordedEvent gc = finding(r, "gc-unclosed", "gc");
        assertEquals("gc-unclosed", gc.getString("endReason"));
        assertFalse(gc.getBoolean("open"));

        RecordedEvent cross = finding(r, "cross-thread", "shared");
        String threads = cross.getString("threads");
        assertTrue(threads.startsWith("main") && threads.contains("worker-a") && threads.contains("worker-b"), threads);

        JsonNode report = r.run.report();
        for (RecordedEvent f : r.of("holdtrace.Finding")) {
            assertEquals(POOL, f.getString("pool"));
            assertNull(f.getStackTrace(), "committed by the detector: its own stack is off");
            assertTrue(f.getLong("holdStart") > 0 && f.getLong("holdStart") <= f.getStartTime().toEpochMilli(), f.toString());
            assertNull(f.getString("other"), "every report field of these kinds has an event field: " + f);
            assertEquals(1, AgentRun.findings(report, f.getString("kind"), f.getString("site")).size(),
                    "the report has the same finding: " + f);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void poolSamplesGiveThePoolsOccupancyAndSize(Path jdk) throws Exception {
        List<RecordedEvent> samples = recorded(jdk).of("holdtrace.PoolSample");
        assertFalse(samples.isEmpty(), "one sample a second");
        for (RecordedEvent s : samples) {
            assertEquals(POOL, s.getString("pool"));
            assertEquals("hikari", s.getString("poolType"));
            assertEquals(4, s.getInt("max"));
            assertTrue(s.getInt("total") >= 1 && s.getInt("total") <= 4, s.toString());
            assertTrue(s.getInt("idle") >= 0 && s.getInt("idle") <= 4, s.toString());
            assertTrue(s.getInt("inUse") >= 0 && s.getInt("inUse") <= 4, s.toString());
            assertEquals(0, s.getInt("pending"), "nobody waits in this scenario: " + s);
        }
        assertTrue(samples.stream().anyMatch(s -> s.getInt("inUse") >= 1),
                "the collected and the leaked connections keep their slots: " + samples);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void theJdksOwnEventsAreRecordedBesideHoldtraces(Path jdk) {
        Recorded r = recorded(jdk);
        assertFalse(r.of("jdk.JVMInformation").isEmpty(), "settings=default,settings=holdtrace.jfc keeps the JDK's events");
        assertFalse(r.of("jdk.GCHeapSummary").isEmpty());
    }

    /** The command docs/jfr.md shows: {@code jfr print --events holdtrace.Hold app.jfr}. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void jfrPrintShowsTheHoldsWithTheirSites(Path jdk) throws Exception {
        Recorded r = recorded(jdk);
        String out = command(jdk.resolve("bin").resolve("jfr").toString(), "print", "--events", "holdtrace.Hold",
                r.file.toString());
        assertTrue(out.contains("site = \"" + r.run.site("long") + "\""), out);
        assertTrue(out.contains("pool = \"" + POOL + "\""), out);
    }

    /** On JDK 21 and later: {@code jfr view holdtrace.Finding app.jfr}. */
    @Test
    void jfrViewShowsTheFindingsOnJava25() throws Exception {
        Recorded r = recorded(JAVA_25);
        String out = command(JAVA_25.resolve("bin").resolve("jfr").toString(), "view", "--width", "250",
                "holdtrace.Finding", r.file.toString());
        assertTrue(out.contains("Connection Hold Finding"), out);
        assertTrue(out.contains("gc-unclosed") && out.contains("cross-thread"), out);
    }

    /** The docs' other way: a recording started in a running JVM, after the agent and its pool. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void aRecordingStartedLaterWithJcmdGetsTheEvents(Path jdk) throws Exception {
        checkJdk(jdk);
        Path file = Files.createTempDirectory("holdtrace-jfr").resolve("app.jfr");
        AgentRun.Running app = AgentRun.main(PoolScenario.class).javaHome(jdk.toString())
                .agentArgs("captureBudget=all,reportInterval=200ms").jvm("-Dscenario.holdMs=1000")
                .args("hikari", Databases.H2.url, Databases.H2.user, Databases.H2.password,
                        "long", "long", "long", "long", "long", "long")
                .start();
        app.awaitReport(r -> r.path("pools").size() > 0, LIMIT);
        command(jdk.resolve("bin").resolve("jcmd").toString(), Long.toString(app.pid()), "JFR.start",
                "settings=default", "settings=" + jfc, "filename=" + file);
        Recorded r = new Recorded(app.finish(LIMIT).assertOk(), file); // a recording with a file is written at exit
        List<RecordedEvent> holds = r.at("holdtrace.Hold", r.run.site("long"));
        assertFalse(holds.isEmpty(), "the holds after the start are events: " + r.of("holdtrace.Hold"));
        assertTrue(holds.stream().allMatch(e -> e.getDuration().toMillis() >= 1000), holds.toString());
        assertFalse(r.of("holdtrace.PoolSample").isEmpty(), "the pool sample is registered when JFR comes up");
    }

    /** The jfc's control, set in the recording option as docs/jfr.md says: every hold is then an event. */
    @Test
    void theHoldThresholdIsAControlOfTheRecordingOption() throws Exception {
        Path file = Files.createTempDirectory("holdtrace-jfr").resolve("app.jfr");
        AgentRun.Result run = AgentRun.main(PoolScenario.class).agentArgs("captureBudget=all")
                .jvm("-XX:StartFlightRecording:filename=" + file + ",settings=" + jfc + ",hold-threshold=0ms")
                .args("hikari", Databases.H2.url, Databases.H2.user, Databases.H2.password, "close")
                .run(LIMIT).assertOk();
        Recorded r = new Recorded(run, file);
        assertEquals(20, r.at("holdtrace.Hold", run.site("close")).size(), r.of("holdtrace.Hold").toString());
        assertTrue(r.of("jdk.JVMInformation").isEmpty(), "holdtrace.jfc alone records holdtrace's events only");
    }

    @Test
    void theJfcIsValidSettingsWithTheDocumentedDefaults() throws Exception {
        Map<String, String> s = Configuration.create(jfc).getSettings();
        assertEquals("true", s.get("holdtrace.Hold#enabled"));
        assertEquals("10 ms", s.get("holdtrace.Hold#threshold"));
        assertEquals("false", s.get("holdtrace.Hold#stackTrace"));
        assertEquals("true", s.get("holdtrace.Finding#enabled"));
        assertEquals("true", s.get("holdtrace.PoolSample#enabled"));
        assertEquals("1 s", s.get("holdtrace.PoolSample#period"));
    }

    /** No recording, no JFR: holds never load an event class, which would start JFR's machinery. */
    @Test
    void withNoRecordingJfrIsNeverStarted() throws Exception {
        AgentRun.Result run = AgentRun.main(PoolScenario.class).agentArgs("threshold=5s").jvm("-Xlog:class+load=info")
                .args("hikari", Databases.H2.url, Databases.H2.user, Databases.H2.password, "close", "shared")
                .run(LIMIT).assertOk();
        assertTrue(run.stdout.contains("com.zaxxer.hikari.pool.HikariPool "), "class loading is logged");
        for (String c : new String[] {"io.holdtrace.bootstrap.jfr.", "io.holdtrace.agent.jfr.FindingEvent",
                "io.holdtrace.agent.jfr.PoolSampleEvent", "jdk.jfr.internal.MetadataRepository"}) {
            assertFalse(run.stdout.contains("] " + c), c + " was loaded");
        }
        assertEquals(1, AgentRun.findings(run.report(), "cross-thread", run.site("shared")).size());
    }

    /** A JVM without the jdk.jfr module: the agent tracks and reports as ever, and says nothing of JFR. */
    @Test
    void withoutJfrTheAgentRunsOn() throws Exception {
        AgentRun.Result run = AgentRun.main(PoolScenario.class).agentArgs("threshold=5s")
                .jvm("--limit-modules", "java.sql,java.instrument,java.management,java.naming,jdk.unsupported")
                .args("hikari", Databases.H2.url, Databases.H2.user, Databases.H2.password, "close", "shared")
                .run(LIMIT).assertOk();
        assertTrue(run.stderr.contains("tracking JDBC connection holds"), run.toString());
        assertFalse(run.stderr.contains("JFR") || run.stderr.contains("internal error"), run.toString());
        JsonNode report = run.report();
        assertEquals(21, AgentRun.pool(report, POOL).path("acquires").asInt());
        assertEquals(1, AgentRun.findings(report, "cross-thread", run.site("shared")).size());
    }

    private static RecordedEvent finding(Recorded r, String kind, String siteName) {
        String site = r.run.site(siteName);
        List<RecordedEvent> found = new ArrayList<>();
        for (RecordedEvent e : r.at("holdtrace.Finding", site)) {
            if (kind.equals(e.getString("kind"))) {
                found.add(e);
            }
        }
        if (found.size() != 1) {
            fail("expected one " + kind + " finding event at " + site + ", got " + r.of("holdtrace.Finding"));
        }
        RecordedEvent e = found.get(0);
        assertTrue(e.getString("acquireStack").lines().anyMatch(site::equals), e.toString());
        return e;
    }

    private static void checkJdk(Path home) throws IOException {
        assertTrue(Files.isExecutable(java(home)), "no JDK at " + home + ": the JFR tests run on Java 25 too "
                + "(install Temurin 25 there, or point -Dholdtrace.java25 at a Java 25 home)");
        if (home.equals(JAVA_25)) {
            assertEquals("25", release(home).split("\\.")[0], "expected Java 25 at " + home);
        }
    }

    private static Path java(Path home) {
        return home.resolve("bin").resolve("java");
    }

    private static String release(Path home) throws IOException {
        Properties p = new Properties();
        try (var in = Files.newInputStream(home.resolve("release"))) {
            p.load(in);
        }
        return p.getProperty("JAVA_VERSION", "").replace("\"", "");
    }

    private static String command(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", cmd));
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + "\n" + out);
        return out;
    }
}
