package io.holdtrace.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.example.scenario.PoolScenario;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Options as a user gives them: bad ones turn the agent off with one line, and the application runs on. */
class OptionsIT {

    private static final Duration LIMIT = Duration.ofSeconds(60);

    private static AgentRun app() {
        return AgentRun.main(PoolScenario.class).args("hikari", Databases.H2.url, "sa", "-", "close");
    }

    private static List<String> holdtraceLines(AgentRun.Result run) {
        return Arrays.stream(run.stderr.split("\n")).filter(l -> l.startsWith("[holdtrace]")).collect(Collectors.toList());
    }

    private static void assertOffWithOneLine(AgentRun.Result run, String... mentions) {
        run.assertOk();
        assertTrue(run.stdout.contains("DONE"), "the application ran to its end");
        List<String> lines = holdtraceLines(run);
        assertEquals(1, lines.size(), "exactly one line from the agent: " + run.stderr);
        for (String m : mentions) {
            assertTrue(lines.get(0).contains(m), "'" + m + "' named in: " + lines.get(0));
        }
        assertTrue(lines.get(0).contains("holdtrace is off"), lines.get(0));
        assertFalse(Files.exists(run.reportFile), "an agent that is off writes no report");
    }

    @Test
    void anUnknownOptionNamesTheKeyAndTheAgentStaysOut() throws Exception {
        assertOffWithOneLine(app().agentArgs("treshold=2s").run(LIMIT), "treshold", "agent argument", "threshold");
    }

    @Test
    void aBadDurationNamesTheKeyAndWhatIsExpected() throws Exception {
        assertOffWithOneLine(app().agentArgs("threshold=2 seconds").run(LIMIT), "threshold", "duration like");
    }

    @Test
    void aBadSystemPropertyIsReportedWithItsSource() throws Exception {
        assertOffWithOneLine(app().jvm("-Dholdtrace.captureBudget=lots").run(LIMIT), "captureBudget", "-Dholdtrace.captureBudget");
    }

    @Test
    void aBadEnvironmentVariableIsReportedWithItsName() throws Exception {
        assertOffWithOneLine(app().env("HOLDTRACE_MAX_SITES", "-3").run(LIMIT), "maxSites", "HOLDTRACE_MAX_SITES");
    }

    @Test
    void anUnknownInstrumentationInExcludeIsReported() throws Exception {
        assertOffWithOneLine(app().agentArgs("exclude=hikary").run(LIMIT), "hikary", "hikari");
    }

    @Test
    void theAgentArgumentWinsOverSystemPropertiesWhichWinOverTheEnvironment() throws Exception {
        AgentRun.Result run = app().agentArgs("threshold=3s").jvm("-Dholdtrace.threshold=4s", "-Dholdtrace.maxSites=77")
                .env("HOLDTRACE_THRESHOLD", "9s").env("HOLDTRACE_MAX_SITES", "88").env("HOLDTRACE_STACK_DEPTH", "7")
                .run(LIMIT).assertOk();
        JsonNode settings = run.report().path("agent").path("settings");
        assertEquals("PT3S", settings.path("threshold").asText());
        assertEquals("77", settings.path("maxSites").asText());
        assertEquals("7", settings.path("stackDepth").asText());
    }

    @Test
    void helpPrintsEveryOptionWithItsDefaultAndTheAgentRuns() throws Exception {
        AgentRun.Result run = app().agentArgs("help").run(LIMIT).assertOk();
        for (String key : new String[] {"enabled", "report", "reportInterval", "threshold", "frameworkPackages", "captureBudget", "exclude", "help"}) {
            assertTrue(run.stderr.contains("  " + key + " "), key + " in help:\n" + run.stderr);
        }
        assertTrue(run.stderr.contains("hikari"), "instrumentations listed");
        assertTrue(Files.exists(run.reportFile), "help does not stop the agent");
    }

    @Test
    void enabledFalseLeavesTheApplicationAlone() throws Exception {
        AgentRun.Result run = app().agentArgs("enabled=false").run(LIMIT).assertOk();
        assertTrue(holdtraceLines(run).isEmpty(), run.stderr);
        assertFalse(Files.exists(run.reportFile));
    }

    @Test
    void anExcludedInstrumentationWeavesNothing() throws Exception {
        AgentRun.Result run = app().agentArgs("exclude=hikari").run(LIMIT).assertOk();
        JsonNode r = run.report();
        for (JsonNode p : r.path("pools")) {
            assertFalse(p.path("type").asText().equals("hikari"), "hikari was excluded: " + p);
        }
    }

    @Test
    void anUnwritableReportPathIsSaidOnceAndTheApplicationEndsNormally() throws Exception {
        AgentRun.Result run = app().agentArgs("report=/proc/holdtrace/none.json").run(LIMIT).assertOk();
        assertTrue(run.stdout.contains("DONE"));
        assertTrue(run.stderr.contains("could not write the report to /proc/holdtrace/none.json"), run.stderr);
    }

    @Test
    void frameworkPackagesMoveTheCallSiteToTheCaller() throws Exception {
        AgentRun.Result plain = app().run(LIMIT).assertOk();
        String site = plain.site("close");
        assertTrue(plain.report().path("sites").findValuesAsText("site").contains(site));

        assertOffWithOneLine(app().agentArgs("frameworkPackages=+com.example/scenario").run(LIMIT), "frameworkPackages");

        AgentRun.Result asFramework = app().agentArgs("frameworkPackages=+com.example.scenario.PoolScenario").run(LIMIT).assertOk();
        List<String> sites = asFramework.report().path("sites").findValuesAsText("site");
        assertFalse(sites.contains(site), "the scenario class is now framework: " + sites);
    }
}
