package io.holdtrace.agent.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The streaming writer writes what databind would, byte for byte, for every kind of value a report holds. */
class ReportWriterTest {

    enum Kind { LEAK }

    private static Map<String, Object> sample() {
        Map<String, Object> pool = new LinkedHashMap<>();
        pool.put("name", "orders \"main\" \u00e9\u2603");
        pool.put("maxSize", 10);
        pool.put("checkouts", 12_345_678_901L);
        pool.put("occupancy", 9.87);
        pool.put("share", 0.5f);
        pool.put("closed", false);
        pool.put("port", null);
        pool.put("exact", new BigDecimal("1.25"));
        pool.put("kind", Kind.LEAK);
        pool.put("buckets", new long[] {1, 2, 3});
        pool.put("small", new int[] {4, 5});
        pool.put("rates", new double[] {0.25, 1.0});
        pool.put("stack", new String[] {"a.B.c(B.java:1)", "d.E.f(E.java:2)"});
        pool.put("empty", Map.of());
        pool.put("none", List.of());
        List<Object> findings = new ArrayList<>();
        findings.add(Map.of("kind", "leak"));
        findings.add(Arrays.asList(1, null, "x"));
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("version", "0.1.0");
        report.put("pools", List.of(pool));
        report.put("findings", findings);
        return report;
    }

    @Test
    void writesWhatObjectMapperWouldWrite() throws Exception {
        Map<String, Object> report = sample();
        String expected = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ReportWriter.write(report, out);
        assertEquals(expected, out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void replacesTheReportAtomicallyAndLeavesNoTemporaryFile(@TempDir Path dir) throws Exception {
        Path target = dir.resolve("sub/report.json");
        ReportWriter.write(sample(), target);
        ReportWriter.write(Map.of("version", "2"), target);
        assertEquals("2", ReportWriter.json().readTree(target.toFile()).get("version").asText());
        try (var files = Files.list(target.getParent())) {
            assertFalse(files.anyMatch(p -> p.getFileName().toString().endsWith(".tmp")));
        }
    }
}
