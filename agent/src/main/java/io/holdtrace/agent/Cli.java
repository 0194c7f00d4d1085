package io.holdtrace.agent;

import com.fasterxml.jackson.databind.JsonNode;
import io.holdtrace.agent.config.Config;
import io.holdtrace.agent.report.ReportWriter;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** {@code java -jar holdtrace-agent.jar help | version | jfc | summary REPORT.json}. */
final class Cli {

    private Cli() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("help") || args[0].equals("--help")) {
            out.print(Config.helpText());
            out.println("commands: java -jar holdtrace-agent.jar help | version | jfc | summary REPORT.json");
            return 0;
        }
        switch (args[0]) {
            case "version":
                out.println("holdtrace " + AgentInstaller.version());
                return 0;
            case "jfc":
                return jfc(out, err);
            case "summary":
                if (args.length != 2) {
                    err.println("usage: java -jar holdtrace-agent.jar summary REPORT.json");
                    return 2;
                }
                return summary(new File(args[1]), out, err);
            default:
                err.println("unknown command '" + args[0] + "'; commands: help, version, jfc, summary REPORT.json");
                return 2;
        }
    }

    /** The JFR settings for holdtrace's events, for {@code java -jar holdtrace-agent.jar jfc > holdtrace.jfc}. */
    private static int jfc(PrintStream out, PrintStream err) {
        try (InputStream in = Cli.class.getResourceAsStream("/holdtrace.jfc")) {
            if (in == null) {
                err.println("this agent jar has no holdtrace.jfc");
                return 1;
            }
            in.transferTo(out);
            out.flush();
            return 0;
        } catch (IOException e) {
            err.println("cannot print holdtrace.jfc: " + e);
            return 1;
        }
    }

    private static int summary(File file, PrintStream out, PrintStream err) {
        JsonNode r;
        try {
            r = ReportWriter.json().readTree(file);
        } catch (Exception e) {
            err.println("cannot read report " + file + ": " + e.getMessage());
            return 1;
        }
        out.println("holdtrace report " + file + " (schema " + r.path("schemaVersion").asInt() + ", written "
                + r.path("agent").path("writtenAt").asText() + ")");
        out.println();
        out.println("Pools");
        out.printf(Locale.ROOT, "  %-20s %-8s %8s %6s %6s %9s %9s %9s%n", "pool", "type", "acquires", "max", "peak",
                "wait p99", "hold p99", "timeouts");
        for (JsonNode p : r.path("pools")) {
            out.printf(Locale.ROOT, "  %-20s %-8s %8d %6s %6d %7.1fms %7.1fms %9d%n", p.path("name").asText(),
                    p.path("type").asText(), p.path("acquires").asLong(), p.path("maxSize").asText("-"),
                    p.path("peakInUse").asInt(), p.path("wait").path("p99Ms").asDouble(),
                    p.path("hold").path("p99Ms").asDouble(), p.path("timeouts").asLong());
        }
        out.println();
        out.println("Pool sizing (connections needed = mean in use over the busiest second, Little's L)");
        for (JsonNode p : r.path("pools")) {
            JsonNode a = p.path("advice");
            if (!a.isMissingNode()) {
                out.println("  " + sizing(p.path("name").asText(), a));
            }
        }
        out.println();
        out.println("Findings (grouped by kind and call site)");
        if (r.path("findings").isEmpty()) {
            out.println("  none");
        }
        Map<String, long[]> groups = new LinkedHashMap<>(); // count, max held ms, still open
        Map<String, String> details = new LinkedHashMap<>();
        Map<String, Integer> uncaptured = new LinkedHashMap<>(); // kind -> findings whose site was not captured
        for (JsonNode f : r.path("findings")) {
            if (f.path("site").asText().startsWith(NOT_CAPTURED)) {
                uncaptured.merge(f.path("kind").asText(), 1, Integer::sum);
                continue;
            }
            String key = String.format(Locale.ROOT, "%-17s %s", f.path("kind").asText(), f.path("site").asText());
            if (f.has("target")) {
                key += " -> " + f.path("target").path("method").asText() + " " + f.path("target").path("url").asText();
            }
            if (f.hasNonNull("transactional")) {
                key += "  in @Transactional " + f.path("transactional").asText();
            }
            long[] g = groups.computeIfAbsent(key, k -> new long[3]);
            g[0]++;
            g[1] = Math.max(g[1], Math.round(f.path("heldMs").asDouble()));
            g[2] += f.path("open").asBoolean() ? 1 : 0;
            if (f.hasNonNull("detail")) {
                details.putIfAbsent(key, f.path("detail").asText());
            }
        }
        out.printf(Locale.ROOT, "  %5s %10s %5s  %-17s %s%n", "count", "max held", "open", "kind", "call site");
        groups.forEach((key, g) -> {
            out.printf(Locale.ROOT, "  %5d %8d ms %5d  %s%n", g[0], g[1], g[2], key);
            if (details.containsKey(key)) {
                out.println("                            " + details.get(key));
            }
        });
        if (!uncaptured.isEmpty()) {
            StringBuilder kinds = new StringBuilder();
            uncaptured.forEach((kind, count) -> kinds.append(kinds.length() == 0 ? "" : ", ").append(kind).append(" x").append(count));
            out.println("  and " + kinds + " at call sites not captured: those checkouts came past the capture budget (captureBudget="
                    + r.path("agent").path("settings").path("captureBudget").asText("?") + "); the JSON report has them");
        }
        out.println();
        out.println("Top call sites by total hold time");
        int n = 0;
        for (JsonNode s : r.path("sites")) {
            if (n++ == 10) {
                break;
            }
            out.printf(Locale.ROOT, "  %8d acquires  hold p99 %8.1f ms  max %8.1f ms  %s%n", s.path("acquires").asLong(),
                    s.path("hold").path("p99Ms").asDouble(), s.path("hold").path("maxMs").asDouble(), s.path("site").asText()
                            + (s.hasNonNull("transactional") ? "  in @Transactional " + s.path("transactional").asText() : ""));
        }
        return 0;
    }

    private static final String NOT_CAPTURED = "(not captured)";

    private static String duration(double ms) {
        return ms >= 10_000 ? String.format(Locale.ROOT, "%.1f s", ms / 1000) : String.format(Locale.ROOT, "%.1f ms", ms);
    }

    /** One line per pool: the connections it had in use, what the pool had, the waits, and without outbound calls. */
    static String sizing(String pool, JsonNode a) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "%s: %.1f connections needed = in use on average over the %s (max %s%s; %.1f checkouts/s x %.1f ms mean hold"
                        + " = %.1f; p99 hold %.1f ms; waited %s in all, p99 %.1f ms, %d time-outs",
                pool, a.path("neededConnections").asDouble(), a.path("rateBasis").asText(),
                a.path("maxSize").isNumber() ? a.path("maxSize").asText() : "-", a.path("saturated").asBoolean() ? ", saturated" : "",
                a.path("acquiresPerSecond").asDouble(), a.path("meanHoldMs").asDouble(), a.path("rateTimesMeanHold").asDouble(),
                a.path("p99HoldMs").asDouble(), duration(a.path("waitTotalMs").asDouble()), a.path("p99WaitMs").asDouble(),
                a.path("timeouts").asLong()));
        if (a.path("demandConnections").asDouble() > a.path("neededConnections").asDouble() * 1.5) {
            sb.append(String.format(Locale.ROOT, "; %.1f threads held or waited at once", a.path("demandConnections").asDouble()));
        }
        sb.append(')');
        if (a.path("callsInHolds").asLong() > 0) {
            JsonNode w = a.path("withoutCalls");
            sb.append(String.format(Locale.ROOT, "; outbound calls took %.1f%% of the connection time: without them in the hold,"
                            + " %.2f connections (%.1f ms mean hold, p99 %.1f ms)", a.path("callShare").asDouble() * 100,
                    w.path("neededConnections").asDouble(), w.path("meanHoldMs").asDouble(), w.path("p99HoldMs").asDouble()));
        }
        return sb.toString();
    }
}
