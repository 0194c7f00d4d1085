package io.holdtrace.sample.load;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.holdtrace.sample.load.Alternation.Window;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Real alternating runs against two JDK HttpServers on loopback. */
class AlternationTest {

    private final List<HttpServer> servers = new ArrayList<>();
    private final List<ExecutorService> threads = new ArrayList<>();

    /** A server answering /ok after delayMillis, noting each request's arrival (System.nanoTime()). */
    private String server(long delayMillis, ConcurrentLinkedQueue<Long> arrivals) throws IOException {
        return start(exchange -> {
            arrivals.add(System.nanoTime());
            try (exchange) {
                if (delayMillis > 0) {
                    try {
                        Thread.sleep(delayMillis);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                byte[] body = "hello".getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            }
        });
    }

    /** A JDK HttpServer on loopback answering /ok with {@code handler}, on four threads; its base URL. */
    private String start(HttpHandler handler) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.createContext("/ok", handler);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        server.setExecutor(pool);
        server.start();
        servers.add(server);
        threads.add(pool);
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        servers.forEach(s -> s.stop(0));
        threads.forEach(ExecutorService::shutdownNow);
    }

    @Test
    void loadsOneServerAtATimeInPermutedBlocksAndCountsOnlyTheWindowsAfterSettling() throws IOException {
        ConcurrentLinkedQueue<Long> atFast = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Long> atSlow = new ConcurrentLinkedQueue<>();
        long pid = ProcessHandle.current().pid();
        LoadOptions options = LoadOptions.parse("--server=fast=" + server(0, atFast) + "@" + pid,
                "--server=slow=" + server(5, atSlow), "--path=/ok", "--clients=2",
                "--window=400ms", "--settle=100ms", "--warmup=800ms", "--duration=1600ms");
        ByteArrayOutputStream text = new ByteArrayOutputStream();

        List<Window> windows = new Alternation(options).run(new PrintStream(text, true, StandardCharsets.UTF_8));

        assertThat(windows).hasSize(4);
        assertThat(windows).extracting(w -> w.block).containsExactly(0, 0, 1, 1);
        assertThat(windows).extracting(w -> w.server).as("block 0 in order 0,1, block 1 in order 1,0")
                .containsExactly(0, 1, 1, 0);
        for (Window w : windows) {
            ConcurrentLinkedQueue<Long> own = w.server == 0 ? atFast : atSlow;
            ConcurrentLinkedQueue<Long> other = w.server == 0 ? atSlow : atFast;
            assertThat(w.requests).isPositive();
            assertThat(w.errors).isZero();
            assertThat(other.stream().filter(t -> t >= w.countFrom && t < w.end))
                    .as("the other server is not loaded in this window's counted part").isEmpty();
            long arrived = own.stream().filter(t -> t >= w.countFrom && t < w.end).count();
            assertThat(w.requests).as("what was sent in the counted part, give or take the clients' last requests")
                    .isBetween(arrived - 2, arrived + 2);
            assertThat(w.end - w.countFrom).isEqualTo(300_000_000L);
        }
        assertThat(windows.get(1).latencies.percentile(50)).as("slow answers after 5 ms").isGreaterThanOrEqualTo(5_000);
        assertThat(windows.get(0).latencies.percentile(50)).isLessThan(windows.get(1).latencies.percentile(50));
        assertThat(windows.get(0).cpuMillis).as("read from /proc for the server given a PID").isNotNegative();
        assertThat(windows.get(1).cpuMillis).as("no PID").isEqualTo(-1);
        String out = text.toString(StandardCharsets.UTF_8);
        assertThat(out).contains("load: warmed up for 1 blocks; counting from now")
                .contains("window block=0 server=fast requests=" + windows.get(0).requests + " errors=0 seconds=0.300")
                .contains("window block=1 server=slow requests=" + windows.get(2).requests)
                .contains("slow against fast, median of 2 blocks' ratios: throughput ");
        assertThat(out.indexOf("warmed up")).isLessThan(out.indexOf("window block=0"));
    }

    @Test
    void anOpenModelSendsAtItsRateToTheWindowsServerAndTimesFromTheScheduledTime() throws IOException {
        ConcurrentLinkedQueue<Long> atFast = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Long> atSlow = new ConcurrentLinkedQueue<>();
        LoadOptions options = LoadOptions.parse("--server=fast=" + server(0, atFast), "--server=slow=" + server(5, atSlow),
                "--path=/ok", "--rate=200", "--window=400ms", "--settle=100ms", "--warmup=800ms", "--duration=1600ms");
        ByteArrayOutputStream text = new ByteArrayOutputStream();

        List<Window> windows = new Alternation(options).run(new PrintStream(text, true, StandardCharsets.UTF_8));

        assertThat(windows).extracting(w -> w.server).containsExactly(0, 1, 1, 0);
        for (Window w : windows) {
            ConcurrentLinkedQueue<Long> other = w.server == 0 ? atSlow : atFast;
            assertThat(w.errors).isZero();
            assertThat(w.requests).as("200/s over a counted 300 ms, whatever the server's speed").isBetween(55L, 65L);
            assertThat(other.stream().filter(t -> t >= w.countFrom && t < w.end))
                    .as("the other server is not loaded in this window's counted part").isEmpty();
        }
        assertThat(windows.get(1).latencies.percentile(50)).as("slow answers after 5 ms").isGreaterThanOrEqualTo(5_000);
        assertThat(windows.get(0).latencies.percentile(50)).isLessThan(windows.get(1).latencies.percentile(50));
        assertThat(text.toString(StandardCharsets.UTF_8)).contains("load: 200.0 requests/s (open model)")
                .contains("slow against fast, median of 2 blocks' ratios");
    }

    @Test
    void anOpenModelTimesFromTheScheduledTimeSoWaitingForASenderCounts() throws IOException {
        // a answers at once, except that 150 ms after its first request it stalls for 200 ms:
        // both senders wait on it, and what is scheduled meanwhile waits for them; b never stalls
        LoadOptions options = LoadOptions.parse("--server=a=" + bodiless(true), "--server=b=" + bodiless(false),
                "--path=/ok", "--rate=200", "--max-in-flight=2", "--window=600ms", "--settle=100ms", "--duration=1200ms");

        List<Window> windows = new Alternation(options).run(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));

        assertThat(windows).extracting(w -> w.server).containsExactly(0, 1);
        assertThat(windows.get(0).requests).as("all sent in the end, within the window").isBetween(90L, 105L);
        assertThat(windows.get(0).latencies.percentile(75))
                .as("two fifths of a's window waited up to 200 ms for a sender, and count it: timed from when they were due")
                .isGreaterThanOrEqualTo(20_000);
        assertThat(windows.get(0).latencies.percentile(99)).isGreaterThanOrEqualTo(150_000);
        assertThat(windows.get(1).requests).isBetween(90L, 105L);
        assertThat(windows.get(1).latencies.percentile(99)).as("b never stalls").isLessThan(100_000);
    }

