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

/**
 * Which supertypes the subtype test looks at: those of the application, not the JDK's; through
 * the loader, as classes, or else their class files.
 */
public class SubtypesTest {

    /** Serves the tests' classes, and records every class and class file asked for. */
    static class Recording extends ClassLoader {
        /** Distinct names: getResourceAsStream may go through getResource. */
        final Set<String> read = new LinkedHashSet<>();
        final Set<String> loaded = new LinkedHashSet<>();

        Recording() {
            super(SubtypesTest.class.getClassLoader());
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            loaded.add(name);
            return super.loadClass(name, resolve);
        }

        @Override
        public URL getResource(String name) {
            read.add(name);
            return super.getResource(name);
        }

        @Override
        public InputStream getResourceAsStream(String name) {
            read.add(name);
            return super.getResourceAsStream(name);
        }
    }

    @Test
    void jdkSupertypesAreNoConnectionWithoutLookingThemUp() {
        Recording loader = new Recording();
        Subtypes connections = new Subtypes("java.sql.Connection");
        assertFalse(connections.test("com.example.Stream", new String[] {"java.lang.Object", "java.io.Closeable",
                "java.lang.AutoCloseable", "javax.sql.PooledConnection", "jdk.internal.Foo", "sun.misc.Bar"}, loader));
        assertEquals(Set.of(), loader.loaded, "no class of the JDK was asked for");
        assertEquals(Set.of(), loader.read, "nor its class file read");
        assertTrue(connections.test("com.example.Mine", new String[] {"java.lang.Object", "java.sql.Connection"}, loader));
        assertTrue(connections.test("com.example.Sub", new String[] {PartConnection.class.getName()}, loader),
                "an application supertype is looked up, and found to implement Connection");
        assertEquals(Set.of(PartConnection.class.getName()), loader.loaded, "as a class, through the loader");
        assertEquals(Set.of(), loader.read, "no class file read");
    }

    @Test
    void aTargetThatJdkTypesMayExtendStillLooksThemUp() {
        Recording loader = new Recording();
        Subtypes closeables = new Subtypes("java.lang.AutoCloseable");
        assertTrue(closeables.test("com.example.Stream", new String[] {"java.lang.Object", "java.io.Closeable"}, loader),
                "java.io.Closeable extends AutoCloseable: looked up, not assumed");
        assertEquals(Set.of("java.io.Closeable"), loader.loaded);
    }

    @Test
    void aSupertypeTheLoaderWillNotLoadByNameIsReadFromItsClassFile() {
        Recording loader = new Recording() {
            @Override
            protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
                super.loadClass(name, resolve);
                throw new ClassNotFoundException(name); // as a loader that defines classes it cannot find by name
            }
        };
        Subtypes connections = new Subtypes("java.sql.Connection");
        assertTrue(connections.test("com.example.Sub", new String[] {PartConnection.class.getName()}, loader));
        assertEquals(Set.of(PartConnection.class.getName().replace('.', '/') + ".class"), loader.read);
    }

    static volatile boolean lazyInitialized;

    /** Loaded by the test (not named as a class literal anywhere), never initialized by it. */
    abstract static class Lazy implements java.sql.Connection {
        static {
            lazyInitialized = true;
        }
    }

    @Test
    void aSupertypeNotLoadedYetIsLoadedButNotInitialized() {
        Recording loader = new Recording();
        String lazy = SubtypesTest.class.getName() + "$Lazy";
        assertTrue(new Subtypes("java.sql.Connection").test("com.example.SubOfLazy", new String[] {lazy}, loader));
        assertEquals(Set.of(lazy), loader.loaded);
        assertFalse(lazyInitialized, "its static initializer did not run");
    }
}
