package io.holdtrace.bootstrap;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Rations call-site capture by CPU time rather than by luck: each one-second window grants
 * {@code nanosPerSecond} of capture and decoding work; when it is spent, checkouts go
 * uncaptured (still counted exactly, per pool, by the caller) until the next window. Below the budget every
 * checkout is captured and every per-site figure is exact.
 */
public final class CaptureBudget {

    private static final long WINDOW = 1_000_000_000L;

    private final long nanosPerSecond;
    private final AtomicLong remaining;
    private volatile long windowStart;

    public CaptureBudget(long nanosPerSecond) {
        this.nanosPerSecond = nanosPerSecond;
        this.remaining = new AtomicLong(nanosPerSecond);
        this.windowStart = System.nanoTime();
    }

    public boolean tryCapture(long now) {
        if (now - windowStart >= WINDOW) {
            windowStart = now;
            remaining.set(nanosPerSecond);
        }
        return remaining.get() > 0L;
    }

    /** Like {@link #tryCapture}, for captures other than checkouts (the name says so where it is called). */
    public boolean tryCaptureQuietly(long now) {
        return tryCapture(now);
    }

    public void spend(long nanos) {
        remaining.addAndGet(-nanos);
    }

    public long nanosPerSecond() {
        return nanosPerSecond;
    }
}
