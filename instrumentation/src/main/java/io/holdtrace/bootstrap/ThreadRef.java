package io.holdtrace.bootstrap;

import java.lang.ref.WeakReference;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * What the agent knows of an application thread: its id and name, and a weak reference so the
 * agent can look at its stack now or see that it ended, without keeping it alive. One per
 * thread, made on first use.
 */
public final class ThreadRef extends Padded {

    private static final ThreadLocal<ThreadRef> CURRENT = ThreadLocal.withInitial(ThreadRef::new);
    private static final java.util.concurrent.atomic.AtomicInteger NEXT_STRIPE = new java.util.concurrent.atomic.AtomicInteger();
    private static final java.util.concurrent.atomic.AtomicInteger NEXT_CELL = new java.util.concurrent.atomic.AtomicInteger();
    private static final AtomicIntegerFieldUpdater<ThreadRef> CLOSED_ELSEWHERE =
            AtomicIntegerFieldUpdater.newUpdater(ThreadRef.class, "closedElsewhere");
    /** Open holds one thread keeps track of for its outbound calls; more are counted, not attributed. */
    private static final int MAX_HELD = 16;

    public final long id;
    private final WeakReference<Thread> thread;
    private volatile String name;
    /** Only touched by the owning thread. */
    int poolInternalDepth;
    /** Only touched by the owning thread. */
    int driverDepth;
    /** The DI component this thread is creating, innermost; only touched by the owning thread. */
    Creation creating;
    /** The {@code @Transactional} method this thread is in ({@link Components.Tx}); only touched by the owning thread. */
    Object transactional;

    // What this thread holds now, for its outbound calls (see RpcTracker): opened minus closed.
    // `opened`, `closedHere` and `held` are written by this thread only, without atomics;
    // `closedElsewhere` by the other threads that end its holds (a close on another thread, an
    // eviction, a pool shutdown, the detector for a collected connection), atomically.
    private int opened;
    private int closedHere;
    private volatile int closedElsewhere;
    /** What it holds: a {@link Hold}, or a {@link HoldSlot} whose checkout is not a hold yet. */
    private Object[] held;
    private int heldCount;
    /** The outbound call in progress on this thread: written by it, read by the detector. */
    volatile RpcCall rpc;
    /** HttpURLConnection: a call between connect() and getInputStream(), parked on this thread. */
    RpcCall parked;
    /**
     * This thread's last asynchronous call not finished yet (the JDK HttpClient's sendAsync): a hold
     * of this thread that ends first settles it if its future is complete ({@link RpcTracker#settle}).
     */
    volatile RpcCall async;
    /** The last open hold of another thread that this thread used (a connection handed to it); only this thread. */
    Hold lastForeign;
    /** This thread's stripe of the open-holds table: given in turn, so that threads made one after another each find their own. */
    final int stripe;
    /**
     * This thread's cell of the pools' histograms and in-use counts, given in turn at its first
     * checkout, so that the threads that take connections (not every thread that ever ran
     * woven code) spread over the cells; -1 until then.
     */
    private int cell = -1;
    /** This thread's shards of the pools' figures, by pool id ({@link PoolShard}); only this thread. */
    private PoolShard[] shards;
    /**
     * The shard it made first (of the one pool most applications have), beside the fields the hot
     * path reads anyway: found without touching the array's lines; only this thread.
     */
    private PoolShard firstShard;

    private ThreadRef() {
        Thread t = Thread.currentThread();
        this.id = t.getId();
        this.thread = new WeakReference<>(t);
        this.name = t.getName();
        this.stripe = NEXT_STRIPE.getAndIncrement() & (HoldTable.STRIPES - 1);
    }

    /** This thread's cell number (see {@link #cell}); on this thread. */
    int cell() {
        int c = cell;
        if (c < 0) {
            c = cell = NEXT_CELL.getAndIncrement() & Integer.MAX_VALUE;
        }
        return c;
    }

    /** This thread's shard of {@code pool} (made at its first use), or the pool's {@link PoolStats#noShard}; on this thread. */
    PoolShard shard(PoolStats pool) {
        PoolShard f = firstShard;
        if (f != null && f.pool == pool) {
            return f;
        }
        PoolShard[] a = shards;
        int i = pool.id;
        PoolShard sh;
        if (a != null && i < a.length && (sh = a[i]) != null && sh.pool == pool) {
            return sh;
        }
        return newShard(pool);
    }

    /** Drops this thread's shards: only once the thread has ended (nothing writes them again). */
    void forgetShards() {
        shards = null;
        firstShard = null;
    }

