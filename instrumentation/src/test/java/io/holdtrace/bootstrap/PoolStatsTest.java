package io.holdtrace.bootstrap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PoolStatsTest {

    private static final long MS = 1_000_000L;

    private static PoolStats pool() {
        return new PoolStats(1, new Object(), "hikari", "p", 0L);
    }

    /** What the releasing thread records when a hold ends: its duration, and its calls if it made any. */
    private static void ended(PoolStats p, long heldNanos, int calls, long inCalls) {
        p.holdTimes.record(heldNanos);
        if (calls > 0) {
            p.callsInHolds(calls, inCalls, heldNanos);
        }
    }

    @Test
    void holdsLessTheirCallsReplaceTheirFullDurations() {
        PoolStats p = pool();
        for (int i = 0; i < 100; i++) {
            ended(p, 210 * MS, 1, 200 * MS); // a 200 ms call inside a 210 ms hold
        }
        for (int i = 0; i < 100; i++) {
            ended(p, 4 * MS, 0, 0L); // no calls: counted as they are
        }
        long with = p.holdTimes.quantile(0.99);
        long without = p.holdQuantileWithoutCalls(0.99);
        assertTrue(Math.abs(with - 210 * MS) <= 210 * MS / 8, "p99 with the calls: " + with);
        assertTrue(Math.abs(without - 10 * MS) <= 10 * MS / 8, "p99 without them, 10 ms: " + without);
        long median = p.holdQuantileWithoutCalls(0.25);
        assertTrue(Math.abs(median - 4 * MS) <= 4 * MS / 8, "the holds without calls as they were: " + median);
        assertEquals(100, p.callHolds.count(), "only the holds that made calls pay for the net figures");
    }

    @Test
    void theTopRankIsNeverMoreThanTheLongestNetHoldWhenEveryHoldMadeCalls() {
        PoolStats p = pool();
        ended(p, 900 * MS, 2, 880 * MS);
        ended(p, 500 * MS, 1, 450 * MS);
        assertEquals(50 * MS, p.holdQuantileWithoutCalls(0.99), "the exact maximum of the net holds");
        assertEquals(900 * MS, p.holdTimes.quantile(0.99));
    }

    @Test
    void noHoldsNoQuantile() {
        assertEquals(0L, pool().holdQuantileWithoutCalls(0.99));
    }

    @Test
    void inUseIsTheSumOverStripesAndAWaitedCheckoutSeesThePeak() {
        PoolStats p = pool();
        for (int stripe = 0; stripe < 10; stripe++) {
            p.checkedOut(stripe, 100L); // fast checkouts: counted, the peak not summed yet
        }
        assertEquals(10, p.inUse());
        assertEquals(0, p.peakInUseSoFar(), "fast checkouts do not sum the cells");
        p.notePeak(); // the agent's detector looks
        assertEquals(10, p.peakInUseSoFar());
        p.checkedIn(3);
        p.checkedIn(1000 + 3); // any stripe number folds onto a cell; the sum is what counts
        assertEquals(8, p.inUse());
        for (int stripe = 0; stripe < 4; stripe++) {
            p.checkedOut(stripe, 100L);
        }
        assertEquals(10, p.peakInUseSoFar(), "12 out now, not summed yet");
        p.checkedOut(7, 50 * MS); // this one waited: the cells are summed now
        assertEquals(13, p.peakInUseSoFar());
        for (int stripe = 0; stripe < 13; stripe++) {
            p.checkedIn(stripe);
        }
        assertEquals(0, p.inUse());
        assertEquals(13, p.peakInUse(), "a high-water mark");
    }

    /**
     * A thread's shards of two pools, the first found beside its other fields, the second in its
     * array: each pool counts its own checkouts and returns, whichever the thread used first.
     */
    @Test
    void aThreadKeepsOneShardPerPoolAndEachPoolCountsItsOwn() throws Exception {
        PoolStats first = new PoolStats(3, new Object(), "hikari", "first", 0L);
        PoolStats second = new PoolStats(4, new Object(), "hikari", "second", 0L);
        Thread t = new Thread(() -> {
            ThreadRef me = ThreadRef.current();
            for (int i = 0; i < 5; i++) {
                first.checkedOut(me, 10);
                second.checkedOut(me, 20);
                second.checkedOut(me, 20);
                first.checkedIn(me);
                first.held(me, 1_000);
            }
            org.junit.jupiter.api.Assertions.assertSame(me.shard(first), me.shard(first));
            org.junit.jupiter.api.Assertions.assertSame(first, me.shard(first).pool);
            org.junit.jupiter.api.Assertions.assertSame(second, me.shard(second).pool);
        });
        java.util.concurrent.atomic.AtomicReference<Throwable> failed = new java.util.concurrent.atomic.AtomicReference<>();
        t.setUncaughtExceptionHandler((th, e) -> failed.set(e));
        t.start();
        t.join();
        if (failed.get() != null) {
            throw new AssertionError(failed.get());
        }
        assertEquals(5, first.checkouts());
        assertEquals(10, second.checkouts());
        assertEquals(1, first.shardCount());
        assertEquals(1, second.shardCount());
        assertEquals(5, first.holdTimes.count());
        assertEquals(5, first.waits.count());
        assertEquals(10, second.waits.count());
    }
}
