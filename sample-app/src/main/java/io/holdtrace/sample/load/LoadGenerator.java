package io.holdtrace.sample.load;

import io.holdtrace.sample.load.LoadOptions.Target;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A load generator with no dependency beyond the JDK, so the sample can be driven without an
 * outside tool: {@code java -jar holdtrace-sample-app.jar load --path=/b/checkout --clients=20}.
 *
 * <p>The closed model ({@code --clients}) is a fixed number of users, each waiting for its answer
 * before it asks again: a slow server slows the load down. The open model ({@code --rate}) sends
 * at a fixed arrival rate whatever the server does, which is how real traffic behaves and what
 * exhausts a pool; there, latency is measured from each request's scheduled time, so a stalled
 * sender cannot hide queueing.
 *
 * <p>With {@code --warmup}, the load runs that long first and only what is sent after it is
 * counted: the server's warm-up and this JVM's own (its JIT, its HTTP client's first connections)
 * stay out of the results. A line {@code load: warmed up ...} is printed as counting starts.
 */
public final class LoadGenerator {

    private static final Duration PLAIN_PROGRESS_EVERY = Duration.ofSeconds(5);

    private final LoadOptions options;
    private final HttpClient http;
    private final List<PathStats> stats = new ArrayList<>();
    private final int[] cumulativeWeights;
    private final AtomicInteger inFlight = new AtomicInteger();
    /** Latencies of the current progress interval, over all paths. */
    private LatencyHistogram window = new LatencyHistogram();
    private long windowErrors;
    /** {@link System#nanoTime()} from which requests are counted: the end of the warm-up. */
    private volatile long measureFrom;

    LoadGenerator(LoadOptions options) {
        this.options = options;
        this.http = httpClient(options);
        this.cumulativeWeights = cumulativeWeights(options.targets());
        for (Target target : options.targets()) {
            stats.add(new PathStats(target));
        }
    }

    /** The HTTP/1.1 client both load modes send with. */
    static HttpClient httpClient(LoadOptions options) {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(options.timeout())
                .build();
    }

    /** The targets' weights summed in order, for {@link #pick(int[])}. */
    static int[] cumulativeWeights(List<Target> targets) {
        int[] out = new int[targets.size()];
        int sum = 0;
        for (int i = 0; i < out.length; i++) {
            sum += targets.get(i).weight();
            out[i] = sum;
        }
        return out;
    }

    /** A target's index, drawn by its weight. */
    static int pick(int[] cumulativeWeights) {
        int roll = ThreadLocalRandom.current().nextInt(cumulativeWeights[cumulativeWeights.length - 1]);
        for (int i = 0; i < cumulativeWeights.length; i++) {
            if (roll < cumulativeWeights[i]) {
                return i;
            }
        }
        throw new IllegalStateException("weights");
    }

    public static void main(String[] args) {
        int status = run(args, System.out, System.console() != null);
        if (status != 0) {
            System.exit(status);
        }
    }

    static int run(String[] args, PrintStream out, boolean console) {
        if (Arrays.asList(args).contains("--help") || args.length == 0) {
            out.print(LoadOptions.USAGE);
            return args.length == 0 ? 2 : 0;
        }
        LoadOptions options;
        try {
            options = LoadOptions.parse(args);
        } catch (IllegalArgumentException e) {
            out.println("load: " + e.getMessage());
            out.print(LoadOptions.USAGE);
            return 2;
        }
        if (options.alternating()) {
            new Alternation(options).run(out);
            return 0;
        }
        List<PathStats> result = new LoadGenerator(options).run(out, console);
        out.print(table(result));
        return 0;
    }

    List<PathStats> run(PrintStream out, boolean console) {
        out.printf(Locale.ROOT, "load: %s, %s, for at most %s%s%s, against %s%n",
                options.openModel() ? options.rate() + " requests/s (open model)"
                        : options.clients() + " clients (closed model)",
                options.targets().stream().map(t -> t.path() + " x" + t.weight()).toList(),
                human(options.duration()),
                options.warmup().isZero() ? "" : " after " + human(options.warmup()) + " of warm-up",
                options.maxRequests() == Long.MAX_VALUE ? "" : " or " + options.maxRequests() + " requests",
                options.baseUri());
        ScheduledExecutorService progress = Executors.newSingleThreadScheduledExecutor(daemon("load-progress"));
        long start = System.nanoTime();
        measureFrom = start + options.warmup().toNanos();
        progress.scheduleAtFixedRate(new Progress(start, out, console), 1, 1, TimeUnit.SECONDS);
        if (!options.warmup().isZero()) {
            progress.schedule(() -> {
                out.printf(Locale.ROOT, "%sload: warmed up for %s; counting from now, for at most %s%n", console ? "\n" : "",
                        human(options.warmup()), human(options.duration()));
                out.flush();
            }, measureFrom - System.nanoTime(), TimeUnit.NANOSECONDS);
        }
        try {
            if (options.openModel()) {
                runOpen(start);
            } else {
                runClosed();
            }
        } finally {
            progress.shutdownNow();
            awaitQuietly(progress, TimeUnit.SECONDS.toNanos(1));
            if (console) {
                out.println();
            }
        }
        return stats;
    }

    private void runClosed() {
        long from = measureFrom;
        long deadline = from + options.duration().toNanos();
        AtomicLong issued = new AtomicLong();
        ExecutorService clients = Executors.newFixedThreadPool(options.clients(), daemon("load-client"));
        for (int i = 0; i < options.clients(); i++) {
            clients.execute(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    PathStats target = pick();
                    long sent = System.nanoTime();
                    if (sent >= deadline || sent >= from && issued.incrementAndGet() > options.maxRequests()) {
                        break;
                    }
                    inFlight.incrementAndGet();
                    try {
                        HttpResponse<Void> response = http.send(request(target), HttpResponse.BodyHandlers.discarding());
                        record(target, sent, response.statusCode(), null);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } catch (IOException e) {
                        record(target, sent, 0, e);
                    } finally {
                        inFlight.decrementAndGet();
                    }
                }
            });
        }
        clients.shutdown();
        awaitQuietly(clients, options.warmup().plus(options.duration()).plus(options.timeout()).plusSeconds(5).toNanos());
        clients.shutdownNow();
    }

    private void runOpen(long start) {
        long interval = (long) (1e9 / options.rate());
        long from = measureFrom;
        long deadline = from + options.duration().toNanos();
        long counted = 0;
        for (long i = 0; ; i++) {
            long scheduled = start + i * interval;
            if (scheduled >= deadline || scheduled >= from && ++counted > options.maxRequests()) {
                break;
            }
            for (long now = System.nanoTime(); now < scheduled; now = System.nanoTime()) {
                LockSupport.parkNanos(scheduled - now);
            }
            PathStats target = pick();
            if (inFlight.get() >= options.maxInFlight()) {
                if (scheduled >= from) {
                    target.drop();
                }
                synchronized (this) {
                    windowErrors++;
                }
                continue;
            }
            inFlight.incrementAndGet();
            http.sendAsync(request(target), HttpResponse.BodyHandlers.discarding())
                    .whenComplete((response, failure) -> {
                        record(target, scheduled, response == null ? 0 : response.statusCode(), failure);
                        inFlight.decrementAndGet();
                    });
        }
        long waitUntil = System.nanoTime() + options.timeout().plusSeconds(5).toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < waitUntil) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    private PathStats pick() {
        return stats.get(pick(cumulativeWeights));
    }

    private HttpRequest request(PathStats target) {
        return HttpRequest.newBuilder(options.uri(target.target)).timeout(options.timeout()).GET().build();
    }

    private void record(PathStats target, long startNanos, int status, Throwable failure) {
        long micros = (System.nanoTime() - startNanos) / 1_000;
        String outcome = failure == null ? Integer.toString(status) : failureName(failure);
        boolean error = failure != null || status >= 400;
        if (startNanos >= measureFrom) {
            target.record(outcome, error, micros);
        }
        synchronized (this) {
            window.record(micros);
            if (error) {
                windowErrors++;
            }
        }
    }

    private static String failureName(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (cause instanceof HttpTimeoutException) {
            return "timeout";
        }
        if (cause instanceof ConnectException) {
            return "refused";
        }
        return "io-error";
    }

    /** Prints a live line every second on a terminal, a plain line every few seconds otherwise. */
    private final class Progress implements Runnable {
        private final long start;
        private final PrintStream out;
        private final boolean console;
        private long lastPlain;

        Progress(long start, PrintStream out, boolean console) {
            this.start = start;
            this.out = out;
            this.console = console;
            this.lastPlain = start;
        }

        @Override
        public void run() {
            LatencyHistogram interval;
            long errors;
            synchronized (LoadGenerator.this) {
                interval = window;
                errors = windowErrors;
                window = new LatencyHistogram();
                windowErrors = 0;
            }
            long now = System.nanoTime();
            String line = String.format(Locale.ROOT, "%6.1fs %8.1f req/s  errors %-5d p50 %-9s p99 %-9s in flight %d",
                    (now - start) / 1e9, (double) interval.count(), errors,
                    millis(interval.percentile(50)), millis(interval.percentile(99)), inFlight.get());
            if (console) {
                out.print("\r" + line + "   ");
                out.flush();
            } else if (now - lastPlain >= PLAIN_PROGRESS_EVERY.toNanos() - TimeUnit.MILLISECONDS.toNanos(100)) {
                lastPlain = now;
                out.println(line);
            }
        }
    }

    static String table(List<PathStats> stats) {
        StringBuilder table = new StringBuilder();
        int width = Math.max(20, stats.stream().mapToInt(s -> s.target.path().length()).max().orElse(0));
        String format = "%-" + width + "s %8s %8s %10s %10s %10s  %s%n";
        table.append(String.format(Locale.ROOT, format, "path", "count", "errors", "p50", "p99", "max", "outcomes"));
        LatencyHistogram all = new LatencyHistogram();
        long count = 0;
        long errors = 0;
        for (PathStats s : stats) {
            synchronized (s) {
                table.append(String.format(Locale.ROOT, format, s.target.path(), s.count, s.errors,
                        millis(s.latencies.percentile(50)), millis(s.latencies.percentile(99)),
                        millis(s.latencies.max()), s.outcomes()));
                all.add(s.latencies);
                count += s.count;
                errors += s.errors;
            }
        }
        table.append(String.format(Locale.ROOT, format, "all", count, errors,
                millis(all.percentile(50)), millis(all.percentile(99)), millis(all.max()), ""));
        return table.toString();
    }

    static String millis(long micros) {
        if (micros < 1_000_000) { // 10 µs steps: finer than the histogram's buckets up to a second
            return String.format(Locale.ROOT, "%.2f ms", micros / 1000.0);
        }
        return String.format(Locale.ROOT, "%d ms", Math.round(micros / 1000.0));
    }

    static String human(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }

    static void awaitQuietly(ExecutorService pool, long nanos) {
        try {
            pool.awaitTermination(nanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return task -> {
            Thread t = new Thread(task, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Counts for one target path; a request that was dropped (open model) has no latency. */
    static final class PathStats {
        final Target target;
        final LatencyHistogram latencies = new LatencyHistogram();
        final Map<String, Long> outcomes = new TreeMap<>();
        long count;
        long errors;

        PathStats(Target target) {
            this.target = target;
        }

        synchronized void record(String outcome, boolean error, long micros) {
            latencies.record(micros);
            outcomes.merge(outcome, 1L, Long::sum);
            count++;
            if (error) {
                errors++;
            }
        }

        synchronized void drop() {
            outcomes.merge("dropped", 1L, Long::sum);
            count++;
            errors++;
        }

        synchronized String outcomes() {
            StringBuilder s = new StringBuilder();
            outcomes.forEach((outcome, n) -> s.append(s.length() == 0 ? "" : " ").append(outcome).append(':').append(n));
            return s.toString();
        }
    }
}