    private PoolShard newShard(PoolStats pool) {
        PoolShard[] a = shards;
        int i = pool.id;
        if (a == null || i >= a.length) {
            a = shards = java.util.Arrays.copyOf(a == null ? new PoolShard[0] : a, Math.max(i + 1, 4));
        }
        PoolShard sh = pool.newShard(this);
        a[i] = sh;
        if (firstShard == null && sh.thread == this) { // not a pool's noShard
            firstShard = sh;
        }
        return sh;
    }

    public static ThreadRef current() {
        ThreadRef r = CURRENT.get();
        Thread t = Thread.currentThread();
        String n = t.getName();
        if (n != r.name) { // a rename; reference comparison is enough and costs nothing
            r.name = n;
        }
        return r;
    }

    /**
     * {@link #current()}, given the ref this thread most likely has (the last owner of the pool
     * entry it just got): that one, without the thread-local lookup, if it is this thread's. A
     * thread's id is never reused, so an equal id is this thread.
     */
    static ThreadRef current(ThreadRef likely) {
        Thread t = Thread.currentThread();
        if (likely == null || likely.id != t.getId()) {
            return current();
        }
        String n = t.getName();
        if (n != likely.name) {
            likely.name = n;
        }
        return likely;
    }

    /** The cheapest lookup, for the outbound-call fast path: no rename check. */
    static ThreadRef get() {
        return CURRENT.get();
    }

    /** This thread holds a connection and is not inside an outbound call already. Two field reads. */
    boolean mayCall() {
        return opened != closedHere + closedElsewhere && rpc == null;
    }

    /** At checkout, on this thread: {@code h} is the {@link Hold} or the {@link HoldSlot}. */
    void holdOpened(Object h) {
        Object[] a = held;
        if (a == null) {
            a = held = new Object[4];
        }
        int n = heldCount;
        if (opened == closedHere + closedElsewhere) {
            // it held nothing until now, so every hold it kept has ended (a hold ends before it is counted closed)
            if (n == 1 && a[0] == h) {
                opened++; // the slot it held last, again: nothing to write
                return;
            }
            for (int i = 0; i < n; i++) {
                a[i] = null;
            }
            n = 0;
        } else if (n == a.length) {
            n = prune(a, n);
        }
        if (n == a.length && n < MAX_HELD) {
            a = held = java.util.Arrays.copyOf(a, n * 2);
        }
        if (n < a.length && !(h instanceof HoldSlot && contains(a, n, h))) {
            a[n++] = h; // (a slot is kept once: its entry may come back to this thread while another is held)
        }
        heldCount = n;
        opened++;
    }

    /** A hold this thread took has ended, after {@link Hold#end}; on any thread. */
    void holdClosed() {
        if (Thread.currentThread().getId() == id) {
            closedHere++; // the common case, and no atomic: only this thread writes it
        } else {
            CLOSED_ELSEWHERE.incrementAndGet(this);
        }
    }

    private static boolean contains(Object[] a, int n, Object h) {
        for (int i = 0; i < n; i++) {
            if (a[i] == h) {
                return true;
            }
        }
        return false;
    }

    /**
     * The holds this thread has open now, or null; on this thread. A slot's checkout is made a
     * hold by {@code tracker} (an outbound call is about to be attributed to it).
     */
    Hold[] openHolds(HoldTracker tracker) {
        Object[] a = held;
        if (a == null) {
            return null;
        }
        int n = heldCount = prune(a, heldCount);
        Hold[] out = new Hold[n];
        int k = 0;
        for (int i = 0; i < n; i++) {
            Object o = a[i];
            Hold h = o instanceof Hold ? (Hold) o : tracker.promote((HoldSlot) o, ((HoldSlot) o).state());
            if (h != null && h.isOpen()) {
                out[k++] = h;
            }
        }
        return k == 0 ? null : (k == n ? out : java.util.Arrays.copyOf(out, k));
    }

    /** Is {@code o} (a hold, or a slot) still held by this thread? */
    private boolean stillHeld(Object o) {
        if (o instanceof Hold) {
            return ((Hold) o).isOpen();
        }
        HoldSlot s = (HoldSlot) o;
        return HoldSlot.isOpen(s.state()) && s.owner == this;
    }

    /** Drops the holds that have ended (they end on any thread), keeping the order; returns the count left. */
    private int prune(Object[] a, int n) {
        int k = 0;
        for (int i = 0; i < n; i++) {
            if (stillHeld(a[i])) {
                a[k++] = a[i];
            }
        }
        for (int i = k; i < n; i++) {
            a[i] = null;
        }
        return k;
    }

    /** The outbound call this thread is in now, or null. */
    public RpcCall rpcNow() {
        return rpc;
    }

    public String name() {
        return name;
    }

    /** The thread, or null if it was collected. */
    public Thread thread() {
        return thread.get();
    }

    public boolean isAlive() {
        Thread t = thread.get();
        return t != null && t.isAlive();
    }
}
