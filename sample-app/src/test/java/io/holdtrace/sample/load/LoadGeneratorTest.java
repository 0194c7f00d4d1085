package io.holdtrace.sample.load;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.holdtrace.sample.load.LoadGenerator.PathStats;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Real runs against a JDK HttpServer on loopback. */
class LoadGeneratorTest {

    private HttpServer server;
    private ExecutorService serverThreads;
    private String url;
    private final AtomicInteger served = new AtomicInteger();

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.createContext("/ok", exchange -> {
            served.incrementAndGet();
            answer(exchange, 200, 0);
        });
        server.createContext("/slow", exchange -> answer(exchange, 200, 50));
        server.createContext("/broken", exchange -> answer(exchange, 500, 0));
        serverThreads = Executors.newFixedThreadPool(8);
        server.setExecutor(serverThreads);
        server.start();
        url = "--url=http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
        serverThreads.shutdownNow();
    }

    private static void answer(HttpExchange exchange, int status, long delayMillis) throws IOException {
        try (exchange) {
            if (delayMillis > 0) {
                try {
                    Thread.sleep(delayMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            byte[] body = "hello".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
        }
    }

    @Test
    void closedModelStopsAtTheRequestCountAndCountsErrorsPerPath() {
        LoadOptions options = LoadOptions.parse(url, "--path=/ok:3", "--path=/broken:1", "--path=/missing:1",
                "--clients=4", "--requests=200", "--duration=20s");

        List<PathStats> stats = new LoadGenerator(options).run(new PrintStream(new ByteArrayOutputStream()), false);

        assertThat(stats.stream().mapToLong(s -> s.count).sum()).isEqualTo(200);
        PathStats ok = stats.get(0);
        PathStats broken = stats.get(1);
        PathStats missing = stats.get(2);
        assertThat(ok.count).as("weight 3 of 5").isBetween(80L, 160L);
        assertThat(ok.errors).isZero();
        assertThat(ok.outcomes()).isEqualTo("200:" + ok.count);
        assertThat(broken.errors).isEqualTo(broken.count).isPositive();
        assertThat(broken.outcomes()).isEqualTo("500:" + broken.count);
        assertThat(missing.outcomes()).isEqualTo("404:" + missing.count);
    }

    @Test
    void openModelSendsAtTheFixedRateForTheDuration() {
        LoadOptions options = LoadOptions.parse(url, "--path=/slow", "--rate=100", "--duration=1s");

        List<PathStats> stats = new LoadGenerator(options).run(new PrintStream(new ByteArrayOutputStream()), false);

        PathStats slow = stats.get(0);
        assertThat(slow.count).isEqualTo(100);
        assertThat(slow.errors).isZero();
        assertThat(slow.latencies.percentile(50)).as("µs").isGreaterThanOrEqualTo(50_000);
    }

    @Test
    void openModelDropsArrivalsBeyondTheInFlightBound() {
        LoadOptions options = LoadOptions.parse(url, "--path=/slow", "--rate=200", "--duration=500ms",
                "--max-in-flight=2");

        PathStats slow = new LoadGenerator(options).run(new PrintStream(new ByteArrayOutputStream()), false).get(0);

        assertThat(slow.count).isEqualTo(100);
        assertThat(slow.outcomes()).contains("dropped:");
        assertThat(slow.errors).isEqualTo(slow.outcomes.get("dropped"));
    }

    @Test
    void closedModelCountsOnlyWhatIsSentAfterTheWarmUp() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        int status = LoadGenerator.run(new String[] {url, "--path=/ok", "--clients=2", "--warmup=500ms", "--requests=20"},
                new PrintStream(out, true, StandardCharsets.UTF_8), false);

        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(status).isZero();
        assertThat(printed).contains("after 500ms of warm-up", "load: warmed up for 500ms; counting from now");
        assertThat(printed).containsPattern("(?m)^all\\s+20\\s");
        assertThat(served.get()).as("the warm-up's requests were sent, and left out").isGreaterThan(20 + 2);
        assertThat(printed.indexOf("warmed up")).as("the line comes before the table").isLessThan(printed.indexOf("path "));
    }

    @Test
    void openModelCountsOnlyArrivalsScheduledAfterTheWarmUp() {
        LoadOptions options = LoadOptions.parse(url, "--path=/ok", "--rate=100", "--warmup=500ms", "--duration=1s");

        PathStats ok = new LoadGenerator(options).run(new PrintStream(new ByteArrayOutputStream()), false).get(0);

        assertThat(ok.count).isEqualTo(100);
        assertThat(served.get()).as("50 arrivals in the warm-up, 100 after").isEqualTo(150);
    }

    @Test
    void printsAFinalTablePerPath() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        int status = LoadGenerator.run(new String[] {url, "--path=/ok", "--path=/broken", "--requests=20", "--clients=2"},
                new PrintStream(out, true, StandardCharsets.UTF_8), false);

        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(status).isZero();
        assertThat(printed).contains("path", "count", "errors", "p50", "p99", "max", "outcomes");
        assertThat(printed).containsPattern("(?m)^/ok\\s+\\d+\\s+0\\s");
        assertThat(printed).containsPattern("(?m)^/broken\\s+\\d+\\s+\\d+\\s.*500:\\d+");
        assertThat(printed).containsPattern("(?m)^all\\s+20\\s");
    }

    @Test
    void badArgumentsExitWithUsage() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        int status = LoadGenerator.run(new String[] {"--path=/", "--url=http://10.0.0.1"},
                new PrintStream(out, true, StandardCharsets.UTF_8), false);

        assertThat(status).isEqualTo(2);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("not a loopback address", "usage:");
    }
}
