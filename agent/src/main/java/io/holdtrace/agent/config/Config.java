package io.holdtrace.agent.config;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The agent's settings, read from three places. Precedence, highest first: the agent argument
 * ({@code -javaagent:holdtrace-agent.jar=key=value,key=value}), then system properties
 * ({@code -Dholdtrace.key=value}), then environment variables ({@code HOLDTRACE_KEY=value}),
 * then the defaults. Unknown system properties or variables under the holdtrace prefix are
 * errors too, so a typo never passes silently.
 */
public final class Config {

    /** The agent's own frames: never a call site, whatever the user configures. */
    public static final String AGENT_PACKAGES = "io.holdtrace.bootstrap";

    /**
     * Frames of classes in these packages (or these classes, with their nested classes) are never
     * a call site: JDK, pools, drivers, data-access frameworks, DI containers, languages' runtimes.
     */
    /** {@code captureBudget}'s default: 0.25% of the process's own CPU. */
    public static final double DEFAULT_CAPTURE_SHARE = 0.0025;

    public static final List<String> DEFAULT_FRAMEWORK_PACKAGES = List.of(
            "java", "javax", "jakarta", "jdk", "sun", "com.sun",
            AGENT_PACKAGES, "net.bytebuddy",
            "com.zaxxer.hikari", "org.apache.commons.dbcp2", "org.apache.commons.pool2", "org.apache.tomcat.jdbc",
            "org.springframework", "org.hibernate", "com.google.inject", "org.jdbi", "org.jooq", "org.mybatis",
            "org.apache.ibatis", "io.micrometer", "io.opentelemetry", "net.ttddyy", "com.p6spy",
            "org.h2", "org.postgresql", "org.mariadb", "com.mysql", "oracle", "com.microsoft.sqlserver",
            "kotlin", "kotlinx", "scala", "groovy", "org.codehaus.groovy",
            // servers and their thread pools: an idle request thread is never a call site
            "org.apache.catalina", "org.apache.coyote", "org.apache.tomcat", "org.eclipse.jetty", "io.undertow",
            "io.netty", "reactor.core", "reactor.netty",
            // HTTP clients: the site of an outbound call is the application frame that made it
            "okhttp3", "okio", "org.apache.hc", "org.apache.http", "retrofit2", "feign");

    private final Map<Option, String> raw;
    private final Map<Option, String> sources;

    public final boolean enabled;
    public final Path report;
    public final Duration reportInterval;
    public final Duration threshold;
    public final List<String> frameworkPackages;
    /** The share of the process's own CPU spent on capture work (0.0025 = 0.25%), or -1 to capture every checkout. */
    public final double captureShare;
    /**
     * The capture budget's first grant, before the process's CPU is measured: the share of one core, in
     * nanoseconds a second; Long.MAX_VALUE to capture every checkout.
     */
    public final long captureNanosPerSecond;
    public final int stackDepth;
    public final int maxSites;
    public final int maxFindings;
    public final int maxOpenHolds;
    public final List<String> exclude;
    public final boolean help;

    private Config(Map<Option, String> raw, Map<Option, String> sources) throws ConfigException {
        this.raw = raw;
        this.sources = sources;
        this.enabled = bool(Option.ENABLED, true);
        this.help = bool(Option.HELP, false);
        this.report = path(Option.REPORT);
        this.reportInterval = duration(Option.REPORT_INTERVAL, Duration.ofMinutes(1), true);
        this.threshold = duration(Option.THRESHOLD, Duration.ofSeconds(5), false);
        this.frameworkPackages = packages();
        this.captureShare = captureShare();
        this.captureNanosPerSecond = captureShare < 0 ? Long.MAX_VALUE : (long) (captureShare * 1_000_000_000L);
        this.stackDepth = integer(Option.STACK_DEPTH, 24, 1, 256);
        this.maxSites = integer(Option.MAX_SITES, 500, 1, 100_000);
        this.maxFindings = integer(Option.MAX_FINDINGS, 500, 1, 100_000);
        this.maxOpenHolds = integer(Option.MAX_OPEN_HOLDS, 100_000, 16, 10_000_000);
        this.exclude = list(Option.EXCLUDE, Collections.emptyList());
    }

