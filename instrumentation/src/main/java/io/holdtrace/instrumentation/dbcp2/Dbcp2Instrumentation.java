package io.holdtrace.instrumentation.dbcp2;

import static io.holdtrace.instrumentation.Hook.ENTERED;
import static io.holdtrace.instrumentation.Hook.NULL;
import static io.holdtrace.instrumentation.Hook.RETURNED;
import static io.holdtrace.instrumentation.Hook.THIS;
import static io.holdtrace.instrumentation.Hook.THROWN;
import static io.holdtrace.instrumentation.Hook.argument;
import static io.holdtrace.instrumentation.Hook.call;
import static io.holdtrace.instrumentation.Hook.constant;
import static io.holdtrace.instrumentation.Hook.field;


import io.holdtrace.bootstrap.Holds;
import io.holdtrace.instrumentation.ConnectionAdvice;
import io.holdtrace.instrumentation.Hook;
import io.holdtrace.instrumentation.InstrumentationModule;
import io.holdtrace.instrumentation.Weave;
import java.util.List;

/**
 * Apache Commons DBCP2 2.x. A hold is one {@code PoolingDataSource.PoolGuardConnectionWrapper}: it
 * starts when {@code PoolingDataSource.getConnection()} returns it ({@code BasicDataSource}
 * delegates there, so a checkout counts once), and ends at its first {@code close()}, at
 * {@code abort()}, at {@code BasicDataSource.invalidateConnection(it)}, or when the pool closes.
 *
 * <p>The pool's identity is its {@code GenericObjectPool}: the object both
 * {@code PoolingDataSource} and the connection factory refer to, and the one that
 * {@code BasicDataSource.close()} and {@code PoolingDataSource.close()} both end up closing.
 * DBCP2 pools have no name.
 *
 * <p>Not covered: abandoned-connection removal (the pool invalidates the inner
 * {@code PoolableConnection}, which leads back to no guard; the hold then ends at the guard's
 * close or when it is collected), {@code PoolingDriver}, {@code managed} and
 * {@code datasources} (per-user and shared) data sources.
 */
public final class Dbcp2Instrumentation implements InstrumentationModule {

    private static final String PKG = "org.apache.commons.dbcp2.";
    private static final String DATA_SOURCE = PKG + "PoolingDataSource";
    private static final String GUARD = DATA_SOURCE + "$PoolGuardConnectionWrapper";
    private static final String OBJECT_POOL = "org.apache.commons.pool2.impl.GenericObjectPool";

    @Override
    public String name() {
        return "dbcp2";
    }

    @Override
    public String description() {
        return "Commons DBCP2: checkouts at PoolingDataSource.getConnection, returns at the guard's close/abort, invalidation, pool close";
    }

    @Override
    public List<Weave> weaves() {
        Hook.Value type = constant("dbcp2");
        return List.of(
                Weave.named(List.of(Hook.on("getConnection").arguments(0)
                        .enter(call(Holds.class, "acquireStart", "()J"))
                        .exitOrThrow(call(Holds.class, "checkoutEnded",
                                "(Ljava/lang/Object;Ljava/lang/String;Ljava/lang/String;Ljava/lang/Object;JLjava/lang/Throwable;)V",
                                field("pool"), type, NULL, RETURNED, ENTERED, THROWN))),
                        DATA_SOURCE),
                Weave.named(List.of(ConnectionAdvice.CLOSE_HOOK), GUARD),
                // the guard inherits these; on the inner connections they run too, and miss
                Weave.named(List.of(ConnectionAdvice.ABORT_HOOK, ConnectionAdvice.USE_HOOK), PKG + "DelegatingConnection"),
                Weave.named(List.of(Hook.on("invalidateConnection").arguments(1)
                        .enter(call(Holds.class, "released", "(Ljava/lang/Object;I)V", argument(0), constant(Holds.END_EVICT)))),
                        PKG + "BasicDataSource"),
                Weave.named(List.of(Hook.on("close").arguments(0)
                        .exitOrThrow(call(Holds.class, "poolClosed", "(Ljava/lang/Object;)V", THIS))),
                        OBJECT_POOL),
                Weave.named(List.of(
                        Hook.on("makeObject").arguments(0)
                                .enter(call(Holds.class, "enterPoolInternal", "()V"))
                                .exitOrThrow(call(Holds.class, "exitPoolInternal", "()V")),
                        // makeObject hands the raw connection to this before wrapping it
                        Hook.on("initializeConnection").arguments(1)
                                .enter(call(Holds.class, "physicalConnection",
                                        "(Ljava/lang/Object;Ljava/lang/String;Ljava/lang/String;Ljava/lang/Object;)V",
                                        field("pool"), type, NULL, argument(0)))),
                        PKG + "PoolableConnectionFactory"));
    }
}
