package io.holdtrace.instrumentation.hikari;

import static net.bytebuddy.matcher.ElementMatchers.hasSuperType;
import static net.bytebuddy.matcher.ElementMatchers.nameStartsWith;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.holdtrace.bootstrap.Holds;
import io.holdtrace.instrumentation.ConnectionAdvice;
import io.holdtrace.instrumentation.InstrumentationModule;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;

/**
 * HikariCP 5-7. A hold is one {@code ProxyConnection}: it starts when
 * {@code HikariPool.getConnection(long)} returns it, and ends at its first {@code close()}, at
 * {@code abort()}, at {@code evictConnection(it)}, or at pool shutdown (which aborts raw
 * connections without ever closing the proxy).
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
    public AgentBuilder extend(AgentBuilder builder) {
        return builder
                .type(named(POOL))
                .transform((b, type, loader, module, domain) -> b
                        .visit(Advice.to(Checkout.class).on(named("getConnection").and(takesArguments(long.class))
                                .and(returns(named("java.sql.Connection")))))
                        .visit(Advice.to(Shutdown.class).on(named("shutdown").and(takesArguments(0))))
                        .visit(Advice.to(Evict.class).on(named("evictConnection").and(takesArguments(1)))))
                .type(named(POOL_BASE))
                .transform((b, type, loader, module, domain) -> b
                        .visit(Advice.to(NewConnection.class).on(named("newConnection")
                                .and(returns(named("java.sql.Connection"))))))
                .type(named(PROXY))
                .transform((b, type, loader, module, domain) -> b
                        .visit(Advice.to(ConnectionAdvice.Close.class).on(ConnectionAdvice.CLOSE))
                        .visit(Advice.to(ConnectionAdvice.Use.class).on(ConnectionAdvice.USE)))
                .type(nameStartsWith("com.zaxxer.hikari.").and(hasSuperType(named(PROXY)))) // its generated subclasses, beside it
                .transform((b, type, loader, module, domain) -> b
                        .visit(Advice.to(ConnectionAdvice.Abort.class).on(ConnectionAdvice.ABORT)));
    }

    static final class Checkout {
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
