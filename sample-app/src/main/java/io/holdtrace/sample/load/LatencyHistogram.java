package io.holdtrace.sample.load;

/**
 * Latencies in microseconds, counted in buckets of bounded relative width, so that memory stays
 * fixed however long a run lasts (about 50 KB each). Values below 512 µs are exact; above, each
 * power of two is split into 256 buckets, so a reported percentile is at most 1/256 (about 0.4%)
 * above the true one: fine enough to tell a p99 target of +2% apart. Not thread-safe: callers
 * synchronize.
 */
final class LatencyHistogram {

    private static final int SUB_BITS = 8;
    private static final int SUB_BUCKETS = 1 << SUB_BITS;
    private static final int EXACT = 2 * SUB_BUCKETS;
    /** About 71 minutes: longer latencies are counted as this. */
    static final long MAX_TRACKED = (1L << 32) - 1;
    private static final int BUCKETS = index(MAX_TRACKED) + 1;

    private final long[] counts = new long[BUCKETS];
    private long count;
    private long max;

    void record(long micros) {
        long value = Math.min(Math.max(micros, 0), MAX_TRACKED);
        counts[index(value)]++;
        count++;
        max = Math.max(max, value);
    }

    void add(LatencyHistogram other) {
        for (int i = 0; i < BUCKETS; i++) {
            counts[i] += other.counts[i];
        }
        count += other.count;
        max = Math.max(max, other.max);
    }

    long count() {
        return count;
    }

    long max() {
        return max;
    }

    /**
     * The nearest-rank percentile: the smallest recorded value such that at least
     * {@code percent}% of all values are at or below it, rounded up to its bucket's upper edge
     * (never above the maximum). 0 when nothing was recorded.
     */
    long percentile(double percent) {
        if (percent <= 0 || percent > 100) {
            throw new IllegalArgumentException("percentile must be in (0, 100], not " + percent);
        }
        if (count == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(percent / 100.0 * count));
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return Math.min(upperEdge(i), max);
            }
        }
        return max;
    }

    static int index(long value) {
        if (value < EXACT) {
            return (int) value;
        }
        int magnitude = 63 - Long.numberOfLeadingZeros(value);
        int shift = magnitude - SUB_BITS;
        int sub = (int) (value >>> shift);
        return EXACT + (shift - 1) * SUB_BUCKETS + (sub - SUB_BUCKETS);
    }

    static long upperEdge(int index) {
        if (index < EXACT) {
            return index;
        }
        int shift = (index - EXACT) / SUB_BUCKETS + 1;
        long sub = (index - EXACT) % SUB_BUCKETS + SUB_BUCKETS;
        return ((sub + 1) << shift) - 1;
    }
}
