package io.holdtrace.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;

/**
 * The jar users attach holds no class an application could also have: every class is under
 * {@code io/holdtrace/} (Byte Buddy and Jackson relocated; the agent appends the whole jar to the
 * bootstrap class path), including no multi-release copies left under their original names (the
 * jar is not multi-release, so those would only be dead weight, and a scanner's false alarm).
 */
class AgentJarIT {

    @Test
    void everyClassIsHoldtracesOwnOrRelocated() throws Exception {
        try (JarFile jar = new JarFile(AgentRun.agentJar().toFile())) {
            List<String> foreign = new ArrayList<>();
            jar.stream().map(ZipEntry::getName)
                    .filter(n -> n.endsWith(".class") && !n.startsWith("io/holdtrace/"))
                    .forEach(foreign::add);
            assertEquals(List.of(), foreign, "classes outside io/holdtrace/");
            assertTrue(jar.stream().noneMatch(e -> e.getName().startsWith("META-INF/versions/")),
                    "multi-release entries in a jar that is not multi-release");
            assertNotNull(jar.getManifest().getMainAttributes().getValue("Premain-Class"));

            assertNull(jar.getEntry("io/holdtrace/agent/holdtrace-bootstrap.jar.bin"), "no nested bootstrap jar: the agent jar is appended whole");
            long classes = jar.stream().filter(e -> e.getName().startsWith("io/holdtrace/bootstrap/") && e.getName().endsWith(".class")).count();
            assertTrue(classes > 10, "the jar holds the bootstrap part's classes: " + classes);
        }
    }
}
