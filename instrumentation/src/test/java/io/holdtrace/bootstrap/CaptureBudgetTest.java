package io.holdtrace.bootstrap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CaptureBudgetTest {

    private static final long W = 100_000_000L; // one window

    @Test
    void eachTenthOfASecondGrantsATenthOfTheSecondsBudget() {
        CaptureBudget b = new CaptureBudget(10_000L);
        long t = System.nanoTime();
        assertTrue(b.tryCapture(t));
        assertEquals(1_000L, b.remaining());
        b.spendCapture(1_000L);
        assertFalse(b.tryCapture(t), "the window's tenth is spent");
        assertTrue(b.tryCapture(t + W));
        assertEquals(1_000L, b.remaining(), "nothing owed: a full tenth");
    }

    @Test
    void aCaptureIsChargedItsExpectedDecodingAndTheDecodingSettlesTheDifference() {
        CaptureBudget b = new CaptureBudget(1_000_000_000L);
        long start = b.remaining();
        b.spendDecode(8_000L); // nothing expected yet: the whole decoding is charged
        assertEquals(start - 8_000L, b.remaining());
        assertEquals(1_000L, b.decodeEstimate(), "the running mean moves an eighth of the way");
        b.spendCapture(300L);
        assertEquals(start - 8_000L - 1_300L, b.remaining(), "the capture and its expected decoding");
        b.spendDecode(600L); // cheaper than expected: the difference comes back
        assertEquals(start - 8_000L - 1_300L + 400L, b.remaining());
    }

    /** A budget past its cold decodings (which cost nothing here). */
    private static CaptureBudget warm(long perSecond) {
        CaptureBudget b = new CaptureBudget(perSecond);
        for (int i = 0; i < CaptureBudget.COLD_DECODES; i++) {
            b.spendDecode(0L);
        }
        return b;
    }

    @Test
    void whatTheFirstColdDecodingsOverspendIsNotCarriedOver() {
        CaptureBudget b = new CaptureBudget(10_000L);
        long t = System.nanoTime();
        b.spendDecode(5_000_000L); // a cold decoding at the start: far past a second's grant
        t += W;
        assertTrue(b.tryCapture(t));
        assertEquals(1_000L, b.remaining(), "forgiven: the next window has its whole tenth");
        for (int i = 1; i < CaptureBudget.COLD_DECODES; i++) {
            b.spendDecode(0L);
        }
        b.spend(5_000_000L); // warm now: owed, up to a second's grant
        t += W;
        assertFalse(b.tryCapture(t));
        assertEquals(-9_000L, b.remaining());
    }

    @Test
    void anOverspentWindowIsOwedByTheNextOnesUpToASecondsGrant() {
        CaptureBudget b = warm(10_000L);
        long t = System.nanoTime();
        b.spendCapture(2_500L); // 1,000 granted: 1,500 owed
        t += W;
        assertTrue(b.tryCapture(t) == false && b.remaining() == -500L, "owed 1,500, granted 1,000: " + b.remaining());
        t += W;
        assertTrue(b.tryCapture(t));
        assertEquals(500L, b.remaining());

        b.spendCapture(1_000_000L); // far past a second's grant: the debt stops at one second (10,000)
        int windows = 0;
        do {
            t += W;
            windows++;
        } while (!b.tryCapture(t));
        assertEquals(11, windows, "ten windows pay off a second's grant, the eleventh has a tenth to spend");
    }

    @Test
    void anUnlimitedBudgetNeverRunsOutWhateverIsCharged() {
        CaptureBudget b = new CaptureBudget(Long.MAX_VALUE);
        long t = System.nanoTime();
        b.spendDecode(1_000_000L);
        b.spendCapture(Long.MAX_VALUE / 2);
        b.spendDecode(-5L);
        assertTrue(b.tryCapture(t));
        assertTrue(b.tryCapture(t + 10 * W));
        assertEquals(Long.MAX_VALUE, b.remaining());
    }

    @Test
    void aNewGrantTakesEffectAtTheNextWindow() {
        CaptureBudget b = new CaptureBudget(1_000L);
        long t = System.nanoTime();
        b.spend(100L);
        b.grant(10_000_000L);
        assertFalse(b.tryCapture(t), "this window's tenth of the old grant is spent");
        assertTrue(b.tryCapture(t + W));
        assertEquals(1_000_000L, b.remaining(), "a tenth of the new grant");
    }
}
