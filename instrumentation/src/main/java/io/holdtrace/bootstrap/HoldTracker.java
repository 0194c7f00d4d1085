package io.holdtrace.bootstrap;

import io.holdtrace.bootstrap.jfr.HoldEvents;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The hot path. Everything here runs on application threads, so it only notes facts: times,
 * identities, a raw stack when the budget allows. Decoding stacks, judging findings and writing
 * reports happen later on the agent's own thread, which drains what this class collects.
 */
public final class HoldTracker {

    private static final int MAX_POOLS = 256;

    private final HoldTable open;
    /** The reusable hold records of pooled connection entries (HikariCP's), see {@link HoldSlot}. */
    private final HoldSlots slots;
    private final ReferenceQueue<Object> collected = new ReferenceQueue<>();
    /** Completed holds whose captured site is not decoded yet. */
    private final ArrayBlockingQueue<Hold> completed;
    /** Rare events the agent must look at: holds that became shared between threads, holds a pool shutdown ended. */
    private final ArrayBlockingQueue<Hold> notable = new ArrayBlockingQueue<>(4096);
    private final CaptureBudget budget;
    private final boolean captureAll;
    private final AtomicLong dropped = new AtomicLong();
    private final long startNanos = System.nanoTime();
    private final long startMillis = System.currentTimeMillis();
    private volatile PoolStats[] pools = new PoolStats[0];
    private final PoolStats overflowPool;
    private final RpcTracker rpc;
    /**
     * Set by the agent once a recording has started JFR. Until then {@link HoldEvents} stays
     * unloaded: initializing an event class would start JFR's machinery, hundreds of ms.
     */
    private volatile boolean jfr;
    private volatile Runnable onNewPool;

    /**
     * @param maxOpenHolds bound on tracked open holds
     * @param captureNanosPerSecond CPU budget for call-site capture; {@code Long.MAX_VALUE} captures all
     * @param queueCapacity bound on completed holds waiting to be attributed
     */
    public HoldTracker(int maxOpenHolds, long captureNanosPerSecond, int queueCapacity) {
        this.open = new HoldTable(maxOpenHolds);
        this.slots = new HoldSlots(maxOpenHolds);
        this.budget = new CaptureBudget(captureNanosPerSecond);
        this.captureAll = captureNanosPerSecond == Long.MAX_VALUE;
        this.completed = new ArrayBlockingQueue<>(queueCapacity);
        this.overflowPool = new PoolStats(0, new Object(), "other", "(other pools)", startMillis);
        this.rpc = new RpcTracker(this, budget, captureAll);
    }

    /** Outbound calls made while holding. */
    public RpcTracker rpc() {
        return rpc;
    }

    /**
     * Runs {@code r} on the thread that makes the first hold (or connection) of a pool, as the
     * pool is first seen; what it throws is counted, never passed on.
     */
    public void onNewPool(Runnable r) {
        onNewPool = r;
    }

    /** Called by the agent once JFR is up: from then on holds feed JFR hold events when a recording wants them. */
    public void enableJfr() {
        jfr = true;
    }

    void acquired(Object poolObj, String type, String name, Object handle, long start) {
        long now = System.nanoTime();
        acquired(poolObj, type, name, handle, now, now - start, ThreadRef.current());
    }

    /** A checkout by {@code owner} (this thread) that ended at {@code now} after waiting {@code waited} ns. */
    void acquired(Object poolObj, String type, String name, Object handle, long now, long waited, ThreadRef owner) {
        PoolStats pool = pool(poolObj, type, name); // first: a new pool may switch JFR's events on
        Object event = jfr ? HoldEvents.begin() : null; // null unless a recording wants hold events
        Throwable capture = capture(now, pool);
        Hold h = new Hold(handle, collected, owner.stripe, pool, owner, now, waited, capture);
        h.context(event, owner.creating, owner.transactional); // which component takes it, inside which transaction
        if (!Holds.genericHolds) {
            Holds.genericHolds = true; // before the hold is put: a use that misses the flag misses the hold too
        }
        open.noteHandleClass(handle.getClass());
        if (open.put(h)) {
            pool.checkedOut(owner, waited);
            h.owner.holdOpened(h);
        } else {
            pool.untracked.incrementAndGet();
            pool.checkedOut(owner, waited);
            h.clear();
        }
    }

