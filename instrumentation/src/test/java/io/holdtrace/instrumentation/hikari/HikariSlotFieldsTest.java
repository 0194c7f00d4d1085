package io.holdtrace.instrumentation.hikari;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.Label;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import org.junit.jupiter.api.Test;

/**
 * The load-time rewrite of HikariCP's own class files (the version on the test class path): what
 * it adds, where, and that the rewritten checkout stays small enough for the JIT to inline it as
 * it does without the agent. (That it tracks holds is for the agent's tests, against real pools.)
 */
class HikariSlotFieldsTest {

    /** HotSpot's {@code -XX:FreqInlineSize} default on x86_64 and aarch64: a hot callee up to this many bytes is inlined. */
    private static final int FREQ_INLINE_SIZE = 325;
    private static final String CHECKOUT = "getConnection";
    private static final String CHECKOUT_DESC = "(J)Ljava/sql/Connection;";

    @Test
    void theRewrittenCheckoutStaysInlinable() throws IOException {
        byte[] original = bytes(HikariSlotFields.POOL);
        byte[] woven = HikariSlotFields.pool(original);
        assertNotNull(woven, "this HikariCP's checkout was not rewritten");
        int before = codeLength(original, CHECKOUT, CHECKOUT_DESC);
        int after = codeLength(woven, CHECKOUT, CHECKOUT_DESC);
        assertTrue(after <= FREQ_INLINE_SIZE, "getConnection(long) grew from " + before + " to " + after
                + " bytes, past the JIT's inlining limit of hot methods (" + FREQ_INLINE_SIZE + ")");
        assertTrue(after - before <= 48, "the rewrite added " + (after - before) + " bytes");
    }

    @Test
    void theCheckoutReportsEachReturnAndItsHandlerIsTheOutermost() throws IOException {
        byte[] woven = HikariSlotFields.pool(bytes(HikariSlotFields.POOL));
        assertTrue(Arrays.asList(new ClassReader(woven).getInterfaces()).contains("io/holdtrace/bootstrap/CheckoutWoven"));
        List<String> calls = holdsCalls(woven, CHECKOUT, CHECKOUT_DESC);
        assertEquals(List.of("checkedOut", "checkoutThrew"), calls, "one report at its one return, one in the handler");
        List<String> handlers = handlers(woven, CHECKOUT, CHECKOUT_DESC);
        assertEquals("any", handlers.get(handlers.size() - 1), "holdtrace's handler comes after HikariCP's own: " + handlers);
        assertEquals(handlers(bytes(HikariSlotFields.POOL), CHECKOUT, CHECKOUT_DESC),
                handlers.subList(0, handlers.size() - 1), "HikariCP's own handlers are kept, in their order");
    }

    @Test
    void theEntryGetsItsSlotAndReportsItsReturnAfterStampingIt() throws IOException {
        byte[] woven = HikariSlotFields.entry(bytes(HikariSlotFields.ENTRY));
        assertNotNull(woven);
        assertTrue(Arrays.asList(new ClassReader(woven).getInterfaces()).contains("io/holdtrace/bootstrap/SlotCarrier"));
        List<String> recycle = instructions(woven, "recycle");
        int stamp = recycle.indexOf("PUTFIELD lastAccessed");
        assertTrue(stamp >= 0, recycle.toString());
        assertEquals(List.of("GETFIELD holdtrace$slot", "GETFIELD lastAccessed", "INVOKESTATIC recycled"),
                recycle.subList(stamp + 1, stamp + 4), "right after the stamp, before the pool takes the entry back: " + recycle);
        assertTrue(recycle.indexOf("INVOKEVIRTUAL recycle") > stamp + 3, recycle.toString());
    }

