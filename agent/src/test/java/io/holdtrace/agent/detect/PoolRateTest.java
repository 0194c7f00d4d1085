package io.holdtrace.agent.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The window arithmetic of the pool-size advice, on synthetic holds whose exact occupancy (the
 * mean number of connections in use over a window) is known: samples are built the way the agent
 * builds them (ended holds through the pool's counters, open holds added one by one), and the
 * busiest window's occupancy must equal the integral of in-use over it, where checkout rate x the
 * mean of the holds that ended in it does not.
 */
class PoolRateTest {

    private static final long MS = 1_000_000L;

    /** A synthetic hold: [start, end) in ns, and one outbound call [callStart, callEnd) inside it (or none: equal). */
    private record H(long start, long end, long callStart, long callEnd) {
        static H of(long startMs, long endMs, long callStartMs, long callEndMs) {
            return new H(startMs * MS, endMs * MS, callStartMs * MS, callEndMs * MS);
        }

        long callSoFar(long t) {
            return Math.max(0L, Math.min(t, callEnd) - callStart);
        }
    }

    /** What the agent reads at {@code t}: the counters of ended holds, then each open hold's time so far. */
    private static PoolRate.Sample sampleAt(List<H> holds, long t) {
        long checkouts = 0;
        long ended = 0;
        long heldSum = 0;
        long callSum = 0;
        for (H h : holds) {
            if (h.start <= t) {
                checkouts++;
            }
            if (h.end <= t) {
                ended++;
                heldSum += h.end - h.start;
                callSum += h.callEnd - h.callStart;
            }
        }
        PoolRate.Sample s = new PoolRate.Sample(t, checkouts, ended, heldSum, checkouts, 0L, callSum);
        for (H h : holds) {
            if (h.start < t && h.end > t) {
                s.open(h.start, h.callSoFar(t));
            }
        }
        return s;
    }

    /** The exact integral of connections in use (or in calls) over [t0, t1], ns, by overlap. */
    private static double exact(List<H> holds, long t0, long t1, boolean callsOnly) {
        double sum = 0;
        for (H h : holds) {
            long a = callsOnly ? h.callStart : h.start;
            long b = callsOnly ? h.callEnd : h.end;
            sum += Math.max(0L, Math.min(b, t1) - Math.max(a, t0));
        }
        return sum;
    }

    private static PoolRate sampled(List<H> holds, long periodMs, long untilMs) {
        PoolRate r = new PoolRate();
        for (long t = 0; t <= untilMs; t += periodMs) {
            r.add(sampleAt(holds, t * MS));
        }
        return r;
    }

    /**
     * A pool of one: a 2 s hold (1.5 s of it in a call), then a burst of ten 50 ms holds (40 ms
     * of each in a call) back to back. The busiest second, [1.5 s, 2.5 s], has the connection in
     * use throughout: occupancy 1. Rate x mean hold there counts the whole 2 s hold that ended
     * inside it: 10/s x 2500 ms / 11 = 2.27 connections for a pool of one.
     */
    @Test
    void aHoldThatStartedBeforeTheWindowCountsOnlyItsPartInside() {
        List<H> holds = new ArrayList<>();
        holds.add(H.of(0, 2000, 100, 1600));
        for (int i = 0; i < 10; i++) {
            long s = 2000 + 50L * i;
            holds.add(H.of(s, s + 50, s + 5, s + 45));
        }
        PoolRate r = sampled(holds, 250, 4000);
        PoolRate.Window w = r.busiest;
        assertNotNull(w);
        assertEquals(10.0, w.rate, 1e-9, "ten checkouts in the busiest second");
        assertEquals(1.0, w.seconds, 1e-9);
        assertEquals(11, w.holdCount, "the long hold ended inside the window too");
        assertEquals(1.0, w.occupancy, 1e-9, "one connection in use throughout");
        assertTrue(w.rateTimesMeanHold() > 2.2, "the old estimate overshoots the pool of one: " + w.rateTimesMeanHold());
        // in calls: [1.5 s, 1.6 s] of the long hold, then 40 ms of each short one
        assertEquals(1.0 - (100 + 400) / 1000.0, w.occupancyWithoutCalls, 1e-9);
    }

    /** Any holds, any sampling: each window's occupancy is the exact integral over it. */
    @Test
    void theOccupancyOfEveryWindowIsTheExactIntegralOfInUse() {
        Random rnd = new Random(7);
        for (int round = 0; round < 20; round++) {
            int connections = 1 + rnd.nextInt(8);
            List<H> holds = new ArrayList<>();
            for (int c = 0; c < connections; c++) {
                long t = rnd.nextInt(300);
                while (t < 9000) {
                    long len = 1 + rnd.nextInt(rnd.nextBoolean() ? 40 : 1500);
                    long callStart = t + rnd.nextInt((int) len);
                    long callEnd = callStart + rnd.nextInt((int) (t + len - callStart) + 1);
                    holds.add(H.of(t, t + len, callStart, callEnd));
                    t += len + rnd.nextInt(200);
                }
            }
            PoolRate r = new PoolRate();
            PoolRate.Sample first = null;
            long t = 0;
            while (t < 10_000) {
                PoolRate.Sample s = sampleAt(holds, t * MS);
                r.add(s);
                if (first == null) {
                    first = s;
                } else {
                    PoolRate.Window w = PoolRate.Window.between(first, s);
                    double span = (s.t - first.t);
                    double in = exact(holds, first.t, s.t, false);
                    double calls = exact(holds, first.t, s.t, true);
                    assertEquals(in / span, w.occupancy, 1e-9, "round " + round + " at " + t);
                    assertEquals((in - calls) / span, w.occupancyWithoutCalls, 1e-9, "round " + round + " at " + t);
                    assertTrue(w.occupancy <= connections + 1e-9, "never more than the connections there are");
                }
                t += 20 + rnd.nextInt(230); // the detector's 20-250 ms
            }
            PoolRate.Window b = r.busiest;
            assertNotNull(b);
            assertTrue(b.seconds >= 1.0 && b.occupancy <= connections + 1e-9, "round " + round + ": " + b.occupancy);
        }
    }

    @Test
    void theWaitingThreadsAreTheMeanOfThePoolsCountOverTheWindowsSamples() {
        List<H> holds = List.of(H.of(0, 5000, 0, 0));
        PoolRate r = new PoolRate();
        int[] pending = {4, 8, 0, 4, 4};
        for (int i = 0; i < pending.length; i++) {
            PoolRate.Sample s = sampleAt(holds, i * 250 * MS);
            s.pending = pending[i];
            r.add(s);
        }
        assertEquals(4.0, r.busiest.pending, 1e-9, "(4 + 8 + 0 + 4 + 4) / 5");
        PoolRate.Sample unknown = sampleAt(holds, 1250 * MS);
        r.busiest = null;
        r.add(unknown);
        assertEquals(-1.0, r.busiest.pending, 1e-9, "a pool that does not count its waiters");
    }

    @Test
    void noWindowUntilSamplesASecondApart() {
        List<H> holds = List.of(H.of(0, 100, 0, 0));
        PoolRate r = sampled(holds, 250, 750);
        assertEquals(null, r.busiest);
        r.add(sampleAt(holds, 1000 * MS));
        assertNotNull(r.busiest);
        assertEquals(0.1, r.busiest.occupancy, 1e-9, "100 ms of use in one second");
        assertEquals(0.1, r.busiest.occupancyWithoutCalls, 1e-9);
    }
}
