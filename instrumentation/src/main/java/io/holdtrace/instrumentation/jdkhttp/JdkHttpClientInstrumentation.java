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
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.URI;
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
 * which finds the agent's bootstrap classes through the boot loader; the agent's classes, loaded
 * there too, reach the module's types by method handles ({@link Accessors}).
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

    /**
     * The request's and response's accessors, by method handles on the module's public types: the
     * agent's classes are loaded by the bootstrap loader, which cannot see {@code java.net.http}
     * (a module of the platform loader), so no class of holdtrace's names its types. Made at the
     * first call counted (the holder's initialization), not on the agent's start, where loading
     * the types and adapting the handles cost about 4 ms of the application's main thread.
     */
    static final class Accessors {
        static final Accessors INSTANCE = new Accessors();

        final MethodHandle method;
        final MethodHandle uri;
        final MethodHandle statusCode;
        final Class<?> response;

        private Accessors() {
            try {
                ClassLoader platform = ClassLoader.getPlatformClassLoader();
                Class<?> request = Class.forName("java.net.http.HttpRequest", false, platform);
                response = Class.forName("java.net.http.HttpResponse", false, platform);
                MethodHandles.Lookup lookup = MethodHandles.publicLookup();
                method = lookup.findVirtual(request, "method", MethodType.methodType(String.class))
                        .asType(MethodType.methodType(String.class, Object.class));
                uri = lookup.findVirtual(request, "uri", MethodType.methodType(URI.class))
                        .asType(MethodType.methodType(URI.class, Object.class));
                statusCode = lookup.findVirtual(response, "statusCode", MethodType.methodType(int.class))
                        .asType(MethodType.methodType(int.class, Object.class));
            } catch (ReflectiveOperationException e) { // the module's own public API: in every JDK that has it
                throw new IllegalStateException("java.net.http's request and response types: " + e, e);
            }
        }

        /** What a handle threw, unchecked (the getters declare nothing; the hooks' callers catch all). */
        static RuntimeException unchecked(Throwable t) {
            if (t instanceof Error) {
                throw (Error) t;
            }
            return t instanceof RuntimeException ? (RuntimeException) t : new IllegalStateException(t);
        }
    }

    /** A request's method (classes, not lambdas: none is spun on the agent's start). */
    static final class Method implements Function<Object, String> {
        @Override
        public String apply(Object request) {
            try {
                return (String) Accessors.INSTANCE.method.invokeExact(request);
            } catch (Throwable t) {
                throw Accessors.unchecked(t);
            }
        }
    }

    /** A request's URI. */
    static final class Uri implements Function<Object, URI> {
        @Override
        public URI apply(Object request) {
            try {
                return (URI) Accessors.INSTANCE.uri.invokeExact(request);
            } catch (Throwable t) {
                throw Accessors.unchecked(t);
            }
        }
    }

    /** The status of a response (a send's, or one that completed an asynchronous send); -1 for anything else. */
    static final class Status implements ToIntFunction<Object> {
        @Override
        public int applyAsInt(Object result) {
            Accessors a = Accessors.INSTANCE;
            if (!a.response.isInstance(result)) {
                return -1;
            }
            try {
                return (int) a.statusCode.invokeExact(result);
            } catch (Throwable t) {
                throw Accessors.unchecked(t);
            }
        }
    }
}
