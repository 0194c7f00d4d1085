package io.holdtrace.agent;

import io.holdtrace.instrumentation.InstrumentationModule;
import io.holdtrace.instrumentation.hikari.HikariInstrumentation;
import io.holdtrace.instrumentation.jdbc.DriverInstrumentation;
import java.util.List;

/** Every instrumentation the agent knows, by name. */
final class Modules {

    private Modules() {
    }

    static List<InstrumentationModule> all() {
        return List.of(
                new HikariInstrumentation(),
                new DriverInstrumentation());
    }
}
