package io.holdtrace.sample.load;

import io.holdtrace.sample.load.LoadOptions.Server;
import io.holdtrace.sample.load.LoadOptions.Target;
import java.io.IOException;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * Load that alternates between servers running side by side on one host
 * ({@code --server=NAME=URL[@PID]}, two to four): one server at a time is loaded, for a window of a
 * few seconds each, and a block of windows gives every server one turn, each block in the next
 * permutation of their order, so each server comes after each other equally often. The load is
 * closed-model clients ({@code --clients}: each sends again once answered, so the servers run
 * flat out and the windows compare throughput), or an open model ({@code --rate}: requests at a
 * fixed rate, each to the server of the window it is scheduled in and timed from its scheduled
 * time, by {@code --max-in-flight} senders, so an arrival that finds them all busy waits, and its
 * wait is in its latency: the windows compare latency and CPU at the same load, below saturation).
 * The senders send as the clients do, each waiting for its answer: the HTTP client's asynchronous
 * sends cost its JVM about five times the CPU a request (measured: a core for 2,000 requests a
 * second), which on a small host is taken from the servers being measured.
 *
 * <p>What it is for: comparing a server with and without an agent on a shared VM. Runs one after
 * the other compare different minutes of the host, whose speed drifts by far more than the few
 * percent to be measured; here each block's servers are measured seconds apart, every one of them
 * warm, and the comparison is made block by block. The first {@code settle} of each window (the
 * previous server's last answers, the new one's threads waking) is not counted.
 *
 * <p>Per counted window it prints a line {@code window block=B server=NAME requests=N errors=E
 * seconds=S p50_us=X p99_us=Y cpu_ms=C} (C from {@code /proc/PID/stat}, the server's user and
 * system time over the counted part of its window, -1 without a PID), and at the end a table per
 * server with, for each server after the first, the median over blocks of its ratio to the first
 * server of the same block.
 */
final class Alternation {

    /** Linux's USER_HZ, the unit of {@code /proc/PID/stat}'s times on every common architecture. */
    private static final long USER_HZ = 100;

    /** One server's turn in one block. */
    static final class Window {
        final int block;
        final int server;
        final boolean counted;
        final long countFrom;
        final long end;
        final LatencyHistogram latencies = new LatencyHistogram();
        long requests;
        long errors;
        /** The server's CPU over the counted part, in ms; -1 if not read. */
        long cpuMillis = -1;

        Window(int block, int server, boolean counted, long countFrom, long end) {
            this.block = block;
            this.server = server;
            this.counted = counted;
            this.countFrom = countFrom;
            this.end = end;
        }

        /** Counts a request sent in the counted part of this window. */
        synchronized void record(long sentNanos, long micros, boolean error) {
            if (counted && sentNanos >= countFrom && sentNanos < end) {
                latencies.record(micros);
                requests++;
                if (error) {
                    errors++;
                }
            }
        }

        double seconds() {
            return (end - countFrom) / 1e9;
        }
    }

    private final LoadOptions options;
    private final List<Server> servers;
    private final HttpClient http;
    private final int[] cumulativeWeights;
    private final List<int[]> orders;
    /** The window being loaded; null once the run is over. */
    private volatile Window current;

    Alternation(LoadOptions options) {
        this.options = options;
        this.servers = options.servers();
        this.http = LoadGenerator.httpClient(options);
        this.cumulativeWeights = LoadGenerator.cumulativeWeights(options.targets());
        orders = permutations(servers.size());
    }

    /** Blocks of the warm-up: enough to cover it, none without one. */
    int warmUpBlocks() {
        long perBlock = options.window().toNanos() * servers.size();
        return (int) ((options.warmup().toNanos() + perBlock - 1) / perBlock);
    }

    /** Blocks counted: as many whole blocks as the duration holds, at least one. */
    int countedBlocks() {
        long perBlock = options.window().toNanos() * servers.size();
        return (int) Math.max(1, options.duration().toNanos() / perBlock);
    }

    /** The order of the servers in a block: the permutations in turn. */
    int[] order(int block) {
        return orders.get(block % orders.size());
    }

