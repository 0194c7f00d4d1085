package io.holdtrace.agent;

import java.io.FileInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Is this JVM started with an application class-data archive ({@code -XX:SharedArchiveFile}, as
 * Spring Boot's CDS support and {@code -XX:ArchiveClassesAtExit} make)? On JDK 17 (seen on
 * 17.0.15) such a JVM crashes in {@code KlassFactory::check_shared_class_file_load_hook} as soon as
 * the application class loader loads a class from the archive while any Java agent's class-file
 * transformer is registered: an agent whose transformer changes nothing crashes it too. JDK 25
 * refuses the archive when an agent is added ({@code java.instrument} was not in the dumped
 * module graph), so the application runs without its archive instead. holdtrace therefore does
 * not start on a JDK before 25 that was given such an archive, and says so in one line.
 *
 * <p>The JVM's options are read where the launcher takes them: the command line (with its
 * {@code @argfiles}, and {@code -XX:Flags=} and {@code -XX:VMOptionsFile=} files), and the
 * {@code JDK_JAVA_OPTIONS}, {@code JAVA_TOOL_OPTIONS} and {@code _JAVA_OPTIONS} variables. The
 * last {@code -Xshare:} given wins: {@code -Xshare:off} maps no archive.
 */
final class AppArchive {

    private static final List<String> VALUE_OPTIONS = Arrays.asList("-cp", "-classpath", "--class-path", "-p",
            "--module-path", "--upgrade-module-path", "--add-modules", "--limit-modules", "--add-reads", "--add-exports",
            "--add-opens", "--patch-module", "--enable-native-access", "--source");

    private AppArchive() {
    }

    /**
     * Files' text, or null: {@code java.io} (loaded already), not NIO's {@code Files} or a method
     * reference, whose first use in a JVM's premain costs milliseconds of class loading and
     * linking on its start.
     */
    private static final Function<String, String> FILE_TEXT = new Function<String, String>() {
        @Override
        public String apply(String file) {
            return read(file);
        }
    };

    /** The option naming the archive, or null if none is given (or sharing is switched off). */
    static String named() {
        try {
            return named(commandLine(), System.getenv(), FILE_TEXT);
        } catch (RuntimeException | Error unreadable) { // a platform that tells nothing: as without an archive
            return null;
        }
    }

    /**
     * This process's arguments after the executable: {@code /proc/self/cmdline} where there is one
     * (exact, however long: {@code ProcessHandle.Info.arguments()} is empty past a page of them),
     * else what {@link ProcessHandle} tells.
     */
    private static List<String> commandLine() {
        try {
            byte[] b = bytes("/proc/self/cmdline");
            List<String> out = new ArrayList<>();
            int from = 0;
            for (int i = 0; i < b.length; i++) {
                if (b[i] == 0) {
                    out.add(new String(b, from, i - from, StandardCharsets.UTF_8));
                    from = i + 1;
                }
            }
            if (!out.isEmpty()) {
                return out.subList(1, out.size());
            }
        } catch (IOException | RuntimeException notLinux) {
            // below
        }
        ProcessHandle.Info info = ProcessHandle.current().info();
        Optional<String[]> args = info.arguments();
        if (args.isPresent()) {
            return Arrays.asList(args.get());
        }
        Optional<String> line = info.commandLine();
        if (line.isPresent()) {
            List<String> words = words(line.get());
            return words.isEmpty() ? words : words.subList(1, words.size());
        }
        return List.of();
    }

    /**
     * @param commandLine the arguments after the {@code java} executable
     * @param readFile    a file's text, or null if it cannot be read
     */
    static String named(List<String> commandLine, Map<String, String> env, Function<String, String> readFile) {
        List<String> options = new ArrayList<>();
        for (String variable : new String[] {"JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS"}) {
            String v = env.get(variable);
            if (v != null) {
                options.addAll(words(v));
            }
        }
        List<String> line = new ArrayList<>();
        for (String a : commandLine) {
            String text = a.startsWith("@") && !a.startsWith("@@") ? readFile.apply(a.substring(1)) : null;
            if (text != null) {
                line.addAll(words(text));
            } else {
                line.add(a);
            }
        }
        for (int i = 0; i < line.size(); i++) {
            String a = line.get(i);
            if (!a.startsWith("-") || a.equals("-jar") || a.equals("-m") || a.equals("--module")) {
                break; // the main class or jar: the application's own arguments follow
            }
            if (VALUE_OPTIONS.contains(a)) {
                i++;
                continue;
            }
            options.add(a);
        }
        String archive = null;
        boolean off = false;
        for (String o : flagFiles(options, readFile)) {
            if (o.startsWith("-XX:SharedArchiveFile=") || o.equals("-XX:+AutoCreateSharedArchive")) {
                archive = archive == null || o.startsWith("-XX:SharedArchiveFile=") ? o : archive;
            } else if (o.startsWith("-Xshare:")) {
                off = o.equals("-Xshare:off");
            }
        }
        return off ? null : archive;
    }

    /** The options, with the contents of {@code -XX:Flags=} and {@code -XX:VMOptionsFile=} files in their place. */
    private static List<String> flagFiles(List<String> options, Function<String, String> readFile) {
        List<String> out = new ArrayList<>();
        for (String o : options) {
            String file = o.startsWith("-XX:Flags=") ? o.substring("-XX:Flags=".length())
                    : o.startsWith("-XX:VMOptionsFile=") ? o.substring("-XX:VMOptionsFile=".length()) : null;
            String text = file == null ? null : readFile.apply(file);
            if (text == null) {
                out.add(o);
                continue;
            }
            for (String w : words(text)) {
                // a .hotspotrc names flags without -XX: (+Flag, -Flag, Name=value)
                out.add(w.startsWith("-") ? w : "-XX:" + w);
            }
        }
        return out;
    }

    private static List<String> words(String text) {
        List<String> out = new ArrayList<>();
        for (String w : text.trim().split("\\s+")) {
            if (!w.isEmpty()) {
                out.add(w.length() > 1 && (w.startsWith("\"") && w.endsWith("\"") || w.startsWith("'") && w.endsWith("'"))
                        ? w.substring(1, w.length() - 1) : w);
            }
        }
        return out;
    }

    private static String read(String file) {
        try {
            return new String(bytes(file), StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static byte[] bytes(String file) throws IOException {
        try (FileInputStream in = new FileInputStream(file)) {
            return in.readAllBytes();
        }
    }
}
