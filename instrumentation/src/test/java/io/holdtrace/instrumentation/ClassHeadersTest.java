package io.holdtrace.instrumentation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.io.InputStream;
import java.io.Writer;
import org.junit.jupiter.api.Test;

class ClassHeadersTest {

    /** Long and double constants take two constant-pool slots each; the reader must count them so. */
    abstract static class Sample extends Writer implements Runnable, Comparable<String> {
        static final long BIG = 0x1234_5678_9ABC_DEF0L;
        static final double HALF = 0.5;
        static final String TEXT = "héllo wörld";
        final long[] values = {BIG, 7L, 9L};
        final double[] fractions = {HALF, 0.25};
    }

    interface Marker extends Runnable, AutoCloseable {
    }

    private static byte[] bytesOf(Class<?> c) throws IOException {
        String resource = c.getName().replace('.', '/') + ".class";
        ClassLoader loader = c.getClassLoader() != null ? c.getClassLoader() : ClassLoader.getSystemClassLoader();
        try (InputStream in = loader.getResourceAsStream(resource)) {
            return in.readAllBytes();
        }
    }

    @Test
    void readsTheSuperclassThenTheInterfacesAsTheJvmDeclaresThem() throws IOException {
        for (Class<?> c : new Class<?>[] {java.util.ArrayList.class, Sample.class, Marker.class, String.class,
                java.util.concurrent.ConcurrentHashMap.class, ClassHeadersTest.class}) {
            String[] expected = expected(c);
            assertArrayEquals(expected, ClassHeaders.directSupertypes(bytesOf(c)), c.getName());
        }
    }

    private static String[] expected(Class<?> c) {
        Class<?>[] interfaces = c.getInterfaces();
        Class<?> sup = c.isInterface() ? Object.class : c.getSuperclass();
        String[] out = new String[1 + interfaces.length];
        out[0] = sup.getName();
        for (int i = 0; i < interfaces.length; i++) {
            out[i + 1] = interfaces[i].getName();
        }
        return out;
    }

    @Test
    void leavesTheHeaderForTheSameClassOnTheSameThreadOnly() throws Exception {
        ClassHeaders headers = new ClassHeaders();
        byte[] sample = bytesOf(Sample.class);
        ClassLoader loader = getClass().getClassLoader();
        String internal = Sample.class.getName().replace('.', '/');
        assertNull(headers.transform(loader, internal, null, null, sample), "never changes a class");
        assertArrayEquals(expected(Sample.class), ClassHeaders.of(Sample.class.getName()));
        assertNull(ClassHeaders.of("some.other.Type"));
        String[][] seenElsewhere = new String[1][];
        Thread t = new Thread(() -> seenElsewhere[0] = ClassHeaders.of(Sample.class.getName()));
        t.start();
        t.join();
        assertNull(seenElsewhere[0], "another thread's class load");

        headers.transform(loader, internal, Sample.class, null, sample); // a redefinition: not a load
        assertNull(ClassHeaders.of(Sample.class.getName()));
        headers.transform(loader, "bad/Thing", null, null, new byte[] {1, 2, 3});
        assertNull(ClassHeaders.of("bad.Thing"), "not a class file: nothing, and no exception");
        headers.transform(loader, "bad/Cut", null, null, java.util.Arrays.copyOf(sample, 40));
        assertNull(ClassHeaders.of("bad.Cut"), "a truncated class file: nothing, and no exception");
    }
}
