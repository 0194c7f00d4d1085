package io.holdtrace.instrumentation.okhttp;

import static io.holdtrace.instrumentation.Hook.ENTERED;
import static io.holdtrace.instrumentation.Hook.RETURNED;
import static io.holdtrace.instrumentation.Hook.THIS;
import static io.holdtrace.instrumentation.Hook.THROWN;
import static io.holdtrace.instrumentation.Hook.call;
import static io.holdtrace.instrumentation.Hook.constant;

import io.holdtrace.bootstrap.Holds;
import io.holdtrace.instrumentation.Hook;
import io.holdtrace.instrumentation.InstrumentationModule;
import io.holdtrace.instrumentation.Weave;
import java.util.List;

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
                Weave.named(List.of(Hook.on("execute").arguments(0)
                        .enter(call(Holds.class, "okHttpExecuting", "(Ljava/lang/Object;)Ljava/lang/Object;", THIS))
                        .exitOrThrow(call(Holds.class, "rpcReturned",
                                "(Ljava/lang/Object;Ljava/lang/Object;Ljava/lang/String;Ljava/lang/Throwable;)V",
                                ENTERED, RETURNED, constant("code"), THROWN))),
                        "okhttp3.internal.connection.RealCall", "okhttp3.RealCall"));
    }
}
