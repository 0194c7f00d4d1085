package io.holdtrace.agent;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import net.bytebuddy.dynamic.ClassFileLocator;

/**
 * The class files of holdtrace's bootstrap part, for Byte Buddy's type descriptions: an
 * application's loader cannot serve them as resources (they were appended to the bootstrap
 * class path at run time), yet a woven HikariCP class names two of its interfaces
 * ({@link io.holdtrace.bootstrap.SlotCarrier}, {@link io.holdtrace.bootstrap.PooledHandle}).
 * Read from the agent jar's nested bootstrap jar on the first request, then kept (about 60 KB).
 */
final class BootstrapClassFiles implements ClassFileLocator {

    private static final String PREFIX = "io.holdtrace.bootstrap.";

    private Map<String, byte[]> classes;

    @Override
    public Resolution locate(String name) throws IOException {
        if (!name.startsWith(PREFIX)) {
            return new Resolution.Illegal(name);
        }
        byte[] b = classes().get(name);
        return b == null ? new Resolution.Illegal(name) : new Resolution.Explicit(b);
    }

    private synchronized Map<String, byte[]> classes() throws IOException {
        if (classes == null) {
            Map<String, byte[]> m = new HashMap<>();
            try (InputStream raw = HoldtraceAgent.class.getResourceAsStream(HoldtraceAgent.BOOTSTRAP_JAR)) {
                if (raw != null) {
                    JarInputStream in = new JarInputStream(raw);
                    for (JarEntry e; (e = in.getNextJarEntry()) != null; ) {
                        String n = e.getName();
                        if (n.endsWith(".class")) {
                            ByteArrayOutputStream out = new ByteArrayOutputStream();
                            in.transferTo(out);
                            m.put(n.substring(0, n.length() - 6).replace('/', '.'), out.toByteArray());
                        }
                    }
                }
            }
            classes = m;
        }
        return classes;
    }

    @Override
    public void close() {
        // nothing held open
    }
}
