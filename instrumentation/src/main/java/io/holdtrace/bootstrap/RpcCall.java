package io.holdtrace.bootstrap;

import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.BiConsumer;

/**
 * One outbound call made by a thread while it held connections: what it called (never a query
 * string, a fragment or user-info: {@link Urls}), when, for how long, and how it ended. Made on
 * the calling thread only when that thread holds a connection; a thread that holds none never
 * makes one.
 */
public final class RpcCall implements BiConsumer<Object, Throwable> {

    /** The client that made it: {@code jdk-httpclient}, {@code urlconnection}, {@code httpclient5}, {@code okhttp}. */
    public final String client;
    public final String method;
    public final String scheme;
    public final String host;
    /** The port, the scheme's default when the request named none. */
    public final int port;
    /** Without query, fragment or parameters, identifiers as {@code {id}}. */
    public final String path;
    public final long startNanos;
    /** The thread that made it. */
    public final ThreadRef thread;
    /** The holds open on that thread when it began. */
    private final Hold[] holds;
    private final RpcTracker tracker;
    /** Where the application made the call, until the agent decodes it. */
    volatile Throwable capture;
    /** HttpURLConnection: the connection's identity while the call is parked. */
    int parkKey;

    private volatile long endNanos;
    private volatile int status = -1;
    private volatile String error;
    private volatile boolean timeout;
    private volatile boolean attributed;
    /**
     * Set by the calling thread as one of its holds ends with this call's future complete (it
     * waited for the call while holding) and the completion already finishing it on another thread:
     * the call counts against its holds even if that thread attributes it after they ended.
     */
    volatile boolean joined;
    private String target;
    /**
     * An asynchronous call's future until the call is finished (then cleared): strongly, for the
     * application may drop it as soon as its join returns, before the call's hold ends.
     */
    volatile CompletableFuture<?> future;
    private volatile int finished;
    private static final AtomicIntegerFieldUpdater<RpcCall> FINISHED =
            AtomicIntegerFieldUpdater.newUpdater(RpcCall.class, "finished");

    RpcCall(RpcTracker tracker, ThreadRef thread, Hold[] holds, String client, String method, String scheme, String host,
            int port, String rawPath, long startNanos) {
        this.tracker = tracker;
        this.thread = thread;
        this.holds = holds;
        this.client = client;
        this.method = method == null || method.isEmpty() ? "?" : method.toUpperCase(Locale.ROOT);
        this.scheme = Urls.scheme(scheme);
        this.host = Urls.host(host);
        this.port = Urls.port(this.scheme, port);
        this.path = Urls.path(rawPath);
        this.startNanos = startNanos;
    }

    /** True once: the caller finishes the call (an asynchronous one may be finished from two threads). */
    boolean claimFinish() {
        return FINISHED.compareAndSet(this, 0, 1);
    }

    /** {@code POST https://auth.example/token}. */
    public String target() {
        String t = target;
        if (t == null) {
            target = t = method + " " + url();
        }
        return t;
    }

    /** {@code https://auth.example/token}: the default port left out. */
    public String url() {
        return Urls.url(scheme, host, port, path);
    }

    /** The holds this call counts against: those open on the thread when it began. */
    public Hold[] holds() {
        return holds.clone();
    }

    /** Whether {@code h} was open on the calling thread when this call began. */
    public boolean during(Hold h) {
        for (Hold x : holds) {
            if (x == h) {
                return true;
            }
        }
        return false;
    }

    public Throwable capture() {
        return capture;
    }

    /** The agent has decoded the call site: the raw stack goes. */
    public void decoded() {
        capture = null;
    }

    public boolean isDone() {
        return endNanos != 0L;
    }

    public long endNanos() {
        return endNanos;
    }

    /** Its duration, or so far if it is still going. */
    public long nanos() {
        long e = endNanos;
        return (e != 0L ? e : System.nanoTime()) - startNanos;
    }

    /** The HTTP status, -1 when none came back. */
    public int status() {
        return status;
    }

    /** The class of the exception it ended with, or null. */
    public String error() {
        return error;
    }

    /** Whether that exception was a time-out. */
    public boolean timedOut() {
        return timeout;
    }

    /** Whether it ended while one of its holds was still open (a late async completion is not). */
    public boolean attributed() {
        return attributed;
    }

    /** {@code 200}, {@code java.net.ConnectException}, {@code no response}. */
    public String outcome() {
        int s = status;
        if (s > 0) {
            return Integer.toString(s);
        }
        String e = error;
        return e != null ? e : "no response";
    }

    /** {@code POST http://auth.example/token 200 201.3 ms}. */
    public String describe() {
        return target() + " " + outcome() + (timeout ? " (time-out)" : "") + " "
                + String.format(Locale.ROOT, "%.1f ms", nanos() / 1e6);
    }

    void end(long now, int status, Throwable thrown) {
        Throwable t = thrown;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        this.status = status;
        if (t != null) {
            this.error = t.getClass().getName();
            this.timeout = isTimeout(t);
        }
        this.endNanos = now == 0L ? 1L : now;
        boolean any = false;
        for (Hold h : holds) {
            any |= h.callDone(this);
        }
        attributed = any;
    }

    /** SocketTimeoutException, HttpTimeoutException, HttpConnectTimeoutException, ConnectTimeoutException, ... */
    static boolean isTimeout(Throwable t) {
        for (Class<?> c = t.getClass(); c != null && c != Throwable.class; c = c.getSuperclass()) {
            String n = c.getSimpleName();
            if (n.contains("Timeout") || n.contains("TimedOut")) {
                return true;
            }
        }
        // OkHttp's call timeout: an InterruptedIOException whose message is "timeout"
        return t instanceof java.io.InterruptedIOException && "timeout".equals(t.getMessage());
    }

    /** An asynchronous call completed (JDK HttpClient's sendAsync), on whatever thread completed it. */
    @Override
    public void accept(Object response, Throwable thrown) {
        tracker.completed(this, response, thrown);
    }
}
