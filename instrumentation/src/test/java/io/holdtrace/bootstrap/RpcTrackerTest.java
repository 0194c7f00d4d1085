package io.holdtrace.bootstrap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Outbound calls made while holding, without weaving: what a woven client's advice does, call by call. */
class RpcTrackerTest {

    private final Object pool = new Object();
    private HoldTracker t;

    @BeforeEach
    void install() {
        t = new HoldTracker(100, Long.MAX_VALUE, 1024);
        Holds.install(t);
    }

    @AfterEach
    void uninstall() {
        Holds.install(null);
    }

    interface Body {
        void run() throws Exception;
    }

    /**
     * What a thread holds is the thread's (a ThreadRef outlives trackers, and other tests leave
     * holds open on their threads): each test runs on a thread of its own.
     */
    private static void onFreshThread(Body body) throws Exception {
        Throwable[] failure = new Throwable[1];
        Thread th = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                failure[0] = e;
            }
        }, "rpc-test");
        th.start();
        th.join();
        if (failure[0] instanceof Error) {
            throw (Error) failure[0];
        }
        if (failure[0] != null) {
            throw new AssertionError(failure[0]);
        }
    }

    private Object take() {
        Object conn = new Object();
        Holds.acquired(pool, "test", "p", conn, Holds.acquireStart());
        return conn;
    }

    private List<RpcCall> drained() {
        List<RpcCall> out = new ArrayList<>();
        t.rpc().drain(out);
        return out;
    }

    private Hold openHold() {
        return t.openHolds().get(0);
    }

    @Test
    void aThreadThatHoldsNothingMakesNoCall() throws Exception {
        onFreshThread(() -> {
            assertFalse(Holds.holding());
            Object conn = take();
            Holds.released(conn, Holds.END_CLOSE);
            assertFalse(Holds.holding(), "given back: nothing held");
            assertTrue(drained().isEmpty());
        });
    }

    @Test
    void aCallWhileHoldingCountsAgainstTheHoldOnceAndNestedCallsNot() throws Exception {
        onFreshThread(() -> {
            Object conn = take();
            Hold h = openHold();
            assertTrue(Holds.holding());
            Object call = Holds.rpcStart(Holds.CLIENT_JDK, "post", URI.create("https://u:pw@Auth.Example/token;s=1?secret=x#f"));
            assertNotNull(call);
            assertFalse(Holds.holding(), "inside a call: a client it calls through is not asked again");
            Thread.sleep(5);
            Holds.rpcEnd(call, 200, null);
            assertTrue(Holds.holding());
            Holds.released(conn, Holds.END_CLOSE);

            List<RpcCall> calls = drained();
            assertEquals(1, calls.size());
            RpcCall c = calls.get(0);
            assertEquals("POST https://auth.example/token", c.target());
            assertEquals("200", c.outcome());
            assertTrue(c.nanos() >= 5_000_000L);
            assertSame(h, c.holds()[0]);
            assertEquals(1, h.calls().count());
            assertEquals(c.nanos(), h.calls().nanos());
            assertEquals(1, t.pools()[0].callsInHolds.get(), "the pool counts the calls of its completed holds");
            assertEquals(c.nanos(), t.pools()[0].callNanosInHolds.get());
            assertNotNull(c.capture(), "where the call was made, for the agent to decode");
        });
    }

    @Test
    void aFailedCallIsRecordedWithItsExceptionClassAndTimeOut() throws Exception {
        onFreshThread(() -> {
            Object conn = take();
            Object refused = Holds.rpcStart(Holds.CLIENT_OKHTTP, "GET", "http", "127.0.0.1", 1, "/down?token=x");
            Holds.rpcEnd(refused, -1, new ConnectException("Connection refused: http://127.0.0.1:1/down?token=x"));
            Object slow = Holds.rpcStart(Holds.CLIENT_OKHTTP, "GET", "http", "127.0.0.1", 2, "/slow");
            Holds.rpcEnd(slow, -1, new java.util.concurrent.CompletionException(new SocketTimeoutException("timeout")));
            Object missing = Holds.rpcStart(Holds.CLIENT_URLCONNECTION, "GET", "http", "h", 80, "/missing");
            Holds.rpcEnd(missing, 404, new java.io.FileNotFoundException("http://h/missing?token=x"));
            Holds.released(conn, Holds.END_CLOSE);
            List<RpcCall> calls = drained();
            assertEquals("java.net.ConnectException", calls.get(0).outcome());
            assertFalse(calls.get(0).timedOut());
            assertEquals("http://127.0.0.1:1/down", calls.get(0).url());
            assertEquals("java.net.SocketTimeoutException", calls.get(1).outcome(), "unwrapped");
            assertTrue(calls.get(1).timedOut());
            assertEquals("404", calls.get(2).outcome(), "the status wins over the exception a client throws for it");
            for (RpcCall c : calls) {
                assertFalse(c.describe().contains("token"), c.describe());
            }
        });
    }

    @Test
    void aHostThatUriDoesNotParseComesFromItsAuthorityWithoutUserInfo() throws Exception {
        onFreshThread(() -> {
            Object conn = take();
            Object call = Holds.rpcStart(Holds.CLIENT_JDK, "GET", URI.create("http://u:pw@auth_service:8081/token?x=1"));
            Holds.rpcEnd(call, 200, null);
            Holds.released(conn, Holds.END_CLOSE);
            assertEquals("GET http://auth_service:8081/token", drained().get(0).target());
        });
    }

    @Test
    void timeOutsAreRecognisedByTheirClass() throws Exception {
        onFreshThread(() -> {
            assertTrue(RpcCall.isTimeout(new SocketTimeoutException()));
            assertTrue(RpcCall.isTimeout(new java.net.http.HttpTimeoutException("x")));
            assertTrue(RpcCall.isTimeout(new java.net.http.HttpConnectTimeoutException("x")));
            assertTrue(RpcCall.isTimeout(new java.io.InterruptedIOException("timeout")), "OkHttp's call time-out");
            assertFalse(RpcCall.isTimeout(new java.io.InterruptedIOException("interrupted")));
            assertFalse(RpcCall.isTimeout(new ConnectException()));
        });
    }

    @Test
    void aHoldEndedOnAnotherThreadIsNoLongerHeldByItsOwner() throws Exception {
        onFreshThread(() -> {
            Object conn = take();
            Thread closer = new Thread(() -> Holds.released(conn, Holds.END_CLOSE));
            closer.start();
            closer.join();
            assertFalse(Holds.holding());
            assertNull(Holds.rpcStart(Holds.CLIENT_JDK, "GET", "http", "h", 80, "/"), "no hold open: no call");
        });
    }

    @Test
    void aCallCountsAgainstEveryHoldTheThreadHasOpen() throws Exception {
        onFreshThread(() -> {
            Object a = take();
            Object b = take();
            Object call = Holds.rpcStart(Holds.CLIENT_JDK, "GET", "http", "h", 80, "/x");
            Holds.rpcEnd(call, 200, null);
            for (Hold h : t.openHolds()) {
                assertEquals(1, h.calls().count());
            }
            Holds.released(a, Holds.END_CLOSE);
            Object second = Holds.rpcStart(Holds.CLIENT_JDK, "GET", "http", "h", 80, "/y");
            Holds.rpcEnd(second, 200, null);
            assertEquals(1, ((RpcCall) second).holds().length, "only the hold still open");
            Holds.released(b, Holds.END_CLOSE);
            assertEquals(2, drained().size());
        });
    }

    @Test
    void urlConnectionsConnectThenResponseIsOneCall() throws Exception {
        onFreshThread(() -> {
            Object conn = take();
            Object urlConnection = new Object();
            java.net.URL url = new java.net.URL("http://user:pw@h:8080/p?x=1");
            Object c1 = Holds.rpcResume(urlConnection, Holds.CLIENT_URLCONNECTION, "POST", url); // connect()
            Holds.rpcPause(c1, -1, null);
            assertTrue(Holds.holding(), "between connect() and getInputStream() the thread may call elsewhere");
            Object c2 = Holds.rpcResume(urlConnection, Holds.CLIENT_URLCONNECTION, "POST", url); // getOutputStream()
            assertSame(c1, c2);
            Holds.rpcPause(c2, -1, null);
            Thread.sleep(3);
            Object c3 = Holds.rpcResume(urlConnection, Holds.CLIENT_URLCONNECTION, "POST", url); // getInputStream()
            assertSame(c1, c3);
            Holds.rpcEnd(c3, 201, null);

            Object refused = Holds.rpcResume(new Object(), Holds.CLIENT_URLCONNECTION, "GET", url);
            Holds.rpcPause(refused, -1, new ConnectException());
            Holds.released(conn, Holds.END_CLOSE);
            List<RpcCall> calls = drained();
            assertEquals(2, calls.size());
            assertEquals("POST http://h:8080/p", calls.get(0).target());
            assertTrue(calls.get(0).nanos() >= 3_000_000L, "from connect() to the response");
            assertEquals("java.net.ConnectException", calls.get(1).outcome(), "a failed connect() ends its call");
        });
    }

    @Test
    void anAsyncCallCountsIfItCompletesWhileTheHoldIsOpen() throws Exception {
        onFreshThread(() -> {
            Holds.rpcAsyncStatus(r -> (Integer) r);
            Object conn = take();
            CompletableFuture<Object> joined = new CompletableFuture<>();
            Object call = Holds.rpcStart(Holds.CLIENT_JDK, "GET", "http", "h", 80, "/joined");
            Holds.rpcAsync(call, joined, null);
            assertTrue(Holds.holding(), "the async send returned: the thread is no longer inside it");
            joined.complete(204);
            CompletableFuture<Object> late = new CompletableFuture<>();
            Object call2 = Holds.rpcStart(Holds.CLIENT_JDK, "GET", "http", "h", 80, "/fire-and-forget");
            Holds.rpcAsync(call2, late, null);
            Holds.released(conn, Holds.END_CLOSE);
            late.complete(200);
            List<RpcCall> calls = drained();
            assertEquals(1, calls.size());
            assertEquals("204", calls.get(0).outcome());
            assertEquals(1, t.rpc().late(), "completed after the hold ended: nobody waited for it while holding");
        });
    }

    /** A future whose dependents are kept, not run: holdtrace's completion has not run when it completes. */
    static final class Deferring extends CompletableFuture<Object> {
        final List<java.util.function.BiConsumer<? super Object, ? super Throwable>> kept = new ArrayList<>();

        @Override
        public CompletableFuture<Object> whenComplete(java.util.function.BiConsumer<? super Object, ? super Throwable> action) {
            kept.add(action);
            return new CompletableFuture<>();
        }
    }

    @Test
    void anAsyncCallJoinedOnIsCountedWhenTheHoldEndsBeforeItsCompletionRuns() throws Exception {
        onFreshThread(() -> {
            Holds.rpcAsyncStatus(r -> (Integer) r);
            Object conn = take();
            Hold hold = openHold();
            Deferring joined = new Deferring();
            Object call = Holds.rpcStart(Holds.CLIENT_JDK, "GET", "http", "h", 80, "/joined");
            Holds.rpcAsync(call, joined, null);
            assertEquals(1, joined.kept.size(), "holdtrace waits for the future's completion");
            java.util.function.BiConsumer<? super Object, ? super Throwable> completion = joined.kept.get(0);
            joined.complete(404); // the joining thread wakes and goes on before the completion runs
            joined = null; // and drops the future, its join returned
            System.gc();
            Holds.released(conn, Holds.END_CLOSE);
            completion.accept(404, null); // the completion, late: the call is not counted twice
            List<RpcCall> calls = drained();
            assertEquals(1, calls.size());
            assertEquals("404", calls.get(0).outcome());
            assertEquals(1, hold.calls().count(), "counted against the hold it was made in");
            assertEquals(0, t.rpc().late());

            Object conn2 = take();
            Deferring forgotten = new Deferring();
            Object call2 = Holds.rpcStart(Holds.CLIENT_JDK, "GET", "http", "h", 80, "/fire-and-forget");
            Holds.rpcAsync(call2, forgotten, null);
            Holds.released(conn2, Holds.END_CLOSE); // not complete when the hold ends: nobody waited for it
            forgotten.complete(200);
            forgotten.kept.get(0).accept(200, null);
            assertEquals(0, drained().size());
            assertEquals(1, t.rpc().late());
        });
    }

    @Test
    void anAsyncCallJoinedOnCountsWhenItsCompletionIsStillFinishingItAsTheHoldEnds() throws Exception {
        onFreshThread(() -> {
            Holds.rpcAsyncStatus(r -> (Integer) r);
            Object conn = take();
            Hold hold = openHold();
            Deferring joined = new Deferring();
            RpcCall call = (RpcCall) Holds.rpcStart(Holds.CLIENT_JDK, "POST", "http", "h", 80, "/auth/token");
            Holds.rpcAsync(call, joined, null);
            joined.complete(200); // the joining thread wakes and goes on
            // meanwhile the completion, on the client's thread, has claimed the call and is
            // descheduled before it attributes it (what a loaded two-core machine does now and then)
            assertTrue(call.claimFinish());
            call.future = null;
            Holds.released(conn, Holds.END_CLOSE); // the transaction commits and gives the connection back
            assertFalse(hold.isOpen());
            t.rpc().finishClaimed(call, System.nanoTime(), 200, null); // the completion goes on
            List<RpcCall> calls = drained();
            assertEquals(1, calls.size(), "waited for while holding: counted, not lost");
            assertEquals("200", calls.get(0).outcome());
            assertEquals(1, hold.calls().count(), "against the hold it was made in");
            assertEquals(0, t.rpc().late());
            assertFalse(Holds.holding(), "the thread's pending call is cleared once it is attributed");
        });
    }

    @Test
    void theFastPathAllocatesNothing() throws Exception {
        onFreshThread(() -> {
            com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long id = Thread.currentThread().getId();
            boolean any = false;
            for (int i = 0; i < 200_000; i++) { // warm up; the ThreadRef is made on the first call
                any |= Holds.holding();
            }
            long before = mx.getThreadAllocatedBytes(id);
            for (int i = 0; i < 1_000_000; i++) {
                any |= Holds.holding();
            }
            long allocated = mx.getThreadAllocatedBytes(id) - before;
            assertFalse(any);
            // a per-call allocation would be 16 MB at least; what is left is the JIT's and the MXBean's own
            assertTrue(allocated < 16 * 1024, "a thread that holds nothing allocates nothing per call: " + allocated
                    + " bytes in 1,000,000 calls");
        });
    }
}
