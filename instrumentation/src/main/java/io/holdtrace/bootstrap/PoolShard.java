package io.holdtrace.bootstrap;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One thread's own share of one pool's figures: its checkouts and returns, and its records of
 * the pool's wait and hold histograms. Written only by that thread, with plain (releasing)
 * stores, never an atomic instruction; read by the agent, which sums every shard with the pool's
 * shared cells. When the thread has ended, the agent folds the shard into those cells and drops
 * it. A pool gives at most {@link PoolStats#MAX_SHARDS} threads a shard at once; the others
 * count in the shared cells, atomically.
 */
final class PoolShard extends Padded {

    private static final VarHandle CHECKOUTS;
    private static final VarHandle RETURNS;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            CHECKOUTS = l.findVarHandle(PoolShard.class, "checkouts", long.class);
            RETURNS = l.findVarHandle(PoolShard.class, "returns", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The pool it counts for (a thread's shards are looked up by pool id, which another tracker may reuse). */
    final PoolStats pool;
    /** Null for a pool's {@link PoolStats#noShard}: given to threads past the bound, which count in the shared cells. */
    final ThreadRef thread;
    final long[] waits;
    final long[] holds;
    @SuppressWarnings("unused") // through CHECKOUTS
    private long checkouts;
    @SuppressWarnings("unused") // through RETURNS
    private long returns;

    PoolShard(PoolStats pool, ThreadRef thread, long[] waits, long[] holds) {
        this.pool = pool;
        this.thread = thread;
        this.waits = waits;
        this.holds = holds;
    }

    /** On the shard's thread. */
    void checkedOut() {
        CHECKOUTS.setRelease(this, (long) CHECKOUTS.getOpaque(this) + 1L);
    }

    /** On the shard's thread. */
    void checkedIn() {
        RETURNS.setRelease(this, (long) RETURNS.getOpaque(this) + 1L);
    }

    long checkouts() {
        return (long) CHECKOUTS.getAcquire(this);
    }

    long returns() {
        return (long) RETURNS.getAcquire(this);
    }
}
