package io.holdtrace.it;

import static io.holdtrace.it.AgentRun.findings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.example.scenario.RpcAttachScenario;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The JDK classes the outbound-call hooks weave may be loaded before the agent: here they are
 * loaded and used, then the agent is attached to the running JVM, and calls made afterwards
 * while holding are found. This is retransformation of a boot-loader class (HttpURLConnection's
 * implementation, named by its module, so woven on the boot loader too) and of a platform-loader one
 * (HttpClientImpl).
 */
class RpcAttachIT {

    @Test
    void clientsLoadedBeforeTheAgentAreRetransformedWhenItAttaches() throws Exception {
        Path report = Files.createTempDirectory("holdtrace-attach").resolve("report.json");
        AgentRun.Result run = AgentRun.main(RpcAttachScenario.class).noAgent().report(report)
                .jvm("-Djdk.attach.allowAttachSelf=true")
                .args(AgentRun.agentJar().toString(), "report=" + report + ",captureBudget=all",
                        Databases.H2.url, Databases.H2.user, Databases.H2.password)
                .run(Duration.ofSeconds(120)).assertOk();
        assertTrue(run.stdout.contains("BEFORE 200 200"), run.toString());
        assertTrue(run.stderr.contains("attached to a running JVM"), run.stderr);
        JsonNode r = run.report();
        int port = Integer.parseInt(run.stdout.replaceAll("(?s).*HTTP-PORT (\\d+).*", "$1"));
        for (String client : new String[] {"jdk", "urlconnection"}) {
            List<JsonNode> f = findings(r, "rpc-while-holding", run.site("attached-" + client));
            assertEquals(1, f.size(), client + ": " + r.path("findings"));
            assertEquals("http://127.0.0.1:" + port + "/api/after", f.get(0).path("target").path("url").asText());
            assertEquals(1, f.get(0).path("calls").asInt());
            assertEquals(client.equals("jdk") ? "jdk-httpclient" : "urlconnection", f.get(0).path("clients").get(0).asText());
        }
        assertEquals(2, r.path("counts").path("outboundCalls").path("whileHolding").asInt(), "the calls before the agent are not counted");
        assertEquals(0, r.path("agent").path("internalErrors").asInt(), run.stderr);
    }
}
