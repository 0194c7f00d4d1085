package io.holdtrace.agent;

import java.io.File;
import java.lang.instrument.Instrumentation;
import java.net.URL;
import java.security.CodeSource;
import java.util.jar.JarFile;

/**
 * The entry point, kept tiny on purpose: it appends the agent jar itself to the bootstrap class
 * path, then hands over to {@link AgentInstaller}, loaded from there, by reflection. Whatever
 * fails, the application starts anyway, and stderr says why once.
 *
 * <p>On the bootstrap class path are the classes woven code calls ({@code io.holdtrace.bootstrap}),
 * which every woven class, the JDK's included, must see; and with them the rest of the agent:
 * loaded by the bootstrap loader, its classes (about 150 on a Spring Boot start) are read by the
 * JVM's native class path rather than by the application class loader's Java code, and are not
 * verified (the JVM verifies no class of the bootstrap loader's), which takes about 15 ms off the
 * application's main thread as it starts. One jar appended, so the JVM's warning that class-data
 * sharing then serves only the bootstrap loader's classes is printed once. Every class in the jar
 * is under {@code io.holdtrace} (its libraries relocated), so nothing of the application's is
 * shadowed. A class there sees only the bootstrap loader's modules: where one needs a type of
 * another (the JDK's HTTP client, in {@code java.net.http}, a module of the platform loader) it
 * reaches it by method handles, and resources are read through {@code Class.getResourceAsStream},
 * which for such a class asks the system class loader (that sees the agent jar too).
 */
public final class HoldtraceAgent {

    private static boolean started;

    private HoldtraceAgent() {
    }

    public static void premain(String args, Instrumentation inst) {
        start(args, inst, false);
    }

    public static void agentmain(String args, Instrumentation inst) {
        start(args, inst, true);
    }

    /** {@code java -jar holdtrace-agent.jar help|summary REPORT}. */
    public static void main(String[] args) throws Exception {
        System.exit(Cli.run(args, System.out, System.err));
    }

    private static synchronized void start(String args, Instrumentation inst, boolean attached) {
        if (started) {
            System.err.println("[holdtrace] already attached; ignoring the second attach");
            return;
        }
        started = true;
        try {
            String refusal = appArchiveRefusal();
            if (refusal != null) {
                System.err.println(refusal);
                return;
            }
            boolean onBoot = appendToBootstrap(inst);
            Class.forName("io.holdtrace.agent.AgentInstaller", true, onBoot ? null : HoldtraceAgent.class.getClassLoader())
                    .getMethod("install", String.class, Instrumentation.class, boolean.class, String.class)
                    .invoke(null, args, inst, attached, version());
        } catch (Throwable t) {
            Throwable cause = t instanceof java.lang.reflect.InvocationTargetException && t.getCause() != null ? t.getCause() : t;
            System.err.println("[holdtrace] could not start; the application runs without it: " + cause);
        }
    }

    /**
     * Appends the agent jar to the bootstrap class path; false if it is there already (put there
     * by the command line, or by another copy of the agent), its classes then found through this
     * class's loader, which asks the bootstrap loader first.
     */
    private static boolean appendToBootstrap(Instrumentation inst) throws Exception {
        if (bootstrapAlreadyPresent()) {
            return false;
        }
        File jar = agentJar();
        if (jar == null) {
            throw new IllegalStateException("the agent is not a local jar file ("
                    + HoldtraceAgent.class.getProtectionDomain().getCodeSource() + ")");
        }
        try (JarFile f = new JarFile(jar, false)) {
            inst.appendToBootstrapClassLoaderSearch(f); // the JVM opens it by its name; closing ours is fine
        }
        return true;
    }

    /**
     * The line that says why holdtrace does not start in a JVM given an application class-data
     * archive on a JDK before 25 (see {@link AppArchive}); null where it may start.
     */
    private static String appArchiveRefusal() {
        int feature = Runtime.version().feature();
        String archive = feature >= 25 ? null : AppArchive.named();
        return archive == null ? null : "[holdtrace] holdtrace is off: this JVM maps an application class-data archive ("
                + archive + "), and on JDK " + feature + " such an archive with a Java agent's class-file transformer crashes"
                + " the JVM (seen on JDK 17.0.15, with any agent); start without the archive (or with -Xshare:off), or on"
                + " JDK 25 or later, to use holdtrace; the application runs without it";
    }

    /** The manifest's version, as this class's loader read it defining the package; null if none. */
    private static String version() {
        Package p = HoldtraceAgent.class.getPackage();
        return p == null ? null : p.getImplementationVersion();
    }

    /** The jar this class was loaded from, or null if that is not a local jar file. */
    private static File agentJar() {
        try {
            CodeSource source = HoldtraceAgent.class.getProtectionDomain().getCodeSource();
            URL url = source == null ? null : source.getLocation();
            if (url == null || !"file".equals(url.getProtocol())) {
                return null;
            }
            File file = new File(url.toURI());
            return file.isFile() ? file : null;
        } catch (Exception notAJar) {
            return null;
        }
    }

    private static boolean bootstrapAlreadyPresent() {
        try {
            Class.forName("io.holdtrace.bootstrap.Holds", false, null);
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }
}
