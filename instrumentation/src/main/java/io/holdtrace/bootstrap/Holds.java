package io.holdtrace.bootstrap;

/**
 * The only entry points that woven code calls. Every method is static, cheap when the agent is
 * off (one volatile read), and never throws into the application: a fault is reported once by
 * {@link Faults} and the application runs on.
 *
 * <p>A <em>hold</em> starts when a pool hands a connection to the application ({@link #acquired})
 * and ends when it comes back ({@link #released}, {@link #poolClosed}); the object the pool
 * handed out (its proxy, its guard wrapper) is the key that links the two.
 */
public final class Holds {

    /** Why a hold ended; the names are part of the report's contract. */
    public static final int END_CLOSE = 1;
    public static final int END_ABORT = 2;
    public static final int END_EVICT = 3;
    public static final int END_POOL_SHUTDOWN = 4;
    public static final int END_GC = 5;

    private static final String[] END_NAMES = {"open", "close", "abort", "evict", "pool-shutdown", "gc-unclosed"};

    private static volatile HoldTracker tracker;

    private Holds() {
    }

    /** Installs the tracker (or {@code null} to switch tracking off). Called by the agent once. */
    public static void install(HoldTracker t) {
        tracker = t;
    }

    public static HoldTracker tracker() {
        return tracker;
    }

    public static String endName(int reason) {
        return reason >= 0 && reason < END_NAMES.length ? END_NAMES[reason] : "unknown";
    }

    /** Called on entry to a pool's checkout; its result goes back into {@link #acquired}. */
    public static long acquireStart() {
        return tracker != null ? System.nanoTime() : 0L;
    }

    /**
     * A pool handed {@code handle} to the application.
     *
     * @param pool the pool object (identity only; held weakly)
     * @param type the pool's kind, e.g. "hikari"
     * @param name the pool's own name, or null if it has none
     * @param start the value {@link #acquireStart()} returned on entry to the checkout
     */
    public static void acquired(Object pool, String type, String name, Object handle, long start) {
        HoldTracker t = tracker;
        if (t == null || handle == null || start == 0L) {
            return;
        }
        try {
            t.acquired(pool, type, name, handle, start);
        } catch (Throwable e) {
            Faults.report("acquired", e);
        }
    }

    /** A checkout gave up (time-out or interrupt) after waiting since {@code start}. */
    public static void acquireFailed(Object pool, String type, String name, long start) {
        HoldTracker t = tracker;
        if (t == null || start == 0L) {
            return;
        }
        try {
            t.acquireFailed(pool, type, name, start);
        } catch (Throwable e) {
            Faults.report("acquireFailed", e);
        }
    }

    /** The application gave {@code handle} back (or the pool took it). A second call is a no-op. */
    public static void released(Object handle, int reason) {
        HoldTracker t = tracker;
        if (t == null || handle == null) {
            return;
        }
        try {
            t.released(handle, reason);
        } catch (Throwable e) {
            Faults.report("released", e);
        }
    }

    /** The pool shut down: every hold it still has out ends now. */
    public static void poolClosed(Object pool) {
        HoldTracker t = tracker;
        if (t == null || pool == null) {
            return;
        }
        try {
            t.poolClosed(pool);
        } catch (Throwable e) {
            Faults.report("poolClosed", e);
        }
    }

    /** The application used {@code handle} (created a statement, committed, ...) on this thread. */
    public static void used(Object handle) {
        HoldTracker t = tracker;
        if (t == null || handle == null) {
            return;
        }
        try {
            t.used(handle);
        } catch (Throwable e) {
            Faults.report("used", e);
        }
    }

    /**
     * Marks the current thread as inside a pool's own connection factory, so that the physical
     * connections a pool opens are not mistaken for unpooled holds.
     */
    public static void enterPoolInternal() {
        if (tracker != null) {
            ThreadRef.current().poolInternalDepth++;
        }
    }

    public static void exitPoolInternal() {
        if (tracker != null) {
            ThreadRef r = ThreadRef.current();
            if (r.poolInternalDepth > 0) {
                r.poolInternalDepth--;
            }
        }
    }

    /** A pool opened a physical connection of class {@code connectionClass}: remember the driver. */
    public static void physicalConnection(Object pool, String type, String name, Object connection) {
        HoldTracker t = tracker;
        if (t == null || pool == null || connection == null) {
            return;
        }
        try {
            t.physicalConnection(pool, type, name, connection.getClass());
        } catch (Throwable e) {
            Faults.report("physicalConnection", e);
        }
    }

    /** Entry to {@code Driver.connect}; nests, so a driver that wraps another counts once. */
    public static long driverConnectStart() {
        if (tracker == null) {
            return 0L;
        }
        ThreadRef.current().driverDepth++;
        return System.nanoTime();
    }

    /**
     * A JDBC driver opened a connection. Outside a pool's own factory, and outside another
     * driver's {@code connect}, it is an unpooled hold that lasts until the connection's
     * {@code close()}.
     */
    public static void driverConnected(Object driver, Object connection, long start) {
        HoldTracker t = tracker;
        if (t == null || start == 0L) {
            return;
        }
        try {
            ThreadRef r = ThreadRef.current();
            r.driverDepth--;
            if (connection != null && r.driverDepth == 0 && r.poolInternalDepth == 0) {
                t.acquired(driver, "unpooled", driver.getClass().getName(), connection, start);
            }
        } catch (Throwable e) {
            Faults.report("driverConnected", e);
        }
    }
}
