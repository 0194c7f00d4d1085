package io.holdtrace.agent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigTest {

    private static Config parse(String args) throws ConfigException {
        return Config.parse(args, Map.of(), Map.of());
    }

    @Test
    void durationsReadAsUsersWriteThem() {
        assertEquals(Duration.ofMillis(500), Config.parseDuration("500ms"));
        assertEquals(Duration.ofSeconds(2), Config.parseDuration("2s"));
        assertEquals(Duration.ofMinutes(1), Config.parseDuration("1m"));
        assertEquals(Duration.ofHours(1), Config.parseDuration("1H"));
        assertEquals(Duration.ZERO, Config.parseDuration("0"));
        assertNull(Config.parseDuration("2"));
        assertNull(Config.parseDuration("-1s"));
        assertNull(Config.parseDuration("two s"));
    }

    @Test
    void defaultsAreTheSafeOnes() throws ConfigException {
        Config c = parse(null);
        assertTrue(c.enabled);
        assertEquals(Duration.ofSeconds(5), c.threshold);
        assertEquals(Duration.ofMinutes(1), c.reportInterval);
        assertEquals(0.0025, c.captureShare, 1e-12, "0.25% of the process's own CPU");
        assertTrue(c.report.getFileName().toString().startsWith("holdtrace-"));
        assertTrue(c.exclude.isEmpty());
    }

    @Test
    void theAgentArgumentWinsThenSystemPropertiesThenTheEnvironment() throws ConfigException {
        Config c = Config.parse("threshold=3s",
                Map.of("holdtrace.threshold", "4s", "holdtrace.stackDepth", "9"),
                Map.of("HOLDTRACE_THRESHOLD", "5s", "HOLDTRACE_STACK_DEPTH", "10", "HOLDTRACE_MAX_SITES", "12"));
        assertEquals(Duration.ofSeconds(3), c.threshold);
        assertEquals(9, c.stackDepth);
        assertEquals(12, c.maxSites);
    }

    @Test
    void badInputNamesTheKeyTheSourceAndWhatIsExpected() {
        ConfigException unknown = assertThrows(ConfigException.class, () -> parse("thresold=1s"));
        assertTrue(unknown.getMessage().contains("'thresold'") && unknown.getMessage().contains("threshold"), unknown.getMessage());
        ConfigException bad = assertThrows(ConfigException.class,
                () -> Config.parse(null, Map.of("holdtrace.maxSites", "0"), Map.of()));
        assertTrue(bad.getMessage().contains("maxSites") && bad.getMessage().contains("-Dholdtrace.maxSites"), bad.getMessage());
        ConfigException env = assertThrows(ConfigException.class,
                () -> Config.parse(null, Map.of(), Map.of("HOLDTRACE_TRESHOLD", "1s")));
        assertTrue(env.getMessage().contains("HOLDTRACE_TRESHOLD"), env.getMessage());
        assertThrows(ConfigException.class, () -> parse("captureBudget=200%"));
        assertThrows(ConfigException.class, () -> parse("threshold=0"));
        assertThrows(ConfigException.class, () -> parse("enabled=yes"));
    }

    @Test
    void captureBudgetIsAShareOfTheProcessCpuOrAll() throws ConfigException {
        Config half = parse("captureBudget=2%");
        assertEquals(0.02, half.captureShare, 1e-12);
        assertEquals(20_000_000L, half.captureNanosPerSecond, "the first grant, before the process is measured: 2% of one core");
        assertEquals(0.0025, parse("").captureShare, 1e-12, "the default");
        assertEquals(-1.0, parse("captureBudget=all").captureShare);
        assertEquals(Long.MAX_VALUE, parse("captureBudget=all").captureNanosPerSecond);
    }

    @Test
    void frameworkPackagesReplaceOrAddToTheBuiltInList() throws ConfigException {
        Config added = parse("frameworkPackages=+com.acme.db:org.jooq.");
        assertTrue(added.frameworkPackages.containsAll(Config.DEFAULT_FRAMEWORK_PACKAGES));
        assertTrue(added.frameworkPackages.contains("com.acme.db"));
        Config replaced = parse("frameworkPackages=com.acme.db");
        assertEquals(java.util.List.of("com.acme.db", Config.AGENT_PACKAGES), replaced.frameworkPackages);
    }

    @Test
    void environmentNamesFollowTheKeys() {
        assertEquals("HOLDTRACE_REPORT_INTERVAL", Option.REPORT_INTERVAL.envName());
        assertEquals("HOLDTRACE_MAX_OPEN_HOLDS", Option.MAX_OPEN_HOLDS.envName());
        assertEquals("holdtrace.captureBudget", Option.CAPTURE_BUDGET.propertyName());
        assertEquals(Option.MAX_OPEN_HOLDS, Option.byEnvName("HOLDTRACE_MAX_OPEN_HOLDS"));
        assertEquals(null, Option.byEnvName("HOLDTRACE_MAX_OPENHOLDS"));
    }

    @Test
    void theDefaultReportIsNamedByThisProcessId() throws Exception {
        assertEquals(ProcessHandle.current().pid(), Config.pid());
        assertTrue(parse("").report.getFileName().toString().equals("holdtrace-" + ProcessHandle.current().pid() + ".json"));
    }
}
