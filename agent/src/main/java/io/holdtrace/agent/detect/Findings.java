package io.holdtrace.agent.detect;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The findings so far, bounded: past {@code max}, further ones are counted per kind, not kept. */
public final class Findings {

    private final int max;
    private final List<Finding> kept = new ArrayList<>();
    private final Map<String, Long> dropped = new TreeMap<>();
    private final Map<String, Long> total = new TreeMap<>();

    public Findings(int max) {
        this.max = max;
    }

    /** Adds {@code f}; returns it, or null if only counted. */
    synchronized Finding add(Finding f) {
        total.merge(f.kind, 1L, Long::sum);
        if (kept.size() >= max) {
            dropped.merge(f.kind, 1L, Long::sum);
            return null;
        }
        kept.add(f);
        return f;
    }

    synchronized void update(Runnable change) {
        change.run();
    }

    public synchronized List<Map<String, Object>> toMaps() {
        List<Map<String, Object>> out = new ArrayList<>(kept.size());
        for (Finding f : kept) {
            out.add(f.toMap());
        }
        return out;
    }

    /** Findings per kind, kept or not. */
    public synchronized Map<String, Long> totals() {
        return new LinkedHashMap<>(total);
    }

    public synchronized Map<String, Long> dropped() {
        return new LinkedHashMap<>(dropped);
    }

    /** Per site and kind, how many findings (kept or not are not distinguished here). */
    public synchronized Map<String, Map<String, Long>> countsBySite() {
        Map<String, Map<String, Long>> out = new LinkedHashMap<>();
        for (Finding f : kept) {
            out.computeIfAbsent(f.pool + "|" + f.site, k -> new TreeMap<>()).merge(f.kind, 1L, Long::sum);
        }
        return out;
    }
}
