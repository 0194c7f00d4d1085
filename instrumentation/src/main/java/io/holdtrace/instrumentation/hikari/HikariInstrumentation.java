package io.holdtrace.instrumentation.hikari;

import static io.holdtrace.instrumentation.Hook.RETURNED;
import static io.holdtrace.instrumentation.Hook.THIS;
import static io.holdtrace.instrumentation.Hook.argument;
import static io.holdtrace.instrumentation.Hook.call;
import static io.holdtrace.instrumentation.Hook.constant;
import static io.holdtrace.instrumentation.Hook.field;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.holdtrace.bootstrap.CheckoutWoven;
import io.holdtrace.bootstrap.Holds;
import io.holdtrace.bootstrap.PooledHandle;
import io.holdtrace.instrumentation.ConnectionAdvice;
import io.holdtrace.instrumentation.Hook;
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
 * HikariCP's methods as it does without the agent. This module's hooks add the rest (shutdown,
 * eviction, abort, uses of the connection), and cover what was not rewritten: classes loaded
 * before an attach, and another clock (on macOS HikariCP's is {@code currentTimeMillis()}: there
 * holdtrace times the checkout, with Byte Buddy advice, and the close itself).
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
                Weave.named(List.of(
                        Hook.on("shutdown").arguments(0).exitOrThrow(call(Holds.class, "poolClosed", "(Ljava/lang/Object;)V", THIS)),
                        Hook.on("evictConnection").arguments(1)
                                .enter(call(Holds.class, "released", "(Ljava/lang/Object;I)V", argument(0), constant(Holds.END_EVICT)))),
                        POOL),
                // getConnection(long) reports itself where HikariSlotFields rewrote it; else it is timed here
                Weave.named(new TimedCheckoutChange(), POOL).unlessDeclares(CheckoutWoven.class.getName()),
                Weave.named(List.of(
                        // the connection the pool opens, with its name (declared by PoolBase), then leaves its own factory
                        Hook.on("newConnection").returns("Ljava/sql/Connection;").exitOrThrow(
                                call(Holds.class, "physicalConnection", "(Ljava/lang/Object;Ljava/lang/String;Ljava/lang/String;Ljava/lang/Object;)V",
                                        THIS, constant(HikariSlotFields.TYPE), field("poolName"), RETURNED)),
                        Hook.on("newConnection").returns("Ljava/sql/Connection;")
                                .enter(call(Holds.class, "enterPoolInternal", "()V"))
                                .exitOrThrow(call(Holds.class, "exitPoolInternal", "()V"))),
                        POOL_BASE),
                // close(): where the proxy names its entry (rewritten as it loaded) the entry's recycle()
                // ends a slot's hold and the close only a generic one; else (an attach) the close ends it
                Weave.named(List.of(Hook.on("close").arguments(0).enter(call(Holds.class, "closedUnslotted", "(Ljava/lang/Object;)V", THIS)),
                        ConnectionAdvice.USE_HOOK), PROXY).ifDeclares(PooledHandle.class.getName()),
                Weave.named(List.of(ConnectionAdvice.CLOSE_HOOK, ConnectionAdvice.USE_HOOK), PROXY)
                        .unlessDeclares(PooledHandle.class.getName()),
                // the proxy and its generated subclasses, beside it
                Weave.subtypes(PROXY, List.of(ConnectionAdvice.ABORT_HOOK)).within("com.zaxxer.hikari."));
    }

    /** The entry's slot field and return, the proxy's entry getter, the checkout's report ({@link HikariSlotFields}). */
    @Override
    public ClassFileTransformer classFileChanges() {
        return new HikariSlotFields();
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


    /**
     * Byte Buddy advice timing {@code getConnection(long)}, for a HikariCP the load-time rewrite
     * did not reach. A class, not a lambda: nothing is spun, nor Byte Buddy's matchers loaded, on
     * the agent's start.
     */
    static final class TimedCheckoutChange implements Weave.Change {
        @Override
        public DynamicType.Builder<?> apply(DynamicType.Builder<?> builder, TypeDescription type) {
            return builder.visit(Advice.to(TimedCheckout.class, Weave.Change.classFilesOf(TimedCheckout.class)).on(
                    named("getConnection").and(takesArguments(long.class)).and(returns(named("java.sql.Connection")))));
        }
    }
}