    /** Runs every block; returns the counted windows, in the order run. */
    List<Window> run(PrintStream out) {
        int warm = warmUpBlocks();
        int counted = countedBlocks();
        long window = options.window().toNanos();
        long settle = options.settle().toNanos();
        out.printf(Locale.ROOT, "load: %s, %s, alternating between %s in windows of %s (the first %s"
                        + " not counted): %d blocks of warm-up, then %d counted%n",
                options.openModel() ? options.rate() + " requests/s (open model)" : options.clients() + " clients (closed model)",
                options.targets().stream().map(t -> t.path() + " x" + t.weight()).toList(),
                servers.stream().map(s -> s.name() + "=" + s.uri() + (s.pid() > 0 ? "@" + s.pid() : "")).toList(),
                LoadGenerator.human(options.window()), LoadGenerator.human(options.settle()), warm, counted);
        out.flush();
        List<Window> done = new ArrayList<>();
        long t = System.nanoTime();
        current = new Window(-1, order(0)[0], false, t, t + window); // not counted; the loop's first window follows at once
        ExecutorService clients;
        if (options.openModel()) {
            long first = t;
            long interval = Math.max(1, (long) (1e9 / options.rate()));
            AtomicLong ticket = new AtomicLong(); // the next request, in intervals from the first
            LongSupplier due = () -> {
                long scheduled = first + ticket.getAndIncrement() * interval;
                sleepUntil(scheduled);
                return scheduled;
            };
            clients = Executors.newFixedThreadPool(options.maxInFlight(), LoadGenerator.daemon("load-sender"));
            for (int i = 0; i < options.maxInFlight(); i++) {
                clients.execute(() -> load(due));
            }
        } else {
            clients = Executors.newFixedThreadPool(options.clients(), LoadGenerator.daemon("load-client"));
            for (int i = 0; i < options.clients(); i++) {
                clients.execute(() -> load(System::nanoTime));
            }
        }
        Window unprinted = null;
        try {
            for (int b = 0; b < warm + counted; b++) {
                boolean counting = b >= warm;
                int block = counting ? b - warm : b;
                if (counting && block == 0 && warm > 0) {
                    out.printf(Locale.ROOT, "load: warmed up for %d blocks; counting from now%n", warm);
                    out.flush();
                }
                for (int s : order(block)) {
                    Window w = new Window(block, s, counting, t + settle, t + window);
                    current = w;
                    sleepUntil(w.countFrom);
                    long cpu0 = cpuTicks(servers.get(s).pid());
                    if (unprinted != null) { // its last answers have come in by now
                        out.println(line(unprinted));
                        out.flush();
                        unprinted = null;
                    }
                    sleepUntil(w.end);
                    long cpu1 = cpuTicks(servers.get(s).pid());
                    if (cpu0 >= 0 && cpu1 >= cpu0) {
                        w.cpuMillis = (cpu1 - cpu0) * 1000 / USER_HZ;
                    }
                    t = w.end;
                    if (counting) {
                        done.add(w);
                        unprinted = w;
                    }
                }
            }
        } finally {
            current = null;
            clients.shutdown();
            LoadGenerator.awaitQuietly(clients, options.timeout().plusSeconds(5).toNanos());
            clients.shutdownNow();
        }
        if (unprinted != null) {
            out.println(line(unprinted));
        }
        out.print(table(done));
        return done;
    }

