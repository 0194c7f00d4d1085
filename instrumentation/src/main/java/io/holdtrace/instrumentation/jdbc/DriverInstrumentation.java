package io.holdtrace.instrumentation.jdbc;

import static net.bytebuddy.matcher.ElementMatchers.hasSuperType;
import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.holdtrace.bootstrap.Holds;
import io.holdtrace.instrumentation.ConnectionAdvice;
import io.holdtrace.instrumentation.InstrumentationModule;
import io.holdtrace.instrumentation.Weave;
import java.util.List;
import net.bytebuddy.asm.Advice;

/**
 * Connections opened straight from a JDBC driver ({@code DriverManager}, a driver's own
 * DataSource, Spring's {@code DriverManagerDataSource}): each is a hold from
 * {@code Driver.connect} to the connection's {@code close()}. Connections that a known pool opens
 * for itself are marked by that pool's instrumentation and skipped here.
 */
public final class DriverInstrumentation implements InstrumentationModule {

    /** The names of {@link ConnectionAdvice#USE}, {@code CLOSE} and {@code ABORT} (a connection class declaring none is not changed). */
    private static final String[] CONNECTION_METHODS =
            {"createStatement", "prepareStatement", "prepareCall", "commit", "rollback", "close", "abort"};

    @Override
    public String name() {
        return "driver";
    }

    @Override
    public String description() {
        return "unpooled JDBC: holds from Driver.connect to Connection.close/abort (pools' own connections excluded)";
    }

    @Override
    public List<Weave> weaves() {
        return List.of(
                Weave.subtypes("java.sql.Driver", new String[] {"connect"}, (b, type) -> b
                        // a covariant connect (MariaDB 3 returns its own Connection) leaves the
                        // java.sql.Connection one a bridge, which Byte Buddy does not weave
                        .visit(Advice.to(Connect.class).on(named("connect").and(takesArguments(2))
                                .and(returns(hasSuperType(named("java.sql.Connection")))).and(not(isAbstract()))))),
                Weave.subtypes("java.sql.Connection", CONNECTION_METHODS, (b, type) -> b
                        .visit(Advice.to(ConnectionAdvice.Close.class).on(ConnectionAdvice.CLOSE))
                        .visit(Advice.to(ConnectionAdvice.Abort.class).on(ConnectionAdvice.ABORT))
                        .visit(Advice.to(ConnectionAdvice.Use.class).on(ConnectionAdvice.USE)))
                        .except("com.zaxxer.hikari.", "org.apache.commons.dbcp2.", "org.apache.tomcat.jdbc."));
    }

    static final class Connect {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static long enter() {
            return Holds.driverConnectStart();
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This Object driver, @Advice.Enter long start, @Advice.Return Object connection) {
            Holds.driverConnected(driver, connection, start);
        }
    }

}
