package io.holdtrace.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Where the JVM's options come from, as the launcher takes them, and which archive they name. */
class AppArchiveTest {

    private static final Function<String, String> NO_FILES = f -> null;

    @Test
    void theCommandLineNamesTheArchive() {
        assertEquals("-XX:SharedArchiveFile=app.jsa", AppArchive.named(List.of("-Xmx1g", "-XX:SharedArchiveFile=app.jsa",
                "-javaagent:holdtrace-agent.jar", "-jar", "app.jar"), Map.of(), NO_FILES));
        assertEquals("-XX:+AutoCreateSharedArchive", AppArchive.named(List.of("-XX:+AutoCreateSharedArchive", "-cp", "a.jar",
                "com.acme.Main"), Map.of(), NO_FILES));
        assertNull(AppArchive.named(List.of("-Xmx1g", "-jar", "app.jar"), Map.of(), NO_FILES), "no archive");
    }

    @Test
    void theApplicationsOwnArgumentsAndOptionValuesAreNotTheJvms() {
        assertNull(AppArchive.named(List.of("-jar", "app.jar", "-XX:SharedArchiveFile=app.jsa"), Map.of(), NO_FILES),
                "after the jar: the application's argument");
        assertNull(AppArchive.named(List.of("-cp", "a.jar", "com.acme.Main", "-XX:SharedArchiveFile=x"), Map.of(), NO_FILES),
                "after the main class");
        assertEquals("-XX:SharedArchiveFile=b.jsa", AppArchive.named(List.of("-cp", "-XX:SharedArchiveFile=a.jsa",
                "-XX:SharedArchiveFile=b.jsa", "com.acme.Main"), Map.of(), NO_FILES), "a class path is -cp's value, not an option");
    }

    @Test
    void theLastShareOptionWins() {
        assertNull(AppArchive.named(List.of("-XX:SharedArchiveFile=app.jsa", "-Xshare:off", "-jar", "app.jar"), Map.of(), NO_FILES));
        assertEquals("-XX:SharedArchiveFile=app.jsa", AppArchive.named(List.of("-Xshare:off", "-Xshare:auto",
                "-XX:SharedArchiveFile=app.jsa", "-jar", "app.jar"), Map.of(), NO_FILES));
    }

    @Test
    void theEnvironmentArgumentFilesAndFlagFilesCountToo() {
        assertEquals("-XX:SharedArchiveFile=/srv/app.jsa", AppArchive.named(List.of("-jar", "app.jar"),
                Map.of("JAVA_TOOL_OPTIONS", "-Xss1m -XX:SharedArchiveFile=/srv/app.jsa"), NO_FILES));
        assertEquals("-XX:SharedArchiveFile=/srv/app.jsa", AppArchive.named(List.of("-jar", "app.jar"),
                Map.of("JDK_JAVA_OPTIONS", "\"-XX:SharedArchiveFile=/srv/app.jsa\""), NO_FILES));
        assertNull(AppArchive.named(List.of("-Xshare:off", "-jar", "app.jar"),
                Map.of("JAVA_TOOL_OPTIONS", "-XX:SharedArchiveFile=/srv/app.jsa"), NO_FILES),
                "the environment comes before the command line, whose -Xshare:off wins");
        Map<String, String> files = Map.of("jvm.args", "-Xmx1g\n-XX:SharedArchiveFile=from-argfile.jsa\n",
                ".hotspotrc", "+UnlockDiagnosticVMOptions\nSharedArchiveFile=from-flags.jsa\n");
        assertEquals("-XX:SharedArchiveFile=from-argfile.jsa", AppArchive.named(List.of("@jvm.args", "-jar", "app.jar"),
                Map.of(), files::get));
        assertEquals("-XX:SharedArchiveFile=from-flags.jsa", AppArchive.named(List.of("-XX:Flags=.hotspotrc", "-jar", "app.jar"),
                Map.of(), files::get));
        assertNull(AppArchive.named(List.of("@missing.args", "-jar", "app.jar"), Map.of(), files::get),
                "an argument file that cannot be read names nothing");
    }
}
