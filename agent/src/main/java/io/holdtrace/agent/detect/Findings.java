package io.holdtrace.agent.detect;

import io.holdtrace.bootstrap.Faults;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/** The findings so far, bounded: past {@code max}, further ones are counted per kind, not kept. */
public final class Findings {

    private final int max;
    private final List<Finding> kept = new ArrayList<>();
    private final Map<String, Long> dropped = new TreeMap<>();
    private final Map<String, Long> total = new TreeMap<>();
    /** Who hears of each new finding (JFR), or null; and the kept findings it has not heard of yet. */
    private Consumer<Map<String, Object>> listener;
    private final List<Finding> unpublished = new ArrayList<>();

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
        if (listener != null) {
            unpublished.add(f);
        }
        return f;
    }

    public synchronized void onFinding(Consumer<Map<String, Object>> l) {
        listener = l;
    }

    /**
     * Hands the findings made since the last call to the listener, as the report shows them.
     * The detector calls it at the end of a pass, when each new finding has its details.
     */
    public void publish() {
        Consumer<Map<String, Object>> l;
        List<Map<String, Object>> out;
        synchronized (this) {
            if (unpublished.isEmpty()) {
                return;
            }
            l = listener;
            out = new ArrayList<>(unpublished.size());
            for (Finding f : unpublished) {
                out.add(f.toMap());
            }
            unpublished.clear();
        }
        for (Map<String, Object> m : out) {
            try {
                l.accept(m);
            } catch (Throwable e) {
                Faults.report("finding listener", e);
            }
        }
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
