package io.holdtrace.instrumentation.okhttp;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.holdtrace.bootstrap.Holds;
import io.holdtrace.instrumentation.InstrumentationModule;
import io.holdtrace.instrumentation.Weave;
import java.util.List;
import net.bytebuddy.asm.Advice;
import okhttp3.Call;
import okhttp3.HttpUrl;
import okhttp3.Response;

/**
 * OkHttp 3, 4 and 5: a synchronous {@code Call.execute()}, its interceptors included (a call an
 * interceptor makes on the same thread is inside it and not counted again). {@code enqueue}
 * runs on OkHttp's dispatcher threads, which hold no connection.
 */
public final class OkHttpInstrumentation implements InstrumentationModule {

    @Override
    public String name() {
        return "okhttp";
    }

    @Override
    public String description() {
        return "OkHttp: outbound calls while holding, at Call.execute";
    }

    @Override
    public List<Weave> weaves() {
        return List.of(
                Weave.named((b, type) -> b
                        .visit(Advice.to(Execute.class).on(named("execute").and(takesArguments(0)))),
                        "okhttp3.internal.connection.RealCall", "okhttp3.RealCall"));
    }

    static final class Execute {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static Object enter(@Advice.This Call call) {
            if (!Holds.holding()) {
                return null;
            }
            HttpUrl url = call.request().url();
            return Holds.rpcStart(Holds.CLIENT_OKHTTP, call.request().method(), url.scheme(), url.host(), url.port(),
                    url.encodedPath());
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.Enter Object call, @Advice.Return Response response, @Advice.Thrown Throwable thrown) {
            if (call != null) {
                Holds.rpcEnd(call, response != null ? response.code() : -1, thrown);
            }
        }
    }
}
