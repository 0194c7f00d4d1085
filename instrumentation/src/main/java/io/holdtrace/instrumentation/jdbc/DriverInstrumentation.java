package io.holdtrace.instrumentation.jdbc;

import static io.holdtrace.instrumentation.Hook.ENTERED;
import static io.holdtrace.instrumentation.Hook.RETURNED;
import static io.holdtrace.instrumentation.Hook.THIS;
import static io.holdtrace.instrumentation.Hook.call;

import io.holdtrace.bootstrap.Holds;
import io.holdtrace.instrumentation.ConnectionAdvice;
import io.holdtrace.instrumentation.Hook;
import io.holdtrace.instrumentation.InstrumentationModule;
import io.holdtrace.instrumentation.Weave;
import java.util.List;

/**
 * Connections opened straight from a JDBC driver ({@code DriverManager}, a driver's own
 * DataSource, Spring's {@code DriverManagerDataSource}): each is a hold from
 * {@code Driver.connect} to the connection's {@code close()}. Connections that a known pool opens
 * for itself are marked by that pool's instrumentation and skipped here.
 */
public final class DriverInstrumentation implements InstrumentationModule {

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
                // connect(String, Properties) that is not a bridge: a covariant connect (MariaDB 3
                // returns its own Connection) leaves the java.sql.Connection one a bridge
                Weave.subtypes("java.sql.Driver", List.of(Hook.on("connect").arguments(2)
                        .argument(0, "Ljava/lang/String;").argument(1, "Ljava/util/Properties;")
                        .enter(call(Holds.class, "driverConnectStart", "()J"))
                        .exit(call(Holds.class, "driverConnected", "(Ljava/lang/Object;Ljava/lang/Object;J)V", THIS, RETURNED, ENTERED)))),
                Weave.subtypes("java.sql.Connection", ConnectionAdvice.UNPOOLED_HOOKS)
                        .except("com.zaxxer.hikari.", "org.apache.commons.dbcp2.", "org.apache.tomcat.jdbc."));
    }
}
