package io.holdtrace.agent;

import java.io.File;
import java.io.InputStream;
import java.lang.instrument.Instrumentation;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.jar.JarFile;

/**
 * The entry point, kept tiny on purpose: it puts the bootstrap part (the classes woven code
 * calls) on the bootstrap class path, then hands over to {@link AgentInstaller} by reflection.
 * Whatever fails, the application starts anyway, and stderr says why once.
 */
public final class HoldtraceAgent {

    static final String BOOTSTRAP_JAR = "holdtrace-bootstrap.jar.bin";
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
            appendBootstrap(inst);
            Class.forName("io.holdtrace.agent.AgentInstaller")
                    .getMethod("install", String.class, Instrumentation.class, boolean.class)
                    .invoke(null, args, inst, attached);
        } catch (Throwable t) {
            Throwable cause = t instanceof java.lang.reflect.InvocationTargetException && t.getCause() != null ? t.getCause() : t;
            System.err.println("[holdtrace] could not start; the application runs without it: " + cause);
        }
    }

    private static void appendBootstrap(Instrumentation inst) throws Exception {
        if (ClassLoader.getSystemClassLoader().getParent() != null
                && Class.forName("java.lang.Object").getClassLoader() == null
                && bootstrapAlreadyPresent()) {
            return;
        }
        File jar = newTempFile();
        jar.deleteOnExit();
        try (InputStream in = HoldtraceAgent.class.getResourceAsStream(BOOTSTRAP_JAR)) {
            if (in == null) {
                throw new IllegalStateException("the agent jar lacks its bootstrap part (" + BOOTSTRAP_JAR + ")");
            }
            Files.copy(in, jar.toPath(), StandardCopyOption.REPLACE_EXISTING);
        }
        inst.appendToBootstrapClassLoaderSearch(new JarFile(jar));
    }

    /**
     * A new file in the temporary directory, created here (so never one planted before, nor a
     * link). Named by the clock rather than by {@code File.createTempFile}, whose SecureRandom
     * cost a fifth of the agent's start; a name taken is tried again.
     */
    private static File newTempFile() throws java.io.IOException {
        java.nio.file.Path dir = java.nio.file.Paths.get(System.getProperty("java.io.tmpdir"));
        for (int i = 0; ; i++) {
            java.nio.file.Path p = dir.resolve("holdtrace-bootstrap-".concat(Long.toHexString(System.nanoTime()))
                    .concat(Integer.toHexString(System.identityHashCode(dir))).concat(".jar"));
            try {
                return Files.createFile(p).toFile();
            } catch (java.nio.file.FileAlreadyExistsException taken) {
                if (i >= 100) {
                    throw taken;
                }
            }
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
