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

    // ---- HikariCP, rewritten as its classes load (HikariSlotFields): the checkout hands over its
    // own clock readings (its first is where the wait began, its last where the connection was
    // handed out), and the return the pool's own timestamp, so holdtrace reads no clock of its own.
    // A checkout of an entry with a HoldSlot writes the slot ({@link PooledHandle},
    // {@link SlotCarrier}); one without (no room for more slots) takes the generic path.

    /**
     * {@code pool}'s checkout is returning {@code handle}; {@code first} and {@code last} are the
     * checkout's own first and last {@link System#nanoTime()} readings (0: none made). The pool's
     * name is its {@code toString()}, read once, as the pool is first seen.
     */
    public static void checkedOut(Object handle, Object pool, String type, long first, long last) {
        HoldTracker t = tracker;
        if (t == null || handle == null) {
            return;
        }
        try {
            ThreadRef r = ThreadRef.current();
            long now = last != 0L ? last : first != 0L ? first : System.nanoTime();
            long waited = first != 0L ? Math.max(0L, now - first) : 0L;
            HoldSlot s = t.slotForCheckout(pool, type, HoldTracker.NAMED_BY_POOL, handle);
            if (s != null) {
                t.acquired(s, handle, now, waited, r); // the pool's entry keeps the hold: nothing made
            } else {
                t.acquired(pool, type, HoldTracker.NAMED_BY_POOL, handle, now, waited, r);
            }
        } catch (Throwable e) {
            Faults.report("acquired", e);
        }
    }

    /** {@code pool}'s checkout, which began at {@code first} (0: no reading), is throwing. */
    public static void checkoutThrew(Object pool, String type, long first) {
        HoldTracker t = tracker;
        if (t == null) {
            return;
        }
        try {
            long now = System.nanoTime();
            long waited = first != 0L ? Math.max(0L, now - first) : 0L;
            t.acquireFailed(pool, type, HoldTracker.NAMED_BY_POOL, now, waited, ThreadRef.current());
        } catch (Throwable e) {
            Faults.report("acquireFailed", e);
        }
    }

    /**
     * The pool is taking back the entry whose slot is {@code slot} (null: none yet), having stamped
     * the return {@code poolNanos}, before it can hand the entry on: the entry's checkout, if it is
     * still open, ends now, at that stamp. Once per return (a second close does not recycle).
     */
    public static void recycled(HoldSlot slot, long poolNanos) {
        HoldTracker t = tracker;
        if (t == null || slot == null) {
            return;
        }
        try {
            t.recycled(slot, poolNanos);
        } catch (Throwable e) {
            Faults.report("released", e);
        }
    }

    /**
     * The application closed {@code handle}, whose entry's return {@link #recycled} ends if the
     * entry has a slot: so this ends only a checkout that took the generic path.
     */
    public static void closedUnslotted(Object handle) {
        HoldTracker t = tracker;
        if (t == null || handle == null) {
            return;
        }
        try {
            t.closedUnslotted(handle);
        } catch (Throwable e) {
            Faults.report("released", e);
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

    // ---- Outbound calls made while holding (RpcTracker). Woven clients call holding() first, and
    // evaluate the request's target only when it says yes, so a thread that holds no connection
    // pays one thread-local read and allocates nothing.

    /** Client names, as the report shows them. */
    public static final String CLIENT_JDK = "jdk-httpclient";
    public static final String CLIENT_URLCONNECTION = "urlconnection";
    public static final String CLIENT_HTTPCLIENT5 = "httpclient5";
    public static final String CLIENT_OKHTTP = "okhttp";

    /**
     * Does this thread hold a connection, outside any outbound call it is already making? The
     * fast path of every woven client: a volatile read, a thread-local read, two field reads.
     */
    public static boolean holding() {
        return tracker != null && ThreadRef.get().mayCall();
    }

    /**
     * An outbound call begins on this thread, which {@link #holding()} said holds a connection.
     * Returns the token {@link #rpcEnd} takes, or null. Only the components are passed: a query
     * string in {@code path} is cut at once; user-info never comes in.
     */
    public static Object rpcStart(String client, String method, String scheme, String host, int port, String path) {
        HoldTracker t = tracker;
        if (t == null) {
            return null;
        }
        try {
            return t.rpc().start(ThreadRef.get(), client, method, scheme, host, port, path);
        } catch (Throwable e) {
            Faults.report("rpcStart", e);
            return null;
        }
    }

    /** {@link #rpcStart} for a {@link java.net.URI}: its raw path, never its query, fragment or user-info. */
    public static Object rpcStart(String client, String method, java.net.URI uri) {
        if (tracker == null || uri == null) {
            return null;
        }
        String host = uri.getHost();
        int port = uri.getPort();
        String authority = uri.getRawAuthority();
        if (host == null && authority != null) {
            // a host java.net.URI does not accept as one (an underscore in it): take it from the authority
            String a = authority.substring(authority.lastIndexOf('@') + 1);
            int colon = a.lastIndexOf(':');
            if (colon > 0 && a.indexOf(']') < colon) {
                try {
                    port = Integer.parseInt(a.substring(colon + 1));
                } catch (NumberFormatException e) {
                    port = -1;
                }
                a = a.substring(0, colon);
            }
            host = a;
        }
        return rpcStart(client, method, uri.getScheme(), host, port, uri.getRawPath());
    }

    /**
     * HttpURLConnection: connect(), getOutputStream() and getInputStream() are one call from the
     * first of them to getInputStream's return; the call is parked on the thread in between.
     */
    public static Object rpcResume(Object connection, String client, String method, java.net.URL url) {
        HoldTracker t = tracker;
        if (t == null || url == null) {
            return null;
        }
        try {
            return t.rpc().resume(ThreadRef.get(), connection, client, method, url.getProtocol(), url.getHost(),
                    url.getPort(), url.getPath());
        } catch (Throwable e) {
            Faults.report("rpcResume", e);
            return null;
        }
    }

    /** The call a token stands for returned ({@code status} > 0) or threw. */
    public static void rpcEnd(Object token, int status, Throwable thrown) {
        HoldTracker t = tracker;
        if (t == null || !(token instanceof RpcCall)) {
            return;
        }
        try {
            t.rpc().end((RpcCall) token, status, thrown);
        } catch (Throwable e) {
            Faults.report("rpcEnd", e);
        }
    }

    /** HttpURLConnection's connect() or getOutputStream() returned: the call goes on; if it threw, it ends. */
    public static void rpcPause(Object token, int status, Throwable thrown) {
        HoldTracker t = tracker;
        if (t == null || !(token instanceof RpcCall)) {
            return;
        }
        try {
            t.rpc().pause((RpcCall) token, status, thrown);
        } catch (Throwable e) {
            Faults.report("rpcPause", e);
        }
    }

    /** An asynchronous send returned {@code future}: the call ends when it completes, on any thread. */
    public static void rpcAsync(Object token, Object future, Throwable thrown) {
        HoldTracker t = tracker;
        if (t == null || !(token instanceof RpcCall)) {
            return;
        }
        try {
            t.rpc().async((RpcCall) token, future, thrown);
        } catch (Throwable e) {
            Faults.report("rpcAsync", e);
        }
    }

    /** How to read the status of an asynchronously completed response (the JDK HttpClient's); set by its instrumentation. */
    public static void rpcAsyncStatus(java.util.function.ToIntFunction<Object> status) {
        RpcTracker.asyncStatus(status);
    }
}
