package io.holdtrace.bootstrap;

import java.lang.ref.WeakReference;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * One pool as the agent saw it: identity (held weakly), name, driver, and what happened to its
 * connections. Counters are exact; histograms are in nanoseconds.
 */
public final class PoolStats {

    /** Longs per in-use cell: 128 bytes, two cache lines, so that neighbouring cells never share one. */
    private static final int CELL_STRIDE = 16;
    /** Threads that count in a shard of their own at once (see {@link PoolShard}); the rest share the cells. */
    static final int MAX_SHARDS = 64;
    /** A checkout this slow waited for a connection or made one: the moment to sum the in-use cells. */
    private static final long PEAK_CHECK_NANOS = 10_000L;

    public final int id;
    public final String type;
    private final WeakReference<Object> pool;
    private final String name;

    /**
     * Checkouts and returns, counted per cell of threads (one cache line each, as the histograms'
     * cells): index {@code (cell + 1) * CELL_STRIDE} counts every successful checkout, the next one the
     * returns. A shared counter, written by every checkout and return on every core, cost two
     * threads more than the rest of their cycle. Connections out now are their difference.
     */
    private final AtomicLongArray counts = new AtomicLongArray((LogHistogram.CELLS + 2) * CELL_STRIDE);

    /**
     * Where cell {@code cell}'s checkouts are counted in {@link #counts}, its returns one further.
     * The first and last strides stay unused: every thread reads the array's length (its bounds
     * check) from its header, so a cell written next to the header, or next to whatever object
     * the array borders, would make that read miss on every other core (with two threads, cell 0
     * next to the header tripled the cost of a cycle).
     */
    private static int slot(int cell) {
        return ((cell & (LogHistogram.CELLS - 1)) + 1) * CELL_STRIDE;
    }
    /** Every checkout, whether or not its call site was captured. */
    public final LogHistogram waits = new LogHistogram();
    /** Every completed hold. */
    public final LogHistogram holdTimes = new LogHistogram();
    public final AtomicLong timeouts = new AtomicLong();
    public final AtomicLong gcUnclosed = new AtomicLong();
    public final AtomicLong untracked = new AtomicLong();
    /** Checkouts whose call site was captured (see {@link #uncaptured()}). */
    final AtomicLong captured = new AtomicLong();
    /** Completed holds that made outbound calls, those calls, and the time they took (ns). */
    public final AtomicLong holdsWithCalls = new AtomicLong();
    public final AtomicLong callsInHolds = new AtomicLong();
    public final AtomicLong callNanosInHolds = new AtomicLong();
    /**
     * Completed holds that made outbound calls: their durations, and their durations less the
     * time of those calls. With {@link #holdTimes} they give the hold times as they would be
     * without the calls ({@link #holdQuantileWithoutCalls}) at no cost to holds that make none.
     */
    public final LogHistogram callHolds = new LogHistogram();
    public final LogHistogram callHoldsNet = new LogHistogram();
    /**
     * The most connections seen out at once: summed after every checkout that had to wait (a
     * pool at its maximum makes its callers wait, so a saturated pool's peak is seen exactly),
     * and at each look the agent takes ({@link #peakInUse()}, its detector's passes).
     */
    private volatile int peakInUse;
    /** The threads' own shards, live ones; copied on change, under this. */
    private PoolShard[] shards = new PoolShard[0];
    /** What threads past {@link #MAX_SHARDS} get: they count in the shared cells. */
    final PoolShard noShard = new PoolShard(this, null, null, null);
    /** Checkouts and returns of shards whose thread ended, folded in; under this. */
    private long retiredCheckouts;
    private long retiredReturns;
    private volatile boolean closed;
    private volatile String connectionClass;
    private volatile String driverVersion;
    /** Epoch millis when the agent first saw the pool. */
    public final long firstSeenMillis;

    PoolStats(int id, Object pool, String type, String name, long firstSeenMillis) {
        this.id = id;
        this.pool = new WeakReference<>(pool);
        this.type = type;
        this.name = name != null && !name.isEmpty() ? name : type + "-" + id;
        this.firstSeenMillis = firstSeenMillis;
    }

    boolean is(Object candidate) {
        return pool.refersTo(candidate);
    }

    /** The pool object if it is still alive: for the agent's own reading of its settings. */
    public Object poolObject() {
        return pool.get();
    }

    public String name() {
        return name;
    }

    /**
     * A successful checkout by a thread of cell number {@code cell} ({@link ThreadRef#cell()}) that
     * waited {@code waitedNanos}. A checkout that the table could not track is counted
     * {@link #untracked} first.
     */
    void checkedOut(int cell, long waitedNanos) {
        int c = cell & (LogHistogram.CELLS - 1);
        waits.record(waitedNanos, c);
        counts.getAndIncrement(slot(c));
        if (waitedNanos >= PEAK_CHECK_NANOS) {
            notePeak();
        }
    }

    /**
     * A successful checkout by {@code me}, the current thread, that waited {@code waitedNanos}:
     * in the thread's own shard (no atomic instruction) if it has one.
     */
    void checkedOut(ThreadRef me, long waitedNanos) {
        PoolShard sh = me.shard(this);
        if (sh == noShard) {
            checkedOut(me.cell(), waitedNanos);
            return;
        }
        LogHistogram.recordOwn(sh.waits, waitedNanos);
        sh.checkedOut();
        if (waitedNanos >= PEAK_CHECK_NANOS) {
            notePeak();
        }
    }

    /** A return, counted by {@code me}, the current thread. */
    void checkedIn(ThreadRef me) {
        PoolShard sh = me.shard(this);
        if (sh == noShard) {
            checkedIn(me.cell());
        } else {
            sh.checkedIn();
        }
    }

