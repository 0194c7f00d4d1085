package io.holdtrace.bootstrap;

import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToIntFunction;

/**
 * Outbound calls made while a thread holds connections. The woven clients ask
 * {@link Holds#holding()} first, a thread-local read and two field reads that allocate nothing;
 * only a thread that holds a connection and is not inside a call already goes on to
 * {@link #start}, which makes an {@link RpcCall}. So a call nested in another one (RestTemplate
 * over HttpURLConnection, HttpClient's send over its own sendAsync) counts once, as the outermost.
 * Ended calls wait in a bounded queue for the agent's detector, which aggregates them per call
 * site and target; each hold also counts its own calls ({@link HoldCalls}).
 */
public final class RpcTracker {

    private static final int QUEUE = 16_384;

    /** The JDK HttpClient's response status, for calls that complete asynchronously; set by its instrumentation. */
    private static volatile ToIntFunction<Object> asyncStatus;

    private final ArrayBlockingQueue<RpcCall> done = new ArrayBlockingQueue<>(QUEUE);
    private final AtomicLong calls = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong late = new AtomicLong();
    private final HoldTracker tracker;
    private final CaptureBudget budget;
    private final boolean captureAll;

    RpcTracker(HoldTracker tracker, CaptureBudget budget, boolean captureAll) {
        this.tracker = tracker;
        this.budget = budget;
        this.captureAll = captureAll;
    }

    static void asyncStatus(ToIntFunction<Object> f) {
        asyncStatus = f;
    }

    /** A call begins on {@code r}, which holds connections; null if its holds ended meanwhile. */
    RpcCall start(ThreadRef r, String client, String method, String scheme, String host, int port, String path) {
        if (!r.mayCall()) {
            return null;
        }
        Hold[] holds = r.openHolds(tracker);
        if (holds == null) {
            return null;
        }
        long now = System.nanoTime();
        RpcCall c = new RpcCall(this, r, holds, client, method, scheme, host, port, path, now);
        if (captureAll || budget.tryCaptureQuietly(now)) {
            c.capture = new Throwable("holdtrace outbound call site");
            if (!captureAll) {
                budget.spendCapture(System.nanoTime() - now);
            }
        }
        r.rpc = c;
        return c;
    }

    /** The call returned or threw, on the calling thread. */
    void end(RpcCall c, int status, Throwable thrown) {
        long now = System.nanoTime();
        leave(c);
        finish(c, now, status, thrown);
    }

    /**
     * HttpURLConnection's connect() or getOutputStream() returned: the call goes on at
     * getInputStream() (it is parked on the thread, keyed by the connection); a failure ends it.
     */
    void pause(RpcCall c, int status, Throwable thrown) {
        long now = System.nanoTime();
        leave(c);
        if (thrown != null) {
            finish(c, now, status, thrown);
        } else {
            c.thread.parked = c;
        }
    }

    /** The parked call of {@code connection} goes on, or a new call begins. */
    RpcCall resume(ThreadRef r, Object connection, String client, String method, String scheme, String host, int port,
                   String path) {
        int key = System.identityHashCode(connection);
        RpcCall p = r.parked;
        if (p != null) {
            r.parked = null;
            if (p.parkKey == key && r.mayCall()) {
                r.rpc = p;
                return p;
            }
            // parked and never read (connect() then disconnect()): no outcome to report, so not a call
        }
        RpcCall c = start(r, client, method, scheme, host, port, path);
        if (c != null) {
            c.parkKey = key;
        }
        return c;
    }

    /** sendAsync returned on the calling thread: the call goes on until its future completes. */
    void async(RpcCall c, Object future, Throwable thrown) {
        leave(c);
        if (thrown != null || !(future instanceof CompletableFuture)) {
            finish(c, System.nanoTime(), -1, thrown);
        } else {
            CompletableFuture<?> f = (CompletableFuture<?>) future;
            c.future = f;
            c.thread.async = c;
            f.whenComplete(c);
        }
    }

    /** A JDK HttpClient response's status, -1 if unknown. */
    static int status(Object response) {
        ToIntFunction<Object> f = asyncStatus;
        return response != null && f != null ? f.applyAsInt(response) : -1;
    }

    /** An asynchronous call completed, on any thread. */
    void completed(RpcCall c, Object response, Throwable thrown) {
        long now = System.nanoTime();
        try {
            int status = -1;
            ToIntFunction<Object> f = asyncStatus;
            if (response != null && f != null) {
                status = f.applyAsInt(response);
            }
            finish(c, now, status, thrown);
        } catch (Throwable e) {
            Faults.report("outbound call completion", e);
        }
    }

    private static void leave(RpcCall c) {
        ThreadRef r = c.thread;
        if (r.rpc == c) {
            r.rpc = null;
        }
    }

    /**
     * A hold of the thread that made the asynchronous call {@code c} ends. If the call's future is
     * complete but holdtrace's completion has not run yet (the thread that joined on it woke first
     * and went on to give the connection back), the call is finished now, while the hold is still
     * open: it was waited for while holding. If the completion has claimed it already and is
     * finishing it on its own thread, the call is marked {@link RpcCall#joined}, so that it counts
     * against the thread's holds however late that thread gets to attribute it. (Such a call also
     * counts against a hold of the same thread that ended while it was in flight: rare, and better
     * than losing it.) A call whose future is not complete is left to its completion (made while
     * holding, nobody waits for it: counted late if the holds have ended).
     */
    void settle(RpcCall c) {
        try {
            CompletableFuture<?> f = c.future;
            if (f == null) {
                // its completion has claimed it and is finishing it on another thread (the future
                // is complete: the completion runs after it): the hold ending now counts it
                c.joined = true;
                return;
            }
            if (!f.isDone()) {
                return;
            }
            c.joined = true; // if the completion claims it first, it still counts against this hold
            Object response = null;
            Throwable thrown = null;
            try {
                response = f.getNow(null);
            } catch (CompletionException | CancellationException e) {
                thrown = e;
            }
            completed(c, response, thrown);
        } catch (Throwable e) {
            Faults.report("outbound call settled at its hold's end", e);
        }
    }

    private void finish(RpcCall c, long now, int status, Throwable thrown) {
        if (!c.claimFinish()) {
            return; // finished already (an asynchronous call settled as its hold ended)
        }
        finishClaimed(c, now, status, thrown);
    }

    /**
     * The rest of {@link #finish}, by the thread that claimed it. The calling thread's pending call
     * is cleared only once the call is attributed: until then a hold of that thread that ends sees
     * it ({@link #settle}), even while another thread finishes it.
     */
    void finishClaimed(RpcCall c, long now, int status, Throwable thrown) {
        c.future = null;
        c.end(now, status, thrown);
        if (c.thread.async == c) {
            c.thread.async = null;
        }
        if (!c.attributed()) {
            late.incrementAndGet(); // its holds had ended: an async call nobody waited for while holding
            return;
        }
        calls.incrementAndGet();
        if (!done.offer(c)) {
            dropped.incrementAndGet(); // counted by its holds and pools already; only the per-target figures lose it
        }
    }

    /** Called by the agent: the calls that ended since the last drain. */
    public void drain(List<RpcCall> out) {
        done.drainTo(out);
    }

    /** Calls that ended while their thread held connections. */
    public long calls() {
        return calls.get();
    }

    /** Ended calls the agent could not aggregate because its queue was full. */
    public long dropped() {
        return dropped.get();
    }

    /** Asynchronous calls begun while holding that completed after every hold they began in had ended. */
    public long late() {
        return late.get();
    }
}