    /** The current thread's ThreadRef: {@code likely} if it is the current thread's (read it once: its id is final), else looked up. */
    private static ThreadRef me(ThreadRef likely) {
        return likely != null && likely.id == Thread.currentThread().getId() ? likely : ThreadRef.get();
    }

    /** The acquiring stack while the capture budget lasts, else null. */
    private Throwable capture(long now, PoolStats pool) {
        if (!captureAll && !budget.tryCapture(now)) {
            return null;
        }
        // the budget pays for the capture alone: `now` may be the pool's own reading, from
        // before the pool finished its checkout
        long before = captureAll ? 0L : System.nanoTime();
        Throwable capture = new Throwable("holdtrace acquire site");
        if (!captureAll) {
            budget.spendCapture(System.nanoTime() - before);
        }
        pool.captured.incrementAndGet();
        return capture;
    }

    // ---- The slot path (HikariCP): a checkout writes the entry's reusable HoldSlot, and becomes a
    // Hold only when something must follow it as an object (see HoldSlot).

    /**
     * The slot of the entry behind {@code handle}, made at the entry's first checkout; null where
     * the pool's classes were not woven for slots (an attach) or there was no room.
     */
    HoldSlot slotForCheckout(Object poolObj, String type, String name, Object handle) {
        if (!(handle instanceof PooledHandle)) {
            return null;
        }
        Object e = ((PooledHandle) handle).holdtraceEntry();
        if (!(e instanceof SlotCarrier)) {
            return null;
        }
        SlotCarrier c = (SlotCarrier) e;
        HoldSlot s = c.holdtraceSlot();
        if (s == null) {
            s = slots.add(e, pool(poolObj, type, name)); // once per physical connection
            c.holdtraceSlot(s);
        }
        return s == HoldSlots.NONE ? null : s;
    }

    /** The slot of the entry behind {@code handle}, or null (no slot: the generic path tracks it). */
    static HoldSlot slotOf(Object handle) {
        if (handle instanceof PooledHandle) {
            Object e = ((PooledHandle) handle).holdtraceEntry();
            if (e instanceof SlotCarrier) {
                HoldSlot s = ((SlotCarrier) e).holdtraceSlot();
                return s == HoldSlots.NONE ? null : s;
            }
        }
        return null;
    }

    /**
     * A checkout of the slot's entry by {@code owner} (this thread; the pool gives an entry to one
     * borrower at a time) that ended at {@code now} after waiting {@code waited} ns.
     */
    void acquired(HoldSlot s, Object handle, long now, long waited, ThreadRef owner) {
        Object event = jfr ? HoldEvents.begin() : null;
        PoolStats pool = s.pool;
        Throwable capture = capture(now, pool);
        long st = s.state();
        if (HoldSlot.isOpen(st)) {
            // its last checkout never came back through the paths holdtrace sees, yet the pool
            // handed the entry out again: that checkout ended before this one began
            Object r = claim(s, st, true);
            if (r instanceof Hold) {
                finish((Hold) r, now, Holds.END_CLOSE, false);
            } else if (r != null) {
                s.closing(0L);
                pool.held(owner, now - s.startNanos);
            }
            st = s.state();
        }
        long openState = st + 1L;
        // references are written only when they change (a thread often gets its last entry back):
        // each reference store pays the collector's write barrier
        if (s.owner != owner) {
            s.owner = owner;
            s.ownerId = owner.id;
        }
        s.startNanos = now;
        s.waitNanos = waited;
        Creation creation = owner.creating; // which component takes it, inside which transaction
        if (s.creation != creation) {
            s.creation = creation;
        }
        Object transactional = owner.transactional;
        if (s.transactional != transactional) {
            s.transactional = transactional;
        }
        Hold h = null;
        if (capture != null || event != null) {
            h = new Hold(handle, collected, owner.stripe, pool, owner, now, waited, capture);
            h.context(event, s.creation, s.transactional);
            h.slot = s;
            h.seq = openState;
            if (!open.put(h)) {
                h = null; // the table is full: the slot still tracks it, without its stack or event
            }
        }
        s.openFields(h == null ? handle : null, h);
        s.publish(openState);
        pool.checkedOut(owner, waited);
        owner.holdOpened(h != null ? h : s);
    }