    /** A completed hold of {@code nanos}, recorded by {@code me}, the current thread. */
    void held(ThreadRef me, long nanos) {
        PoolShard sh = me.shard(this);
        if (sh == noShard) {
            holdTimes.record(nanos, me.cell());
        } else {
            LogHistogram.recordOwn(sh.holds, nanos);
        }
    }

    /** A shard for {@code t} (the current thread), or {@link #noShard} if {@link #MAX_SHARDS} threads have one. */
    synchronized PoolShard newShard(ThreadRef t) {
        if (shards.length >= MAX_SHARDS) {
            return noShard;
        }
        PoolShard sh = new PoolShard(this, t, waits.newShard(), holdTimes.newShard());
        PoolShard[] next = java.util.Arrays.copyOf(shards, shards.length + 1);
        next[shards.length] = sh;
        shards = next;
        return sh;
    }

    /** Folds the shards of threads that have ended into the shared cells (the agent, each pass). */
    public synchronized void retireEnded() {
        PoolShard[] next = new PoolShard[shards.length];
        int k = 0;
        for (PoolShard sh : shards) {
            if (sh.thread.isAlive()) {
                next[k++] = sh;
            } else { // (a thread seen ended stays ended: nothing writes its shard again)
                waits.retire(sh.waits);
                holdTimes.retire(sh.holds);
                retiredCheckouts += sh.checkouts();
                retiredReturns += sh.returns();
                sh.thread.forgetShards(); // a slot may keep the ended thread's ThreadRef a while: not its arrays
            }
        }
        if (k < shards.length) {
            shards = java.util.Arrays.copyOf(next, k);
        }
    }

    /** Threads counting in a shard of their own now. */
    public synchronized int shardCount() {
        return shards.length;
    }

    /** Successful checkouts so far, tracked or not. */
    public synchronized long checkouts() {
        long n = retiredCheckouts;
        for (int i = 0; i < LogHistogram.CELLS; i++) {
            n += counts.get(slot(i));
        }
        for (PoolShard sh : shards) {
            n += sh.checkouts();
        }
        return n;
    }

    /** Sums the in-use cells and keeps the sum if it is the highest yet. */
    public int notePeak() {
        int n = inUse();
        if (n > peakInUse) {
            peakInUse = n; // a racy max is fine: the peak is a high-water mark, not a count
        }
        return n;
    }

    /** A hold of {@code heldNanos} ended that had made {@code calls} outbound calls, taking {@code inCalls} ns. */
    void callsInHolds(int calls, long inCalls, long heldNanos) {
        holdsWithCalls.incrementAndGet();
        callsInHolds.addAndGet(calls);
        callNanosInHolds.addAndGet(inCalls);
        callHolds.record(heldNanos);
        callHoldsNet.record(Math.max(0L, heldNanos - inCalls));
    }

    /**
     * Quantile {@code q} of the completed holds' durations less the time each spent in outbound
     * calls: every hold's duration, with those of holds that made calls swapped for their net
     * durations, bucket by bucket (the histograms' 12.5% error; counters read while holds end may
     * be off by those holds). 0 when no hold completed.
     */
    public long holdQuantileWithoutCalls(double q) {
        long[] b = holdTimes.buckets();
        long[] with = callHolds.buckets();
        long[] net = callHoldsNet.buckets();
        int top = -1;
        for (int i = 0; i < b.length; i++) {
            b[i] = b[i] - with[i] + net[i];
            if (b[i] > 0) {
                top = i;
            }
        }
        if (top < 0) {
            return 0L;
        }
        long max = Math.min(holdTimes.max(), LogHistogram.upperBound(top));
        if (callHolds.count() >= holdTimes.count()) {
            max = Math.min(max, callHoldsNet.max()); // every hold made calls: the net maximum is exact
        }
        return LogHistogram.quantile(b, q, max);
    }

    /** A return of a hold taken by a thread of cell number {@code cell} (any cell would do: the sum is what counts). */
    void checkedIn(int cell) {
        counts.getAndIncrement(slot(cell) + 1);
    }

    /**
     * Checkouts whose call site was not captured because the capture budget was spent: every
     * successful checkout less the captured ones, so that the path that captures nothing counts
     * nothing extra.
     */
    public long uncaptured() {
        return Math.max(0L, checkouts() - captured.get());
    }

    /** Connections out now: checkouts less returns, less the checkouts the agent could not track (never returned to it). */
    public synchronized int inUse() {
        // checkouts, then returns, then untracked: a connection taken and returned (or taken
        // untracked) between the reads is then counted one too few, never one too many
        long n = checkouts();
        for (int i = 0; i < LogHistogram.CELLS; i++) {
            n -= counts.get(slot(i) + 1);
        }
        for (PoolShard sh : shards) {
            n -= sh.returns();
        }
        n -= retiredReturns;
        n -= untracked.get();
        return (int) Math.max(0L, n);
    }

    /** The peak, after summing the cells now. */
    public int peakInUse() {
        notePeak();
        return peakInUse;
    }

    /** The peak as summed so far, without summing now. */
    int peakInUseSoFar() {
        return peakInUse;
    }

    void markClosed() {
        closed = true;
    }

    public boolean isClosed() {
        return closed;
    }

    void physicalConnection(Class<?> c) {
        if (connectionClass == null) {
            connectionClass = c.getName();
            Package p = c.getPackage();
            driverVersion = p != null ? p.getImplementationVersion() : null;
        }
    }

    public String connectionClass() {
        return connectionClass;
    }

    public String driverVersion() {
        return driverVersion;
    }
}
