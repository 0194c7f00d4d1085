package io.holdtrace.agent;

import io.holdtrace.instrumentation.InstrumentationModule;
import io.holdtrace.instrumentation.dbcp2.Dbcp2Instrumentation;
import io.holdtrace.instrumentation.guice.GuiceInstrumentation;
import io.holdtrace.instrumentation.hikari.HikariInstrumentation;
import io.holdtrace.instrumentation.httpclient5.HttpClient5Instrumentation;
import io.holdtrace.instrumentation.jdbc.DriverInstrumentation;
import io.holdtrace.instrumentation.spring.SpringInstrumentation;
import io.holdtrace.instrumentation.jdkhttp.JdkHttpClientInstrumentation;
import io.holdtrace.instrumentation.okhttp.OkHttpInstrumentation;
import io.holdtrace.instrumentation.tomcat.TomcatJdbcInstrumentation;
import io.holdtrace.instrumentation.urlconnection.UrlConnectionInstrumentation;
import java.util.List;

/** Every instrumentation the agent knows, by name. */
final class Modules {

    private Modules() {
    }

    static List<InstrumentationModule> all() {
        return List.of(
                new HikariInstrumentation(),
                new Dbcp2Instrumentation(),
                new TomcatJdbcInstrumentation(),
                new DriverInstrumentation(),
                new SpringInstrumentation(),
                new GuiceInstrumentation(),
                // outbound calls made while a connection is held
                new JdkHttpClientInstrumentation(),
                new UrlConnectionInstrumentation(),
                new HttpClient5Instrumentation(),
                new OkHttpInstrumentation());
    }
}
