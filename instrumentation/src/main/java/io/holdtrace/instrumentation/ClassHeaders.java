package io.holdtrace.instrumentation;

import java.lang.instrument.ClassFileTransformer;
import java.security.ProtectionDomain;

/**
 * Reads the direct supertypes of each class being loaded from its class file's header (the
 * constant pool and the three fields after it), and leaves them for {@link Subtypes} on the same
 * thread: registered just before Byte Buddy's transformer, which is called next for the same
 * class. With them, a class whose supertypes' answers are already known is matched without
 * being parsed at all (a full parse of every class an application loads was the largest part
 * of holdtrace's start-up). Never changes a class; never throws.
 */
public final class ClassHeaders implements ClassFileTransformer {

    /** {binary name, direct supertypes' binary names} of the last class this thread began to load. */
    private static final ThreadLocal<String[][]> LAST = new ThreadLocal<>();

    @Override
    public byte[] transform(ClassLoader loader, String className, Class<?> redefined, ProtectionDomain domain,
                            byte[] bytes) {
        if (loader == null || redefined != null || className == null || bytes == null) {
            LAST.remove(); // the boot loader's classes are not matched by supertype; redefinitions carry loaded types
            return null;
        }
        try {
            String[] supers = directSupertypes(bytes);
            LAST.set(supers == null ? null : new String[][] {{className.replace('/', '.')}, supers});
        } catch (RuntimeException malformed) {
            LAST.remove(); // the JVM will reject it itself
        }
        return null;
    }

    /** The direct supertypes of {@code binaryName} if it is the class this thread is loading now, else null. */
    static String[] of(String binaryName) {
        String[][] last = LAST.get();
        return last != null && last[0][0].equals(binaryName) ? last[1] : null;
    }

    /** Superclass (if any) then interfaces, as binary names; null if the bytes are not a class file. */
    static String[] directSupertypes(byte[] b) {
        if (b.length < 10 || u4(b, 0) != 0xCAFEBABE) {
            return null;
        }
        int count = u2(b, 8);
        int[] offsets = new int[count]; // of each constant's body, for Utf8 and Class constants
        int p = 10;
        for (int i = 1; i < count; i++) {
            int tag = b[p] & 0xFF;
            offsets[i] = p + 1;
            switch (tag) {
                case 1: // Utf8
                    p += 3 + u2(b, p + 1);
                    break;
                case 7: case 8: case 16: case 19: case 20: // Class, String, MethodType, Module, Package
                    p += 3;
                    break;
                case 15: // MethodHandle
                    p += 4;
                    break;
                case 3: case 4: case 9: case 10: case 11: case 12: case 17: case 18:
                    p += 5;
                    break;
                case 5: case 6: // Long, Double: two slots
                    p += 9;
                    i++;
                    break;
                default:
                    throw new IllegalArgumentException("constant pool tag " + tag);
            }
        }
        int superIndex = u2(b, p + 4);
        int interfaces = u2(b, p + 6);
        String[] out = new String[(superIndex == 0 ? 0 : 1) + interfaces];
        int k = 0;
        if (superIndex != 0) {
            out[k++] = className(b, offsets, superIndex);
        }
        for (int i = 0; i < interfaces; i++) {
            out[k++] = className(b, offsets, u2(b, p + 8 + 2 * i));
        }
        return out;
    }

    private static String className(byte[] b, int[] offsets, int classIndex) {
        int utf8 = offsets[u2(b, offsets[classIndex])];
        int len = u2(b, utf8);
        char[] c = new char[len];
        for (int i = 0; i < len; i++) {
            int ch = b[utf8 + 2 + i];
            if (ch < 0) {
                return new String(modifiedUtf8(b, utf8 + 2, len)).replace('/', '.'); // a non-ASCII name: rare
            }
            c[i] = ch == '/' ? '.' : (char) ch;
        }
        return new String(c);
    }

    private static char[] modifiedUtf8(byte[] b, int from, int len) {
        char[] out = new char[len];
        int n = 0;
        for (int i = from; i < from + len; ) {
            int x = b[i++] & 0xFF;
            if (x < 0x80) {
                out[n++] = (char) x;
            } else if ((x & 0xE0) == 0xC0) {
                out[n++] = (char) (((x & 0x1F) << 6) | (b[i++] & 0x3F));
            } else {
                out[n++] = (char) (((x & 0x0F) << 12) | ((b[i++] & 0x3F) << 6) | (b[i++] & 0x3F));
            }
        }
        return java.util.Arrays.copyOf(out, n);
    }

    private static int u2(byte[] b, int p) {
        return ((b[p] & 0xFF) << 8) | (b[p + 1] & 0xFF);
    }

    private static int u4(byte[] b, int p) {
        return (u2(b, p) << 16) | u2(b, p + 2);
    }
}
