package io.holdtrace.agent.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.holdtrace.bootstrap.CaptureBudget;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CaptureShareTest {

    private static final long S = 1_000_000_000L;

    private final CaptureBudget budget = new CaptureBudget(5_000_000L);
    private final AtomicLong cpu = new AtomicLong(7 * S);
    private final AtomicInteger reads = new AtomicInteger();
    private final AtomicLong uncaptured = new AtomicLong();

    private CaptureShare share(double s) {
        return new CaptureShare(budget, s, () -> {
            reads.incrementAndGet();
            return cpu.get();
        }, uncaptured::get);
    }

    @Test
    void nothingIsReadWhileEveryCheckoutIsCaptured() {
        CaptureShare cs = share(0.005);
        for (long t = 0; t < 10 * S; t += S / 4) {
            cpu.addAndGet(S / 8);
            cs.update(t);
        }
        assertEquals(0, reads.get());
        assertEquals(5_000_000L, budget.nanosPerSecond());
        assertEquals(-1.0, cs.processCores());
    }

    @Test
    void onceCheckoutsGoUncapturedTheGrantIsTheShareOfTheLastSecondsCpu() {
        CaptureShare cs = share(0.005);
        cs.update(0);
        uncaptured.set(3);
        cs.update(S / 4); // first reading: nothing to compare with yet
        assertEquals(1, reads.get());
        assertEquals(5_000_000L, budget.nanosPerSecond());
        cpu.addAndGet(S / 2);
        cs.update(S / 2); // under a second since the reading: nothing read
        cs.update(S);
        assertEquals(1, reads.get());
        cs.update(S / 4 + S); // half a core over that second: 0.5% of it is 2.5 ms a second
        assertEquals(2, reads.get());
        assertEquals(0.5, cs.processCores(), 1e-9);
        assertEquals(2_500_000L, budget.nanosPerSecond());
        cpu.addAndGet(6 * S); // six cores busy over the next two seconds' reading: 3 cores
        cs.update(S / 4 + 3 * S);
        assertEquals(3.0, cs.processCores(), 1e-9);
        assertEquals(15_000_000L, budget.nanosPerSecond());
        // the grant goes on following the process once it is read, demand or not
        cs.update(S / 4 + 4 * S);
        assertEquals(CaptureShare.MIN_GRANT, budget.nanosPerSecond(), "an idle second grants the least");
    }

    @Test
    void whereTheProcessCpuCannotBeReadTheFirstGrantStays() {
        CaptureShare cs = new CaptureShare(budget, 0.005, () -> {
            reads.incrementAndGet();
            return -1L;
        }, uncaptured::get);
        uncaptured.set(1);
        for (long t = 0; t < 5 * S; t += S) {
            cs.update(t);
        }
        assertEquals(1, reads.get(), "tried once");
        assertEquals(5_000_000L, budget.nanosPerSecond());
    }
}
