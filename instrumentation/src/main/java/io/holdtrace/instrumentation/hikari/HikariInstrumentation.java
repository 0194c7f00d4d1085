package io.holdtrace.instrumentation.hikari;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.holdtrace.bootstrap.CheckoutWoven;
import io.holdtrace.bootstrap.Holds;
import io.holdtrace.bootstrap.PooledHandle;
import io.holdtrace.instrumentation.ConnectionAdvice;
import io.holdtrace.instrumentation.InstrumentationModule;
import io.holdtrace.instrumentation.Weave;
import java.lang.instrument.ClassFileTransformer;
import java.util.List;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.DynamicType;

/**
 * HikariCP 5-7. A hold is one {@code ProxyConnection}: it starts when
 * {@code HikariPool.getConnection(long)} returns it, and ends when the pool takes its entry back
 * ({@code PoolEntry.recycle()}, from the proxy's first {@code close()}), at {@code abort()}, at
 * {@code evictConnection(it)}, or at pool shutdown (which aborts raw connections without ever
 * closing the proxy).
 *
 * <p>The checkout and the return are rewritten as the classes load ({@link HikariSlotFields}):
 * they hand holdtrace HikariCP's own clock readings, a hold is kept in its pool entry's
 * {@link io.holdtrace.bootstrap.HoldSlot}, and the woven code is small enough that the JIT inlines
 * HikariCP's methods as it does without the agent. This module's advice adds the rest (shutdown,
 * eviction, abort, uses of the connection), and covers what was not rewritten: classes loaded
 * before an attach, and another clock (on macOS HikariCP's is {@code currentTimeMillis()}: there
 * holdtrace times the checkout and the close itself).
 */
public final class HikariInstrumentation implements InstrumentationModule {

    private static final String POOL = "com.zaxxer.hikari.pool.HikariPool";
    private static final String POOL_BASE = "com.zaxxer.hikari.pool.PoolBase";
    private static final String PROXY = "com.zaxxer.hikari.pool.ProxyConnection";

    @Override
    public String name() {
        return "hikari";
    }

    @Override
    public String description() {
        return "HikariCP: checkouts at HikariPool.getConnection, returns at ProxyConnection.close/abort, eviction, shutdown";
    }

    @Override
    public List<Weave> weaves() {
        return List.of(
                Weave.named((b, type) -> checkout(b, type)
                        .visit(Advice.to(Shutdown.class).on(named("shutdown").and(takesArguments(0))))
                        .visit(Advice.to(Evict.class).on(named("evictConnection").and(takesArguments(1)))),
                        POOL),
                Weave.named((b, type) -> b
                        .visit(Advice.to(NewConnection.class).on(named("newConnection")
                                .and(returns(named("java.sql.Connection"))))),
                        POOL_BASE),
                Weave.named((b, type) -> close(b, type)
                        .visit(Advice.to(ConnectionAdvice.Use.class).on(ConnectionAdvice.USE)),
                        PROXY),
                // the proxy and its generated subclasses, beside it
                Weave.subtypes(PROXY, new String[] {"abort"}, (b, type) -> b
                        .visit(Advice.to(ConnectionAdvice.Abort.class).on(ConnectionAdvice.ABORT)))
                        .within("com.zaxxer.hikari."));
    }

    /** The entry's slot field and return, the proxy's entry getter, the checkout's report ({@link HikariSlotFields}). */
    @Override
    public ClassFileTransformer classFileChanges() {
        return new HikariSlotFields();
    }

    /** {@code getConnection(long)}: nothing where it reports itself (rewritten as it loaded), else timed by its own advice. */
    private static DynamicType.Builder<?> checkout(DynamicType.Builder<?> b, TypeDescription pool) {
        if (implementsNamed(pool, CheckoutWoven.class.getName())) {
            return b;
        }
        return b.visit(Advice.to(TimedCheckout.class).on(
                named("getConnection").and(takesArguments(long.class)).and(returns(named("java.sql.Connection")))));
    }

    /**
     * {@code close()} of the proxy: where the proxy names its entry (rewritten as it loaded), the
     * entry's {@code recycle()} ends a slot's hold and the close ends only a generic one; else (an
     * attach) the shared advice.
     */
    private static DynamicType.Builder<?> close(DynamicType.Builder<?> b, TypeDescription proxy) {
        if (implementsNamed(proxy, PooledHandle.class.getName())) {
            return b.visit(Advice.to(Close.class).on(ConnectionAdvice.CLOSE));
        }
        return b.visit(Advice.to(ConnectionAdvice.Close.class).on(ConnectionAdvice.CLOSE));
    }

    /** Whether the type itself declares the interface (by name: nothing is resolved). */
    static boolean implementsNamed(TypeDescription type, String name) {
        for (TypeDescription.Generic i : type.getInterfaces()) {
            if (i.asErasure().getName().equals(name)) {
                return true;
            }
        }
        return false;
    }

    /** The checkout, timed by holdtrace's own clock readings (where HikariCP's clock is another). */
    static final class TimedCheckout {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static long enter() {
            return Holds.acquireStart();
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This Object pool, @Advice.FieldValue("poolName") String name,
                         @Advice.Enter long start, @Advice.Return Object connection, @Advice.Thrown Throwable thrown) {
            if (thrown == null) {
                Holds.acquired(pool, "hikari", name, connection, start);
            } else {
                Holds.acquireFailed(pool, "hikari", name, start);
            }
        }
    }

    /** A close: ends the hold only where its entry has no slot (the entry's recycle ends the others). */
    static final class Close {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.This Object connection) {
            Holds.closedUnslotted(connection);
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

    static final class NewConnection {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter() {
            Holds.enterPoolInternal();
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This Object pool, @Advice.FieldValue("poolName") String name,
                         @Advice.Return Object connection) {
            Holds.exitPoolInternal();
            Holds.physicalConnection(pool, "hikari", name, connection);
        }
    }
}
