package io.holdtrace.perf.noop;

import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;

/**
 * A Java agent that changes nothing: one retransformable class-file transformer, registered as
 * holdtrace registers its weaver, that returns null for every class. What it costs a JVM's start
 * is what any transforming agent costs there (JVMTI's class-load event for every class, the class
 * file copied into a Java array and handed to Java), before any work of its own. startup.sh
 * builds it (javac and jar, no dependency) and starts the sample app with it as the {@code noop}
 * arm, so that holdtrace's own share of its start-up cost can be read beside that floor.
 */
public final class NoopAgent {

    private NoopAgent() {
    }

    public static void premain(String args, Instrumentation inst) {
        inst.addTransformer(new ClassFileTransformer() {
            @Override
            public byte[] transform(ClassLoader loader, String name, Class<?> redefined, ProtectionDomain domain,
                                    byte[] bytes) {
                return null;
            }
        }, true);
    }
}
