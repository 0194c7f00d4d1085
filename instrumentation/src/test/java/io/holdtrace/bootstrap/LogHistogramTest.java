package io.holdtrace.bootstrap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class LogHistogramTest {

    @Test
    void bucketsCoverEveryValueInOrderWithoutGaps() {
        for (int i = 0; i < LogHistogram.BUCKETS - 1; i++) {
            assertEquals(LogHistogram.lowerBound(i + 1), LogHistogram.upperBound(i) + 1, "bucket " + i);
            assertEquals(i, LogHistogram.index(LogHistogram.lowerBound(i)));
            assertEquals(i, LogHistogram.index(LogHistogram.upperBound(i)));
        }
        assertEquals(LogHistogram.BUCKETS - 1, LogHistogram.index(Long.MAX_VALUE));
    }

    @Test
    void quantilesAreWithinTheBucketErrorOfTheExactOnes() {
        LogHistogram h = new LogHistogram();
        Random r = new Random(42);
        long[] values = new long[10_000];
        for (int i = 0; i < values.length; i++) {
            values[i] = 1_000 + (long) (r.nextDouble() * 50_000_000L);
            h.record(values[i]);
        }
        java.util.Arrays.sort(values);
        for (double q : new double[] {0.5, 0.9, 0.99}) {
            long exact = values[(int) Math.ceil(q * values.length) - 1];
            long approx = h.quantile(q);
            assertTrue(Math.abs(approx - exact) <= exact * 0.125, q + ": " + approx + " vs " + exact);
        }
        assertEquals(values[values.length - 1], h.max());
        assertEquals(values.length, h.count());
    }

    @Test
    void aQuantileNeverExceedsTheMaximum() {
        LogHistogram h = new LogHistogram();
        h.record(1_000_001);
        assertEquals(1_000_001, h.quantile(0.99));
        assertEquals(0, new LogHistogram().quantile(0.5));
    }

    @Test
    void recordsSpreadOverStripesOnManyThreadsAddUpExactly() throws Exception {
        LogHistogram striped = new LogHistogram();
        LogHistogram single = new LogHistogram();
        int threads = 6;
        int each = 20_000;
        Thread[] all = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            int cell = t;
            all[t] = new Thread(() -> {
                for (int i = 1; i <= each; i++) {
                    striped.record((long) i * (cell + 1), cell);
                }
            });
            all[t].start();
        }
        for (Thread th : all) {
            th.join();
        }
        for (int t = 0; t < threads; t++) {
            for (int i = 1; i <= each; i++) {
                single.record((long) i * (t + 1));
            }
        }
        assertEquals((long) threads * each, striped.count());
        assertEquals(single.sum(), striped.sum());
        assertEquals((long) each * threads, striped.max(), "the largest value, recorded in the last stripe");
        assertTrue(java.util.Arrays.equals(single.buckets(), striped.buckets()), "the same buckets however recorded");
        assertEquals(single.quantile(0.99), striped.quantile(0.99));
        striped.record(5L, -7); // any int picks a stripe
        assertEquals((long) threads * each + 1, striped.count());
    }

    /**
     * A thread's own shard (no atomic instruction) and the shared cells keep the same figures:
     * values of the first buckets (0, 1) and of the last are kept apart from the sum and maximum
     * that share the arrays, and a retired shard's figures stay counted.
     */
    @Test
    void shardsAndCellsKeepTheSameFiguresAndARetiredShardStaysCounted() {
        LogHistogram cells = new LogHistogram();
        LogHistogram shards = new LogHistogram();
        long[] a = shards.newShard();
        long[] b = shards.newShard();
        long[] values = {0, 1, 1, 2, 7, 8, 1_000, 123_456_789, Long.MAX_VALUE / 4, 0, 1};
        for (int i = 0; i < values.length; i++) {
            cells.record(values[i], i);
            LogHistogram.recordOwn(i % 2 == 0 ? a : b, values[i]);
        }
        assertEquals(values.length, shards.count());
        assertEquals(cells.count(), shards.count());
        assertEquals(cells.sum(), shards.sum());
        assertEquals(Long.MAX_VALUE / 4, shards.max());
        assertTrue(java.util.Arrays.equals(cells.buckets(), shards.buckets()));
        assertEquals(2, shards.buckets()[0], "two zeros");
        assertEquals(3, shards.buckets()[1], "three ones");
        shards.retire(a);
        assertEquals(cells.count(), shards.count(), "folded into the cells");
        assertEquals(cells.sum(), shards.sum());
        assertEquals(cells.max(), shards.max());
        assertTrue(java.util.Arrays.equals(cells.buckets(), shards.buckets()));
        LogHistogram.recordOwn(a, 5); // its thread has ended: nothing writes it again, and it is no longer read
        assertEquals(cells.count(), shards.count());
    }
}