    /** Reads the agent argument, then the given system properties and environment. */
    public static Config parse(String agentArgs, Map<String, String> systemProperties, Map<String, String> env)
            throws ConfigException {
        Map<Option, String> raw = new EnumMap<>(Option.class);
        Map<Option, String> sources = new EnumMap<>(Option.class);
        for (Option o : Option.values()) {
            String v = env.get(o.envName());
            if (v != null) {
                raw.put(o, v.trim());
                sources.put(o, "environment variable " + o.envName());
            }
        }
        for (Map.Entry<String, String> e : env.entrySet()) {
            if (e.getKey().startsWith("HOLDTRACE_") && Option.byEnvName(e.getKey()) == null) {
                throw new ConfigException("unknown option " + e.getKey() + " (environment variable); known: " + known());
            }
        }
        for (Map.Entry<String, String> e : systemProperties.entrySet()) {
            if (!e.getKey().startsWith("holdtrace.")) {
                continue;
            }
            String key = e.getKey().substring("holdtrace.".length());
            Option o = Option.byKey(key);
            if (o == null) {
                throw new ConfigException("unknown option '" + key + "' (-D" + e.getKey() + "); known: " + known());
            }
            raw.put(o, e.getValue().trim());
            sources.put(o, "-D" + e.getKey());
        }
        if (agentArgs != null && !agentArgs.isBlank()) {
            for (String part : agentArgs.split(",")) {
                if (part.isBlank()) {
                    continue;
                }
                int eq = part.indexOf('=');
                String key = (eq < 0 ? part : part.substring(0, eq)).trim();
                String value = eq < 0 ? "true" : part.substring(eq + 1).trim();
                Option o = Option.byKey(key);
                if (o == null) {
                    throw new ConfigException("unknown option '" + key + "' (agent argument); known: " + known());
                }
                raw.put(o, value);
                sources.put(o, "agent argument");
            }
        }
        return new Config(raw, sources);
    }

    private static String known() {
        StringBuilder sb = new StringBuilder();
        for (Option o : Option.values()) {
            sb.append(sb.length() == 0 ? "" : ", ").append(o.key);
        }
        return sb.toString();
    }

    private ConfigException bad(Option o, String value) {
        return new ConfigException("bad value for option " + o.key + "='" + value + "' (" + sources.get(o)
                + "): expected " + o.expected);
    }

    private boolean bool(Option o, boolean dflt) throws ConfigException {
        String v = raw.get(o);
        if (v == null) {
            return dflt;
        }
        if (v.equalsIgnoreCase("true")) {
            return true;
        }
        if (v.equalsIgnoreCase("false")) {
            return false;
        }
        throw bad(o, v);
    }

