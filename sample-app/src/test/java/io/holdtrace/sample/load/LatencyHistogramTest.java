package io.holdtrace.sample.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LatencyHistogramTest {

    @Test
    void smallValuesGiveExactNearestRankPercentiles() {
        LatencyHistogram h = new LatencyHistogram();
        for (long v = 1; v <= 50; v++) {
            h.record(v);
        }
        // nearest rank: p50 of 1..50 is the 25th value, p99 the ceil(49.5) = 50th
        assertThat(h.percentile(50)).isEqualTo(25);
        assertThat(h.percentile(90)).isEqualTo(45);
        assertThat(h.percentile(99)).isEqualTo(50);
        assertThat(h.percentile(100)).isEqualTo(50);
        assertThat(h.percentile(0.1)).isEqualTo(1);
        assertThat(h.max()).isEqualTo(50);
        assertThat(h.count()).isEqualTo(50);
    }

    @Test
    void aSingleSlowRequestIsThePercentileOnlyAboveItsRank() {
        LatencyHistogram h = new LatencyHistogram();
        for (int i = 0; i < 99; i++) {
            h.record(10);
        }
        h.record(5_000_000);
        assertThat(h.percentile(99)).isEqualTo(10);
        assertThat(h.percentile(99.5)).isEqualTo(5_000_000);
        assertThat(h.max()).isEqualTo(5_000_000);
    }

    @Test
    void largeValuesAreWithinOne256thAboveTheExactPercentile() {
        Random random = new Random(42);
        long[] values = new long[10_000];
        LatencyHistogram h = new LatencyHistogram();
        for (int i = 0; i < values.length; i++) {
            values[i] = 100 + (long) (Math.exp(random.nextDouble() * 14));
            h.record(values[i]);
        }
        Arrays.sort(values);
        for (double p : new double[] {1, 25, 50, 75, 90, 99, 99.9, 100}) {
            long exact = values[(int) Math.ceil(p / 100 * values.length) - 1];
            assertThat(h.percentile(p)).as("p%s", p)
                    .isGreaterThanOrEqualTo(exact)
                    .isLessThanOrEqualTo(exact + exact / 256);
        }
    }

    @Test
    void bucketsTileTheRangeWithoutGaps() {
        for (long v = 0; v < 1 << 20; v++) {
            int index = LatencyHistogram.index(v);
            assertThat(LatencyHistogram.upperEdge(index)).isGreaterThanOrEqualTo(v);
            if (index > 0) {
                assertThat(LatencyHistogram.upperEdge(index - 1)).isLessThan(v);
            }
        }
    }

    @Test
    void emptyAndOutOfRange() {
        LatencyHistogram h = new LatencyHistogram();
        assertThat(h.percentile(99)).isZero();
        h.record(-5);
        h.record(Long.MAX_VALUE);
        assertThat(h.percentile(50)).isZero();
        assertThat(h.max()).isEqualTo(LatencyHistogram.MAX_TRACKED);
        assertThatThrownBy(() -> h.percentile(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> h.percentile(101)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void addMergesCountsAndMax() {
        LatencyHistogram a = new LatencyHistogram();
        LatencyHistogram b = new LatencyHistogram();
        a.record(10);
        b.record(20);
        b.record(30);
        a.add(b);
        assertThat(a.count()).isEqualTo(3);
        assertThat(a.percentile(50)).isEqualTo(20);
        assertThat(a.max()).isEqualTo(30);
    }
}
