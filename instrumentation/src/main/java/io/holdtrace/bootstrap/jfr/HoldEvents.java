package io.holdtrace.bootstrap.jfr;

import io.holdtrace.bootstrap.Faults;
import io.holdtrace.bootstrap.Hold;
import io.holdtrace.bootstrap.HoldCalls;
import io.holdtrace.bootstrap.Holds;
import io.holdtrace.bootstrap.SiteStats;
import java.util.function.Function;

/**
 * The hot path's side of {@link HoldEvent}. Only touched once a recording has started JFR, so a
 * JVM that never records (or has no jdk.jfr module) never loads this package.
 */
public final class HoldEvents {

    /** Never committed: asks JFR whether a recording wants hold events, without allocating. */
    private static final HoldEvent PROBE = new HoldEvent();

    private static volatile Function<Hold, SiteStats> decoder;

    private HoldEvents() {
    }

    /** The agent's site decoder, for a hold that ends before the agent got round to its site. */
    public static void decodeWith(Function<Hold, SiteStats> d) {
        decoder = d;
    }

    /** At checkout: a begun event if a recording wants hold events, else null and nothing allocated. */
    public static Object begin() {
        if (!PROBE.isEnabled()) {
            return null;
        }
        HoldEvent e = new HoldEvent();
        e.begin();
        return e;
    }

    /**
     * At the end of the hold, on the thread that ended it. Nothing is gathered unless the hold
     * passed the recording's threshold. Never throws: the caller still has counting to do.
     */
    public static void end(Object event, Hold h) {
        try {
            HoldEvent e = (HoldEvent) event;
            e.end();
            if (!e.shouldCommit()) {
                return;
            }
            SiteStats s = h.site();
            Function<Hold, SiteStats> d = decoder;
            if (s == null && h.capture() != null && d != null) {
                s = d.apply(h); // decoding here costs microseconds, only for holds over the threshold
                if (s != null) {
                    h.resolve(s);
                }
            }
            e.pool = h.pool.name();
            e.poolType = h.pool.type;
            e.holder = h.owner.name();
            e.waitTime = h.waitNanos;
            e.endReason = Holds.endName(h.endReason());
            HoldCalls calls = h.calls();
            if (calls != null) {
                e.rpcCount = calls.count();
                e.rpcTime = calls.nanos();
                e.rpcCalls = calls.describe();
            }
            if (s != null) {
                e.site = s.site;
                e.acquireStack = String.join("\n", s.stack);
                e.component = s.component == null ? null : s.component.toString();
                e.transactional = s.transactional;
            }
            e.commit();
        } catch (Throwable t) {
            Faults.report("JFR hold event", t);
        }
    }
}
