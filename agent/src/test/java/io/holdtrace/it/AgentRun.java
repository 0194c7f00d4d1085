package io.holdtrace.it;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Runs an application class in a separate JVM with the real shaded agent attached, the way a
 * user would: {@code java -javaagent:agent/target/holdtrace-agent.jar=... -cp APP MAIN ARGS}.
 * The application's class path holds the test classes and the libraries an application has
 * (pools, drivers), never the agent's own classes or its unshaded dependencies.
 */
public final class AgentRun {

    public static final ObjectMapper JSON = new ObjectMapper();

    private final String main;
    private final List<String> args = new ArrayList<>();
    private final List<String> jvmArgs = new ArrayList<>();
    private final List<String> extraClasspath = new ArrayList<>();
    private final Map<String, String> env = new LinkedHashMap<>();
    private String agentArgs;
    private boolean withAgent = true;
    private Path report;
    private String javaHome = System.getProperty("java.home");
    private Predicate<String> classpathFilter = e -> true;

    private AgentRun(String main) {
        this.main = main;
    }

    public static AgentRun main(Class<?> mainClass) {
        return new AgentRun(mainClass.getName());
    }

    public static AgentRun main(String mainClass) {
        return new AgentRun(mainClass);
    }

    /** The agent argument; a report=... option is added unless it has one. */
    public AgentRun agentArgs(String a) {
        this.agentArgs = a;
        return this;
    }

    public AgentRun noAgent() {
        this.withAgent = false;
        return this;
    }

    public AgentRun args(String... a) {
        args.addAll(Arrays.asList(a));
        return this;
    }

    public AgentRun jvm(String... a) {
        jvmArgs.addAll(Arrays.asList(a));
        return this;
    }

    public AgentRun env(String k, String v) {
        env.put(k, v);
        return this;
    }

    public AgentRun classpath(String entry) {
        extraClasspath.add(entry);
        return this;
    }

    /** Keeps only the class-path entries the predicate accepts (e.g. to leave a library out). */
    public AgentRun classpathFilter(Predicate<String> keep) {
        this.classpathFilter = keep;
        return this;
    }

    public AgentRun javaHome(String home) {
        this.javaHome = home;
        return this;
    }

    public AgentRun report(Path p) {
        this.report = p;
        return this;
    }

    public static Path agentJar() {
        Path jar = Paths.get(System.getProperty("holdtrace.agentJar", "target/holdtrace-agent.jar"));
        assertTrue(Files.isRegularFile(jar), "the shaded agent jar must be built first: " + jar);
        return jar.toAbsolutePath();
    }

