package io.holdtrace.bootstrap;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A lock-free histogram of nanosecond durations with a fixed footprint: 8 buckets per power of
 * two (at most 12.5% relative error), values above ~73 minutes counted in the last bucket. The
 * exact sum and maximum are kept beside it; the count is the buckets' sum. A record is two atomic
 * adds (bucket, sum) and a read of the maximum.
 *
 * <p>Striped: {@link #record(long, int)} writes the cell of the caller's stripe, so that threads
 * on different cores do not fight over one cache line (with two threads, the shared bucket and
 * sum cost more than the whole one-thread checkout). Cells are made on first use, at most
 * {@link #CELLS} of them, about 2.7 KB each; readers sum the cells.
 *
 * <p>Shards: a thread may also own a shard ({@link #newShard}), a plain array of the same layout
 * that only it writes, without atomic instructions ({@link #recordOwn}); readers add the shards
 * to the cells. A shard whose thread ended is folded into the first cell ({@link #retire}).
 * Readers and folds hold this histogram's lock; writers never take it.
 */
public final class LogHistogram {

    private static final int SUB_BITS = 3;
    private static final int SUB = 1 << SUB_BITS;
    private static final int MAX_EXP = 42; // 2^42 ns ~ 73 minutes
    static final int BUCKETS = (MAX_EXP - SUB_BITS + 2) * SUB;
    /**
     * A cell's sum and maximum come first, on the array's first cache line with its length (which
     * every access reads for its bounds check), then its buckets ({@link #FIRST} on), then a cache
     * line of padding: a record touches two lines of a cell, not three.
     */
    private static final int SUM = 0;
    private static final int MAX = 1;
    private static final int FIRST = 2;
    private static final int CELL_LENGTH = FIRST + BUCKETS + 8;
    /** Twice the processors, as a power of two, from 1 to 32. */
    static final int CELLS = Math.min(32, Integer.highestOneBit(Math.max(1, 2 * Runtime.getRuntime().availableProcessors() - 1)) << 1);

    private final AtomicLongArray[] cells = new AtomicLongArray[CELLS];
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final long[][] NO_SHARDS = new long[0][];
    /** The live shards; copied on change, under this. */
    private long[][] shards = NO_SHARDS;

    public LogHistogram() {
        cells[0] = new AtomicLongArray(CELL_LENGTH);
    }

    /** Records into the first cell: for the agent's own thread and rare events. */
    public void record(long nanos) {
        record(cells[0], nanos);
    }

    /** Records into the cell of {@code stripe} (any int; a thread's cell number, {@link ThreadRef#cell()}). */
    public void record(long nanos, int stripe) {
        int i = stripe & (CELLS - 1);
        AtomicLongArray c = cells[i];
        record(c != null ? c : cell(i), nanos);
    }

    private static void record(AtomicLongArray c, long nanos) {
        long v = Math.max(0L, nanos);
        c.getAndIncrement(FIRST + index(v));
        c.getAndAdd(SUM, v);
        long m = c.get(MAX);
        while (v > m && !c.compareAndSet(MAX, m, v)) {
            m = c.get(MAX);
        }
    }

    /** A new shard, for one thread to record into with {@link #recordOwn}. */
    synchronized long[] newShard() {
        long[] shard = new long[CELL_LENGTH];
        long[][] next = Arrays.copyOf(shards, shards.length + 1);
        next[shards.length] = shard;
        shards = next;
        return shard;
    }

    /** Records into {@code shard}, which only the calling thread writes: plain loads and releasing stores. */
    static void recordOwn(long[] shard, long nanos) {
        long v = Math.max(0L, nanos);
        int i = FIRST + index(v);
        LONGS.setRelease(shard, i, (long) LONGS.getOpaque(shard, i) + 1L);
        LONGS.setRelease(shard, SUM, (long) LONGS.getOpaque(shard, SUM) + v);
        if (v > (long) LONGS.getOpaque(shard, MAX)) {
            LONGS.setRelease(shard, MAX, v);
        }
    }

    /** Folds {@code shard} (its thread has ended) into the first cell, and forgets it. */
    synchronized void retire(long[] shard) {
        int at = -1;
        for (int i = 0; i < shards.length; i++) {
            if (shards[i] == shard) {
                at = i;
            }
        }
        if (at < 0) {
            return;
        }
        AtomicLongArray c = cells[0];
        for (int i = FIRST; i < FIRST + BUCKETS; i++) {
            long n = (long) LONGS.getAcquire(shard, i);
            if (n != 0L) {
                c.getAndAdd(i, n);
            }
        }
        c.getAndAdd(SUM, (long) LONGS.getAcquire(shard, SUM));
        long v = (long) LONGS.getAcquire(shard, MAX);
        long m = c.get(MAX);
        while (v > m && !c.compareAndSet(MAX, m, v)) {
            m = c.get(MAX);
        }
        long[][] next = new long[shards.length - 1][];
        System.arraycopy(shards, 0, next, 0, at);
        System.arraycopy(shards, at + 1, next, at, shards.length - at - 1);
        shards = next;
    }

    private static long shardAt(long[] shard, int i) {
        return (long) LONGS.getAcquire(shard, i);
    }

    /** The cell of index {@code i}, made now if it is the first record there (an AtomicLongArray publishes safely). */
    private synchronized AtomicLongArray cell(int i) {
        AtomicLongArray c = cells[i];
        if (c == null) {
            c = cells[i] = new AtomicLongArray(CELL_LENGTH);
        }
        return c;
    }

    static int index(long v) {
        if (v < SUB) {
            return (int) v;
        }
        int exp = 63 - Long.numberOfLeadingZeros(v);
        if (exp > MAX_EXP) {
            return BUCKETS - 1;
        }
        int sub = (int) (v >>> (exp - SUB_BITS)) & (SUB - 1);
        return (exp - SUB_BITS + 1) * SUB + sub;
    }

    /** Smallest value that falls into bucket {@code i}. */
    static long lowerBound(int i) {
        if (i < SUB) {
            return i;
        }
        int exp = i / SUB + SUB_BITS - 1;
        long sub = i % SUB;
        return (SUB + sub) << (exp - SUB_BITS);
    }

    static long upperBound(int i) {
        return i + 1 < BUCKETS ? lowerBound(i + 1) - 1 : Long.MAX_VALUE;
    }

    /** The number of values recorded: the buckets' sum (read by the agent; the hot path keeps no separate counter). */
    public synchronized long count() {
        long n = 0;
        for (AtomicLongArray c : cells) {
            if (c != null) {
                for (int i = FIRST; i < FIRST + BUCKETS; i++) {
                    n += c.get(i);
                }
            }
        }
        for (long[] sh : shards) {
            for (int i = FIRST; i < FIRST + BUCKETS; i++) {
                n += shardAt(sh, i);
            }
        }
        return n;
    }

    public synchronized long sum() {
        long s = 0;
        for (AtomicLongArray c : cells) {
            if (c != null) {
                s += c.get(SUM);
            }
        }
        for (long[] sh : shards) {
            s += shardAt(sh, SUM);
        }
        return s;
    }

    public synchronized long max() {
        long m = 0;
        for (AtomicLongArray c : cells) {
            if (c != null) {
                m = Math.max(m, c.get(MAX));
            }
        }
        for (long[] sh : shards) {
            m = Math.max(m, shardAt(sh, MAX));
        }
        return m;
    }

    /** A copy of the bucket counts, for combining histograms ({@link #quantile(long[], double, long)}). */
    public synchronized long[] buckets() {
        long[] snap = new long[BUCKETS];
        for (AtomicLongArray c : cells) {
            if (c != null) {
                for (int i = 0; i < BUCKETS; i++) {
                    snap[i] += c.get(FIRST + i);
                }
            }
        }
        for (long[] sh : shards) {
            for (int i = 0; i < BUCKETS; i++) {
                snap[i] += shardAt(sh, FIRST + i);
            }
        }
        return snap;
    }

    /**
     * The value at quantile {@code q} (0..1): the midpoint of the bucket it falls in, never more
     * than the exact maximum. 0 when empty.
     */
    public synchronized long quantile(double q) {
        return quantile(buckets(), q, max());
    }

    /**
     * The value at quantile {@code q} of bucket counts (this class's bucketing, e.g. one
     * histogram's {@link #buckets()} minus another's), never more than {@code max}: the midpoint
     * of the bucket it falls in, or {@code max} itself for the top rank. 0 when empty; negative
     * counts (snapshots taken while values came in) count as 0.
     */
    public static long quantile(long[] buckets, double q, long max) {
        long total = 0;
        for (long c : buckets) {
            total += Math.max(0L, c);
        }
        if (total == 0) {
            return 0L;
        }
        long rank = (long) Math.ceil(q * total);
        if (rank < 1) {
            rank = 1;
        }
        if (rank >= total) {
            return max; // the top rank is the maximum, which is kept exactly
        }
        long seen = 0;
        for (int i = 0; i < buckets.length; i++) {
            seen += Math.max(0L, buckets[i]);
            if (seen >= rank) {
                long lo = Math.min(lowerBound(i), max);
                long hi = Math.max(lo, Math.min(upperBound(i), max));
                return lo + (hi - lo) / 2;
            }
        }
        return max;
    }
}
