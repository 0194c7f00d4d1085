package io.holdtrace.bootstrap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** The hot path's bookkeeping, without weaving: each hold starts once and ends once. */
class HoldTrackerTest {

    private final Object pool = new Object();

    private HoldTracker tracker(int maxOpen, long budget) {
        return new HoldTracker(maxOpen, budget, 1024);
    }

    @Test
    void aHoldEndsOnceHoweverOftenItIsReleased() {
        HoldTracker t = tracker(100, Long.MAX_VALUE);
        Object conn = new Object();
        t.acquired(pool, "test", "p", conn, System.nanoTime());
        PoolStats p = t.pools()[0];
        assertEquals(1, p.inUse());
        t.released(conn, Holds.END_CLOSE);
        t.released(conn, Holds.END_CLOSE);
        t.released(conn, Holds.END_ABORT);
        assertEquals(0, p.inUse());
        assertEquals(1, p.holdTimes.count());
        List<Hold> done = new ArrayList<>();
        t.drainCompleted(done);
        assertEquals(1, done.size(), "one completed hold waits for its site");
        assertEquals(Holds.END_CLOSE, done.get(0).endReason());
        assertNotNull(done.get(0).capture(), "captured on the application thread, undecoded");
    }

    @Test
    void concurrentReleasesOnManyThreadsEndTheHoldExactlyOnce() throws Exception {
        HoldTracker t = tracker(100, Long.MAX_VALUE);
        Object conn = new Object();
        t.acquired(pool, "test", "p", conn, System.nanoTime());
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Thread th = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                t.released(conn, Holds.END_CLOSE);
            });
            th.start();
            threads.add(th);
        }
        go.countDown();
        for (Thread th : threads) {
            th.join();
        }
        assertEquals(1, t.pools()[0].holdTimes.count());
        assertEquals(0, t.pools()[0].inUse());
    }

    @Test
    void aPoolShutdownEndsOnlyThatPoolsHolds() {
        HoldTracker t = tracker(100, Long.MAX_VALUE);
        Object other = new Object();
        Object a = new Object();
        Object b = new Object();
        t.acquired(pool, "test", "p", a, System.nanoTime());
        t.acquired(other, "test", "q", b, System.nanoTime());
        t.poolClosed(pool);
        assertEquals(1, t.openCount());
        List<Hold> notable = new ArrayList<>();
        t.drainNotable(notable);
        assertEquals(1, notable.size());
        assertEquals(Holds.END_POOL_SHUTDOWN, notable.get(0).endReason());
        t.released(a, Holds.END_CLOSE); // the application closes after the shutdown: a no-op
        assertEquals(1, t.pools()[0].holdTimes.count());
    }

    @Test
    void pastTheBoundHoldsAreCountedNotTracked() {
        HoldTracker t = tracker(16, Long.MAX_VALUE);
        List<Object> conns = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Object c = new Object();
            conns.add(c);
            t.acquired(pool, "test", "p", c, System.nanoTime());
        }
        assertEquals(16, t.openCount());
        assertEquals(4, t.pools()[0].untracked.get());
        assertEquals(20, t.pools()[0].waits.count(), "every checkout's wait is still counted");
    }

    @Test
    void aConnectionDroppedWithoutCloseIsCollectedAsGcUnclosed() throws Exception {
        HoldTracker t = tracker(100, Long.MAX_VALUE);
        acquireAndDrop(t);
        List<Hold> gone = new ArrayList<>();
        for (int i = 0; i < 50 && gone.isEmpty(); i++) {
            System.gc();
            Thread.sleep(20);
            t.drainCollected(gone);
        }
        assertEquals(1, gone.size());
        assertEquals(Holds.END_GC, gone.get(0).endReason());
        assertEquals(1, t.pools()[0].gcUnclosed.get());
        assertEquals(0, t.openCount());
    }

    private void acquireAndDrop(HoldTracker t) {
        t.acquired(pool, "test", "p", new Object(), System.nanoTime());
    }

    /** The detector's snapshot finds every open hold, whichever of the table's stripes it is in, and no ended one. */
    @Test
    void theSnapshotHasEveryOpenHoldAndNoEndedOne() throws Exception {
        HoldTracker t = tracker(10_000, Long.MAX_VALUE);
        List<Object> conns = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            conns.add(new Object());
        }
        Thread[] threads = new Thread[3];
        for (int k = 0; k < threads.length; k++) {
            int from = k * 1000;
            threads[k] = new Thread(() -> {
                for (int i = from; i < from + 1000; i++) {
                    t.acquired(pool, "test", "p", conns.get(i), System.nanoTime());
                }
            });
            threads[k].start();
        }
        for (Thread th : threads) {
            th.join();
        }
        assertEquals(3000, openConnections(t).size());
        java.util.Set<Object> stillOpen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (int i = 0; i < conns.size(); i++) {
            if (i % 3 == 0) {
                t.released(conns.get(i), Holds.END_CLOSE);
            } else {
                stillOpen.add(conns.get(i));
            }
        }
        java.util.Set<Object> seen = openConnections(t);
        assertEquals(stillOpen.size(), seen.size());
        assertTrue(seen.containsAll(stillOpen));
    }

    private static java.util.Set<Object> openConnections(HoldTracker t) {
        java.util.Set<Object> out = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Hold h : t.openHolds()) {
            out.add(h.get());
        }
        return out;
    }

    @Test
    void aSpentBudgetStopsCaptureButNotCounting() {
        HoldTracker t = tracker(1000, 1); // one nanosecond a second: spent by the first capture
        List<Object> conns = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            Object c = new Object();
            conns.add(c);
            t.acquired(pool, "test", "p", c, System.nanoTime());
        }
        PoolStats p = t.pools()[0];
        assertEquals(10, p.waits.count());
        assertTrue(p.uncaptured() >= 9, "uncaptured: " + p.uncaptured());
        int captured = 0;
        for (Hold h : t.openHolds()) {
            if (h.capture() != null) {
                captured++;
            }
        }
        assertEquals(10 - p.uncaptured(), captured);
    }

    @Test
    void pastMaxOpenHoldsCheckoutsAreCountedNotTrackedAndAReturnMakesRoom() {
        HoldTracker t = tracker(3, 0);
        List<Object> conns = acquireMany(t, 5);
        PoolStats p = t.pools()[0];
        assertEquals(3, t.openCount(), "the table is bounded");
        assertEquals(2, p.untracked.get());
        assertEquals(3, p.inUse(), "in-use counts tracked holds");
        assertEquals(5, t.acquires(), "every checkout is counted");
        assertEquals(5, t.uncaptured(), "a zero budget captures nothing");
        t.released(conns.get(0), Holds.END_CLOSE);
        t.released(conns.get(4), Holds.END_CLOSE); // untracked: nothing to end
        assertEquals(2, t.openCount());
        Object again = new Object();
        t.acquired(pool, "test", "p", again, System.nanoTime());
        assertEquals(3, t.openCount(), "a return made room for one more");
        assertEquals(2, p.untracked.get());
        List<Hold> done = new ArrayList<>();
        t.drainCompleted(done);
        assertTrue(done.isEmpty(), "a hold with no stack is never queued for decoding: " + done.size());
    }

    @Test
    void placesThatIdleThreadsKeptAreTakenBackBeforeAHoldIsRefused() throws Exception {
        HoldTracker t = tracker(16, 0);
        for (int i = 0; i < 40; i++) { // 40 threads, each in its own stripe, take one and give it back
            runOn("once-" + i, () -> {
                Object c = new Object();
                t.acquired(pool, "test", "p", c, System.nanoTime());
                t.released(c, Holds.END_CLOSE);
            });
        }
        assertEquals(0, t.openCount());
        List<Object> conns = acquireMany(t, 17);
        PoolStats p = t.pools()[0];
        assertEquals(16, t.openCount(), "all 16 places are usable again, and no more");
        assertEquals(1, p.untracked.get());
        for (Object c : conns) {
            t.released(c, Holds.END_CLOSE);
        }
        assertEquals(0, t.openCount());
        assertEquals(0, p.inUse());
    }

    @Test
    void manyThreadsAtOnceNeverTrackMoreThanTheBound() throws Exception {
        HoldTracker t = tracker(16, 0);
        int threads = 8;
        int each = 5; // 40 wanted, 16 places
        CountDownLatch taken = new CountDownLatch(threads);
        CountDownLatch release = new CountDownLatch(1);
        List<Thread> all = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            Thread th = new Thread(() -> {
                List<Object> mine = acquireMany(t, each);
                taken.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                for (Object c : mine) {
                    t.released(c, Holds.END_CLOSE);
                }
            });
            all.add(th);
            th.start();
        }
        taken.await();
        PoolStats p = t.pools()[0];
        assertEquals(16, t.openCount());
        assertEquals(16, p.inUse());
        assertEquals(threads * each - 16, p.untracked.get());
        release.countDown();
        for (Thread th : all) {
            th.join();
        }
        assertEquals(0, t.openCount());
        assertEquals(0, p.inUse());
        assertEquals(threads * each, p.holdTimes.count() + p.untracked.get(), "every tracked hold was timed once");
    }

    @Test
    void threadsTakingTurnsMarkAHoldCrossThreadButAHandOffDoesNot() throws Exception {
        HoldTracker t = tracker(100, Long.MAX_VALUE);
        Object handedOff = new Object();
        Object shared = new Object();
        t.acquired(pool, "test", "p", handedOff, System.nanoTime());
        t.acquired(pool, "test", "p", shared, System.nanoTime());
        runOn("worker", () -> t.used(handedOff));
        runOn("worker", () -> t.used(shared));
        t.used(shared); // back to the owner: threads take turns
        assertOneHoldUsedByTwoThreadsInTurn(t);
    }

    /** The tracker's one notable hold is marked cross-thread, with two users. */
    private static void assertOneHoldUsedByTwoThreadsInTurn(HoldTracker t) {
        List<Hold> notable = new ArrayList<>();
        t.drainNotable(notable);
        assertEquals(1, notable.size());
        assertTrue((notable.get(0).flags() & Hold.FLAG_CROSS_THREAD) != 0);
        assertEquals(2, notable.get(0).users().length);
    }

    /** The driver's connections' use hook: the same marks on a generic hold, through {@link Holds#usedUnpooled}. */
    @Test
    void anUnpooledConnectionsUsesMarkItsHoldAsAnyUseDoes() throws Exception {
        HoldTracker t = tracker(100, Long.MAX_VALUE);
        Holds.install(t);
        try {
            Object shared = new Object();
            t.acquired(pool, "test", "p", shared, System.nanoTime());
            assertTrue(Holds.genericHolds, "set by a generic hold");
            runOn("worker", () -> Holds.usedUnpooled(shared));
            Holds.usedUnpooled(shared); // back to the owner: threads take turns
            assertOneHoldUsedByTwoThreadsInTurn(t);
        } finally {
            Holds.install(null);
        }
    }

    /** {@code n} checkouts of fresh connections on this thread; the connections, in order. */
    private List<Object> acquireMany(HoldTracker t, int n) {
        List<Object> conns = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Object c = new Object();
            conns.add(c);
            t.acquired(pool, "test", "p", c, System.nanoTime());
        }
        return conns;
    }

    private static void runOn(String name, Runnable r) throws InterruptedException {
        Thread th = new Thread(r, name);
        th.start();
        th.join();
    }

    @Test
    void theNewPoolCheckRunsAsEachPoolIsFirstSeenAndWhatItThrowsStaysInside() {
        HoldTracker t = tracker(100, Long.MAX_VALUE);
        java.util.concurrent.atomic.AtomicInteger runs = new java.util.concurrent.atomic.AtomicInteger();
        t.onNewPool(() -> {
            runs.incrementAndGet();
            throw new IllegalStateException("a failing check");
        });
        int faults = Faults.count();
        java.io.PrintStream err = System.err;
        System.setErr(new java.io.PrintStream(new java.io.ByteArrayOutputStream(), true));
        try {
            Object a = new Object();
            Object b = new Object();
            t.acquired(pool, "test", "p", a, System.nanoTime());
            t.released(a, Holds.END_CLOSE);
            t.acquired(pool, "test", "p", b, System.nanoTime());
            assertEquals(1, runs.get(), "once for the pool, not per checkout");
            t.acquired(new Object(), "test", "q", new Object(), System.nanoTime());
            assertEquals(2, runs.get(), "once more for a second pool");
        } finally {
            System.setErr(err);
        }
        assertEquals(faults + 2, Faults.count(), "each failure counted");
        assertEquals(2, t.pools().length);
        assertEquals(1, t.pools()[0].inUse(), "the checkouts were tracked all the same");
        assertEquals(1, t.pools()[1].inUse());
    }

    @Test
    void offMeansNothingIsTouched() {
        Holds.install(null);
        assertEquals(0L, Holds.acquireStart());
        Holds.acquired(pool, "test", "p", new Object(), 1L); // no tracker: a no-op, no exception
        assertNull(Holds.tracker());
    }

    @Test
    void faultsAreCountedAlwaysButPrintedOnlyAFewTimes() {
        java.io.PrintStream err = System.err;
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(buf, true));
        int before = Faults.count();
        try {
            for (int i = 0; i < 20; i++) {
                Faults.report("test", new IllegalStateException("boom " + i));
            }
        } finally {
            System.setErr(err);
        }
        assertEquals(before + 20, Faults.count());
        long lines = buf.toString().lines().filter(l -> l.startsWith("[holdtrace] internal error")).count();
        assertTrue(lines <= 5, buf.toString());
    }
}
