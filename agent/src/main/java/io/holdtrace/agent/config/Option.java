package io.holdtrace.agent.config;

/** Every option the agent reads; the single place that names them, their defaults and meaning. */
public enum Option {
    ENABLED("enabled", "true", "true or false", "switch the whole agent off with false"),
    REPORT("report", "holdtrace-<pid>.json in java.io.tmpdir", "path", "where the JSON report is written (atomically)"),
    REPORT_INTERVAL("reportInterval", "1m", "a duration like 500ms, 2s, 1m (0 = off)", "how often the report is rewritten while running; 0 = only at exit"),
    THRESHOLD("threshold", "5s", "a duration like 500ms, 2s, 1m", "a hold longer than this is a long-hold finding (and a leak if never returned)"),
    FRAMEWORK_PACKAGES("frameworkPackages", "(built-in list, see README)", "package or class prefixes separated by :",
            "frames in these packages are skipped when finding the call site; ':'-separated; a leading + adds to the built-in list"),
    CAPTURE_BUDGET("captureBudget", "0.25%", "a percentage such as 0.25% or 2%, or all",
            "share of the process's own CPU spent capturing and decoding call-site stacks, measured each second;"
                    + " past it checkouts are counted but not attributed"),
    STACK_DEPTH("stackDepth", "24", "integer 1-256", "frames kept per call site and per holder stack"),
    MAX_SITES("maxSites", "500", "integer 1-100000", "call sites kept in the report; the rest are summed as (other sites)"),
    MAX_FINDINGS("maxFindings", "500", "integer 1-100000", "findings kept; further ones are counted per kind"),
    MAX_OPEN_HOLDS("maxOpenHolds", "100000", "integer 16-10000000", "open holds tracked at once; further ones are counted, not tracked"),
    EXCLUDE("exclude", "(none)", "instrumentation names separated by :", "instrumentations to switch off, ':'-separated (see help)"),
    HELP("help", "false", "true or false", "print every option with its default, then carry on");

    public final String key;
    public final String defaultText;
    public final String expected;
    public final String description;

    Option(String key, String defaultText, String expected, String description) {
        this.key = key;
        this.defaultText = defaultText;
        this.expected = expected;
        this.description = description;
    }

    /** {@code reportInterval} to {@code HOLDTRACE_REPORT_INTERVAL}. */
    public String envName() {
        StringBuilder sb = new StringBuilder("HOLDTRACE_");
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c >= 'A' && c <= 'Z' && i > 0 && key.charAt(i - 1) >= 'a' && key.charAt(i - 1) <= 'z') {
                sb.append('_');
            }
            sb.append(Character.toUpperCase(c));
        }
        return sb.toString(); // no regex: java.util.regex is a few milliseconds of the agent's start
    }

    /** The option whose environment variable is {@code name}, or null. */
    public static Option byEnvName(String name) {
        for (Option o : values()) {
            if (o.envName().equals(name)) {
                return o;
            }
        }
        return null;
    }

    public String propertyName() {
        return "holdtrace." + key;
    }

    public static Option byKey(String key) {
        for (Option o : values()) {
            if (o.key.equals(key)) {
                return o;
            }
        }
        return null;
    }
}
