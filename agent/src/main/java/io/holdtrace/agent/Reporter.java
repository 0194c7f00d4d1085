package io.holdtrace.agent;

import io.holdtrace.agent.config.Config;
import io.holdtrace.agent.detect.Detector;
import io.holdtrace.agent.report.ReportBuilder;
import io.holdtrace.agent.report.ReportWriter;
import io.holdtrace.bootstrap.Faults;
import io.holdtrace.bootstrap.HoldTracker;
import io.holdtrace.bootstrap.PoolStats;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Writes the report every {@code reportInterval} on its own daemon thread, and once more at exit
 * from a shutdown hook that waits a bounded time, so a slow disk can delay the JVM's exit by
 * seconds at most, never hang it.
 */
final class Reporter {

    private static final long EXIT_WRITE_TIMEOUT_MS = 10_000;
    /** How often the report at exit is made again when holds began or ended while it was made. */
    static final int EXIT_TRIES = 3;

    private final Config config;
    private final HoldTracker tracker;
    private final Detector detector;
    private final ReportBuilder builder;

    Reporter(Config config, HoldTracker tracker, Detector detector, ReportBuilder builder) {
        this.config = config;
        this.tracker = tracker;
        this.detector = detector;
        this.builder = builder;
    }

    void start() {
        long every = config.reportInterval.toMillis();
        if (every > 0) {
            Thread t = new Thread(new Runnable() { // a class, not a lambda: none is spun on the agent's start
                @Override
                public void run() {
                    while (true) {
                        try {
                            Thread.sleep(every);
                            write(false);
                        } catch (InterruptedException e) {
                            return;
                        } catch (Throwable e) {
                            Faults.report("periodic report", e);
                        }
                    }
                }
            }, "holdtrace-report");
            t.setDaemon(true);
            t.start();
        }
        Runtime.getRuntime().addShutdownHook(new Thread(new Runnable() {
            @Override
            public void run() {
                writeAtExit();
            }
        }, "holdtrace-exit-report"));
    }

    private synchronized void write(boolean atExit) throws Exception {
        Map<String, Object> report = atExit
                ? settled(this::holdEvents, () -> detector.pass(true), () -> builder.build(true), EXIT_TRIES)
                : settled(this::holdEvents, () -> detector.pass(false), () -> builder.build(false), 1);
        ReportWriter.write(report, config.report);
    }

    /** Checkouts and ended holds so far, every pool: changes whenever a hold begins or ends. */
    private long holdEvents() {
        long n = tracker.acquires();
        for (PoolStats p : tracker.pools()) {
            n += p.holdTimes.count();
        }
        return n;
    }

    /**
     * A pass of the detector and the report it leads to, made again (at most {@code tries} times
     * in all) while holds begin or end in between. The findings come from the pass, the pools and
     * sites from the build: the application's own shutdown hooks, which run beside the agent's
     * (Spring Boot's closes the context, and with it the pool and every connection still out), must
     * not leave a finding open in the same report whose pool and site say it ended.
     */
    static Map<String, Object> settled(LongSupplier events, Runnable pass, Supplier<Map<String, Object>> build, int tries) {
        Map<String, Object> report;
        int made = 0;
        do {
            long before = events.getAsLong();
            pass.run();
            report = build.get();
            made++;
            if (events.getAsLong() == before) {
                return report;
            }
        } while (made < tries);
        return report;
    }

    private void writeAtExit() {
        Thread w = new Thread(() -> {
            try {
                write(true);
            } catch (Throwable e) {
                System.err.println("[holdtrace] could not write the report to " + config.report + ": " + e);
            }
        }, "holdtrace-exit-writer");
        w.setDaemon(true);
        w.start();
        try {
            w.join(EXIT_WRITE_TIMEOUT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