    /**
     * Ends the slot's checkout {@code st}, if nobody else ended it: returns the {@link Hold} it
     * had become (the caller finishes it, which takes it out of the table: until then the agent
     * still sees it open), or the slot itself (the pool's and the owner's counts are closed; the
     * caller records its time, and until then {@link #closingStarts} shows it), or null.
     */
    Object claim(HoldSlot s, long st, boolean checkIn) {
        if (!HoldSlot.isOpen(st) || !s.claim(st)) {
            return null;
        }
        s.clearHandle();
        if (checkIn) {
            s.pool.checkedIn(me(s.owner));
        }
        Hold p = s.promoted();
        if (p != null && p.seq == st) {
            return p;
        }
        s.closing(s.startNanos);
        s.owner.holdClosed();
        return s;
    }

    /** The exit of a return that {@link #claim} ended on the slot path: its time, to the pool's own stamp. */
    void slotReturned(HoldSlot s, long start, long poolNanos) {
        long end = poolNanos;
        if (end - start < 0L) {
            end = System.nanoTime(); // the pool kept its older reading: it did not take the connection back
        }
        s.closing(0L);
        s.pool.held(me(s.owner), end - start); // (the owner now may be the next borrower's: me() checks)
    }

    /**
     * The pool takes back the slot's entry, having stamped the return {@code poolNanos}: its
     * checkout ends, if nobody ended it yet. Returns what {@link #claim} gave (null: nothing ended).
     */
    Object recycled(HoldSlot s, long poolNanos) {
        if (s == HoldSlots.NONE) {
            return null;
        }
        Object r = claim(s, s.state(), true);
        if (r instanceof Hold) {
            returned((Hold) r, Holds.END_CLOSE, poolNanos);
        } else if (r != null) {
            slotReturned(s, s.startNanos, poolNanos); // (the entry is still this checkout's: the pool has not taken it yet)
        }
        return r;
    }

    /** The slot's checkout ended now, not through a timestamped return (abort, eviction). */
    void released(HoldSlot s, int reason) {
        long st = s.state();
        long start = s.startNanos;
        Object r = claim(s, st, true);
        if (r instanceof Hold) {
            finish((Hold) r, System.nanoTime(), reason, false);
        } else if (r != null) {
            s.closing(0L);
            s.pool.held(me(s.owner), System.nanoTime() - start);
        }
    }

    /** A use of the slot's connection on this thread: only another thread than the last user costs more than a few reads. */
    void used(HoldSlot s) {
        long st = s.state();
        if (!HoldSlot.isOpen(st)) {
            return;
        }
        long tid = Thread.currentThread().getId();
        Hold p = s.promoted();
        if (p == null || p.seq != st) {
            if (s.ownerId == tid) {
                return; // the common case: the holder uses its own connection
            }
            p = promote(s, st);
        } else if (p.lastUsedBy(tid)) {
            return;
        }
        if (p != null && p.usedBy(ThreadRef.current())) {
            notable.offer(p);
        }
    }

    /**
     * The {@link Hold} the slot's checkout {@code st} is, made now if it is not one yet (on any
     * thread: the detector's, or the holder's when it makes an outbound call); null if that
     * checkout ended meanwhile or the open table is full.
     */
    Hold promote(HoldSlot s, long st) {
        Hold p = s.promoted();
        if (p != null && p.seq == st) {
            return p;
        }
        Object handle = s.handle();
        ThreadRef owner = s.owner;
        long start = s.startNanos;
        long waited = s.waitNanos;
        Creation creation = s.creation;
        Object transactional = s.transactional;
        if (!HoldSlot.isOpen(st) || s.recheck() != st || handle == null || owner == null) {
            return null; // the fields read may be another checkout's
        }
        Hold h = new Hold(handle, collected, owner.stripe, s.pool, owner, start, waited, null);
        h.context(null, creation, transactional);
        h.slot = s;
        h.seq = st;
        if (!open.put(h)) {
            return null;
        }
        if (!s.promote(p, h)) {
            open.remove(h); // another thread promoted it first
            p = s.promoted();
            return p != null && p.seq == st ? p : null;
        }
        if (s.state() != st) {
            // it ended while being promoted: whoever ended it saw the promotion (and finishes the
            // hold) or did not (and the hold is discarded here); either way it leaves the table
            s.promote(h, null);
            open.remove(h);
            return null;
        }
        s.dropHandle(handle); // from now on the hold's weak reference watches the connection
        return h;
    }

