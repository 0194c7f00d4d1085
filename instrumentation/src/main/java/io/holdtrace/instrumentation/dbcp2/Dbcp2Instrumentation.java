package io.holdtrace.instrumentation.dbcp2;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.holdtrace.bootstrap.Holds;
import io.holdtrace.instrumentation.ConnectionAdvice;
import io.holdtrace.instrumentation.InstrumentationModule;
import io.holdtrace.instrumentation.Weave;
import java.util.List;
import net.bytebuddy.asm.Advice;

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
        return List.of(
                Weave.named((b, type) -> b
                        .visit(Advice.to(Checkout.class).on(named("getConnection").and(takesArguments(0)))),
                        DATA_SOURCE),
                Weave.named((b, type) -> b
                        .visit(Advice.to(ConnectionAdvice.Close.class).on(ConnectionAdvice.CLOSE)),
                        GUARD),
                // the guard inherits these; on the inner connections they run too, and miss
                Weave.named((b, type) -> b
                        .visit(Advice.to(ConnectionAdvice.Abort.class).on(ConnectionAdvice.ABORT))
                        .visit(Advice.to(ConnectionAdvice.Use.class).on(ConnectionAdvice.USE)),
                        PKG + "DelegatingConnection"),
                Weave.named((b, type) -> b
                        .visit(Advice.to(Evict.class).on(named("invalidateConnection").and(takesArguments(1)))),
                        PKG + "BasicDataSource"),
                Weave.named((b, type) -> b
                        .visit(Advice.to(Shutdown.class).on(named("close").and(takesArguments(0)))),
                        OBJECT_POOL),
                Weave.named((b, type) -> b
                        .visit(Advice.to(MakeObject.class).on(named("makeObject").and(takesArguments(0))))
                        // makeObject hands the raw connection to this before wrapping it
                        .visit(Advice.to(Physical.class).on(named("initializeConnection").and(takesArguments(1)))),
                        PKG + "PoolableConnectionFactory"));
    }

    static final class Checkout {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static long enter() {
            return Holds.acquireStart();
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.FieldValue("pool") Object pool, @Advice.Enter long start,
                         @Advice.Return Object connection, @Advice.Thrown Throwable thrown) {
            if (thrown == null) {
                Holds.acquired(pool, "dbcp2", null, connection, start);
            } else {
                Holds.acquireFailed(pool, "dbcp2", null, start);
            }
        }
    }

    static final class Evict {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.Argument(0) Object connection) {
            Holds.released(connection, Holds.END_EVICT);
        }
    }

    static final class Shutdown {
        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This Object pool) {
            Holds.poolClosed(pool);
        }
    }

    static final class MakeObject {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter() {
            Holds.enterPoolInternal();
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit() {
            Holds.exitPoolInternal();
        }
    }

    static final class Physical {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.FieldValue("pool") Object pool, @Advice.Argument(0) Object connection) {
            Holds.physicalConnection(pool, "dbcp2", null, connection);
        }
    }
}
