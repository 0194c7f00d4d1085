package io.holdtrace.agent.detect;

import io.holdtrace.bootstrap.Faults;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The findings so far, bounded: past {@code max}, further ones are counted per kind, not kept. A
 * finding is made in two steps (added, then given its details under this lock), so the report
 * and the listener see it only once the detector's pass that made it has ended ({@link #publish}):
 * never half made.
 */
public final class Findings {

    private final int max;
    private final List<Finding> kept = new ArrayList<>();
    private final Map<String, Long> dropped = new TreeMap<>();
    private final Map<String, Long> total = new TreeMap<>();
    /** Who hears of each new finding (JFR), or null. */
    private Consumer<Map<String, Object>> listener;
    /** The kept findings added since the last {@link #publish}, not shown yet: always the last of {@link #kept}. */
    private final List<Finding> unpublished = new ArrayList<>();

    public Findings(int max) {
        this.max = max;
    }

    /** Adds {@code f}; returns it, or null if only counted. */
    synchronized Finding add(Finding f) {
        if (kept.size() >= max) {
            total.merge(f.kind, 1L, Long::sum);
            dropped.merge(f.kind, 1L, Long::sum);
            return null;
        }
        kept.add(f);
        unpublished.add(f);
        return f;
    }

    public synchronized void onFinding(Consumer<Map<String, Object>> l) {
        listener = l;
    }

    /**
     * Shows the findings made since the last call, in the report and to the listener, as the
     * report shows them. The detector calls it at the end of a pass, when each new finding has
     * its details.
     */
    public void publish() {
        Consumer<Map<String, Object>> l;
        List<Map<String, Object>> out;
        synchronized (this) {
            if (unpublished.isEmpty()) {
                return;
            }
            l = listener;
            out = l == null ? null : new ArrayList<>(unpublished.size());
            for (Finding f : unpublished) {
                total.merge(f.kind, 1L, Long::sum); // a kept one counts once shown
                if (out != null) {
                    out.add(f.toMap());
                }
            }
            unpublished.clear();
        }
        if (out == null) {
            return;
        }
        for (Map<String, Object> m : out) {
            try {
                l.accept(m);
            } catch (Throwable e) {
                Faults.report("finding listener", e);
            }
        }
    }

    /** The kept findings published so far; under this lock. */
    private List<Finding> shown() {
        return kept.subList(0, kept.size() - unpublished.size());
    }

    synchronized void update(Runnable change) {
        change.run();
    }

    /** The findings published so far. */
    public synchronized List<Map<String, Object>> toMaps() {
        List<Finding> shown = shown();
        List<Map<String, Object>> out = new ArrayList<>(shown.size());
        for (Finding f : shown) {
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
        for (Finding f : shown()) {
            out.computeIfAbsent(f.pool + "|" + f.site, k -> new TreeMap<>()).merge(f.kind, 1L, Long::sum);
        }
        return out;
    }
}
