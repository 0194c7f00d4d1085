package io.holdtrace.bootstrap;

import java.util.concurrent.atomic.AtomicLong;

/**
 * One call site of one pool: the first application frame that took connections there, a bounded
 * stack leading to it, and the holds that completed there.
 */
public final class SiteStats {

    public final PoolStats pool;
    /** e.g. {@code com.acme.Foo.bar(Foo.java:42)}. */
    public final String site;
    /** Bounded, outermost last; never null. */
    public final String[] stack;
    public final LogHistogram holdTimes = new LogHistogram();
    public final LogHistogram waits = new LogHistogram();
    public final AtomicLong timeouts = new AtomicLong();
    /** The DI component that took the connections here, or null. */
    public final Component component;
    /** The {@code @Transactional} method that owned the transaction, e.g. {@code com.acme.OrderService.place}, or null. */
    public final String transactional;

    public SiteStats(PoolStats pool, String site, String[] stack) {
        this(pool, site, stack, null, null);
    }

    public SiteStats(PoolStats pool, String site, String[] stack, Component component, String transactional) {
        this.pool = pool;
        this.site = site;
        this.stack = stack;
        this.component = component;
        this.transactional = transactional;
    }

    void record(Hold h) {
        waits.record(h.waitNanos);
        if ((h.flags() & Hold.FLAG_TIMEOUT) != 0) {
            timeouts.incrementAndGet();
        } else {
            holdTimes.record(h.endNanos() - h.startNanos);
        }
    }
}