    /**
     * The starts of {@code pool}'s slot checkouts that are being returned now (claimed, their time
     * not recorded yet), for the agent's samples of connections in use: neither open nor ended,
     * they would be missed for that instant.
     */
    public long[] closingStarts(PoolStats pool) {
        HoldSlot[] all = slots.snapshot();
        long[] out = new long[all.length];
        int n = 0;
        for (HoldSlot s : all) {
            long c = s.closingStart();
            if (s.pool == pool && c != 0L) {
                out[n++] = c;
            }
        }
        return java.util.Arrays.copyOf(out, n);
    }

    /** Promotes every open slot checkout, so that the open table shows every hold (the agent's passes). */
    private void promoteOpenSlots() {
        for (HoldSlot s : slots.snapshot()) {
            long st = s.state();
            if (HoldSlot.isOpen(st)) {
                promote(s, st);
            }
        }
    }

    void acquireFailed(Object poolObj, String type, String name, long start) {
        long now = System.nanoTime();
        acquireFailed(poolObj, type, name, now, now - start, ThreadRef.current());
    }

    /** A checkout by {@code by} (this thread) that gave up at {@code now} after waiting {@code waited} ns. */
    void acquireFailed(Object poolObj, String type, String name, long now, long waited, ThreadRef by) {
        long start = now - waited;
        PoolStats pool = pool(poolObj, type, name);
        pool.waits.record(waited);
        pool.timeouts.incrementAndGet();
        if (captureAll || budget.tryCapture(now)) {
            // who gave up waiting, and where: attributed later like a completed hold
            Throwable capture = new Throwable("holdtrace acquire site");
            if (!captureAll) {
                budget.spendCapture(System.nanoTime() - now);
            }
            if (!completed.offer(Hold.timeout(pool, by, start, waited, capture))) {
                dropped.incrementAndGet();
            }
        }
    }

    void released(Object handle, int reason) {
        HoldSlot s = slotOf(handle);
        if (s != null) {
            released(s, reason); // a pooled entry's checkout (HikariCP's)
            return;
        }
        releasedUnslotted(handle, reason);
    }

    /** A close of {@code handle}: only if its entry has no slot (else the entry's {@link #recycled} ends it). */
    void closedUnslotted(Object handle) {
        if (slotOf(handle) == null) {
            releasedUnslotted(handle, Holds.END_CLOSE);
        }
    }

    private void releasedUnslotted(Object handle, int reason) {
        Hold h = open.remove(handle, ThreadRef.get());
        if (h != null) {
            finish(h, System.nanoTime(), reason);
        }
    }

    /** A hold whose end was claimed ({@link #claim}) ends at {@code poolNanos}, the pool's own stamp of the return. */
    void returned(Hold h, int reason, long poolNanos) {
        long end = poolNanos;
        if (end - h.startNanos < 0L) {
            end = System.nanoTime(); // the pool kept its older reading: it did not take the connection back
        }
        finish(h, end, reason, false);
    }

    void poolClosed(Object poolObj) {
        PoolStats pool = find(poolObj);
        if (pool == null) {
            return;
        }
        pool.markClosed();
        long now = System.nanoTime();
        for (HoldSlot s : slots.snapshot()) {
            long st = s.state();
            if (s.pool == pool && HoldSlot.isOpen(st)) {
                promote(s, st); // the detector judges what a shutdown ended: it needs the hold
                Object r = claim(s, st, true);
                if (r instanceof Hold) {
                    finish((Hold) r, now, Holds.END_POOL_SHUTDOWN, false);
                    notable.offer((Hold) r);
                } else if (r != null) {
                    s.closing(0L);
                    pool.held(me(s.owner), now - s.startNanos);
                }
            }
        }
        for (Hold h : open.snapshot()) {
            if (h.pool == pool && h.slot == null && open.remove(h)) {
                finish(h, now, Holds.END_POOL_SHUTDOWN);
                notable.offer(h);
            }
        }
    }