    /**
     * One client (the closed model: a request is due as soon as the last is answered) or one of the
     * open model's senders ({@code due} takes the next request's scheduled time, one every 1/rate s,
     * and waits for it): sends each request to the server of the window current when it is due and
     * waits for the answer, timed from when it was due, so a request that waited for a free sender
     * (all of them held by slow answers) counts its wait, and queueing in front of a stalled server
     * cannot hide.
     */
    private void load(LongSupplier due) {
        while (!Thread.currentThread().isInterrupted()) {
            long from = due.getAsLong();
            Window w = current;
            if (w == null) {
                return;
            }
            HttpRequest request = HttpRequest.newBuilder(servers.get(w.server).uri().resolve(pick().path()))
                    .timeout(options.timeout()).GET().build();
            boolean error;
            try {
                error = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() >= 400;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (IOException e) {
                error = true;
            }
            w.record(from, (System.nanoTime() - from) / 1_000, error);
        }
    }

    private Target pick() {
        return options.targets().get(LoadGenerator.pick(cumulativeWeights));
    }

    String line(Window w) {
        synchronized (w) {
            return String.format(Locale.ROOT, "window block=%d server=%s requests=%d errors=%d seconds=%.3f p50_us=%d p99_us=%d cpu_ms=%d",
                    w.block, servers.get(w.server).name(), w.requests, w.errors, w.seconds(),
                    w.latencies.percentile(50), w.latencies.percentile(99), w.cpuMillis);
        }
    }

    /** Per server: its counted windows together; then each later server's median ratio to the first, block by block. */
    String table(List<Window> windows) {
        StringBuilder out = new StringBuilder();
        String format = "%-12s %8s %10s %10s %8s %10s %10s %12s%n";
        out.append(String.format(Locale.ROOT, format, "server", "windows", "requests", "req/s", "errors", "p50", "p99", "CPU us/req"));
        for (int s = 0; s < servers.size(); s++) {
            LatencyHistogram all = new LatencyHistogram();
            long requests = 0;
            long errors = 0;
            long cpu = 0;
            boolean cpuKnown = true;
            double seconds = 0;
            int n = 0;
            for (Window w : windows) {
                if (w.server == s) {
                    synchronized (w) {
                        all.add(w.latencies);
                        requests += w.requests;
                        errors += w.errors;
                        cpuKnown &= w.cpuMillis >= 0;
                        cpu += w.cpuMillis;
                    }
                    seconds += w.seconds();
                    n++;
                }
            }
            out.append(String.format(Locale.ROOT, format, servers.get(s).name(), n, requests,
                    String.format(Locale.ROOT, "%.1f", seconds > 0 ? requests / seconds : 0), errors,
                    LoadGenerator.millis(all.percentile(50)), LoadGenerator.millis(all.percentile(99)),
                    cpuKnown && requests > 0 ? String.format(Locale.ROOT, "%.1f", cpu * 1000.0 / requests) : "-"));
        }
        for (int s = 1; s < servers.size(); s++) {
            List<Double> rps = new ArrayList<>();
            List<Double> p99 = new ArrayList<>();
            for (Window w : windows) {
                if (w.server != s) {
                    continue;
                }
                for (Window base : windows) {
                    if (base.server == 0 && base.block == w.block && base.requests > 0 && w.requests > 0) {
                        rps.add(w.requests / w.seconds() / (base.requests / base.seconds()));
                        p99.add((double) w.latencies.percentile(99) / Math.max(1, base.latencies.percentile(99)));
                    }
                }
            }
            out.append(String.format(Locale.ROOT, "%s against %s, median of %d blocks' ratios: throughput %s, p99 %s%n",
                    servers.get(s).name(), servers.get(0).name(), rps.size(), median(rps), median(p99)));
        }
        return out.toString();
    }

    /** The median and its distribution-free ~95% interval (order statistics), e.g. "1.004 (0.990..1.013)". */
    static String median(List<Double> values) {
        if (values.isEmpty()) {
            return "-";
        }
        double[] q = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = q.length;
        double median = n % 2 == 1 ? q[n / 2] : (q[n / 2 - 1] + q[n / 2]) / 2;
        int k = Math.max(0, (int) (n / 2.0 - 0.98 * Math.sqrt(n)));
        return String.format(Locale.ROOT, "%.3f (%.3f..%.3f)", median, q[k], q[Math.min(n - 1, n - 1 - k)]);
    }

    /** The server process's user and system time, in ticks of {@link #USER_HZ}; -1 if it cannot be read. */
    static long cpuTicks(long pid) {
        if (pid <= 0) {
            return -1;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" "); // f[0] is field 3 (the state)
            return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime: fields 14 and 15
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Every order of 0..n-1, in lexicographic order. */
    static List<int[]> permutations(int n) {
        List<int[]> out = new ArrayList<>();
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        while (true) {
            out.add(p.clone());
            int i = n - 2;
            while (i >= 0 && p[i] > p[i + 1]) {
                i--;
            }
            if (i < 0) {
                return out;
            }
            int j = n - 1;
            while (p[j] < p[i]) {
                j--;
            }
            swap(p, i, j);
            for (int a = i + 1, z = n - 1; a < z; a++, z--) {
                swap(p, a, z);
            }
        }
    }

    private static void swap(int[] p, int i, int j) {
        int x = p[i];
        p[i] = p[j];
        p[j] = x;
    }

    private static void sleepUntil(long deadline) {
        for (long now = System.nanoTime(); now < deadline; now = System.nanoTime()) {
            LockSupport.parkNanos(deadline - now);
        }
    }
}
