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
    /**
     * Set once any tracker made a hold on the generic path (every pool but HikariCP's slots): until
     * then no object a use hook sees can be a generic hold's. Beside {@link #tracker}, in the line
     * every hook reads anyway: a statement's creation on the driver's own connection under a pool's
     * (woven too) is turned away without touching the hold table's lines, cold on a request thread.
     */
    static volatile boolean genericHolds;

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

    /** A pool's own name: its public {@code getName()} if it has one, else its {@code toString()} (HikariCP's is its name). */
    private static String poolName(Object pool) {
        try {
            Object name = Getters.get(pool, "getName");
            return name instanceof String ? (String) name : pool == null ? null : pool.toString();
        } catch (Throwable e) {
            Faults.report("pool name", e);
            return null;
        }
    }

    /** {@link #checkoutEnded}, the pool named by its {@code getName()} (or {@code toString()}). */
    public static void checkoutEndedNamed(Object pool, String type, Object handle, long start, Throwable thrown) {
        if (tracker != null && start != 0L) {
            checkoutEnded(pool, type, poolName(pool), handle, start, thrown);
        }
    }

    /** {@link #physicalConnection}, the pool named by its {@code getName()} (or {@code toString()}). */
    public static void physicalConnectionNamed(Object pool, String type, Object connection) {
        if (tracker != null && pool != null && connection != null) {
            physicalConnection(pool, type, poolName(pool), connection);
        }
    }

    /**
     * {@code InvocationHandler.invoke(proxy, method, args)} of a pool whose connections are dynamic
     * proxies (Tomcat JDBC): a use, a close or an abort of {@code proxy}, by the method's name.
     */
    public static void proxyInvoked(Object proxy, java.lang.reflect.Method method) {
        if (tracker == null || proxy == null || method == null) {
            return;
        }
        try {
            switch (method.getName()) {
                case "createStatement": case "prepareStatement": case "prepareCall": case "commit": case "rollback":
                    used(proxy);
                    break;
                // the hold ends before the pool can hand the connection to a waiter, so a pool's
                // in-use count never sees the returning and the next holder at once
                case "close":
                    released(proxy, END_CLOSE);
                    break;
                case "abort":
                    released(proxy, END_ABORT);
                    break;
                default:
                    break;
            }
        } catch (Throwable e) {
            Faults.report("proxyInvoked", e);
        }
    }

    /** A pool's checkout returned {@code handle} ({@link #acquired}) or threw ({@link #acquireFailed}). */
    public static void checkoutEnded(Object pool, String type, String name, Object handle, long start, Throwable thrown) {
        if (thrown == null) {
            acquired(pool, type, name, handle, start);
        } else {
            acquireFailed(pool, type, name, start);
        }
    }

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
            long now = last != 0L ? last : first != 0L ? first : System.nanoTime();
            long waited = first != 0L ? Math.max(0L, now - first) : 0L;
            HoldSlot s = t.slotForCheckout(pool, type, HoldTracker.NAMED_BY_POOL, handle);
            if (s != null) {
                // a pool hands a thread its own last entry back when it can: then the entry's last
                // owner is this thread's ref, found without the thread-local lookup
                t.acquired(s, handle, now, waited, ThreadRef.current(s.owner)); // nothing made
            } else {
                t.acquired(pool, type, HoldTracker.NAMED_BY_POOL, handle, now, waited, ThreadRef.current());
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
     * {@link #used} of a connection that no pool's proxy is (a driver's own: HikariCP's proxy,
     * which alone takes the slot path, is a class of HikariCP's package that the driver weave
     * leaves out): turned away by {@link #genericHolds} until any generic hold was made, so a
     * statement's creation on the driver's connection under a pool's costs a flag's read.
     */
    public static void usedUnpooled(Object handle) {
        HoldTracker t = tracker;
        if (t == null || handle == null || !genericHolds) {
            return;
        }
        try {
            t.usedGeneric(handle);
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
            try {
                ThreadRef.current().poolInternalDepth++;
            } catch (Throwable e) {
                Faults.report("enterPoolInternal", e);
            }
        }
    }

    public static void exitPoolInternal() {
        if (tracker != null) {
            try {
                ThreadRef r = ThreadRef.current();
                if (r.poolInternalDepth > 0) {
                    r.poolInternalDepth--;
                }
            } catch (Throwable e) {
                Faults.report("exitPoolInternal", e);
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
        try {
            ThreadRef.current().driverDepth++;
            return System.nanoTime();
        } catch (Throwable e) {
            Faults.report("driverConnectStart", e);
            return 0L;
        }
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
        try {
            return tracker != null && ThreadRef.get().mayCall();
        } catch (Throwable e) {
            Faults.report("holding", e);
            return false;
        }
    }

    private static volatile java.util.function.Function<Object, String> jdkMethod;
    private static volatile java.util.function.Function<Object, java.net.URI> jdkUri;

    /**
     * How to read a JDK {@code HttpRequest}'s method and URI: set by its instrumentation, whose
     * loader sees {@code java.net.http} (the bootstrap part cannot name it).
     */
    public static void rpcJdkRequests(java.util.function.Function<Object, String> method,
                                      java.util.function.Function<Object, java.net.URI> uri) {
        jdkUri = uri;
        jdkMethod = method;
    }

    /** {@code HttpClient.send}/{@code sendAsync} of {@code request} begins: a call if this thread holds a connection, else null. */
    public static Object jdkSend(Object request) {
        if (request == null || !holding()) {
            return null;
        }
        try {
            java.util.function.Function<Object, String> m = jdkMethod;
            java.util.function.Function<Object, java.net.URI> u = jdkUri;
            return m == null || u == null ? null : rpcStart(CLIENT_JDK, m.apply(request), u.apply(request));
        } catch (Throwable e) {
            Faults.report("jdkSend", e);
            return null;
        }
    }

    /** {@code HttpClient.send} returned {@code response} or threw: the call {@link #jdkSend} began ends. */
    public static void jdkSent(Object call, Object response, Throwable thrown) {
        if (call == null) {
            return;
        }
        try {
            rpcEnd(call, RpcTracker.status(response), thrown);
        } catch (Throwable e) {
            Faults.report("jdkSent", e);
        }
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

    /**
     * {@code HttpURLConnection.connect()} or {@code getOutputStream()} begins: the connection's call
     * begins or goes on, if its response has not been read ({@code inputStream} null) and this
     * thread holds a connection; null otherwise.
     */
    public static Object urlConnecting(Object connection, String method, java.net.URL url, Object inputStream) {
        return inputStream == null && holding() ? rpcResume(connection, CLIENT_URLCONNECTION, method, url) : null;
    }

    /** {@code HttpURLConnection.getInputStream()} begins: as {@link #urlConnecting}, unless it failed before ({@code remembered}). */
    public static Object urlResponding(Object connection, String method, java.net.URL url, Object inputStream, Object remembered) {
        return remembered == null ? urlConnecting(connection, method, url, inputStream) : null;
    }

    /** OkHttp's {@code Call.execute()} begins: a call if this thread holds a connection, else null. */
    public static Object okHttpExecuting(Object call) {
        if (call == null || !holding()) {
            return null;
        }
        try {
            Object request = Getters.get(call, "request");
            Object url = Getters.get(request, "url");
            return rpcStart(CLIENT_OKHTTP, Getters.string(request, "method"), Getters.string(url, "scheme"),
                    Getters.string(url, "host"), Getters.integer(url, "port"), Getters.string(url, "encodedPath"));
        } catch (Throwable e) {
            Faults.report("okHttpExecuting", e);
            return null;
        }
    }

    /**
     * Apache HttpClient 5's {@code doExecute(target, request, context)} begins: a call if this
     * thread holds a connection, else null. The target is the route's host, else the request's own.
     */
    public static Object httpClient5Executing(Object target, Object request) {
        if (request == null || !holding()) {
            return null;
        }
        try {
            String method = Getters.string(request, "getMethod");
            String path = Getters.string(request, "getPath");
            if (target != null) {
                return rpcStart(CLIENT_HTTPCLIENT5, method, Getters.string(target, "getSchemeName"),
                        Getters.string(target, "getHostName"), Getters.integer(target, "getPort"), path);
            }
            Object authority = Getters.get(request, "getAuthority");
            return rpcStart(CLIENT_HTTPCLIENT5, method, Getters.string(request, "getScheme"),
                    Getters.string(authority, "getHostName"), authority != null ? Getters.integer(authority, "getPort") : -1, path);
        } catch (Throwable e) {
            Faults.report("httpClient5Executing", e);
            return null;
        }
    }

    /** A call that {@link #okHttpExecuting} or {@link #httpClient5Executing} began returned {@code response} (its status read by {@code getter}) or threw. */
    public static void rpcReturned(Object token, Object response, String getter, Throwable thrown) {
        if (token == null) {
            return;
        }
        try {
            rpcEnd(token, response == null ? -1 : Getters.integer(response, getter), thrown);
        } catch (Throwable e) {
            Faults.report("rpcReturned", e);
            rpcEnd(token, -1, thrown);
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