    void used(Object handle) {
        HoldSlot s = slotOf(handle);
        if (s != null) {
            used(s); // a pooled entry's checkout (HikariCP's)
            return;
        }
        usedGeneric(handle);
    }

    /** {@link #used(Object)} of a handle that is no pool entry's (only ever a generic hold). */
    void usedGeneric(Object handle) {
        if (!Holds.genericHolds || !open.isHandleClass(handle.getClass())) {
            // no hold was ever made of an object of this class: most often the driver's own
            // connection under a pool's, which a statement's creation reaches after the pool's
            return;
        }
        ThreadRef by = ThreadRef.current();
        Hold h = open.get(handle, by);
        if (h != null && h.usedBy(by)) {
            notable.offer(h); // rare; if the queue is full the agent still sees the flag on open holds
        }
    }

    void physicalConnection(Object poolObj, String type, String name, Class<?> connectionClass) {
        pool(poolObj, type, name).physicalConnection(connectionClass);
    }

    /** Ends a hold that was removed from the open table: exactly once per hold. */
    private void finish(Hold h, long now, int reason) {
        finish(h, now, reason, true);
    }

    /** {@code checkIn}: false when {@link #returning} gave the connection back to the pool's count already. */
    private void finish(Hold h, long now, int reason, boolean checkIn) {
        RpcCall pending = h.owner.async;
        if (pending != null) {
            rpc.settle(pending); // a call its thread waited for, whose completion has not run yet
        }
        h.end(now, reason);
        if (h.slot != null) {
            open.remove(h); // a slot's checkout leaves the table as it ends (its end was claimed on the slot)
        }
        // not cleared: Reference.clear() is a native call on every return. A hold that ended is
        // out of the table, so if the GC still finds and enqueues it, drainCollected ignores it.
        Object event = h.takeJfrEvent();
        if (event != null) {
            HoldEvents.end(event, h); // first: a site it decodes is recorded below
        }
        h.owner.holdClosed();
        PoolStats pool = h.pool;
        ThreadRef me = me(h.owner); // the thread ending it: its owner, nearly always
        if (checkIn) {
            pool.checkedIn(me);
        }
        long held = now - h.startNanos;
        pool.held(me, held);
        HoldCalls calls = h.calls();
        if (calls != null) {
            pool.callsInHolds(calls.count(), calls.nanos(), held); // only holds that made calls pay for the net-of-calls figures
        }
        SiteStats s = h.site();
        if (s != null) {
            s.record(h);
        } else if (h.capture != null && !completed.offer(h)) {
            // (a hold with no stack has no site to decode: it is counted per pool, and never queued)
            dropped.incrementAndGet(); // counted per pool already; only the site attribution is lost
        }
    }

    /**
     * Called by the agent: the holds whose key was collected while still open. Each is removed
     * from the open table and ended as {@link Holds#END_GC}; the list holds those.
     */
    public void drainCollected(List<Hold> out) {
        long now = System.nanoTime();
        Reference<?> r;
        while ((r = collected.poll()) != null) {
            Hold h = (Hold) r;
            if (h.slot != null) {
                // a slot's checkout: its end is claimed on the slot, once, like any other end
                Object c = claim(h.slot, h.seq, false);
                if (c == null) {
                    continue;
                }
                open.remove(h);
                h.end(now, Holds.END_GC);
                if (c == h) {
                    h.owner.holdClosed();
                }
                h.pool.gcUnclosed.incrementAndGet();
                out.add(h);
            } else if (open.remove(h)) {
                h.end(now, Holds.END_GC);
                h.owner.holdClosed();
                h.pool.gcUnclosed.incrementAndGet();
                // the pool's slot stays taken: in-use is not decremented, as the pool never got it back
                out.add(h);
            }
        }
    }

