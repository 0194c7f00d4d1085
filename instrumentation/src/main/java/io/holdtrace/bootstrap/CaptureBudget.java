package io.holdtrace.bootstrap;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Rations call-site capture by CPU time rather than by luck: each one-second window grants
 * {@code nanosPerSecond} of capture and decoding work; when it is spent, checkouts go
 * uncaptured (still counted exactly, per pool) until the next window. Below the budget every
 * checkout is captured and every per-site figure is exact.
 */
public final class CaptureBudget {

    private static final long WINDOW = 1_000_000_000L;

    private final long nanosPerSecond;
    private final AtomicLong remaining;
    private volatile long windowStart;
    private final AtomicLong skipped = new AtomicLong();

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
        if (remaining.get() > 0L) {
            return true;
        }
        skipped.incrementAndGet();
        return false;
    }

    /** Like {@link #tryCapture}, for captures other than checkouts: a refusal is not counted as a skipped checkout. */
    public boolean tryCaptureQuietly(long now) {
        if (now - windowStart >= WINDOW) {
            windowStart = now;
            remaining.set(nanosPerSecond);
        }
        return remaining.get() > 0L;
    }

    public void spend(long nanos) {
        remaining.addAndGet(-nanos);
    }

    /** Checkouts whose call site was not captured because the budget was spent. */
    public long skipped() {
        return skipped.get();
    }

    public long nanosPerSecond() {
        return nanosPerSecond;
    }
}
