package io.holdtrace.instrumentation;

/**
 * Reads what the {@link Weaver} decides by straight from a class file, without parsing it into
 * a description: which of some method names a class declares with a body, and its direct
 * supertypes' names. One pass over the constant pool, then the fields' and methods' headers; no
 * string is made unless a class is a candidate. Malformed input throws an unchecked exception
 * (the JVM rejects such a class itself).
 */
public final class ClassHeaders {

    private static final int ACC_INTERFACE = 0x0200;
    private static final int ACC_ABSTRACT = 0x0400;

    private ClassHeaders() {
    }

    /**
     * Per constant-pool tag: the constant's size, its tag included; 9 for Long and Double (which
     * take two slots); 0 for Utf8 (sized by its length) and for a tag that does not exist. A table
     * rather than a switch keeps the loop of {@link #declaredMethods}, run over every constant of
     * every class loaded and compiled by C2 as the application starts, small.
     */
    private static final byte[] SIZE = new byte[256];

    static {
        for (int tag : new int[] {7, 8, 16, 19, 20}) { // Class, String, MethodType, Module, Package
            SIZE[tag] = 3;
        }
        SIZE[15] = 4; // MethodHandle
        for (int tag : new int[] {3, 4, 9, 10, 11, 12, 17, 18}) {
            SIZE[tag] = 5;
        }
        SIZE[5] = 9; // Long
        SIZE[6] = 9; // Double
    }

    /**
     * Bit {@code i} set if the class declares a method named {@code names[i]} that has a body
     * (not abstract, not native); 0 for an interface, an annotation, or bytes that are not a
     * class file. At most 64 names, all different.
     */
    static long declaredMethods(byte[] b, byte[][] names) {
        if (b.length < 10 || u2(b, 0) != 0xCAFE || u2(b, 2) != 0xBABE) {
            return 0;
        }
        long lengths = 0; // bit n % 64: a name n bytes long (a shift by n takes n % 64)
        for (byte[] n : names) {
            lengths |= 1L << n.length;
        }
        // One pass over the constant pool, keeping only the Utf8 constants that are one of the
        // names (index << 8 | which name): no array the size of the pool for every class loaded.
        // The loop is kept small, what is rare (a hit, the members) in methods of their own: it is
        // compiled (C2, as the application starts, on a compiler thread) in a fifth of the time
        // it took with them inline.
        int[] hits = null;
        int hitCount = 0;
        int count = u2(b, 8);
        int p = 10;
        for (int i = 1; i < count; i++) {
            int tag = b[p] & 0xFF;
            if (tag == 1) {
                int len = u2(b, p + 1);
                if ((lengths & 1L << len) != 0) {
                    int k = which(b, p + 3, len, names);
                    if (k >= 0) {
                        hits = add(hits, hitCount++, i << 8 | k);
                    }
                }
                p += 3 + len;
            } else {
                int size = constantSize(tag);
                p += size;
                if (size == 9) {
                    i++; // Long, Double: two slots
                }
            }
        }
        return hits == null ? 0 : withBodies(b, p, hits, hitCount);
    }

    /** Which of the names the {@code len} bytes at {@code at} are; -1 if none. */
    private static int which(byte[] b, int at, int len, byte[][] names) {
        next:
        for (int k = 0; k < names.length; k++) {
            byte[] n = names[k];
            if (n.length != len) {
                continue;
            }
            for (int j = 0; j < len; j++) {
                if (b[at + j] != n[j]) {
                    continue next;
                }
            }
            return k;
        }
        return -1;
    }

    /** {@code hits} (null at first) with {@code value} at {@code index}, grown if full. */
    private static int[] add(int[] hits, int index, int value) {
        if (hits == null) {
            hits = new int[4];
        } else if (index == hits.length) {
            hits = java.util.Arrays.copyOf(hits, index * 2);
        }
        hits[index] = value;
        return hits;
    }

    /**
     * The bits of the names among {@code hits} (constant index << 8 | name) that a method with a
     * body is named by; {@code p} where the constant pool ends. 0 for an interface.
     */
    private static long withBodies(byte[] b, int p, int[] hits, int hitCount) {
        if ((u2(b, p) & ACC_INTERFACE) != 0) {
            return 0;
        }
        p += 8 + 2 * u2(b, p + 6); // access, this, super, interfaces
        int fields = u2(b, p);
        p += 2;
        for (int i = 0; i < fields; i++) {
            p = skipAttributes(b, p + 6);
        }
        int methods = u2(b, p);
        p += 2;
        long found = 0;
        for (int i = 0; i < methods; i++) {
            int access = u2(b, p);
            int name = u2(b, p + 2);
            p = skipAttributes(b, p + 6);
            if ((access & (ACC_ABSTRACT | 0x0100)) == 0) { // 0x0100: native
                for (int h = 0; h < hitCount; h++) {
                    if (hits[h] >>> 8 == name) {
                        found |= 1L << (hits[h] & 0xFF);
                    }
                }
            }
        }
        return found;
    }