    /** Called by the agent: completed holds waiting for their call site to be decoded. */
    public void drainCompleted(List<Hold> out) {
        completed.drainTo(out);
    }

    /** Called by the agent: holds that became shared between threads, or were ended by a pool shutdown. */
    public void drainNotable(List<Hold> out) {
        notable.drainTo(out);
    }

    /** Called by the agent once it has resolved a completed hold's site. */
    public static void attribute(Hold h, SiteStats s) {
        h.resolve(s);
        s.record(h);
    }

    /** The open holds (on the agent's threads: open slot checkouts are made holds first). */
    public List<Hold> openHolds() {
        promoteOpenSlots();
        return open.snapshot();
    }

    /** Open holds now: those in the table, and the slot checkouts not made holds yet. */
    public int openCount() {
        int n = open.size();
        for (HoldSlot sl : slots.snapshot()) {
            long st = sl.state();
            Hold p = sl.promoted();
            if (HoldSlot.isOpen(st) && (p == null || p.seq != st)) {
                n++;
            }
        }
        return n;
    }

    public PoolStats[] pools() {
        return pools.clone();
    }

    public CaptureBudget budget() {
        return budget;
    }

    /** Folds the figures of threads that have ended into their pools' shared cells (the agent, each pass). */
    public void retireEndedThreads() {
        overflowPool.retireEnded();
        for (PoolStats p : pools) {
            p.retireEnded();
        }
    }

    /** Successful checkouts, every pool: summed from the pools' own counts, so the hot path shares no counter. */
    public long acquires() {
        long n = overflowPool.checkouts();
        for (PoolStats p : pools) {
            n += p.checkouts();
        }
        return n;
    }

    /** Successful checkouts whose call site was not captured (budget spent), every pool. */
    public long uncaptured() {
        long n = overflowPool.uncaptured();
        for (PoolStats p : pools) {
            n += p.uncaptured();
        }
        return n;
    }

    /** Completed holds whose site could not be attributed because the queue was full. */
    public long dropped() {
        return dropped.get();
    }

    public long startNanos() {
        return startNanos;
    }

    public long startMillis() {
        return startMillis;
    }

    /** Wall-clock millis of a {@link System#nanoTime()} reading. */
    public long toEpochMillis(long nanos) {
        return startMillis + (nanos - startNanos) / 1_000_000L;
    }

    /**
     * Passed as a pool's name by woven code that does not read it (HikariCP's rewritten checkout):
     * the pool's {@code toString()} is its name (HikariCP's is its {@code poolName}), read once,
     * as the pool is first seen.
     */
    static final String NAMED_BY_POOL = new String("(named by the pool)");

    private static String nameOf(Object poolObj) {
        try {
            return poolObj == null ? null : poolObj.toString();
        } catch (RuntimeException e) {
            Faults.report("pool name", e);
            return null;
        }
    }

    private PoolStats find(Object poolObj) {
        for (PoolStats p : pools) {
            if (p.is(poolObj)) {
                return p;
            }
        }
        return null;
    }

    private PoolStats pool(Object poolObj, String type, String name) {
        PoolStats p = find(poolObj);
        if (p != null) {
            return p;
        }
        p = register(poolObj, type, name);
        Runnable r = onNewPool; // outside register's lock; may run twice for one pool in a race
        if (r != null) {
            try {
                r.run();
            } catch (Throwable t) {
                Faults.report("new pool", t);
            }
        }
        return p;
    }

    private synchronized PoolStats register(Object poolObj, String type, String name) {
        PoolStats p = find(poolObj);
        if (p != null) {
            return p;
        }
        if (name == NAMED_BY_POOL) {
            name = nameOf(poolObj);
        }
        PoolStats[] cur = pools;
        if (cur.length >= MAX_POOLS) {
            return overflowPool;
        }
        p = new PoolStats(cur.length + 1, poolObj, type, name, System.currentTimeMillis());
        PoolStats[] next = new PoolStats[cur.length + 1];
        System.arraycopy(cur, 0, next, 0, cur.length);
        next[cur.length] = p;
        pools = next;
        return p;
    }
}
