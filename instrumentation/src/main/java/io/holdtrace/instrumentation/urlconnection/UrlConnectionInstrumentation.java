package io.holdtrace.instrumentation.urlconnection;

import static io.holdtrace.instrumentation.Hook.ENTERED;
import static io.holdtrace.instrumentation.Hook.THIS;
import static io.holdtrace.instrumentation.Hook.THROWN;
import static io.holdtrace.instrumentation.Hook.call;
import static io.holdtrace.instrumentation.Hook.field;

import io.holdtrace.bootstrap.Holds;
import io.holdtrace.instrumentation.Hook;
import io.holdtrace.instrumentation.InstrumentationModule;
import io.holdtrace.instrumentation.Weave;
import java.util.List;

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
        // java.net.HttpURLConnection's and URLConnection's protected fields are API; the others the implementation's own
        Hook.Value method = field("java.net.HttpURLConnection", "method", "Ljava/lang/String;");
        Hook.Value url = field("java.net.URLConnection", "url", "Ljava/net/URL;");
        Hook.Value status = field("java.net.HttpURLConnection", "responseCode", "I");
        String connecting = "(Ljava/lang/Object;Ljava/lang/String;Ljava/net/URL;Ljava/lang/Object;)Ljava/lang/Object;";
        String responding = "(Ljava/lang/Object;Ljava/lang/String;Ljava/net/URL;Ljava/lang/Object;Ljava/lang/Object;)Ljava/lang/Object;";
        String end = "(Ljava/lang/Object;ILjava/lang/Throwable;)V";
        return List.of(Weave.named(List.of(
                        // connect(), getOutputStream(): the call begins (or goes on); it ends here only if they fail
                        Hook.on("connect", "getOutputStream").arguments(0)
                                .enter(call(Holds.class, "urlConnecting", connecting, THIS, method, url, field("inputStream")))
                                .exitOrThrow(call(Holds.class, "rpcPause", end, ENTERED, status, THROWN)),
                        // getInputStream(): the response (or the failure) ends the call; later calls return what was kept
                        Hook.on("getInputStream").arguments(0)
                                .enter(call(Holds.class, "urlResponding", responding, THIS, method, url, field("inputStream"),
                                        field("rememberedException")))
                                .exitOrThrow(call(Holds.class, "rpcEnd", end, ENTERED, status, THROWN))),
                IMPL));
    }
}
