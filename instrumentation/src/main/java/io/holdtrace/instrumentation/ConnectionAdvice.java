package io.holdtrace.instrumentation;

import static io.holdtrace.instrumentation.Hook.THIS;
import static io.holdtrace.instrumentation.Hook.call;
import static io.holdtrace.instrumentation.Hook.constant;

import io.holdtrace.bootstrap.Holds;
import java.util.List;

/**
 * Hooks for the connection object a pool hands out (its proxy or guard wrapper), shared by every
 * instrumentation whose handle is a real class, and by unpooled connections. Each runs on entry:
 * the hold ends before the pool can hand the connection to a waiting thread.
 */
public final class ConnectionAdvice {

    private static final String RELEASED = "(Ljava/lang/Object;I)V";

    /** {@code close()}: the hold ends. */
    public static final Hook CLOSE_HOOK = Hook.on("close").arguments(0)
            .enter(call(Holds.class, "released", RELEASED, THIS, constant(Holds.END_CLOSE)));
    /** {@code abort(executor)}: the hold ends. */
    public static final Hook ABORT_HOOK = Hook.on("abort").arguments(1)
            .enter(call(Holds.class, "released", RELEASED, THIS, constant(Holds.END_ABORT)));
    /** Statements, commits and rollbacks: the connection is in use on this thread. */
    public static final Hook USE_HOOK = Hook.on("createStatement", "prepareStatement", "prepareCall", "commit", "rollback")
            .enter(call(Holds.class, "used", "(Ljava/lang/Object;)V", THIS));
    /** All three. */
    public static final List<Hook> HOOKS = List.of(CLOSE_HOOK, ABORT_HOOK, USE_HOOK);
    /**
     * {@link #USE_HOOK} for a connection no pool's proxy is (a driver's own, under a pool's or
     * not): only ever a generic hold, so turned away at once until one was made, without the
     * check of the object's class for a pool's proxy.
     */
    public static final Hook UNPOOLED_USE_HOOK = Hook.on("createStatement", "prepareStatement", "prepareCall", "commit", "rollback")
            .enter(call(Holds.class, "usedUnpooled", "(Ljava/lang/Object;)V", THIS));
    /** Close, abort and the unpooled use. */
    public static final List<Hook> UNPOOLED_HOOKS = List.of(CLOSE_HOOK, ABORT_HOOK, UNPOOLED_USE_HOOK);

    private ConnectionAdvice() {
    }
}
