package io.holdtrace.instrumentation.httpclient5;

import static io.holdtrace.instrumentation.Hook.ENTERED;
import static io.holdtrace.instrumentation.Hook.RETURNED;
import static io.holdtrace.instrumentation.Hook.THROWN;
import static io.holdtrace.instrumentation.Hook.argument;
import static io.holdtrace.instrumentation.Hook.call;
import static io.holdtrace.instrumentation.Hook.constant;

import io.holdtrace.bootstrap.Holds;
import io.holdtrace.instrumentation.Hook;
import io.holdtrace.instrumentation.InstrumentationModule;
import io.holdtrace.instrumentation.Weave;
import java.util.List;

/**
 * Apache HttpClient 5, classic (blocking) API, and so Spring's RestTemplate and RestClient over
 * {@code HttpComponentsClientHttpRequestFactory}: every {@code execute}/{@code executeOpen}
 * overload ends in the client's {@code doExecute(target, request, context)}, which returns once
 * the response head has arrived. The target is the route's host, else the request's own.
 */
public final class HttpClient5Instrumentation implements InstrumentationModule {

    @Override
    public String name() {
        return "httpclient5";
    }

    @Override
    public String description() {
        return "Apache HttpClient 5 classic: outbound calls while holding, at doExecute";
    }

    @Override
    public List<Weave> weaves() {
        return List.of(
                Weave.named(List.of(Hook.on("doExecute").arguments(3)
                        .enter(call(Holds.class, "httpClient5Executing", "(Ljava/lang/Object;Ljava/lang/Object;)Ljava/lang/Object;",
                                argument(0), argument(1)))
                        .exitOrThrow(call(Holds.class, "rpcReturned",
                                "(Ljava/lang/Object;Ljava/lang/Object;Ljava/lang/String;Ljava/lang/Throwable;)V",
                                ENTERED, RETURNED, constant("getCode"), THROWN))),
                        "org.apache.hc.client5.http.impl.classic.InternalHttpClient",
                        "org.apache.hc.client5.http.impl.classic.MinimalHttpClient"));
    }
}
