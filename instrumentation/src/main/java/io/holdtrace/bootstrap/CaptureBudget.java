package io.holdtrace.bootstrap;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Rations call-site capture by CPU time rather than by luck: each second grants
 * {@link #nanosPerSecond()} of capture and decoding work, a tenth of it in each 100 ms window; while a
 * window's share is spent, checkouts go uncaptured (still counted exactly, per pool, by the caller).
 * Below the budget every checkout is captured and every per-site figure is exact.
 *
 * <p>A capture is cheap on the application's thread and dear later, when the detector decodes its stack.
 * So a capture is charged, when it is made, what its decoding is expected to cost (the running mean of
 * the decodings so far), and the decoding then settles the difference; what a window overspends is owed
 * by the next ones, up to a second's grant (except for the first, cold, decodings: see
 * {@link #COLD_DECODES}). Over time the work stays within the grant.
 *
 * <p>The grant may change while the application runs ({@link #grant}): the agent keeps it at a share of
 * the CPU the process itself uses. A new grant takes effect at the next window.
 */
public final class CaptureBudget {

    private static final long WINDOW = 100_000_000L;
    private static final int WINDOWS_PER_SECOND = 10;

    private volatile long nanosPerSecond;
    private final AtomicLong remaining;
    private volatile long windowStart;
    /** What decoding one capture's stack costs, on average so far (ns). */
    private volatile long decodeEstimate;
    /** Stacks decoded so far, counted up to {@link #COLD_DECODES}; written by the decoding thread. */
    private volatile int decodes;
    /**
     * The first decodings run cold (interpreted code, the JVM's first look at each method's line
     * table) and can cost milliseconds each, typically during the application's start: what they
     * overspend is not carried over, or a start's first checkouts would leave the next ones
     * uncaptured for a second or more.
     */
    static final int COLD_DECODES = 32;

    public CaptureBudget(long nanosPerSecond) {
        this.nanosPerSecond = Math.max(0L, nanosPerSecond);
        this.remaining = new AtomicLong(perWindow(this.nanosPerSecond));
        this.windowStart = System.nanoTime();
    }

    private static long perWindow(long perSecond) {
        return perSecond == Long.MAX_VALUE || perSecond == 0L ? perSecond : Math.max(1L, perSecond / WINDOWS_PER_SECOND);
    }

    public boolean tryCapture(long now) {
        if (now - windowStart >= WINDOW) {
            refill(now);
        }
        return remaining.get() > 0L;
    }

    /** Like {@link #tryCapture}, for captures other than checkouts (the name says so where it is called). */
    public boolean tryCaptureQuietly(long now) {
        return tryCapture(now);
    }

    private synchronized void refill(long now) {
        if (now - windowStart < WINDOW) {
            return; // another thread has just refilled
        }
        windowStart = now;
        long perSecond = nanosPerSecond;
        long g = perWindow(perSecond);
        if (perSecond == Long.MAX_VALUE) {
            remaining.set(Long.MAX_VALUE);
            return;
        }
        long r = remaining.get();
        long target = r >= 0L || decodes < COLD_DECODES ? g : Math.max(r, -perSecond) + g; // a debt carries over, up to a second's grant
        remaining.addAndGet(target - r); // spends made meanwhile still count
    }

    /** A capture was made in {@code nanos}: charges that and what its decoding is expected to cost. */
    public void spendCapture(long nanos) {
        spend(nanos + decodeEstimate);
    }

    /** A capture's stack was decoded in {@code nanos}: settles what {@link #spendCapture} expected. */
    public void spendDecode(long nanos) {
        if (decodes < COLD_DECODES) {
            decodes++;
        }
        long expected = decodeEstimate;
        decodeEstimate = expected + (nanos - expected) / 8; // two decoding threads racing only slow the mean
        spend(nanos - expected);
    }

    /** Charges other capture work (a negative amount gives back). */
    public void spend(long nanos) {
        if (nanosPerSecond != Long.MAX_VALUE) {
            remaining.addAndGet(-nanos);
        }
    }

    /** Each second from the next window on grants this much (not below zero). */
    public void grant(long nanosPerSecond) {
        this.nanosPerSecond = Math.max(0L, nanosPerSecond);
    }

    public long nanosPerSecond() {
        return nanosPerSecond;
    }

    /** What the current window has left (ns); negative while a debt is owed. */
    long remaining() {
        return remaining.get();
    }

    /** What decoding one capture is expected to cost now (ns). */
    public long decodeEstimate() {
        return decodeEstimate;
    }
}
