package io.holdtrace.instrumentation.urlconnection;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.holdtrace.bootstrap.Holds;
import io.holdtrace.instrumentation.InstrumentationModule;
import io.holdtrace.instrumentation.Weave;
import java.io.InputStream;
import java.net.URL;
import java.util.List;
import net.bytebuddy.asm.Advice;

/**
 * The JDK's {@code HttpURLConnection} (http and https: the https one delegates to a subclass of
 * the same implementation), and so Spring's RestTemplate and RestClient over
 * {@code SimpleClientHttpRequestFactory}. One call runs from the first of {@code connect()},
 * {@code getOutputStream()}, {@code getInputStream()} until {@code getInputStream()} returns the
 * response or throws; a {@code connect()} or {@code getOutputStream()} that fails ends it. Calls
 * on a connection whose response was already read are not calls. The implementation class is in
 * java.base, loaded by the boot loader, and may be loaded before the agent starts: it is
 * named (a named weave applies to the boot loader's classes too) and retransformed.
 */
public final class UrlConnectionInstrumentation implements InstrumentationModule {

    private static final String IMPL = "sun.net.www.protocol.http.HttpURLConnection";

    @Override
    public String name() {
        return "urlconnection";
    }

    @Override
    public String description() {
        return "java.net.HttpURLConnection: outbound calls while holding, from connect to the response";
    }

    @Override
    public List<Weave> weaves() {
        return List.of(Weave.named((b, type) -> b
                        .visit(Advice.to(Connect.class).on(namedOneOf("connect", "getOutputStream").and(takesArguments(0))))
                        .visit(Advice.to(Response.class).on(named("getInputStream").and(takesArguments(0)))),
                IMPL));
    }

    /** connect(), getOutputStream(): the call begins (or goes on); it ends here only if they fail. */
    static final class Connect {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static Object enter(@Advice.This Object connection, @Advice.FieldValue("method") String method,
                            @Advice.FieldValue("url") URL url, @Advice.FieldValue("inputStream") InputStream in) {
            return in == null && Holds.holding() ? Holds.rpcResume(connection, Holds.CLIENT_URLCONNECTION, method, url) : null;
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.Enter Object call, @Advice.FieldValue("responseCode") int status, @Advice.Thrown Throwable thrown) {
            if (call != null) {
                Holds.rpcPause(call, status, thrown);
            }
        }
    }

    /** getInputStream(): the response (or the failure) ends the call; later calls return what was kept. */
    static final class Response {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static Object enter(@Advice.This Object connection, @Advice.FieldValue("method") String method,
                            @Advice.FieldValue("url") URL url, @Advice.FieldValue("inputStream") InputStream in,
                            @Advice.FieldValue("rememberedException") Exception remembered) {
            return in == null && remembered == null && Holds.holding()
                    ? Holds.rpcResume(connection, Holds.CLIENT_URLCONNECTION, method, url) : null;
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.Enter Object call, @Advice.FieldValue("responseCode") int status, @Advice.Thrown Throwable thrown) {
            if (call != null) {
                Holds.rpcEnd(call, status, thrown);
            }
        }
    }
}
