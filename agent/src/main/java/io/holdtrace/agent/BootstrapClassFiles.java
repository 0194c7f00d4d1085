package io.holdtrace.agent;

import java.io.IOException;
import java.io.InputStream;
import net.bytebuddy.dynamic.ClassFileLocator;

/**
 * The class files of holdtrace's bootstrap part, for Byte Buddy's type descriptions: a loader
 * that does not delegate to the system class loader (an isolated one, whose parent is the
 * bootstrap loader) cannot serve them as resources (the agent jar was appended to the bootstrap
 * class path at run time, which the JDK's resource lookups do not see), yet a woven HikariCP class
 * names two of its interfaces ({@link io.holdtrace.bootstrap.SlotCarrier}, {@link
 * io.holdtrace.bootstrap.PooledHandle}). Read from the agent jar through this class, whose
 * {@code getResourceAsStream} asks the system class loader when it is itself the bootstrap
 * loader's, as it is in the agent.
 */
final class BootstrapClassFiles implements ClassFileLocator {

    private static final String PREFIX = "io.holdtrace.bootstrap.";

    @Override
    public Resolution locate(String name) throws IOException {
        if (!name.startsWith(PREFIX) || name.indexOf('/') >= 0) {
            return new Resolution.Illegal(name);
        }
        try (InputStream in = BootstrapClassFiles.class.getResourceAsStream("/" + name.replace('.', '/') + ".class")) {
            return in == null ? new Resolution.Illegal(name) : new Resolution.Explicit(in.readAllBytes());
        }
    }

    @Override
    public void close() {
        // nothing held open
    }
}
