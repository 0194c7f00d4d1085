package io.holdtrace.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the DI integration tests share: reading components out of a report, checking it against the schema. */
final class DiSupport {

    private DiSupport() {
    }

    /** The registration named {@code name} in the report's components section. */
    static JsonNode registration(JsonNode report, String name) {
        for (JsonNode c : report.path("components").path("registrations")) {
            if (c.path("name").asText().equals(name)) {
                return c;
            }
        }
        fail("no registration " + name + " in " + report.path("components").path("registrations").findValuesAsText("name"));
        return null;
    }

    static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    static long printed(String stdout, String word) {
        Matcher m = Pattern.compile("(?m)^" + word + " (\\d+)$").matcher(stdout);
        assertTrue(m.find(), "the application printed no " + word + ":\n" + stdout);
        return Long.parseLong(m.group(1));
    }

    static void assertMatchesSchema(JsonNode report) throws IOException {
        JsonNode schema = AgentRun.JSON.readTree(Paths.get("..", "docs", "report.schema.json").toFile());
        List<String> problems = new ArrayList<>();
        ReportContractIT.validate(schema, schema, report, "$", problems);
        assertTrue(problems.isEmpty(), "the report departs from docs/report.schema.json:\n" + String.join("\n", problems));
    }

    static void assertComponent(JsonNode c, String name, String scope, String className, String declaredAt) {
        assertEquals(name, c.path("name").asText(), c.toString());
        assertEquals(scope, c.path("scope").asText(), c.toString());
        assertEquals(className, c.path("class").asText(), c.toString());
        assertTrue(c.path("declaredAt").asText().startsWith(declaredAt), "declared at " + declaredAt + "...: " + c);
    }
}
