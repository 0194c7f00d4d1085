package io.holdtrace.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.example.scenario.ChildLoaderScenario;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** Tomcat JDBC's DataSource, named by the scenario; it offers no eviction of a connection that is out. */
class TomcatHoldTrackingIT extends PoolHoldTrackingContract {

    TomcatHoldTrackingIT() {
        super("tomcat", "scenario-tomcat");
    }

    /**
     * The application's connection is a JDK proxy, which the unpooled-driver instrumentation
     * weaves too, as it does any Connection class outside the pools' packages: its close would
     * hide a broken pool hook. Without it, the pool's own hooks must end every hold and see use.
     */
    @Test
    void proxyIsTrackedWithoutTheDriverInstrumentation() throws Exception {
        List<String> ways = new ArrayList<>(WAYS_BACK);
        ways.add("shared");
        AgentRun.Result run = run(Databases.H2, "exclude=driver,captureBudget=all", ways.toArray(new String[0]));
        assertGivenBack(run, ways);
        JsonNode report = run.report();
        assertEquals(1, report.path("findings").size(), "findings: " + report.path("findings"));
        assertEquals(1, AgentRun.findings(report, "cross-thread", run.site("shared")).size(), "findings: " + report.path("findings"));
    }

    /**
     * The advice casts to tomcat-jdbc's types, which the agent's own class loader cannot see in an
     * application server: the casts must resolve in the pool's loader once woven, and loading the
     * advice must not need them.
     */
    @Test
    void poolInAClassLoaderTheAgentCannotSeeIsTracked() throws Exception {
        Predicate<String> tomcat = e -> e.replace('\\', '/').contains("/org/apache/tomcat/");
        List<String> args = new ArrayList<>(List.of(Databases.H2.url));
        AgentRun.applicationClasspath().stream().filter(tomcat).forEach(args::add);
        assertEquals(3, args.size(), "tomcat-jdbc and tomcat-juli on the test class path: " + args);
        AgentRun.Result run = AgentRun.main(ChildLoaderScenario.class)
                .classpathFilter(tomcat.negate())
                .agentArgs("captureBudget=all")
                .args(args.toArray(new String[0]))
                .run(Duration.ofMinutes(1))
                .assertOk();
        JsonNode report = run.report();
        JsonNode site = AgentRun.site(report, run.site("child"));
        assertEquals(1, site.path("acquires").asInt(), site.toString());
        assertEquals(0, site.path("open").asInt(), site.toString());
        JsonNode pool = AgentRun.pool(report, "child-tomcat");
        assertEquals("tomcat", pool.path("type").asText(), pool.toString());
        assertEquals("org.h2.jdbc.JdbcConnection", pool.path("driver").path("connectionClass").asText(), pool.toString());
        assertEquals(0, report.path("agent").path("internalErrors").asInt(), report.path("agent").toString());
    }
}