    /** The size of a constant other than Utf8, its tag included. */
    private static int constantSize(int tag) {
        int size = SIZE[tag];
        if (size == 0) {
            throw badTag(tag);
        }
        return size;
    }

    private static IllegalArgumentException badTag(int tag) {
        return new IllegalArgumentException("constant pool tag " + tag);
    }

    /** Superclass (if any) then interfaces, as binary names; null if the bytes are not a class file. */
    static String[] directSupertypes(byte[] b) {
        int[] offsets = constants(b);
        if (offsets == null) {
            return null;
        }
        int p = offsets[0];
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

    /**
     * A class's version, internal name, fields and methods with their number of locals: what
     * {@link HookWeaver} plans a weave by (and HikariCP's rewrites check a class's shape by), read here rather than by a first pass of ASM (whose
     * code is cold when the first class is woven, on the application's main thread). Null if the
     * bytes are not a class file.
     */
    public static Members members(byte[] b) {
        int[] offsets = constants(b);
        if (offsets == null) {
            return null;
        }
        int p = offsets[0];
        Members m = new Members(u2(b, 6), utf8(b, offsets, u2(b, offsets[u2(b, p + 2)])));
        p += 8 + 2 * u2(b, p + 6); // access, this, super, interfaces
        int fields = u2(b, p);
        p += 2;
        for (int i = 0; i < fields; i++) {
            m.fields.add(new Member(u2(b, p), utf8(b, offsets, u2(b, p + 2)), utf8(b, offsets, u2(b, p + 4)), -1));
            p = skipAttributes(b, p + 6);
        }
        int methods = u2(b, p);
        p += 2;
        for (int i = 0; i < methods; i++) {
            int access = u2(b, p);
            String name = utf8(b, offsets, u2(b, p + 2));
            String descriptor = utf8(b, offsets, u2(b, p + 4));
            int attributes = u2(b, p + 6);
            p += 8;
            int maxLocals = -1;
            for (int a = 0; a < attributes; a++) {
                int at = offsets[u2(b, p)];
                if (u2(b, at) == 4 && b[at + 2] == 'C' && b[at + 3] == 'o' && b[at + 4] == 'd' && b[at + 5] == 'e') {
                    maxLocals = u2(b, p + 8); // Code: length (u4), max_stack (u2), max_locals (u2)
                }
                p += 6 + u4(b, p + 2);
            }
            m.methods.add(new Member(access, name, descriptor, maxLocals));
        }
        return m;
    }

    /** A class's members as {@link #members} reads them. */
    public static final class Members {
        public final int version;
        /** Internal name: {@code a/b/C}. */
        public final String owner;
        public final java.util.List<Member> fields = new java.util.ArrayList<>();
        public final java.util.List<Member> methods = new java.util.ArrayList<>();

        Members(int version, String owner) {
            this.version = version;
            this.owner = owner;
        }
    }

    /** A field or method: its access flags, name, descriptor, and (a method with code) its number of locals, else -1. */
    public static final class Member {
        public final int access;
        public final String name;
        public final String descriptor;
        public final int maxLocals;

        Member(int access, String name, String descriptor, int maxLocals) {
            this.access = access;
            this.name = name;
            this.descriptor = descriptor;
            this.maxLocals = maxLocals;
        }
    }

    private static String utf8(byte[] b, int[] offsets, int index) {
        int at = offsets[index];
        int len = u2(b, at);
        char[] c = new char[len];
        for (int i = 0; i < len; i++) {
            int ch = b[at + 2 + i];
            if (ch < 0) {
                return new String(modifiedUtf8(b, at + 2, len)); // non-ASCII: rare
            }
            c[i] = (char) ch;
        }
        return new String(c);
    }

    /**
     * Where each Utf8 and Class constant's body starts, by index; at index 0 (no constant has it)
     * where the pool ends, which is where the access flags are. Null if not a class file.
     */
    private static int[] constants(byte[] b) {
        if (b.length < 10 || u2(b, 0) != 0xCAFE || u2(b, 2) != 0xBABE) {
            return null;
        }
        int count = u2(b, 8);
        int[] offsets = new int[count];
        int p = 10;
        for (int i = 1; i < count; i++) {
            int tag = b[p] & 0xFF;
            offsets[i] = p + 1;
            if (tag == 1) {
                p += 3 + u2(b, p + 1);
            } else {
                p += constantSize(tag);
                if (tag == 5 || tag == 6) {
                    i++; // Long, Double: two slots
                }
            }
        }
        if (count > 0) {
            offsets[0] = p;
        }
        return offsets;
    }

    /** {@code p} at a member's attribute count: the position after its attributes. */
    private static int skipAttributes(byte[] b, int p) {
        int attributes = u2(b, p);
        p += 2;
        for (int i = 0; i < attributes; i++) {
            p += 6 + u4(b, p + 2);
        }
        return p;
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
