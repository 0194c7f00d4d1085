package io.holdtrace.bootstrap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The slot path (HikariCP's): a checkout kept in its pool entry's reusable {@link HoldSlot},
 * made a {@link Hold} only when something must follow it. Entries and proxies here stand for
 * HikariCP's PoolEntry (with the slot field the agent adds) and its proxy connection.
 */
class SlotPathTest {

    private final Object pool = new Object();

    /** Stands for HikariCP's PoolEntry as woven: one per physical connection, reused. */
    static final class Entry implements SlotCarrier {
        private HoldSlot slot;

        @Override
        public HoldSlot holdtraceSlot() {
            return slot;
        }

        @Override
        public void holdtraceSlot(HoldSlot s) {
            slot = s;
        }
    }

    /** Stands for HikariCP's proxy connection: new at every checkout. */
    static final class Proxy implements PooledHandle {
        private final Entry entry;

        Proxy(Entry entry) {
            this.entry = entry;
        }

        @Override
        public Object holdtraceEntry() {
            return entry;
        }
    }

    /** A tracker, installed as the one woven code calls; {@link #uninstall} takes it away after each test. */
    private static HoldTracker installed(int maxOpen, long budget) {
        HoldTracker t = new HoldTracker(maxOpen, budget, 1024);
        Holds.install(t);
        return t;
    }

    @AfterEach
    void uninstall() {
        Holds.install(null);
    }

    /** A checkout of {@code e}'s connection on this thread, that waited {@code waited} ns; the new proxy. */
    private Proxy checkout(HoldTracker t, Entry e, long now, long waited) {
        Proxy p = new Proxy(e);
        HoldSlot s = t.slotForCheckout(pool, "hikari", "p", p);
        if (s != null) {
            t.acquired(s, p, now, waited, ThreadRef.current());
        } else {
            t.acquired(pool, "hikari", "p", p, now, waited, ThreadRef.current());
        }
        return p;
    }

    /**
     * A return as woven HikariCP makes it: the proxy's close, then the entry's recycle at the
     * pool's stamp {@code at}; what the recycle ended (null: nothing).
     */
    private static Object close(Proxy p, long at) {
        Holds.closedUnslotted(p);
        HoldSlot s = ((SlotCarrier) p.holdtraceEntry()).holdtraceSlot();
        return s == null ? null : Holds.tracker().recycled(s, at);
    }

    @Test
    void theEntrysLastOwnerStandsForTheThreadOnlyWhenItIsThatThread() throws Exception {
        HoldTracker t = installed(100, 0);
        Entry e = new Entry();
        ThreadRef me = ThreadRef.current();
        Proxy p = new Proxy(e);
        Holds.checkedOut(p, pool, "hikari", 0L, 0L);
        HoldSlot s = e.holdtraceSlot();
        assertSame(me, s.owner);
        close(p, System.nanoTime());

        // another thread gets the entry: its own ref, not the entry's last owner
        ThreadRef[] seen = new ThreadRef[2];
        Thread other = new Thread(() -> {
            Proxy q = new Proxy(e);
            Holds.checkedOut(q, pool, "hikari", 0L, 0L);
            seen[0] = s.owner;
            seen[1] = ThreadRef.current();
            close(q, System.nanoTime());
        }, "other-borrower");
        other.start();
        other.join();
        assertSame(seen[1], seen[0]);
        assertTrue(seen[0] != me && seen[0].id == other.getId());

        // back to this thread, then to this thread again after a rename: its own ref, renamed
        String name = Thread.currentThread().getName();
        try {
            Proxy r1 = new Proxy(e);
            Holds.checkedOut(r1, pool, "hikari", 0L, 0L);
            assertSame(me, s.owner);
            close(r1, System.nanoTime());
            Thread.currentThread().setName("renamed-borrower");
            Proxy r2 = new Proxy(e);
            Holds.checkedOut(r2, pool, "hikari", 0L, 0L);
            assertSame(me, s.owner);
            assertEquals("renamed-borrower", s.owner.name());
            close(r2, System.nanoTime());
        } finally {
            Thread.currentThread().setName(name);
        }
        assertEquals(4, t.pools()[0].checkouts());
    }

    @Test
    void aCheckoutAndReturnMakeNoHoldAndCountExactly() {
        HoldTracker t = installed(100, 0);
        Entry e = new Entry();
        for (int i = 0; i < 3; i++) {
            long now = System.nanoTime();
            Proxy p = checkout(t, e, now, 1_000L);
            PoolStats ps = t.pools()[0];
            assertEquals(1, ps.inUse());
            assertEquals(1, t.openCount(), "the slot's checkout counts as open");
            Object r = close(p, now + 5_000L);
            assertTrue(r instanceof HoldSlot, "no hold was made: " + r);
            assertEquals(0, ps.inUse());
            assertNull(close(p, now + 9_000L), "a second close is a no-op");
        }
        PoolStats ps = t.pools()[0];
        assertEquals(3, ps.checkouts());
        assertEquals(3, ps.holdTimes.count());
        assertEquals(15_000L, ps.holdTimes.sum(), "each hold timed to the pool's stamp");
        assertEquals(3_000L, ps.waits.sum());
        assertEquals(0, t.openCount());
        assertTrue(t.openHolds().isEmpty());
    }

    @Test
    void aHoldOpenAtAPassBecomesAHoldThatItsCloseEnds() {
        HoldTracker t = installed(100, 0);
        Entry e = new Entry();
        long now = System.nanoTime();
        Proxy p = checkout(t, e, now, 2_000L);
        List<Hold> open = t.openHolds(); // the detector's pass
        assertEquals(1, open.size());
        Hold h = open.get(0);
        assertEquals(now, h.startNanos);
        assertEquals(2_000L, h.waitNanos);
        assertSame(ThreadRef.current(), h.owner);
        assertTrue(h.refersTo(p), "the hold watches the proxy");
        assertSame(h, t.openHolds().get(0), "promoted once");
        Object r = close(p, now + 7_000L);
        assertSame(h, r);
        assertFalse(h.isOpen());
        assertEquals(Holds.END_CLOSE, h.endReason());
        assertEquals(now + 7_000L, h.endNanos());
        PoolStats ps = t.pools()[0];
        assertEquals(1, ps.holdTimes.count());
        assertEquals(0, ps.inUse());
        assertTrue(t.openHolds().isEmpty());
        // the entry's next checkout is a fresh one, not the promoted hold
        Proxy p2 = checkout(t, e, now + 10_000L, 0L);
        assertTrue(close(p2, now + 11_000L) instanceof HoldSlot);
        assertEquals(2, ps.holdTimes.count());
    }

    @Test
    void aSampledCheckoutIsAHoldAtOnceWithItsStack() {
        HoldTracker t = installed(100, Long.MAX_VALUE);
        Proxy p = checkout(t, new Entry(), System.nanoTime(), 0L);
        Object r = close(p, System.nanoTime());
        assertTrue(r instanceof Hold);
        List<Hold> done = new ArrayList<>();
        t.drainCompleted(done);
        assertEquals(1, done.size(), "queued for its site to be decoded");
        assertNotNull(done.get(0).capture());
    }

    @Test
    void racingEndsEndTheCheckoutExactlyOnce() throws Exception {
        HoldTracker t = installed(100, 0);
        Entry e = new Entry();
        for (int round = 0; round < 50; round++) {
            Proxy p = checkout(t, e, System.nanoTime(), 0L);
            if (round % 2 == 1) {
                t.openHolds(); // promoted: the racing ends meet a Hold
            }
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                int kind = i % 3;
                Thread th = new Thread(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException x) {
                        return;
                    }
                    if (kind == 0) {
                        close(p, System.nanoTime());
                    } else {
                        Holds.released(p, kind == 1 ? Holds.END_ABORT : Holds.END_EVICT);
                    }
                });
                th.start();
                threads.add(th);
            }
            go.countDown();
            for (Thread th : threads) {
                th.join();
            }
        }
        t.retireEndedThreads();
        PoolStats ps = t.pools()[0];
        assertEquals(50, ps.checkouts());
        assertEquals(50, ps.holdTimes.count(), "each checkout ended once");
        assertEquals(0, ps.inUse());
        assertEquals(0, t.openCount());
    }

    @Test
    void aProxyDroppedWithoutCloseIsFoundOnceAPassMadeItAHold() throws Exception {
        HoldTracker t = installed(100, 0);
        Entry e = new Entry();
        WeakReference<Proxy> dropped = new WeakReference<>(checkout(t, e, System.nanoTime(), 0L));
        t.openHolds(); // the pass: from now on only the hold's weak reference sees the proxy
        List<Hold> gone = new ArrayList<>();
        for (int i = 0; i < 50 && gone.isEmpty(); i++) {
            System.gc();
            Thread.sleep(20);
            t.drainCollected(gone);
        }
        assertNull(dropped.get(), "holdtrace kept no strong reference to the proxy");
        assertEquals(1, gone.size());
        assertEquals(Holds.END_GC, gone.get(0).endReason());
        PoolStats ps = t.pools()[0];
        assertEquals(1, ps.gcUnclosed.get());
        assertEquals(0, t.openCount());
        assertEquals(1, ps.inUse(), "the pool never got its slot back");
    }

    @Test
    void aPoolShutdownEndsItsOpenSlotCheckoutsAsHoldsTheDetectorSees() {
        HoldTracker t = installed(100, 0);
        Proxy p = checkout(t, new Entry(), System.nanoTime(), 0L);
        t.poolClosed(pool);
        List<Hold> notable = new ArrayList<>();
        t.drainNotable(notable);
        assertEquals(1, notable.size());
        assertEquals(Holds.END_POOL_SHUTDOWN, notable.get(0).endReason());
        assertTrue(notable.get(0).refersTo(p));
        assertNull(close(p, System.nanoTime()), "the application's close after the shutdown is a no-op");
        assertEquals(1, t.pools()[0].holdTimes.count());
        assertEquals(0, t.pools()[0].inUse());
    }

    @Test
    void threadsTakingTurnsOnASlotCheckoutMarkItCrossThread() throws Exception {
        HoldTracker t = installed(100, 0);
        Proxy handedOff = checkout(t, new Entry(), System.nanoTime(), 0L);
        Proxy shared = checkout(t, new Entry(), System.nanoTime(), 0L);
        Holds.used(shared); // the owner itself: nothing
        List<Hold> notable = new ArrayList<>();
        t.drainNotable(notable);
        assertTrue(notable.isEmpty());
        runOn("worker", () -> Holds.used(handedOff));
        runOn("worker", () -> Holds.used(shared));
        Holds.used(shared); // back to the owner: threads take turns
        t.drainNotable(notable);
        assertEquals(1, notable.size());
        assertTrue(notable.get(0).refersTo(shared));
        assertTrue((notable.get(0).flags() & Hold.FLAG_CROSS_THREAD) != 0);
        assertEquals(2, notable.get(0).users().length);
    }

    @Test
    void aThreadHoldingASlotCheckoutIsHoldingForItsOutboundCalls() throws Exception {
        HoldTracker t = installed(100, 0);
        Throwable[] failed = new Throwable[1];
        runOn("fresh", () -> { // a thread that held nothing before (other tests leave holds open on theirs)
            try {
                holdingThroughACall(t);
            } catch (Throwable x) {
                failed[0] = x;
            }
        });
        if (failed[0] != null) {
            throw new AssertionError(failed[0]);
        }
    }

    private void holdingThroughACall(HoldTracker t) {
        assertFalse(Holds.holding());
        Proxy p = checkout(t, new Entry(), System.nanoTime(), 0L);
        assertTrue(Holds.holding());
        Object call = Holds.rpcStart(Holds.CLIENT_JDK, "GET", "http", "127.0.0.1", 8080, "/x");
        assertNotNull(call, "the call is attributed to the hold the checkout became");
        Holds.rpcEnd(call, 200, null);
        Object r = close(p, System.nanoTime());
        assertTrue(r instanceof Hold);
        assertEquals(1, ((Hold) r).calls().count());
        assertFalse(Holds.holding());
    }

    @Test
    void entriesPastTheBoundTakeTheGenericPath() {
        HoldTracker t = installed(2, 0);
        List<Proxy> out = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            out.add(checkout(t, new Entry(), System.nanoTime(), 0L));
        }
        assertNull(HoldTracker.slotOf(out.get(2)), "no room for a third slot");
        PoolStats ps = t.pools()[0];
        assertEquals(3, ps.inUse());
        assertEquals(3, t.openCount());
        for (Proxy p : out) {
            close(p, System.nanoTime());
        }
        assertEquals(0, ps.inUse());
        assertEquals(3, ps.holdTimes.count());
    }

    @Test
    void theFiguresOfThreadsThatEndedAreFoldedInAndShardsAreBounded() throws Exception {
        HoldTracker t = installed(1000, 0);
        int threads = PoolStats.MAX_SHARDS + 6;
        CountDownLatch done = new CountDownLatch(threads);
        CountDownLatch exit = new CountDownLatch(1);
        List<Thread> all = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            Thread th = new Thread(() -> {
                Entry e = new Entry();
                for (int k = 0; k < 10; k++) {
                    long now = System.nanoTime();
                    close(checkout(t, e, now, 100L), now + 1_000L);
                }
                done.countDown();
                try {
                    exit.await(); // all alive at once: the bound is reached
                } catch (InterruptedException x) {
                    Thread.currentThread().interrupt();
                }
            });
            th.start();
            all.add(th);
        }
        done.await();
        PoolStats ps = t.pools()[0];
        assertEquals(PoolStats.MAX_SHARDS, ps.shardCount(), "the rest count in the shared cells");
        assertFigures(ps, threads * 10L);
        exit.countDown();
        for (Thread th : all) {
            th.join();
        }
        t.retireEndedThreads();
        assertEquals(0, ps.shardCount(), "ended threads' shards are folded in and dropped");
        assertFigures(ps, threads * 10L);
    }

    private static void assertFigures(PoolStats ps, long n) {
        assertEquals(n, ps.checkouts());
        assertEquals(0, ps.inUse());
        assertEquals(n, ps.holdTimes.count());
        assertEquals(n * 1_000L, ps.holdTimes.sum());
        assertEquals(n, ps.waits.count());
        assertEquals(n * 100L, ps.waits.sum());
        assertEquals(1_000L, ps.holdTimes.max());
    }

    private static void runOn(String name, Runnable r) throws InterruptedException {
        Thread th = new Thread(r, name);
        th.start();
        th.join();
    }
}
