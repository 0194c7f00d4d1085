package io.holdtrace.instrumentation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.example.weaving.Fixtures.PartConnection;
import java.io.InputStream;
import java.net.URL;
import java.util.LinkedHashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which supertypes' class files the subtype test reads: those of the application, not the JDK's. */
public class SubtypesTest {

    /** Serves the tests' classes, and records every class file asked for. */
    static final class Recording extends ClassLoader {
        /** Distinct names: getResourceAsStream may go through getResource. */
        final Set<String> asked = new LinkedHashSet<>();

        Recording() {
            super(SubtypesTest.class.getClassLoader());
        }

        @Override
        public URL getResource(String name) {
            asked.add(name);
            return super.getResource(name);
        }

        @Override
        public InputStream getResourceAsStream(String name) {
            asked.add(name);
            return super.getResourceAsStream(name);
        }
    }

    @Test
    void jdkSupertypesAreNoConnectionWithoutReadingThem() {
        Recording loader = new Recording();
        Subtypes connections = new Subtypes("java.sql.Connection");
        assertFalse(connections.test("com.example.Stream", new String[] {"java.lang.Object", "java.io.Closeable",
                "java.lang.AutoCloseable", "javax.sql.PooledConnection", "jdk.internal.Foo", "sun.misc.Bar"}, loader));
        assertEquals(Set.of(), loader.asked, "no class file of the JDK was read");
        assertTrue(connections.test("com.example.Mine", new String[] {"java.lang.Object", "java.sql.Connection"}, loader));
        assertTrue(connections.test("com.example.Sub", new String[] {PartConnection.class.getName()}, loader),
                "an application supertype is read, and found to implement Connection");
        assertEquals(Set.of(PartConnection.class.getName().replace('.', '/') + ".class"), loader.asked);
    }

    @Test
    void aTargetThatJdkTypesMayExtendStillReadsThem() {
        Recording loader = new Recording();
        Subtypes closeables = new Subtypes("java.lang.AutoCloseable");
        assertTrue(closeables.test("com.example.Stream", new String[] {"java.lang.Object", "java.io.Closeable"}, loader),
                "java.io.Closeable extends AutoCloseable: read, not assumed");
        assertEquals(Set.of("java/io/Closeable.class"), loader.asked);
    }
}
