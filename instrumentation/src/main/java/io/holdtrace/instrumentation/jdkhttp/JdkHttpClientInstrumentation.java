package io.holdtrace.instrumentation.jdkhttp;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.holdtrace.bootstrap.Holds;
import io.holdtrace.instrumentation.InstrumentationModule;
import io.holdtrace.instrumentation.Weave;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.function.ToIntFunction;
import java.util.List;
import net.bytebuddy.asm.Advice;

/**
 * The JDK's {@code java.net.http.HttpClient}: an outbound call is {@code HttpClientImpl.send},
 * or its {@code sendAsync} from the moment it is called until its future completes (counted
 * against the caller's holds if they are still open then: Spring's RestClient over the JDK
 * client sends asynchronously and joins on the holding thread). {@code send} calls
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
        return List.of(Weave.named((b, type) -> b
                        .visit(Advice.to(Send.class).on(named("send").and(takesArguments(2))))
                        .visit(Advice.to(SendAsync.class).on(named("sendAsync").and(takesArguments(4)))),
                IMPL));
    }

    /** The status of a response that completed an asynchronous send. */
    static final class Status implements ToIntFunction<Object> {
        @Override
        public int applyAsInt(Object response) {
            return response instanceof HttpResponse ? ((HttpResponse<?>) response).statusCode() : -1;
        }
    }

    static final class Send {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static Object enter(@Advice.Argument(0) HttpRequest request) {
            return Holds.holding() ? Holds.rpcStart(Holds.CLIENT_JDK, request.method(), request.uri()) : null;
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.Enter Object call, @Advice.Return HttpResponse<?> response, @Advice.Thrown Throwable thrown) {
            if (call != null) {
                Holds.rpcEnd(call, response != null ? response.statusCode() : -1, thrown);
            }
        }
    }

    static final class SendAsync {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static Object enter(@Advice.Argument(0) HttpRequest request) {
            return Holds.holding() ? Holds.rpcStart(Holds.CLIENT_JDK, request.method(), request.uri()) : null;
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.Enter Object call, @Advice.Return Object future, @Advice.Thrown Throwable thrown) {
            if (call != null) {
                Holds.rpcAsync(call, future, thrown);
            }
        }
    }
}
