package io.holdtrace.instrumentation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

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

    /** Declares close and connect with bodies, abort abstract, and names commit only as a call it makes. */
    abstract static class Declaring implements AutoCloseable {
        static final long BIG = 1L << 40; // a two-slot constant before the names
        int field;

        @Override
        public void close() {
            field = 0;
        }

        void connect(String url, java.util.Properties p) {
            field = url.length() + p.size();
        }

        abstract void abort(Runnable r);

        void calls(java.sql.Connection c) throws java.sql.SQLException {
            c.commit();
        }
    }

    @Test
    void findsTheNamedMethodsAClassDeclaresWithABody() throws IOException {
        byte[][] names = {"commit".getBytes(), "close".getBytes(), "abort".getBytes(), "connect".getBytes(), "calls".getBytes()};
        long found = ClassHeaders.declaredMethods(bytesOf(Declaring.class), names);
        assertEquals(0b11010, found, "close, connect and calls; not abort (abstract), not commit (only called)");
        assertEquals(0, ClassHeaders.declaredMethods(bytesOf(Marker.class), names), "an interface declares nothing to weave");
        assertEquals(0, ClassHeaders.declaredMethods(bytesOf(java.sql.Connection.class), names));
        assertEquals(0b10, ClassHeaders.declaredMethods(bytesOf(java.io.ByteArrayOutputStream.class), names), "close");
        assertEquals(0, ClassHeaders.declaredMethods(new byte[] {1, 2, 3}, names), "not a class file");
        assertNull(ClassHeaders.directSupertypes(new byte[] {1, 2, 3}));
        assertThrows(RuntimeException.class, () -> ClassHeaders.declaredMethods(
                java.util.Arrays.copyOf(bytesOf(Declaring.class), 60), names), "a truncated class file is the caller's to catch");
    }

    /** Fields and methods, with each method's locals, read as ASM reads them (what HookWeaver plans by). */
    @Test
    void readsMembersAndLocalsAsAsmDoes() throws IOException {
        for (Class<?> c : new Class<?>[] {java.util.HashMap.class, Sample.class, Declaring.class, Marker.class, String.class,
                ClassHeadersTest.class}) {
            byte[] bytes = bytesOf(c);
            StringBuilder asm = new StringBuilder();
            int[] version = new int[1];
            String[] owner = new String[1];
            new net.bytebuddy.jar.asm.ClassReader(bytes).accept(new net.bytebuddy.jar.asm.ClassVisitor(net.bytebuddy.jar.asm.Opcodes.ASM9) {
                @Override
                public void visit(int v, int access, String name, String signature, String superName, String[] interfaces) {
                    version[0] = v & 0xFFFF;
                    owner[0] = name;
                }

                @Override
                public net.bytebuddy.jar.asm.FieldVisitor visitField(int access, String name, String descriptor, String signature, Object value) {
                    asm.append("field ").append(access).append(' ').append(name).append(descriptor).append('\n');
                    return null;
                }

                @Override
                public net.bytebuddy.jar.asm.MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
                    int at = asm.length();
                    asm.append("method ").append(access & 0xFFFF).append(' ').append(name).append(descriptor).append(" -1\n");
                    return new net.bytebuddy.jar.asm.MethodVisitor(net.bytebuddy.jar.asm.Opcodes.ASM9) {
                        @Override
                        public void visitMaxs(int maxStack, int maxLocals) {
                            asm.replace(asm.lastIndexOf(" -1\n"), asm.length(), " " + maxLocals + "\n");
                        }
                    };
                }
            }, net.bytebuddy.jar.asm.ClassReader.SKIP_DEBUG | net.bytebuddy.jar.asm.ClassReader.SKIP_FRAMES);
            ClassHeaders.Members m = ClassHeaders.members(bytes);
            StringBuilder ours = new StringBuilder();
            for (ClassHeaders.Member f : m.fields) {
                ours.append("field ").append(f.access).append(' ').append(f.name).append(f.descriptor).append('\n');
            }
            for (ClassHeaders.Member f : m.methods) {
                ours.append("method ").append(f.access).append(' ').append(f.name).append(f.descriptor).append(' ').append(f.maxLocals).append('\n');
            }
            assertEquals(asm.toString(), ours.toString(), c.getName());
            assertEquals(version[0], m.version, c.getName());
            assertEquals(owner[0], m.owner, c.getName());
        }
        assertNull(ClassHeaders.members(new byte[] {1, 2, 3}));
    }

    /** The names the subtype weaves look for, in many real classes: what ASM finds declared with a body. */
    @Test
    void findsTheDeclaredMethodsAsmFinds() throws IOException {
        String[] wanted = {"close", "abort", "createStatement", "prepareStatement", "prepareCall", "commit", "rollback", "connect",
                "aNameLongerThanSixtyFourBytesSoTheLengthMaskCannotHoldItAndItIsComparedEveryTimeAnyway"};
        byte[][] names = new byte[wanted.length][];
        for (int i = 0; i < wanted.length; i++) {
            names[i] = wanted[i].getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
        for (Class<?> c : new Class<?>[] {java.io.ByteArrayOutputStream.class, java.io.FileInputStream.class, java.util.HashMap.class,
                java.util.Scanner.class, java.net.Socket.class, java.nio.channels.FileChannel.class, java.util.zip.ZipFile.class,
                java.util.concurrent.ThreadPoolExecutor.class, java.lang.String.class, Declaring.class, Sample.class,
                java.util.logging.FileHandler.class, java.io.PrintStream.class}) {
            byte[] bytes = bytesOf(c);
            long[] expected = new long[1];
            new net.bytebuddy.jar.asm.ClassReader(bytes).accept(new net.bytebuddy.jar.asm.ClassVisitor(net.bytebuddy.jar.asm.Opcodes.ASM9) {
                private boolean isInterface;

                @Override
                public void visit(int v, int access, String name, String signature, String superName, String[] interfaces) {
                    isInterface = (access & net.bytebuddy.jar.asm.Opcodes.ACC_INTERFACE) != 0;
                }

                @Override
                public net.bytebuddy.jar.asm.MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
                    if (!isInterface && (access & (net.bytebuddy.jar.asm.Opcodes.ACC_ABSTRACT | net.bytebuddy.jar.asm.Opcodes.ACC_NATIVE)) == 0) {
                        for (int i = 0; i < wanted.length; i++) {
                            if (wanted[i].equals(name)) {
                                expected[0] |= 1L << i;
                            }
                        }
                    }
                    return null;
                }
            }, net.bytebuddy.jar.asm.ClassReader.SKIP_CODE);
            assertEquals(expected[0], ClassHeaders.declaredMethods(bytes, names), c.getName());
        }
    }
}
