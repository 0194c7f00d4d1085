package io.holdtrace.instrumentation.hikari;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.holdtrace.bootstrap.Holds;
import io.holdtrace.instrumentation.ConnectionAdvice;
import io.holdtrace.instrumentation.InstrumentationModule;
import io.holdtrace.instrumentation.Weave;
import java.lang.annotation.ElementType;
import java.lang.instrument.ClassFileTransformer;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.List;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.matcher.ElementMatcher;
import net.bytebuddy.description.field.FieldDescription;
import net.bytebuddy.description.field.FieldList;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.implementation.bytecode.StackManipulation;
import net.bytebuddy.implementation.bytecode.member.FieldAccess;
import net.bytebuddy.implementation.bytecode.member.MethodVariableAccess;

/**
 * HikariCP 5-7. A hold is one {@code ProxyConnection}: it starts when
 * {@code HikariPool.getConnection(long)} returns it, and ends at its first {@code close()}, at
 * {@code abort()}, at {@code evictConnection(it)}, or at pool shutdown (which aborts raw
 * connections without ever closing the proxy).
 *
 * <p>The clock: holdtrace reads none of its own. HikariCP reads {@code System.nanoTime()} (through
 * {@code ClockSource.currentTime()}) as its checkout begins and again when it has a connection;
 * {@link HikariSlotFields} keeps those readings as the class loads, and hands them over as the
 * checkout returns ({@link Holds#checkoutTimes}): the first is where the wait began, the last
 * where the hold begins. A return takes its time from the pool's own reading too:
 * {@code PoolEntry.recycle()} stamps {@code lastAccessed} with {@code System.nanoTime()} as it
 * takes the connection back. (On macOS HikariCP's clock is {@code currentTimeMillis()}: there
 * holdtrace reads its own.)
 *
 * <p>The hold: a checkout writes the pool entry's {@link io.holdtrace.bootstrap.HoldSlot} (a field
 * {@link HikariSlotFields} adds to {@code PoolEntry}), reached from the proxy through
 * {@link io.holdtrace.bootstrap.PooledHandle}; where those classes loaded before the agent (an
 * attach), the same advice falls back to the generic path.
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
                Weave.named((b, type) -> checkout(b)
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

    /** The entry's slot field and the proxy's entry getter, added as the classes load ({@link HikariSlotFields}). */
    @Override
    public ClassFileTransformer classFileChanges() {
        return new HikariSlotFields();
    }

    private static boolean hikariClockIsNanoTime() {
        return HikariSlotFields.clockIsNanoTime();
    }

    /** {@code getConnection(long)}: its clock readings taken over, or (another clock) its own read around it. */
    private static DynamicType.Builder<?> checkout(DynamicType.Builder<?> b) {
        ElementMatcher.Junction<MethodDescription> getConnection =
                named("getConnection").and(takesArguments(long.class)).and(returns(named("java.sql.Connection")));
        if (!hikariClockIsNanoTime()) {
            return b.visit(Advice.to(TimedCheckout.class).on(getConnection));
        }
        // its clock readings are kept by HikariSlotFields, which rewrote the method as it loaded
        return b.visit(Advice.to(Checkout.class).on(getConnection));
    }


    /**
     * {@code close()} of the proxy: with the pool's own timestamp of the return when its fields are
     * there ({@code poolEntry.lastAccessed}, a {@code long} on HikariCP 5-7), else the shared advice.
     */
    private static DynamicType.Builder<?> close(DynamicType.Builder<?> b, TypeDescription proxy) {
        StackManipulation returnedAt = hikariClockIsNanoTime() ? lastAccessed(proxy) : null;
        if (returnedAt == null) {
            return b.visit(Advice.to(ConnectionAdvice.Close.class).on(ConnectionAdvice.CLOSE));
        }
        return b.visit(Advice.withCustomMapping().bind(ReturnedAt.class, returnedAt, long.class)
                .to(Close.class).on(ConnectionAdvice.CLOSE));
    }

    /** {@code this.poolEntry.lastAccessed}, or null if this HikariCP has no such fields. */
    static StackManipulation lastAccessed(TypeDescription proxy) {
        FieldList<FieldDescription.InDefinedShape> entry = proxy.getDeclaredFields().filter(named("poolEntry"));
        if (entry.size() != 1 || entry.getOnly().isStatic()) {
            return null;
        }
        TypeDescription entryType = entry.getOnly().getType().asErasure();
        FieldList<FieldDescription.InDefinedShape> last = entryType.getDeclaredFields()
                .filter(named("lastAccessed").<FieldDescription.InDefinedShape>and(f -> !f.isStatic()
                        && f.getType().represents(long.class)));
        if (last.size() != 1 || !entryType.getPackage().equals(proxy.getPackage()) || last.getOnly().isPrivate()) {
            return null; // the advice is inlined into the proxy: it must be able to read the field
        }
        return new StackManipulation.Compound(MethodVariableAccess.loadThis(),
                FieldAccess.forField(entry.getOnly()).read(), FieldAccess.forField(last.getOnly()).read());
    }

    /** Bound to the pool's timestamp of the return, read where the exit advice reads it. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.PARAMETER)
    @interface ReturnedAt {
    }

    /** The checkout, with the clock readings {@link Holds#clockInCheckout()} kept. */
    static final class Checkout {
        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This Object pool, @Advice.FieldValue("poolName") String name,
                         @Advice.Return Object connection, @Advice.Thrown Throwable thrown) {
            if (thrown == null) {
                Holds.acquiredAfterClock(pool, "hikari", name, connection);
            } else {
                Holds.acquireFailedAfterClock(pool, "hikari", name);
            }
        }
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
     * The hold ends on entry (before the pool can hand the connection on: out of the pool's in-use
     * count, its start read while the entry is still this checkout's), and is timed on exit to
     * the pool's timestamp.
     */
    static final class Close {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static Object enter(@Advice.This Object connection, @Advice.Local("start") long start) {
            Object returning = Holds.returningEntry(connection);
            start = Holds.startOf(returning);
            return returning;
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.Enter Object returning, @Advice.Local("start") long start, @ReturnedAt long returnedAt) {
            Holds.returnedEntry(returning, start, returnedAt);
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
