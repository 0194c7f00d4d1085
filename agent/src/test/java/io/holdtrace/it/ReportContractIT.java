package io.holdtrace.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.example.scenario.PoolScenario;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The report is a contract: a real report, with every kind of finding in it, must match the
 * published schema (docs/report.schema.json) field for field, and the summary command must read it.
 */
class ReportContractIT {

    @Test
    void aReportWithEveryFindingKindMatchesThePublishedSchema() throws Exception {
        AgentRun.Result run = AgentRun.main(PoolScenario.class).agentArgs("threshold=500ms").jvm("-Dscenario.holdMs=900")
                .args("hikari", Databases.H2.url, "sa", "-", "close", "long", "shared", "gc", "owner-ends", "rpc", "leak-at-exit")
                .run(Duration.ofSeconds(60)).assertOk();
        JsonNode report = run.report();
        TreeSet<String> kinds = new TreeSet<>(report.path("findings").findValuesAsText("kind"));
        assertEquals(new TreeSet<>(List.of("cross-thread", "gc-unclosed", "leak", "long-hold", "rpc-while-holding")), kinds);
        assertTrue(AgentRun.findings(report, "long-hold", run.site("rpc")).get(0).has("outboundCalls"),
                "a long hold lists its outbound calls: " + report.path("findings"));

        JsonNode schema = AgentRun.JSON.readTree(Paths.get("..", "docs", "report.schema.json").toFile());
        List<String> problems = new ArrayList<>();
        validate(schema, schema, report, "$", problems);
        assertTrue(problems.isEmpty(), "the report departs from docs/report.schema.json:\n" + String.join("\n", problems));

        AgentRun.Result summary = AgentRun.main("io.holdtrace.agent.HoldtraceAgent").noAgent()
                .classpath(AgentRun.agentJar().toString()).args("summary", run.reportFile.toString())
                .run(Duration.ofSeconds(30)).assertOk();
        for (String kind : kinds) {
            assertTrue(summary.stdout.contains(kind), kind + " in the summary:\n" + summary.stdout);
        }
        assertTrue(summary.stdout.contains(run.site("leak-at-exit")), summary.stdout);
        assertTrue(summary.stdout.contains("scenario-hikari"), summary.stdout);
        assertTrue(summary.stdout.contains("connections needed"), "a pool-size line per pool:\n" + summary.stdout);
    }

    @Test
    void aReportWithDiComponentsMatchesThePublishedSchema() throws Exception {
        AgentRun.Result run = AgentRun.main(com.example.scenario.spring.SpringScenario.class).agentArgs("threshold=500ms")
                .jvm("-Dscenario.pauseMs=700").args(Databases.H2.url, "captive", "tx").run(Duration.ofSeconds(60)).assertOk();
        JsonNode report = run.report();
        TreeSet<String> kinds = new TreeSet<>(report.path("findings").findValuesAsText("kind"));
        assertTrue(kinds.contains("captive-dependency"), kinds.toString());
        assertTrue(report.path("components").path("registrations").size() > 0, "components listed");
        assertTrue(report.toString().contains("\"transactional\""), "a site names its @Transactional method");

        JsonNode schema = AgentRun.JSON.readTree(Paths.get("..", "docs", "report.schema.json").toFile());
        List<String> problems = new ArrayList<>();
        validate(schema, schema, report, "$", problems);
        assertTrue(problems.isEmpty(), "the report departs from docs/report.schema.json:\n" + String.join("\n", problems));

        AgentRun.Result summary = AgentRun.main("io.holdtrace.agent.HoldtraceAgent").noAgent()
                .classpath(AgentRun.agentJar().toString()).args("summary", run.reportFile.toString())
                .run(Duration.ofSeconds(30)).assertOk();
        assertTrue(summary.stdout.contains("captive-dependency"), summary.stdout);
    }

    /** Enough of JSON Schema for this contract: type, const, enum, required, properties, additionalProperties, items, $ref. */
    static void validate(JsonNode root, JsonNode schema, JsonNode value, String path, List<String> problems) {
        if (schema.has("$ref")) {
            String ref = schema.path("$ref").asText();
            validate(root, root.at(ref.substring(1)), value, path, problems);
            return;
        }
        if (schema.has("const") && !schema.path("const").equals(value)) {
            problems.add(path + ": expected " + schema.path("const") + ", got " + value);
        }
        if (schema.has("enum")) {
            boolean found = false;
            for (JsonNode e : schema.path("enum")) {
                found |= e.equals(value);
            }
            if (!found) {
                problems.add(path + ": " + value + " is not one of " + schema.path("enum"));
            }
        }
        if (schema.has("type") && !typeMatches(schema.path("type"), value)) {
            problems.add(path + ": expected type " + schema.path("type") + ", got " + value.getNodeType());
            return;
        }
        if (value.isObject()) {
            for (JsonNode req : schema.path("required")) {
                if (!value.has(req.asText())) {
                    problems.add(path + ": missing required " + req.asText());
                }
            }
            JsonNode props = schema.path("properties");
            JsonNode extra = schema.path("additionalProperties");
            for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (props.has(e.getKey())) {
                    validate(root, props.path(e.getKey()), e.getValue(), path + "." + e.getKey(), problems);
                } else if (extra.isBoolean() && !extra.asBoolean()) {
                    problems.add(path + ": undocumented field " + e.getKey());
                } else if (extra.isObject()) {
                    validate(root, extra, e.getValue(), path + "." + e.getKey(), problems);
                }
            }
        }
        if (value.isArray() && schema.has("items")) {
            for (int i = 0; i < value.size(); i++) {
                validate(root, schema.path("items"), value.get(i), path + "[" + i + "]", problems);
            }
        }
    }

    private static boolean typeMatches(JsonNode type, JsonNode value) {
        if (type.isArray()) {
            for (JsonNode t : type) {
                if (typeMatches(t, value)) {
                    return true;
                }
            }
            return false;
        }
        switch (type.asText()) {
            case "object": return value.isObject();
            case "array": return value.isArray();
            case "string": return value.isTextual();
            case "integer": return value.isIntegralNumber();
            case "number": return value.isNumber();
            case "boolean": return value.isBoolean();
            case "null": return value.isNull();
            default: fail("unknown schema type " + type); return false;
        }
    }
}
