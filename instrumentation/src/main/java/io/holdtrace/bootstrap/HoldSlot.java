package io.holdtrace.bootstrap;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;

/**
 * The hold record of one pooled connection entry (HikariCP's {@code PoolEntry}), reused by every
 * checkout of that entry: the hot path writes a few fields into it instead of making a
 * {@link Hold} and putting it in the open table. A checkout becomes a {@link Hold} only when
 * something must follow it as an object: its call site was captured, a JFR recording wants it,
 * an outbound call or another thread uses it, or the agent's detector finds it open on a pass
 * (so every hold that lives longer than a pass is a {@link Hold} the detector judges, and a
 * connection dropped without {@code close()} is then watched by that hold's weak reference).
 * Holdings the pass never sees are counted in the pool's figures only, as unsampled holds were.
 *
 * <p>Concurrency: a pool hands an entry to one borrower at a time, so a checkout writes the
 * fields plainly and publishes them with a releasing store of {@link #state}. The end is claimed
 * by one compare-and-set of the state (close, abort, eviction, pool shutdown and a collected
 * connection may race), so each checkout ends exactly once. Readers on other threads read the
 * state, the fields, then the state again, and trust the fields only if it did not change.
 *
 * <p>References: the slot keeps the pool's proxy strongly from the checkout until the hold is
 * promoted or ends (at most one detector pass), and its entry and nothing else weakly; the
 * registry of slots is bounded ({@link HoldTracker}).
 *
 * <p>Layout: {@link Padded} before the fields and {@link Tail} after them keep every slot's
 * fields two cache lines away from any other object, so two threads' checkouts never write one
 * line; every slot is a {@link Tail}.
 */
public class HoldSlot extends Padded {

    private static final VarHandle STATE;
    private static final VarHandle PROMOTED;
    private static final VarHandle HANDLE;
    private static final VarHandle CLOSING;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            STATE = l.findVarHandle(HoldSlot.class, "state", long.class);
            PROMOTED = l.findVarHandle(HoldSlot.class, "promoted", Hold.class);
            HANDLE = l.findVarHandle(HoldSlot.class, "handle", Object.class);
            CLOSING = l.findVarHandle(HoldSlot.class, "closingStart", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** 2k+1 while the entry's k-th checkout is out, 2k+2 once it came back; 0 before the first. */
    @SuppressWarnings("unused") // through STATE
    private long state;
    /** The {@link Hold} this checkout became, or null; its {@link Hold#seq} says which checkout. */
    @SuppressWarnings("unused") // through PROMOTED
    private Hold promoted;
    /** The object the pool handed out (its proxy), until the hold is promoted or ends. */
    @SuppressWarnings("unused") // through HANDLE
    private Object handle;

    final PoolStats pool;
    final WeakReference<Object> entry;

    // this checkout's facts: written by its borrower before the state publishes them
    ThreadRef owner;
    long ownerId;
    long startNanos;
    long waitNanos;
    Creation creation;
    Object transactional;
    /**
     * The start of a checkout being returned (claimed on the fast path, its time not recorded
     * yet), else 0: plain (opaque) stores by the returning thread, read by the agent.
     */
    @SuppressWarnings("unused") // through CLOSING
    private long closingStart;

    /** A new slot: always with its trailing room. */
    static HoldSlot of(Object entry, PoolStats pool) {
        return new Tail(entry, pool);
    }

    private HoldSlot(Object entry, PoolStats pool) {
        this.entry = new WeakReference<>(entry);
        this.pool = pool;
    }

    long state() {
        return (long) STATE.getAcquire(this);
    }

    /** Written by the borrower, before {@link #publish}. */
    void openFields(Object handle, Hold promoted) {
        HANDLE.set(this, handle);
        if (promoted != null || PROMOTED.get(this) != null) {
            PROMOTED.set(this, promoted); // (a reference store pays the collector's barrier: only when it changes)
        }
    }

    void publish(long open) {
        STATE.setRelease(this, open);
    }

    boolean claim(long open) {
        return STATE.compareAndSet(this, open, open + 1L);
    }

    /** Re-reads the state after reading the checkout's fields (a reader on another thread). */
    long recheck() {
        VarHandle.acquireFence();
        return (long) STATE.getVolatile(this);
    }

    Hold promoted() {
        return (Hold) PROMOTED.getAcquire(this);
    }

    boolean promote(Hold expected, Hold h) {
        return PROMOTED.compareAndSet(this, expected, h);
    }

    Object handle() {
        return HANDLE.getOpaque(this);
    }

    void dropHandle(Object expected) {
        HANDLE.compareAndSet(this, expected, null);
    }

    void clearHandle() {
        HANDLE.setOpaque(this, null);
    }

    void closing(long start) {
        CLOSING.setOpaque(this, start);
    }

    long closingStart() {
        return (long) CLOSING.getOpaque(this);
    }

    static boolean isOpen(long state) {
        return (state & 1L) != 0L;
    }

    /** The slot with room after its fields (HotSpot places a subclass's fields after its superclass's). */
    static final class Tail extends HoldSlot {
        @SuppressWarnings("unused") private long q01, q02, q03, q04, q05, q06, q07, q08;
        @SuppressWarnings("unused") private long q09, q10, q11, q12, q13, q14, q15, q16;

        Tail(Object entry, PoolStats pool) {
            super(entry, pool);
        }
    }
}
