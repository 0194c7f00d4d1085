package io.holdtrace.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import java.util.jar.JarInputStream;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;

/**
 * The jar users attach holds no class an application could also have: every class is under
 * {@code io/holdtrace/} (Byte Buddy and Jackson relocated), in the jar and in the bootstrap jar
 * nested in it, including no multi-release copies left under their original names (the jar is
 * not multi-release, so those would only be dead weight, and a scanner's false alarm).
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

            ZipEntry nested = jar.getEntry("io/holdtrace/agent/holdtrace-bootstrap.jar.bin");
            assertNotNull(nested, "the nested bootstrap jar");
            int classes = 0;
            try (JarInputStream in = new JarInputStream(new ByteArrayInputStream(jar.getInputStream(nested).readAllBytes()))) {
                for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                    if (e.getName().endsWith(".class")) {
                        assertTrue(e.getName().startsWith("io/holdtrace/bootstrap/"), e.getName());
                        classes++;
                    }
                }
            }
            assertTrue(classes > 10, "the bootstrap jar holds the bootstrap classes: " + classes);
        }
    }
}
