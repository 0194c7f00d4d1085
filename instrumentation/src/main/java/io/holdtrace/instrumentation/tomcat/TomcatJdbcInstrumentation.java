package io.holdtrace.instrumentation.tomcat;

import static io.holdtrace.instrumentation.Hook.ENTERED;
import static io.holdtrace.instrumentation.Hook.RETURNED;
import static io.holdtrace.instrumentation.Hook.THIS;
import static io.holdtrace.instrumentation.Hook.THROWN;
import static io.holdtrace.instrumentation.Hook.argument;
import static io.holdtrace.instrumentation.Hook.call;
import static io.holdtrace.instrumentation.Hook.constant;
import static io.holdtrace.instrumentation.Hook.field;

import io.holdtrace.bootstrap.Holds;
import io.holdtrace.instrumentation.Hook;
import io.holdtrace.instrumentation.InstrumentationModule;
import io.holdtrace.instrumentation.Weave;
import java.util.List;

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
 * <p>The pool's name is read by its public {@code getName()}, by reflection in the bootstrap part
 * (which cannot name tomcat-jdbc's classes), once per checkout.
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
        Hook.Value type = constant("tomcat");
        return List.of(
                Weave.named(List.of(
                        Hook.on("getConnection").returns("Ljava/sql/Connection;")
                                .enter(call(Holds.class, "acquireStart", "()J"))
                                .exitOrThrow(call(Holds.class, "checkoutEndedNamed",
                                        "(Ljava/lang/Object;Ljava/lang/String;Ljava/lang/Object;JLjava/lang/Throwable;)V",
                                        THIS, type, RETURNED, ENTERED, THROWN)),
                        Hook.on("close").arguments(1).argument(0, "Z")
                                .exitOrThrow(call(Holds.class, "poolClosed", "(Ljava/lang/Object;)V", THIS))),
                        PKG + "ConnectionPool"),
                // invoke(proxy, method, args): the proxy is the application's connection
                Weave.named(List.of(Hook.on("invoke").arguments(3).argument(1, "Ljava/lang/reflect/Method;")
                        .enter(call(Holds.class, "proxyInvoked", "(Ljava/lang/Object;Ljava/lang/reflect/Method;)V",
                                argument(0), argument(1)))),
                        PKG + "ProxyConnection"),
                // opens (or reopens) the physical connection: the driver's connect inside is the pool's own
                Weave.named(List.of(
                        Hook.on("connect").arguments(0).exitOrThrow(call(Holds.class, "physicalConnectionNamed",
                                "(Ljava/lang/Object;Ljava/lang/String;Ljava/lang/Object;)V", field("parent"), type, field("connection"))),
                        Hook.on("connect").arguments(0)
                                .enter(call(Holds.class, "enterPoolInternal", "()V"))
                                .exitOrThrow(call(Holds.class, "exitPoolInternal", "()V"))),
                        PKG + "PooledConnection"));
    }
}
