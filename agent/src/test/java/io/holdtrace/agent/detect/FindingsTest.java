package io.holdtrace.agent.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A finding is added, then given its details: the report and the listener see it only once the
 * detector's pass publishes it, with every detail, never half made in between.
 */
class FindingsTest {

    private static Finding finding(String kind) {
        return new Finding(kind, "pool", "com.example.Site.m(Site.java:1)", new String[0], "main", 1_000L, 2_000L, 0L);
    }

    @Test
    void aFindingIsShownOnlyOncePublishedWithItsDetails() {
        Findings findings = new Findings(10);
        List<Map<String, Object>> heard = new ArrayList<>();
        findings.onFinding(heard::add);
        Finding f = findings.add(finding("captive-dependency"));
        assertTrue(findings.toMaps().isEmpty(), "shown before its details: " + findings.toMaps());
        assertTrue(findings.totals().isEmpty());
        assertTrue(findings.countsBySite().isEmpty());
        findings.update(() -> {
            f.open = true;
            f.detail = "kept by a singleton";
        });
        assertTrue(findings.toMaps().isEmpty(), "shown before the pass ended");

        findings.publish();
        List<Map<String, Object>> shown = findings.toMaps();
        assertEquals(1, shown.size());
        assertEquals("kept by a singleton", shown.get(0).get("detail"));
        assertEquals(Boolean.TRUE, shown.get(0).get("open"));
        assertEquals(Map.of("captive-dependency", 1L), findings.totals());
        assertEquals(1, heard.size());
        assertEquals("kept by a singleton", heard.get(0).get("detail"));

        findings.publish(); // nothing new: the listener hears nothing twice
        assertEquals(1, heard.size());
        assertEquals(1, findings.toMaps().size());
    }

    @Test
    void withoutAListenerFindingsAreShownAllTheSame() {
        Findings findings = new Findings(10);
        findings.add(finding("leak"));
        findings.add(finding("long-hold"));
        findings.publish();
        assertEquals(2, findings.toMaps().size());
        assertEquals(Map.of("leak", 1L, "long-hold", 1L), findings.totals());
    }

    @Test
    void pastTheBoundFindingsAreCountedAtOnceAndNotKept() {
        Findings findings = new Findings(1);
        findings.add(finding("leak"));
        assertNull(findings.add(finding("leak")));
        assertEquals(Map.of("leak", 1L), findings.dropped());
        assertEquals(Map.of("leak", 1L), findings.totals(), "the dropped one; the kept one once shown");
        findings.publish();
        assertEquals(Map.of("leak", 2L), findings.totals());
        assertEquals(1, findings.toMaps().size());
    }
}
