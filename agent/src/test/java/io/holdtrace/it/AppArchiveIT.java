package io.holdtrace.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.example.scenario.PoolScenario;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An application started with its own class-data archive (-XX:SharedArchiveFile, made here with
 * -XX:ArchiveClassesAtExit as Spring Boot's CDS support does): on JDK 17 any Java agent's class-file
 * transformer crashes such a JVM as it loads a class from the archive (this scenario, run with an
 * agent that only registers a transformer, or with holdtrace before it checked, dies in
 * KlassFactory::check_shared_class_file_load_hook as PostgreSQL's driver connects), so the agent
 * stays off and says why; on JDK 25 the JVM drops the archive for an agent, and the agent tracks as
 * ever.
 */
class AppArchiveIT {

    private static final Duration LIMIT = Duration.ofSeconds(90);
    private static final Path JAVA_25 = Paths.get(System.getProperty("holdtrace.java25", "/usr/lib/jvm/temurin-25-jdk-amd64"));

    private static Path app;

    /**
     * The scenario laid out as Spring Boot's CDS support lays out an application (its extract
     * mode): {@code app.jar} with the main class and a manifest {@code Class-Path} of the jars in
     * {@code lib/}, run with {@code -jar}. CDS takes jars only (a directory on the class path makes
     * the dump fail); one layout for the dump and every run, as the archive holds its paths.
     */
    private static synchronized Path app() throws Exception {
        if (app != null) {
            return app;
        }
        Path dir = Files.createTempDirectory("holdtrace-cds");
        Files.createDirectories(dir.resolve("lib"));
        StringBuilder classPath = new StringBuilder();
        for (String e : AgentRun.applicationClasspath()) {
            Path p = Paths.get(e);
            if (Files.isRegularFile(p) && e.endsWith(".jar")) {
                Path copy = dir.resolve("lib").resolve(p.getFileName());
                Files.copy(p, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                classPath.append(classPath.length() == 0 ? "" : " ").append("lib/").append(p.getFileName());
            }
        }
        java.util.jar.Manifest m = new java.util.jar.Manifest();
        m.getMainAttributes().put(java.util.jar.Attributes.Name.MANIFEST_VERSION, "1.0");
        m.getMainAttributes().put(java.util.jar.Attributes.Name.MAIN_CLASS, PoolScenario.class.getName());
        m.getMainAttributes().put(java.util.jar.Attributes.Name.CLASS_PATH, classPath.toString());
        Path classes = Paths.get(PoolScenario.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path jar = dir.resolve("app.jar");
        try (java.util.jar.JarOutputStream out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar), m);
             java.util.stream.Stream<Path> files = Files.walk(classes)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                out.putNextEntry(new java.util.jar.JarEntry(classes.relativize(f).toString().replace('\\', '/')));
                Files.copy(f, out);
                out.closeEntry();
            }
        }
        app = jar;
        return jar;
    }

    /**
     * Runs the scenario's "close" (20 checkouts) on PostgreSQL with {@code java} of {@code home},
     * these JVM options first. On PostgreSQL, not H2: the JDK 17 crash comes as its driver's
     * connection loads a class of its own from the archive (on H2 the scenario never meets it).
     */
    private static AgentRun.Result run(String home, List<String> options, Path report) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Paths.get(home, "bin", "java").toString());
        cmd.addAll(options);
        if (report != null) {
            cmd.add("-javaagent:" + AgentRun.agentJar() + "=report=" + report);
        }
        cmd.addAll(List.of("-jar", app().toString(), "hikari", Databases.POSTGRES.url, Databases.POSTGRES.user, Databases.POSTGRES.password, "close"));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().keySet().removeIf(k -> k.startsWith("HOLDTRACE_") || k.endsWith("JAVA_OPTIONS"));
        Path out = Files.createTempFile("holdtrace-cds", ".out");
        Path err = Files.createTempFile("holdtrace-cds", ".err");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        if (!p.waitFor(LIMIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + cmd);
        }
        return new AgentRun.Result(p.exitValue(), Files.readString(out), Files.readString(err), report, cmd);
    }

    /** An archive of the scenario's classes, dumped by {@code java} of {@code home} at the scenario's exit. */
    private static Path archive(String home) throws Exception {
        Path jsa = Files.createTempDirectory("holdtrace-cds").resolve("app.jsa");
        AgentRun.Result dump = run(home, List.of("-XX:ArchiveClassesAtExit=" + jsa), null);
        assertEquals(0, dump.exit, dump.toString());
        assertTrue(Files.isRegularFile(jsa) && Files.size(jsa) > 0, "an archive was dumped at " + jsa + "\n" + dump);
        return jsa;
    }

    @Test
    void onJdk17TheAgentStaysOffAndSaysWhyRatherThanLetTheJvmCrash() throws Exception {
        String home = System.getProperty("java.home");
        Path jsa = archive(home);
        Path report = Files.createTempDirectory("holdtrace-cds").resolve("report.json");
        AgentRun.Result run = run(home, List.of("-XX:SharedArchiveFile=" + jsa), report);
        assertEquals(0, run.exit, "the application ran to its end: " + run);
        assertFalse(run.stdout.contains("A fatal error has been detected"), run.toString());
        assertTrue(run.stderr.contains("[holdtrace] holdtrace is off: this JVM maps an application class-data archive"
                + " (-XX:SharedArchiveFile=" + jsa + ")"), run.toString());
        assertEquals(1, run.stderr.lines().filter(l -> l.startsWith("[holdtrace]")).count(), "one line: " + run);
        assertFalse(Files.exists(report), "no report: the agent never started");
    }

    @Test
    void onJdk25TheJvmDropsTheArchiveAndTheAgentTracks() throws Exception {
        String home = JAVA_25.toString();
        assertTrue(Files.isExecutable(JAVA_25.resolve("bin").resolve("java")), "JDK 25 is installed at " + JAVA_25);
        Path jsa = archive(home);
        Path report = Files.createTempDirectory("holdtrace-cds").resolve("report.json");
        AgentRun.Result run = run(home, List.of("-XX:SharedArchiveFile=" + jsa), report);
        assertEquals(0, run.exit, run.toString());
        assertTrue(run.stderr.contains("tracking JDBC connection holds"), run.toString());
        assertFalse(run.stderr.contains("holdtrace is off"), run.toString());
        assertEquals(20, AgentRun.pool(AgentRun.JSON.readTree(report.toFile()), "scenario-hikari").path("acquires").asInt(),
                run.toString());
    }
}