    /** The application's class path: this JVM's, less the agent's own classes and dependencies. */
    public static List<String> applicationClasspath() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> !e.replace('\\', '/').matches(".*/agent/target/classes/?$") && !e.endsWith("holdtrace-agent.jar"))
                .filter(e -> !e.contains("holdtrace-instrumentation") && !e.replace('\\', '/').contains("/instrumentation/target/"))
                .filter(e -> !e.contains("byte-buddy") && !e.contains("jackson-"))
                .collect(Collectors.toList());
    }

    public Result run(Duration timeout) throws IOException, InterruptedException {
        return start().finish(timeout);
    }

    /** Starts the application and returns at once, to look at reports written while it runs. */
    public Running start() throws IOException {
        Path dir = Files.createTempDirectory("holdtrace-it");
        if (report == null) {
            report = dir.resolve("report.json");
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(Paths.get(javaHome, "bin", "java").toString());
        cmd.add("-Xshare:off"); // keeps the JVM's CDS notice about the appended boot class path out of stderr
        cmd.addAll(jvmArgs);
        if (withAgent) {
            String a = agentArgs == null ? "" : agentArgs;
            if (!a.contains("report=")) {
                a = (a.isEmpty() ? "" : a + ",") + "report=" + report;
            }
            boolean budgetGiven = a.contains("captureBudget=") || env.containsKey("HOLDTRACE_CAPTURE_BUDGET")
                    || jvmArgs.stream().anyMatch(j -> j.contains("holdtrace.captureBudget"));
            if (!budgetGiven && !a.contains("help") && !a.contains("enabled=false")) {
                // exact per-site counts need every checkout captured; on a busy 2-core machine the
                // default budget can run out (cold decoding is slow), which has tests of its own
                a = a + ",captureBudget=all";
            }
            cmd.add("-javaagent:" + agentJar() + "=" + a);
        }
        List<String> cp = new ArrayList<>(extraClasspath);
        applicationClasspath().stream().filter(classpathFilter).forEach(cp::add);
        cmd.add("-cp");
        cmd.add(String.join(File.pathSeparator, cp));
        cmd.add(main);
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().keySet().removeIf(k -> k.startsWith("HOLDTRACE_"));
        pb.environment().putAll(env);
        Path out = dir.resolve("stdout.txt");
        Path err = dir.resolve("stderr.txt");
        pb.redirectOutput(out.toFile());
        pb.redirectError(err.toFile());
        return new Running(pb.start(), cmd, out, err, report);
    }

    /** An application still running. */
    public static final class Running {
        private final Process process;
        private final List<String> cmd;
        private final Path out;
        private final Path err;
        private final Path report;

        Running(Process process, List<String> cmd, Path out, Path err, Path report) {
            this.process = process;
            this.cmd = cmd;
            this.out = out;
            this.err = err;
            this.report = report;
        }

        public long pid() {
            return process.pid();
        }

        /** Polls the report file until {@code ready} accepts it; fails after {@code timeout}. */
        public JsonNode awaitReport(Predicate<JsonNode> ready, Duration timeout) throws IOException, InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                if (Files.isRegularFile(report)) {
                    try {
                        JsonNode r = JSON.readTree(report.toFile());
                        if (ready.test(r)) {
                            return r;
                        }
                    } catch (IOException partial) {
                        // written atomically, so this should not happen; retry anyway
                    }
                }
                if (!process.isAlive()) {
                    break;
                }
                Thread.sleep(50);
            }
            String last = Files.isRegularFile(report) ? Files.readString(report) : "(none written)";
            fail("no report as expected within " + timeout + " at " + report + " (process alive: " + process.isAlive()
                    + "); last report: " + (last.length() > 4000 ? last.substring(0, 4000) + "..." : last));
            return null;
        }

        public Result finish(Duration timeout) throws IOException, InterruptedException {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                fail("the application did not end within " + timeout + ": " + cmd + "\nstdout:\n"
                        + Files.readString(out) + "\nstderr:\n" + Files.readString(err));
            }
            return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8), report, cmd);
        }
    }

    /** What a run left behind. */
    public static final class Result {
        public final int exit;
        public final String stdout;
        public final String stderr;
        public final Path reportFile;
        public final List<String> command;

        Result(int exit, String stdout, String stderr, Path reportFile, List<String> command) {
            this.exit = exit;
            this.stdout = stdout;
            this.stderr = stderr;
            this.reportFile = reportFile;
            this.command = command;
        }

        public JsonNode report() throws IOException {
            assertTrue(Files.isRegularFile(reportFile), "no report at " + reportFile + "\n" + this);
            return JSON.readTree(reportFile.toFile());
        }

        /** The site the application printed for {@code name} with {@code Sites.mark}. */
        public String site(String name) {
            for (String line : stdout.split("\n")) {
                if (line.startsWith("SITE " + name + " ")) {
                    return line.substring(("SITE " + name + " ").length()).trim();
                }
            }
            fail("the application marked no site '" + name + "'\n" + this);
            return null;
        }

        public Result assertOk() {
            if (exit != 0) {
                fail("the application exited with " + exit + "\n" + this);
            }
            return this;
        }

        @Override
        public String toString() {
            return "command: " + String.join(" ", command) + "\nexit: " + exit + "\nstdout:\n" + stdout + "\nstderr:\n" + stderr;
        }
    }

    /** The findings of {@code kind} at {@code site}. */
    public static List<JsonNode> findings(JsonNode report, String kind, String site) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode f : report.path("findings")) {
            if (f.path("kind").asText().equals(kind) && (site == null || f.path("site").asText().equals(site))) {
                out.add(f);
            }
        }
        return out;
    }

    public static JsonNode site(JsonNode report, String site) {
        for (JsonNode s : report.path("sites")) {
            if (s.path("site").asText().equals(site)) {
                return s;
            }
        }
        fail("no site " + site + " in the report; sites: " + report.path("sites").findValuesAsText("site"));
        return null;
    }

    public static JsonNode pool(JsonNode report, String name) {
        for (JsonNode p : report.path("pools")) {
            if (p.path("name").asText().equals(name)) {
                return p;
            }
        }
        fail("no pool " + name + " in the report; pools: " + report.path("pools").findValuesAsText("name"));
        return null;
    }
}