    private int integer(Option o, int dflt, int min, int max) throws ConfigException {
        String v = raw.get(o);
        if (v == null) {
            return dflt;
        }
        try {
            int n = Integer.parseInt(v);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw bad(o, v);
    }

    private Duration duration(Option o, Duration dflt, boolean zeroAllowed) throws ConfigException {
        String v = raw.get(o);
        if (v == null) {
            return dflt;
        }
        Duration d = parseDuration(v);
        if (d == null || (d.isZero() && !zeroAllowed)) {
            throw bad(o, v);
        }
        return d;
    }

    /** {@code 500ms}, {@code 2s}, {@code 1m}, {@code 1h}; a bare 0 is zero. Null if malformed. */
    public static Duration parseDuration(String v) {
        String s = v.trim().toLowerCase(Locale.ROOT);
        if (s.equals("0")) {
            return Duration.ZERO;
        }
        String unit;
        if (s.endsWith("ms")) {
            unit = "ms";
        } else if (s.endsWith("s") || s.endsWith("m") || s.endsWith("h")) {
            unit = s.substring(s.length() - 1);
        } else {
            return null;
        }
        String num = s.substring(0, s.length() - unit.length());
        long n;
        try {
            n = Long.parseLong(num);
        } catch (NumberFormatException e) {
            return null;
        }
        if (n < 0) {
            return null;
        }
        switch (unit) {
            case "ms": return Duration.ofMillis(n);
            case "s": return Duration.ofSeconds(n);
            case "m": return Duration.ofMinutes(n);
            default: return Duration.ofHours(n);
        }
    }

    private Path path(Option o) throws ConfigException {
        String v = raw.get(o);
        if (v == null) {
            return Paths.get(System.getProperty("java.io.tmpdir"), "holdtrace-" + pid() + ".json");
        }
        try {
            if (v.isEmpty()) {
                throw bad(o, v);
            }
            return Paths.get(v).toAbsolutePath();
        } catch (java.nio.file.InvalidPathException e) {
            throw bad(o, v);
        }
    }

    /**
     * This process's id. On Linux from {@code /proc/self}, a link to the process's own folder:
     * {@code ProcessHandle} starts a class with a thread pool and lambdas, 8 ms of the agent's start.
     */
    static long pid() {
        try {
            String self = new java.io.File("/proc/self").getCanonicalFile().getName();
            boolean digits = !self.isEmpty() && self.length() < 19;
            for (int i = 0; i < self.length() && digits; i++) {
                digits = self.charAt(i) >= '0' && self.charAt(i) <= '9';
            }
            if (digits) {
                return Long.parseLong(self);
            }
        } catch (java.io.IOException | RuntimeException notLinux) {
            // below
        }
        return ProcessHandle.current().pid();
    }

    private List<String> list(Option o, List<String> dflt) {
        String v = raw.get(o);
        if (v == null || v.isEmpty()) {
            return dflt;
        }
        List<String> out = new ArrayList<>();
        for (String s : v.split(":")) {
            if (!s.isBlank()) {
                out.add(s.trim());
            }
        }
        return Collections.unmodifiableList(out);
    }

    private List<String> packages() throws ConfigException {
        String v = raw.get(Option.FRAMEWORK_PACKAGES);
        if (v == null) {
            return DEFAULT_FRAMEWORK_PACKAGES;
        }
        boolean add = v.startsWith("+");
        List<String> out = new ArrayList<>(add ? DEFAULT_FRAMEWORK_PACKAGES : List.of());
        for (String p : (add ? v.substring(1) : v).split(":")) {
            String s = p.trim();
            if (s.isEmpty()) {
                continue;
            }
            if (!s.matches("[A-Za-z_$][A-Za-z0-9_$.]*")) {
                throw bad(Option.FRAMEWORK_PACKAGES, v);
            }
            out.add(s.endsWith(".") ? s.substring(0, s.length() - 1) : s);
        }
        // the agent's own frames are never a call site, whatever the user says
        if (!out.contains(AGENT_PACKAGES)) {
            out.add(AGENT_PACKAGES);
        }
        return Collections.unmodifiableList(out);
    }

    private double captureShare() throws ConfigException {
        String v = raw.get(Option.CAPTURE_BUDGET);
        if (v == null) {
            return DEFAULT_CAPTURE_SHARE;
        }
        if (v.equalsIgnoreCase("all")) {
            return -1.0;
        }
        String s = v.endsWith("%") ? v.substring(0, v.length() - 1) : v;
        try {
            double pct = Double.parseDouble(s);
            if (pct >= 0 && pct <= 100) {
                return pct / 100.0;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw bad(Option.CAPTURE_BUDGET, v);
    }

    /** The settings as given (not defaults), for the report: where it ran, and how. */
    public Map<String, String> effective() {
        Map<String, String> out = new LinkedHashMap<>();
        out.put(Option.ENABLED.key, String.valueOf(enabled));
        out.put(Option.REPORT.key, report.toString());
        out.put(Option.REPORT_INTERVAL.key, reportInterval.toString());
        out.put(Option.THRESHOLD.key, threshold.toString());
        out.put(Option.FRAMEWORK_PACKAGES.key, raw.getOrDefault(Option.FRAMEWORK_PACKAGES, "(built-in)"));
        out.put(Option.CAPTURE_BUDGET.key, raw.getOrDefault(Option.CAPTURE_BUDGET, Option.CAPTURE_BUDGET.defaultText));
        out.put(Option.STACK_DEPTH.key, String.valueOf(stackDepth));
        out.put(Option.MAX_SITES.key, String.valueOf(maxSites));
        out.put(Option.MAX_FINDINGS.key, String.valueOf(maxFindings));
        out.put(Option.MAX_OPEN_HOLDS.key, String.valueOf(maxOpenHolds));
        out.put(Option.EXCLUDE.key, String.join(":", exclude));
        return out;
    }

    public static String helpText() {
        StringBuilder sb = new StringBuilder();
        sb.append("holdtrace options: -javaagent:holdtrace-agent.jar=key=value,key=value\n");
        sb.append("  (also -Dholdtrace.key=value or HOLDTRACE_KEY=value; the agent argument wins, then -D, then the environment)\n");
        for (Option o : Option.values()) {
            sb.append(String.format(Locale.ROOT, "  %-18s default %-40s %s (%s)%n", o.key, o.defaultText, o.description, o.expected));
        }
        return sb.toString();
    }
}
