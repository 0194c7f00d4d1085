package io.holdtrace.bootstrap;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where the agent's own failures go: counted always, printed to stderr at most a few times, so
 * that a broken hook can never flood the application's logs nor throw into it.
 */
public final class Faults {

    private static final int MAX_PRINTED = 5;
    private static final AtomicInteger COUNT = new AtomicInteger();

    private Faults() {
    }

    public static void report(String where, Throwable e) {
        int n = COUNT.incrementAndGet();
        if (n <= MAX_PRINTED) {
            try {
                System.err.println("[holdtrace] internal error in " + where + " (the application is unaffected): " + e
                        + (n == MAX_PRINTED ? " (further errors are counted, not printed)" : ""));
            } catch (Throwable ignored) {
                // stderr itself failed: nothing more we can do safely
            }
        }
    }

    public static int count() {
        return COUNT.get();
    }
}
