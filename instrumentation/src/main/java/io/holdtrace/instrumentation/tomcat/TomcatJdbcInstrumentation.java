package io.holdtrace.instrumentation.tomcat;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.holdtrace.bootstrap.Holds;
import io.holdtrace.instrumentation.InstrumentationModule;
import io.holdtrace.instrumentation.Weave;
import java.lang.reflect.Method;
import java.util.List;
import net.bytebuddy.asm.Advice;
import org.apache.tomcat.jdbc.pool.ConnectionPool;

/**
 * Tomcat JDBC pool ({@code org.apache.tomcat.jdbc.pool}). A hold is one JDK proxy: it starts when
 * {@code ConnectionPool.getConnection()} (or its user/password form) returns it, and ends at its
 * first {@code close()} or {@code abort()}, or when the pool closes. Every call on the proxy runs
 * down the interceptor chain, with the proxy itself passed along, to {@code ProxyConnection.invoke}
 * at its end: that is where the proxy's close, abort and use are seen. Nested data sources
 * ({@code DataSource}, {@code DataSourceProxy}) all check out through {@code ConnectionPool}.
 *
 * <p>Not covered: abandoned-connection removal (the pool releases its {@code PooledConnection},
 * which leads back to no proxy; the hold then ends at the proxy's close or when it is collected),
 * {@code getConnectionAsync}, and calls an interceptor answers without passing them on (a statement
 * cache hit is not seen as a use).
 *
 * <p>Advice parameters are typed {@code Object} and cast in the body: a {@code ConnectionPool}
 * parameter would make loading the advice class need tomcat-jdbc in the agent's class loader,
 * whereas a cast is resolved only after it is inlined into the pool's own classes.
 */
public final class TomcatJdbcInstrumentation implements InstrumentationModule {

    private static final String PKG = "org.apache.tomcat.jdbc.pool.";

    @Override
    public String name() {
        return "tomcat";
    }

    @Override
    public String description() {
        return "Tomcat JDBC: checkouts at ConnectionPool.getConnection, returns at the proxy's close/abort, pool close";
    }

    @Override
    public List<Weave> weaves() {
        return List.of(
                Weave.named((b, type) -> b
                        .visit(Advice.to(Checkout.class).on(named("getConnection")
                                .and(returns(named("java.sql.Connection")))))
                        .visit(Advice.to(Shutdown.class).on(named("close").and(takesArguments(boolean.class)))),
                        PKG + "ConnectionPool"),
                Weave.named((b, type) -> b
                        .visit(Advice.to(Invoke.class).on(named("invoke").and(takesArguments(3)))),
                        PKG + "ProxyConnection"),
                Weave.named((b, type) -> b
                        .visit(Advice.to(Connect.class).on(named("connect").and(takesArguments(0)))),
                        PKG + "PooledConnection"));
    }

    static final class Checkout {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static long enter() {
            return Holds.acquireStart();
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This Object pool, @Advice.Enter long start,
                         @Advice.Return Object connection, @Advice.Thrown Throwable thrown) {
            if (thrown == null) {
                Holds.acquired(pool, "tomcat", ((ConnectionPool) pool).getName(), connection, start);
            } else {
                Holds.acquireFailed(pool, "tomcat", ((ConnectionPool) pool).getName(), start);
            }
        }
    }

    /** {@code invoke(proxy, method, args)}: the proxy is the application's connection. */
    static final class Invoke {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.Argument(0) Object proxy, @Advice.Argument(1) Method method) {
            switch (method.getName()) {
                case "createStatement": case "prepareStatement": case "prepareCall": case "commit": case "rollback":
                    Holds.used(proxy);
                    break;
                // the hold ends before the pool can hand the connection to a waiter, so a pool's
                // in-use count never sees the returning and the next holder at once
                case "close":
                    Holds.released(proxy, Holds.END_CLOSE);
                    break;
                case "abort":
                    Holds.released(proxy, Holds.END_ABORT);
                    break;
                default:
                    break;
            }
        }
    }

    static final class Shutdown {
        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This Object pool) {
            Holds.poolClosed(pool);
        }
    }

    /** Opens (or reopens) the physical connection: the driver's connect inside is the pool's own. */
    static final class Connect {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter() {
            Holds.enterPoolInternal();
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.FieldValue("parent") Object pool, @Advice.FieldValue("connection") Object connection) {
            Holds.exitPoolInternal();
            Holds.physicalConnection(pool, "tomcat", ((ConnectionPool) pool).getName(), connection);
        }
    }
}
