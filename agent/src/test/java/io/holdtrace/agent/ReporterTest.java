package io.holdtrace.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The report at exit is made again while the application's own shutdown hooks end holds under it. */
class ReporterTest {

    @Test
    void aReportDuringWhichNoHoldBeganOrEndedIsMadeOnce() {
        AtomicInteger passes = new AtomicInteger();
        Map<String, Object> r = Reporter.settled(() -> 7, passes::incrementAndGet, () -> Map.of("n", passes.get()), Reporter.EXIT_TRIES);
        assertEquals(1, passes.get());
        assertEquals(Map.of("n", 1), r);
    }

    @Test
    void aHoldEndedBetweenThePassAndTheBuildMakesBothAgainSoFindingsAndPoolsAgree() {
        // a shutdown hook closes the pool (ending the captured connection's hold) after the
        // detector's pass has seen the hold open, before the pools and sites are read
        AtomicLong events = new AtomicLong(10);
        AtomicInteger passes = new AtomicInteger();
        AtomicInteger builds = new AtomicInteger();
        Map<String, Object> r = Reporter.settled(events::get, () -> passes.incrementAndGet(), () -> {
            if (builds.incrementAndGet() == 1) {
                events.incrementAndGet();
            }
            return Map.of("pass", passes.get(), "build", builds.get());
        }, Reporter.EXIT_TRIES);
        assertEquals(Map.of("pass", 2, "build", 2), r, "the report of the second pass, made after the hold ended");
    }

    @Test
    void holdsThatNeverSettleCostABoundedNumberOfPasses() {
        AtomicLong events = new AtomicLong();
        AtomicInteger passes = new AtomicInteger();
        Reporter.settled(events::incrementAndGet, passes::incrementAndGet, () -> Map.of(), Reporter.EXIT_TRIES);
        assertEquals(Reporter.EXIT_TRIES, passes.get());
        passes.set(0);
        Reporter.settled(events::incrementAndGet, passes::incrementAndGet, () -> Map.of(), 1);
        assertEquals(1, passes.get(), "the periodic reports: one pass, as before");
    }
}
