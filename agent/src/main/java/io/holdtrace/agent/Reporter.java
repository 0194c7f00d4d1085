package io.holdtrace.agent;

import io.holdtrace.agent.config.Config;
import io.holdtrace.agent.detect.Detector;
import io.holdtrace.agent.report.ReportBuilder;
import io.holdtrace.agent.report.ReportWriter;
import io.holdtrace.bootstrap.Faults;

/**
 * Writes the report every {@code reportInterval} on its own daemon thread, and once more at exit
 * from a shutdown hook that waits a bounded time, so a slow disk can delay the JVM's exit by
 * seconds at most, never hang it.
 */
final class Reporter {

    private static final long EXIT_WRITE_TIMEOUT_MS = 10_000;

    private final Config config;
    private final Detector detector;
    private final ReportBuilder builder;

    Reporter(Config config, Detector detector, ReportBuilder builder) {
        this.config = config;
        this.detector = detector;
        this.builder = builder;
    }

    void start() {
        long every = config.reportInterval.toMillis();
        if (every > 0) {
            Thread t = new Thread(() -> {
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
            }, "holdtrace-report");
            t.setDaemon(true);
            t.start();
        }
        Runtime.getRuntime().addShutdownHook(new Thread(this::writeAtExit, "holdtrace-exit-report"));
    }

    private synchronized void write(boolean atExit) throws Exception {
        detector.pass(atExit);
        ReportWriter.write(builder.build(atExit), config.report);
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
