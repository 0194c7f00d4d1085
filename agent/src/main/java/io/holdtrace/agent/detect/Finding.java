package io.holdtrace.agent.detect;

import io.holdtrace.agent.di.ComponentModel;
import io.holdtrace.bootstrap.Component;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One suspicious hold or event. The {@code kind} values are part of the report's contract:
 * long-hold, leak, gc-unclosed, cross-thread. A long-hold is reported while still open and
 * completed when its hold ends. Guarded by {@link Findings}.
 */
public final class Finding {

    public final String kind;
    public final String pool;
    public final String site;
    public final String[] stack;
    public final String thread;
    public final long startedAtMillis;
    public final long detectedAtMillis;
    final long startNanos;
    boolean open;
    double heldMs;
    String endReason;
    String[] holderStack;
    String holderState;
    String[] threads;
    String detail;
    Component component;
    String transactional;
    /** captive-dependency: the long-lived component and the short-lived one it was given. */
    Component longLived;
    Component captured;
    /** Fields of kinds that have more to say (rpc-while-holding), in report order; or null. */
    Map<String, Object> extra;

    Finding(String kind, String pool, String site, String[] stack, String thread, long startedAtMillis,
            long detectedAtMillis, long startNanos) {
        this.kind = kind;
        this.pool = pool;
        this.site = site;
        this.stack = stack;
        this.thread = thread;
        this.startedAtMillis = startedAtMillis;
        this.detectedAtMillis = detectedAtMillis;
        this.startNanos = startNanos;
    }

    String startedAtMillisText() {
        return java.time.Instant.ofEpochMilli(startedAtMillis).toString();
    }

    /** The finding as the report shows it. */
    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", kind);
        m.put("site", site);
        m.put("pool", pool);
        m.put("thread", thread);
        m.put("startedAt", java.time.Instant.ofEpochMilli(startedAtMillis).toString());
        m.put("detectedAt", java.time.Instant.ofEpochMilli(detectedAtMillis).toString());
        m.put("open", open);
        m.put("heldMs", Math.round(heldMs * 1000.0) / 1000.0);
        if (endReason != null) {
            m.put("endReason", endReason);
        }
        if (threads != null) {
            m.put("threads", threads);
        }
        if (detail != null) {
            m.put("detail", detail);
        }
        if (component != null) {
            m.put("component", ComponentModel.toMap(component));
        }
        if (transactional != null) {
            m.put("transactional", transactional);
        }
        if (longLived != null) {
            m.put("longLived", ComponentModel.toMap(longLived));
            m.put("captured", ComponentModel.toMap(captured));
        }
        if (extra != null) {
            m.putAll(extra);
        }
        m.put("stack", stack);
        if (holderStack != null) {
            m.put("holderState", holderState);
            m.put("holderStack", holderStack);
        }
        return m;
    }
}
