package io.holdtrace.bootstrap;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where the agent's own failures go: counted always, printed to stderr at most a few times, so
 * that a broken hook can never flood the application's logs nor throw into it.
 */
public final class Faults {

    private static final int MAX_PRINTED = 5;
    private static final AtomicInteger COUNT = new AtomicInteger();
    /** A thread whose faults are marked, not counted nor printed (see {@link #quietOn}). */
    private static volatile Thread quiet;
    private static volatile boolean quietFault;

    private Faults() {
    }

    public static void report(String where, Throwable e) {
        if (quiet != null && Thread.currentThread() == quiet) {
            quietFault = true;
            return;
        }
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

    /**
     * Makes {@code thread}'s faults quiet (null: none): the weaver's thread that weaves classes
     * ahead of their loading, whose work may be for a class never loaded, and is done again (and
     * any fault reported) if it is not used. One such thread at a time.
     */
    public static void quietOn(Thread thread) {
        quiet = thread;
        quietFault = false;
    }

    /** Ends {@link #quietOn} if {@code thread} is the quiet one. */
    public static void quietOff(Thread thread) {
        if (quiet == thread) {
            quiet = null;
        }
    }

    /** Whether the quiet thread met a fault since the last call; clears the mark. */
    public static boolean quietFault() {
        boolean f = quietFault;
        quietFault = false;
        return f;
    }

    public static int count() {
        return COUNT.get();
    }
}
