package io.holdtrace.instrumentation.httpclient5;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.holdtrace.bootstrap.Holds;
import io.holdtrace.instrumentation.InstrumentationModule;
import io.holdtrace.instrumentation.Weave;
import java.util.List;
import net.bytebuddy.asm.Advice;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.HttpResponse;

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
                Weave.named((b, type) -> b
                        .visit(Advice.to(Execute.class).on(named("doExecute").and(takesArguments(3)))),
                        "org.apache.hc.client5.http.impl.classic.InternalHttpClient",
                        "org.apache.hc.client5.http.impl.classic.MinimalHttpClient"));
    }

    static final class Execute {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static Object enter(@Advice.Argument(0) HttpHost target, @Advice.Argument(1) ClassicHttpRequest request) {
            if (!Holds.holding()) {
                return null;
            }
            if (target != null) {
                return Holds.rpcStart(Holds.CLIENT_HTTPCLIENT5, request.getMethod(), target.getSchemeName(),
                        target.getHostName(), target.getPort(), request.getPath());
            }
            return Holds.rpcStart(Holds.CLIENT_HTTPCLIENT5, request.getMethod(), request.getScheme(),
                    request.getAuthority() != null ? request.getAuthority().getHostName() : null,
                    request.getAuthority() != null ? request.getAuthority().getPort() : -1, request.getPath());
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.Enter Object call, @Advice.Return HttpResponse response, @Advice.Thrown Throwable thrown) {
            if (call != null) {
                Holds.rpcEnd(call, response != null ? response.getCode() : -1, thrown);
            }
        }
    }
}