    /**
     * A server answering /ok with no body (one write: the JDK's server leaves Nagle's algorithm
     * on, so headers and a body written apart can wait for the client's delayed ACK); if
     * {@code stalls}, the requests that arrive from 150 ms to 350 ms after its first one are all
     * answered at 350 ms.
     */
    private String bodiless(boolean stalls) throws IOException {
        AtomicLong first = new AtomicLong();
        return start(exchange -> {
            long now = System.nanoTime();
            first.compareAndSet(0, now);
            long from = first.get() + 150_000_000L;
            try (exchange) {
                if (stalls && now >= from && now < from + 200_000_000L) {
                    LockSupport.parkNanos(from + 200_000_000L - now);
                }
                exchange.sendResponseHeaders(200, -1);
            }
        });
    }

    @Test
    void blocksCoverTheWarmUpAndFitTheDuration() {
        Alternation a = new Alternation(LoadOptions.parse("--server=a=http://127.0.0.1:1", "--server=b=http://127.0.0.1:2",
                "--path=/", "--window=10s", "--warmup=25s", "--duration=65s"));
        assertThat(a.warmUpBlocks()).isEqualTo(2);
        assertThat(a.countedBlocks()).isEqualTo(3);

        Alternation none = new Alternation(LoadOptions.parse("--server=a=http://127.0.0.1:1", "--server=b=http://127.0.0.1:2",
                "--path=/", "--window=10s", "--duration=5s"));
        assertThat(none.warmUpBlocks()).isZero();
        assertThat(none.countedBlocks()).as("at least one").isEqualTo(1);
    }

    @Test
    void ordersAreEveryPermutationInTurn() {
        assertThat(Alternation.permutations(3)).containsExactly(new int[] {0, 1, 2}, new int[] {0, 2, 1}, new int[] {1, 0, 2},
                new int[] {1, 2, 0}, new int[] {2, 0, 1}, new int[] {2, 1, 0});
        assertThat(Alternation.permutations(4)).hasSize(24);
        Alternation a = new Alternation(LoadOptions.parse("--server=a=http://127.0.0.1:1", "--server=b=http://127.0.0.1:2",
                "--server=c=http://127.0.0.1:3", "--path=/"));
        assertThat(a.order(7)).containsExactly(0, 2, 1);
    }

    @Test
    void theMedianComesWithItsOrderStatisticsInterval() {
        assertThat(Alternation.median(List.of(1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0)))
                .isEqualTo("5.000 (2.000..8.000)"); // ranks 9/2 -+ 0.98 * 3: the 2nd and 8th
        assertThat(Alternation.median(List.of(1.0, 3.0))).isEqualTo("2.000 (1.000..3.000)");
        assertThat(Alternation.median(List.of())).isEqualTo("-");
    }

    @Test
    void readsAProcessCpuTimeAndNothingForAMissingProcess() {
        assertThat(Alternation.cpuTicks(ProcessHandle.current().pid())).isNotNegative();
        assertThat(Alternation.cpuTicks(-1)).isEqualTo(-1);
        assertThat(Alternation.cpuTicks(Integer.MAX_VALUE)).isEqualTo(-1);
    }
}
