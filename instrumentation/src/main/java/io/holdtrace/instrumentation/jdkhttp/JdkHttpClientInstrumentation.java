package io.holdtrace.instrumentation.jdkhttp;

import static io.holdtrace.instrumentation.Hook.ENTERED;
import static io.holdtrace.instrumentation.Hook.RETURNED;
import static io.holdtrace.instrumentation.Hook.THROWN;
import static io.holdtrace.instrumentation.Hook.argument;
import static io.holdtrace.instrumentation.Hook.call;

import io.holdtrace.bootstrap.Holds;
import io.holdtrace.instrumentation.Hook;
import io.holdtrace.instrumentation.InstrumentationModule;
import io.holdtrace.instrumentation.Weave;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.function.Function;
import java.util.function.ToIntFunction;
import java.util.List;

/**
 * The JDK's {@code java.net.http.HttpClient}: an outbound call is {@code HttpClientImpl.send},
 * or its {@code sendAsync} from the moment it is called until its future completes (counted
 * against the caller's holds if they are still open then, or as one of them ends if the future is
 * complete by then: Spring's RestClient over the JDK client sends asynchronously and joins on the
 * holding thread, which may wake and go on before the completion runs). {@code send} calls
 * {@code sendAsync} itself: that inner call is inside the outer one and not counted again.
 * {@code HttpClientImpl} is in the java.net.http module, loaded by the platform class loader,
 * which finds the agent's bootstrap classes through the boot loader.
 */
public final class JdkHttpClientInstrumentation implements InstrumentationModule {

    private static final String IMPL = "jdk.internal.net.http.HttpClientImpl";

    @Override
    public String name() {
        return "jdk-httpclient";
    }

    @Override
    public String description() {
        return "java.net.http.HttpClient: outbound calls while holding, at HttpClientImpl.send/sendAsync";
    }

    @Override
    public List<Weave> weaves() {
        if (ModuleLayer.boot().findModule("java.net.http").isEmpty()) {
            return List.of(); // a runtime image without the module: nothing to weave
        }
        Holds.rpcAsyncStatus(new Status());
        Holds.rpcJdkRequests(new Method(), new Uri());
        Hook.Call start = call(Holds.class, "jdkSend", "(Ljava/lang/Object;)Ljava/lang/Object;", argument(0));
        return List.of(Weave.named(List.of(
                        Hook.on("send").arguments(2).enter(start).exitOrThrow(
                                call(Holds.class, "jdkSent", "(Ljava/lang/Object;Ljava/lang/Object;Ljava/lang/Throwable;)V",
                                        ENTERED, RETURNED, THROWN)),
                        Hook.on("sendAsync").arguments(4).enter(start).exitOrThrow(
                                call(Holds.class, "rpcAsync", "(Ljava/lang/Object;Ljava/lang/Object;Ljava/lang/Throwable;)V",
                                        ENTERED, RETURNED, THROWN))),
                IMPL));
    }

    /** A request's method (classes, not lambdas: no lambda is spun on the agent's start). */
    static final class Method implements Function<Object, String> {
        @Override
        public String apply(Object request) {
            return ((HttpRequest) request).method();
        }
    }

    /** A request's URI. */
    static final class Uri implements Function<Object, URI> {
        @Override
        public URI apply(Object request) {
            return ((HttpRequest) request).uri();
        }
    }

    /** The status of a response (a send's, or one that completed an asynchronous send). */
    static final class Status implements ToIntFunction<Object> {
        @Override
        public int applyAsInt(Object response) {
            return response instanceof HttpResponse ? ((HttpResponse<?>) response).statusCode() : -1;
        }
    }
}