    /**
     * Retransformed (by holdtrace or another agent), a class rewritten as it loaded is rewritten
     * again, to the same bytes, or the JVM would refuse the new version (a field and an interface
     * gone); one loaded before the agent came is left as it is.
     */
    @Test
    void aRetransformationRewritesAgainExactlyWhatWasRewrittenAtLoad() throws IOException {
        HikariSlotFields t = new HikariSlotFields();
        byte[] original = bytes(HikariSlotFields.PROXY);
        byte[] atLoad = t.transform(getClass().getClassLoader(), HikariSlotFields.PROXY, null, null, original);
        assertNotNull(atLoad);
        Class<?> rewritten = java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {io.holdtrace.bootstrap.PooledHandle.class}, (p, m, a) -> null).getClass(); // has the interface it added
        assertTrue(HikariSlotFields.rewrittenAtLoad(rewritten));
        assertArrayEquals(atLoad, t.transform(getClass().getClassLoader(), HikariSlotFields.PROXY, rewritten, null, original));
        Class<?> loadedBefore = com.zaxxer.hikari.pool.ProxyConnection.class; // this JVM's, never rewritten
        assertFalse(HikariSlotFields.rewrittenAtLoad(loadedBefore));
        assertNull(t.transform(getClass().getClassLoader(), HikariSlotFields.PROXY, loadedBefore, null, original));
    }

    @Test
    void anEntryWhoseRecycleDoesNotStampTheReturnIsLeftAlone() {
        // without the stamp, a slot would never be given back: no slot at all, the generic path
        assertNull(HikariSlotFields.entry(entryLike(false)));
        assertNotNull(HikariSlotFields.entry(entryLike(true)), "the same class with the stamp");
    }

    @Test
    void aPoolWithoutTheCheckoutIsLeftAlone() {
        ClassWriter w = new ClassWriter(ClassWriter.COMPUTE_MAXS | ClassWriter.COMPUTE_FRAMES);
        w.visit(Opcodes.V11, Opcodes.ACC_PUBLIC, HikariSlotFields.POOL, null, "java/lang/Object", null);
        w.visitEnd();
        assertNull(HikariSlotFields.pool(w.toByteArray()));
    }

    /** A class named like PoolEntry, with a long lastAccessed, whose recycle() writes it or not. */
    private static byte[] entryLike(boolean stamps) {
        String name = HikariSlotFields.ENTRY;
        ClassWriter w = new ClassWriter(ClassWriter.COMPUTE_MAXS | ClassWriter.COMPUTE_FRAMES);
        w.visit(Opcodes.V11, Opcodes.ACC_FINAL, name, null, "java/lang/Object", null);
        w.visitField(0, "lastAccessed", "J", null, null).visitEnd();
        MethodVisitor m = w.visitMethod(0, "recycle", "()V", null, null);
        m.visitCode();
        if (stamps) {
            m.visitVarInsn(Opcodes.ALOAD, 0);
            m.visitMethodInsn(Opcodes.INVOKESTATIC, "java/lang/System", "nanoTime", "()J", false);
            m.visitFieldInsn(Opcodes.PUTFIELD, name, "lastAccessed", "J");
        }
        m.visitInsn(Opcodes.RETURN);
        m.visitMaxs(0, 0);
        m.visitEnd();
        w.visitEnd();
        return w.toByteArray();
    }

    private static byte[] bytes(String internalName) throws IOException {
        try (InputStream in = HikariSlotFieldsTest.class.getClassLoader().getResourceAsStream(internalName + ".class")) {
            assertNotNull(in, internalName);
            return in.readAllBytes();
        }
    }

    /** The length of a method's bytecode, from its Code attribute. */
    private static int codeLength(byte[] bytes, String name, String descriptor) {
        ClassReader r = new ClassReader(bytes);
        char[] buf = new char[r.getMaxStringLength()];
        int at = r.header + 6;
        at += 2 + 2 * r.readUnsignedShort(at); // interfaces
        for (int pass = 0; pass < 2; pass++) { // fields, then methods
            int count = r.readUnsignedShort(at);
            at += 2;
            for (int i = 0; i < count; i++) {
                String member = r.readUTF8(at + 2, buf);
                String desc = r.readUTF8(at + 4, buf);
                int attributes = r.readUnsignedShort(at + 6);
                at += 8;
                for (int a = 0; a < attributes; a++) {
                    String attribute = r.readUTF8(at, buf);
                    int length = r.readInt(at + 2);
                    if (pass == 1 && attribute.equals("Code") && member.equals(name) && desc.equals(descriptor)) {
                        return r.readInt(at + 10); // after max_stack and max_locals
                    }
                    at += 6 + length;
                }
            }
        }
        throw new AssertionError("no method " + name + descriptor);
    }

    /** The names of the io.holdtrace.bootstrap.Holds methods a method calls, in order. */
    private static List<String> holdsCalls(byte[] bytes, String name, String descriptor) {
        List<String> out = new ArrayList<>();
        new ClassReader(bytes).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String n, String d, String s, String[] e) {
                if (!n.equals(name) || !d.equals(descriptor)) {
                    return null;
                }
                return new MethodVisitor(Opcodes.ASM9) {
                    @Override
                    public void visitMethodInsn(int opcode, String owner, String m, String md, boolean itf) {
                        if (owner.equals("io/holdtrace/bootstrap/Holds")) {
                            out.add(m);
                        }
                    }
                };
            }
        }, 0);
        return out;
    }

    /** A method's exception handlers' types ("any" for a finally or catch-all), in table order. */
    private static List<String> handlers(byte[] bytes, String name, String descriptor) {
        List<String> out = new ArrayList<>();
        new ClassReader(bytes).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String n, String d, String s, String[] e) {
                if (!n.equals(name) || !d.equals(descriptor)) {
                    return null;
                }
                return new MethodVisitor(Opcodes.ASM9) {
                    @Override
                    public void visitTryCatchBlock(Label start, Label end, Label handler, String type) {
                        out.add(type == null ? "any" : type);
                    }
                };
            }
        }, 0);
        return out;
    }

    /** A method's field and method instructions, as "OPCODE name". */
    private static List<String> instructions(byte[] bytes, String name) {
        List<String> out = new ArrayList<>();
        new ClassReader(bytes).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String n, String d, String s, String[] e) {
                if (!n.equals(name)) {
                    return null;
                }
                return new MethodVisitor(Opcodes.ASM9) {
                    @Override
                    public void visitFieldInsn(int opcode, String owner, String f, String fd) {
                        out.add((opcode == Opcodes.PUTFIELD ? "PUTFIELD " : "GETFIELD ") + f);
                    }

                    @Override
                    public void visitMethodInsn(int opcode, String owner, String m, String md, boolean itf) {
                        out.add((opcode == Opcodes.INVOKESTATIC ? "INVOKESTATIC " : "INVOKEVIRTUAL ") + m);
                    }
                };
            }
        }, 0);
        return out;
    }
}
