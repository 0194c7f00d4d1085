package io.holdtrace.sample.load;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What one load run does. Every run is bounded: after {@code warmup} (zero by default, at most
 * {@link #MAX_DURATION}), it stops at {@code duration} (at most {@link #MAX_DURATION}) or after
 * {@code maxRequests}, whichever comes first.
 *
 * @param rate   arrivals per second in the open model; 0 selects the closed model with {@code clients}
 * @param warmup load sent first and left out of the results (the server's and this JVM's own
 *               warm-up): only requests sent after it are counted
 * @param servers with two or more, the load alternates between them in windows ({@link Alternation});
 *                empty for the one server at {@code baseUri}
 * @param window  each server's turn when alternating; the first {@code settle} of it is not counted
 */
record LoadOptions(URI baseUri, List<Target> targets, int clients, double rate, Duration warmup, Duration duration,
                   long maxRequests, Duration timeout, int maxInFlight, boolean allowRemote,
                   List<Server> servers, Duration window, Duration settle) {

    static final Duration MAX_DURATION = Duration.ofHours(1);
    static final int MAX_CLIENTS = 1_000;
    static final double MAX_RATE = 10_000;
    static final int MAX_IN_FLIGHT = 10_000;
    static final int MAX_SERVERS = 4;

    static final String USAGE = """
            usage: java -jar holdtrace-sample-app.jar load --path=PATH[:WEIGHT] ... [options]
              --url=URL            base URL (default http://127.0.0.1:8080); loopback only unless --allow-remote
              --path=PATH[:WEIGHT] a GET target, repeatable; WEIGHT (default 1) sets its share of requests
              --clients=N          closed model: N clients, each sends its next request when the last one ends (default 10)
              --rate=R             open model: R requests per second, whatever the responses do
              --max-in-flight=N    open model: arrivals beyond N unanswered requests are dropped and counted as errors (default 256);
                                   alternating: N senders, an arrival that finds them all busy waits (its wait in its latency)
              --warmup=D           send load for D first and leave it out of the results (default none, at most 1h)
              --duration=D         stop after D (after the warm-up), e.g. 500ms, 30s, 2m (default 30s, at most 1h)
              --requests=N         stop after N requests (after the warm-up; default: no count limit)
              --timeout=D          per-request time-out (default 10s)
              --allow-remote       allow a host that is not a loopback address
            alternating, to compare servers that run side by side on one host:
              --server=NAME=URL[@PID]  2 to 4 of them, instead of --url; the load (--clients or --rate) goes to
                                   one server at a time, in windows, each block of windows taking the servers
                                   in the next order (permutations); PID (Linux) adds the server process's CPU
                                   per window
              --window=D           one server's turn (default 10s); --warmup and --duration are then spent
                                   in whole blocks of windows
              --settle=D           the start of each window, not counted (default 1s)
            """;

    /** A path to request, and its share of the requests relative to the other paths' weights. */
    record Target(String path, int weight) {
    }

    /** One of the servers loaded in turn; {@code pid} is its process (its CPU read per window), or -1. */
    record Server(String name, URI uri, long pid) {
    }

    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)?");
    private static final Pattern WEIGHTED_PATH = Pattern.compile("(/.*):(\\d+)");
    private static final Pattern SERVER = Pattern.compile("([A-Za-z0-9_.-]+)=(.+?)(?:@(\\d+))?");

    static LoadOptions parse(String... args) {
        URI baseUri = URI.create("http://127.0.0.1:8080");
        List<Target> targets = new ArrayList<>();
        Integer clients = null;
        Double rate = null;
        Duration warmup = Duration.ZERO;
        Duration duration = Duration.ofSeconds(30);
        long maxRequests = Long.MAX_VALUE;
        Duration timeout = Duration.ofSeconds(10);
        int maxInFlight = 256;
        boolean allowRemote = false;
        boolean urlGiven = false;
        List<Server> servers = new ArrayList<>();
        Duration window = Duration.ofSeconds(10);
        Duration settle = Duration.ofSeconds(1);

        for (String arg : args) {
            if (arg.equals("--allow-remote")) {
                allowRemote = true;
                continue;
            }
            int eq = arg.indexOf('=');
            if (!arg.startsWith("--") || eq < 0) {
                throw new IllegalArgumentException("unknown argument '" + arg + "'");
            }
            String name = arg.substring(2, eq);
            String value = arg.substring(eq + 1);
            switch (name) {
                case "url" -> {
                    baseUri = baseUri("url", value);
                    urlGiven = true;
                }
                case "server" -> servers.add(server(value));
                case "window" -> window = duration(name, value, MAX_DURATION);
                case "settle" -> settle = duration(name, value, MAX_DURATION);
                case "path" -> targets.add(target(value));
                case "clients" -> clients = (int) number(name, value, 1, MAX_CLIENTS);
                case "rate" -> rate = rate(value);
                case "warmup" -> warmup = duration(name, value, MAX_DURATION);
                case "duration" -> duration = duration(name, value, MAX_DURATION);
                case "requests" -> maxRequests = number(name, value, 1, Long.MAX_VALUE);
                case "timeout" -> timeout = duration(name, value, Duration.ofMinutes(5));
                case "max-in-flight" -> maxInFlight = (int) number(name, value, 1, MAX_IN_FLIGHT);
                default -> throw new IllegalArgumentException("unknown option --" + name);
            }
        }
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("give at least one --path");
        }
        if (clients != null && rate != null) {
            throw new IllegalArgumentException("--clients (closed model) and --rate (open model) exclude each other");
        }
        if (!servers.isEmpty()) {
            alternating(servers, urlGiven, maxRequests, window, settle);
        }
        List<URI> hosts = new ArrayList<>();
        servers.forEach(s -> hosts.add(s.uri()));
        if (servers.isEmpty()) {
            hosts.add(baseUri);
        }
        for (URI host : hosts) {
            if (!allowRemote && !isLoopback(host.getHost())) {
                throw new IllegalArgumentException(host.getHost()
                        + " is not a loopback address; pass --allow-remote to load it anyway");
            }
        }
        return new LoadOptions(baseUri, List.copyOf(targets), clients == null ? 10 : clients,
                rate == null ? 0 : rate, warmup, duration, maxRequests, timeout, maxInFlight, allowRemote,
                List.copyOf(servers), window, settle);
    }

    private static void alternating(List<Server> servers, boolean urlGiven, long maxRequests, Duration window,
                                    Duration settle) {
        if (servers.size() < 2 || servers.size() > MAX_SERVERS) {
            throw new IllegalArgumentException("give 2 to " + MAX_SERVERS + " --server to alternate, not " + servers.size());
        }
        if (urlGiven) {
            throw new IllegalArgumentException("--url and --server exclude each other");
        }
        if (maxRequests != Long.MAX_VALUE) {
            throw new IllegalArgumentException("--server runs whole blocks of windows; --requests does not apply");
        }
        if (settle.compareTo(window) >= 0) {
            throw new IllegalArgumentException("--settle (" + settle.toMillis() + " ms) must be shorter than --window ("
                    + window.toMillis() + " ms)");
        }
        for (int i = 0; i < servers.size(); i++) {
            for (int j = 0; j < i; j++) {
                if (servers.get(i).name().equals(servers.get(j).name())) {
                    throw new IllegalArgumentException("two --server named " + servers.get(i).name());
                }
            }
        }
    }

    /** Whether the load alternates between servers. */
    boolean alternating() {
        return !servers.isEmpty();
    }

    boolean openModel() {
        return rate > 0;
    }

    URI uri(Target target) {
        return baseUri.resolve(target.path());
    }

    private static URI baseUri(String option, String value) {
        URI uri;
        try {
            uri = URI.create(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--" + option + " is not a URL: " + value);
        }
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
            throw new IllegalArgumentException("--" + option + " must be http(s)://host[:port], not " + value);
        }
        return uri;
    }

    private static Server server(String value) {
        Matcher m = SERVER.matcher(value);
        if (!m.matches()) {
            throw new IllegalArgumentException("--server must be NAME=URL[@PID] (NAME of letters, digits, '_', '.', '-'), not "
                    + value);
        }
        URI uri = baseUri("server", m.group(2));
        long pid = m.group(3) == null ? -1 : number("server pid", m.group(3), 1, Long.MAX_VALUE);
        return new Server(m.group(1), uri, pid);
    }

    private static Target target(String value) {
        Matcher weighted = WEIGHTED_PATH.matcher(value);
        if (weighted.matches()) {
            return new Target(weighted.group(1), (int) number("path weight", weighted.group(2), 1, 1_000));
        }
        if (!value.startsWith("/")) {
            throw new IllegalArgumentException("--path must start with '/', not " + value);
        }
        return new Target(value, 1);
    }

    private static double rate(String value) {
        double rate;
        try {
            rate = Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--rate must be a number, not " + value);
        }
        if (!(rate > 0 && rate <= MAX_RATE)) {
            throw new IllegalArgumentException("--rate must be in (0, " + (long) MAX_RATE + "], not " + value);
        }
        return rate;
    }

    private static long number(String name, String value, long min, long max) {
        long n;
        try {
            n = Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be a whole number, not " + value);
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException("--" + name + " must be in [" + min + ", " + max + "], not " + value);
        }
        return n;
    }

    /** "500ms", "30s", "2m", "1h"; a bare number is seconds. */
    static Duration duration(String name, String value, Duration max) {
        Matcher m = DURATION.matcher(value);
        if (!m.matches()) {
            throw new IllegalArgumentException("--" + name + " must look like 500ms, 30s or 2m, not " + value);
        }
        long amount;
        try {
            amount = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " is too large: " + value);
        }
        String unit = m.group(2) == null ? "s" : m.group(2);
        Duration d = switch (unit) {
            case "ms" -> Duration.ofMillis(amount);
            case "m" -> Duration.ofMinutes(Math.min(amount, 1_000_000));
            case "h" -> Duration.ofHours(Math.min(amount, 1_000_000));
            default -> Duration.ofSeconds(Math.min(amount, 1_000_000_000));
        };
        if (d.isZero() || d.compareTo(max) > 0) {
            throw new IllegalArgumentException("--" + name + " must be above 0 and at most " + max + ", not " + value);
        }
        return d;
    }

    /** True when every address the host resolves to is a loopback address. */
    static boolean isLoopback(String host) {
        try {
            InetAddress[] addresses = InetAddress.getAllByName(host);
            for (InetAddress address : addresses) {
                if (!address.isLoopbackAddress()) {
                    return false;
                }
            }
            return addresses.length > 0;
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
