package io.holdtrace.agent;

import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.instrument.Instrumentation;
import java.net.URL;
import java.security.CodeSource;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

/**
 * The entry point, kept tiny on purpose: it puts the bootstrap part (the classes woven code
 * calls) on the bootstrap class path, then hands over to {@link AgentInstaller} by reflection.
 * Whatever fails, the application starts anyway, and stderr says why once.
 */
public final class HoldtraceAgent {

    static final String BOOTSTRAP_JAR = "holdtrace-bootstrap.jar.bin";
    private static final String RESOURCE = "io/holdtrace/agent/" + BOOTSTRAP_JAR;
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
        // java.io and the agent's own jar file, not NIO channels and a jar: URL connection: a few
        // dozen JDK classes fewer to load before the application's main
        try (JarFile agent = agentJar()) {
            ZipEntry entry = agent == null ? null : agent.getEntry(RESOURCE);
            try (InputStream in = entry != null ? agent.getInputStream(entry) : HoldtraceAgent.class.getResourceAsStream(BOOTSTRAP_JAR);
                 OutputStream out = new FileOutputStream(jar)) {
                if (in == null) {
                    throw new IllegalStateException("the agent jar lacks its bootstrap part (" + BOOTSTRAP_JAR + ")");
                }
                in.transferTo(out);
            }
        }
        inst.appendToBootstrapClassLoaderSearch(new JarFile(jar));
    }

    /** The jar this class was loaded from, or null if that is not a local jar file. */
    private static JarFile agentJar() {
        try {
            CodeSource source = HoldtraceAgent.class.getProtectionDomain().getCodeSource();
            URL url = source == null ? null : source.getLocation();
            if (url == null || !"file".equals(url.getProtocol())) {
                return null;
            }
            File file = new File(url.toURI());
            return file.isFile() ? new JarFile(file, false) : null;
        } catch (Exception notAJar) {
            return null; // read as a resource instead
        }
    }

    /**
     * A new file in the temporary directory, created here (so never one planted before, nor a
     * link: created exclusively). Named by the clock rather than by {@code File.createTempFile},
     * whose SecureRandom cost a fifth of the agent's start; a name taken is tried again.
     */
    private static File newTempFile() throws IOException {
        File dir = new File(System.getProperty("java.io.tmpdir"));
        for (int i = 0; ; i++) {
            File f = new File(dir, "holdtrace-bootstrap-" + Long.toHexString(System.nanoTime())
                    + Integer.toHexString(System.identityHashCode(dir)) + ".jar");
            if (f.createNewFile()) {
                return f;
            }
            if (i >= 100) {
                throw new IOException("could not create a file in " + dir + " for the agent's bootstrap part");
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
