package io.holdtrace.agent.jfr;

import io.holdtrace.agent.detect.Findings;
import io.holdtrace.agent.detect.SiteDecoder;
import io.holdtrace.agent.report.PoolGauges;
import io.holdtrace.bootstrap.Faults;
import io.holdtrace.bootstrap.HoldTracker;
import io.holdtrace.bootstrap.PoolStats;
import io.holdtrace.bootstrap.jfr.HoldEvents;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import jdk.jfr.FlightRecorder;

/**
 * Feeds JDK Flight Recorder: a hold event from the hot path ({@link HoldEvents}), a finding event
 * as the detector makes each finding, and a periodic sample per pool. Recordings choose which
 * and with what threshold or period (see holdtrace.jfc).
 */
public final class JfrEvents {

    private JfrEvents() {
    }

    /**
     * Switches the events on once a recording has started JFR, if one ever does. Only on a JVM
     * that has the jdk.jfr module. Returns the check to run on each detector pass; it also runs
     * as each pool is first seen (a recording started on the command line is up by then, so the
     * first holds are events too). A listener of JFR's is not used: adding one initializes JFR's
     * support classes (about 14 ms of CPU in a Spring Boot start on 2 cores, JVMSupport and
     * SecuritySupport), while {@link FlightRecorder#isInitialized()} is a field read.
     */
    public static Runnable install(HoldTracker tracker, SiteDecoder decoder, Findings findings) {
        Wiring w = new Wiring(tracker, decoder, findings);
        tracker.onNewPool(w);
        return w;
    }

    /**
     * Wires the events when JFR is up. Not before: no recording could want them, and the first
     * event class to initialize (or be registered) would start JFR's machinery, hundreds of ms.
     * A recording started by jcmd while the application runs is noticed at the next detector
     * pass (at most a quarter of the threshold, 250 ms by default); holds begun before then are
     * not events.
     */
    private static final class Wiring implements Runnable {
        private final HoldTracker tracker;
        private final SiteDecoder decoder;
        private final Findings findings;
        private volatile boolean wired;

        Wiring(HoldTracker tracker, SiteDecoder decoder, Findings findings) {
            this.tracker = tracker;
            this.decoder = decoder;
            this.findings = findings;
        }

        @Override
        public void run() {
            if (wired || !FlightRecorder.isInitialized()) {
                return;
            }
            synchronized (this) {
                if (wired) {
                    return;
                }
                wired = true; // once, even if it fails: the failure is reported, tracking goes on
                try {
                    HoldEvents.decodeWith(decoder::siteOf);
                    tracker.enableJfr();
                    findings.onFinding(JfrEvents::finding);
                    FlightRecorder.addPeriodicEvent(PoolSampleEvent.class, new Sampler(tracker));
                } catch (Throwable e) {
                    Faults.report("JFR events", e);
                }
            }
        }
    }

    /** The pool sample, on JFR's periodic thread. */
    private static final class Sampler implements Runnable {
        private final HoldTracker tracker;

        Sampler(HoldTracker tracker) {
            this.tracker = tracker;
        }

        @Override
        public void run() {
            try {
                for (PoolStats p : tracker.pools()) {
                    if (!p.isClosed()) {
                        sample(p);
                    }
                }
            } catch (Throwable e) {
                Faults.report("JFR pool sample", e);
            }
        }
    }

    private static void sample(PoolStats p) {
        PoolGauges g = PoolGauges.of(p.type, p.poolObject());
        PoolSampleEvent e = new PoolSampleEvent();
        e.pool = p.name();
        e.poolType = p.type;
        e.inUse = p.inUse();
        e.idle = g.idle;
        e.total = g.total;
        e.pending = g.pending;
        e.max = g.max;
        e.commit();
    }

    /** A finding, as the report shows it; report fields without an event field go to {@code other}. */
    static void finding(Map<String, Object> finding) {
        FindingEvent e = new FindingEvent();
        if (!e.shouldCommit()) {
            return;
        }
        Map<String, Object> m = new LinkedHashMap<>(finding);
        m.remove("detectedAt"); // the event's own time
        e.kind = text(m.remove("kind"));
        e.site = text(m.remove("site"));
        e.pool = text(m.remove("pool"));
        e.holder = text(m.remove("thread"));
        Object held = m.remove("heldMs");
        e.heldTime = held instanceof Number ? Math.round(((Number) held).doubleValue() * 1e6) : 0L;
        e.open = Boolean.TRUE.equals(m.remove("open"));
        e.endReason = text(m.remove("endReason"));
        Object started = m.remove("startedAt");
        e.holdStart = started == null ? 0L : Instant.parse(started.toString()).toEpochMilli();
        e.threads = join(m.remove("threads"), ", ");
        e.detail = text(m.remove("detail"));
        e.holderState = text(m.remove("holderState"));
        e.holderStack = join(m.remove("holderStack"), "\n");
        e.acquireStack = join(m.remove("stack"), "\n");
        if (!m.isEmpty()) {
            StringBuilder sb = new StringBuilder();
            m.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : "\n").append(k).append('=').append(join(v, ", ")));
            e.other = sb.toString();
        }
        e.commit();
    }

    private static String text(Object v) {
        return v == null ? null : v.toString();
    }

    private static String join(Object v, String sep) {
        return v instanceof String[] ? String.join(sep, (String[]) v) : text(v);
    }
}
