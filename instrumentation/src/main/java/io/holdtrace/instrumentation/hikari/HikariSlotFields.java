package io.holdtrace.instrumentation.hikari;

import io.holdtrace.bootstrap.Faults;
import java.lang.instrument.ClassFileTransformer;
import java.security.ProtectionDomain;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.FieldVisitor;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * Gives HikariCP's {@code PoolEntry} a field for its {@link io.holdtrace.bootstrap.HoldSlot}
 * ({@link io.holdtrace.bootstrap.SlotCarrier}) and its {@code ProxyConnection} a getter of the
 * entry it stands for ({@link io.holdtrace.bootstrap.PooledHandle}), as the classes first load:
 * with them a checkout reuses its entry's hold record and allocates nothing.
 *
 * <p>A plain transformer, registered as not retransformable before Byte Buddy's: a class's
 * shape can change only when it is defined, and the JVM keeps this transformer's output as the
 * base of any later retransformation (Byte Buddy's, another agent's), so the added members are
 * never taken away again. Classes loaded before the agent came (an attach) are left as they are;
 * their holds take the generic path. Never throws: a class it cannot read is left unchanged.
 */
public final class HikariSlotFields implements ClassFileTransformer {

    static final String ENTRY = "com/zaxxer/hikari/pool/PoolEntry";
    static final String PROXY = "com/zaxxer/hikari/pool/ProxyConnection";
    private static final String SLOT = "io/holdtrace/bootstrap/HoldSlot";
    private static final String SLOT_DESC = "L" + SLOT + ";";
    private static final String CARRIER = "io/holdtrace/bootstrap/SlotCarrier";
    private static final String HANDLE = "io/holdtrace/bootstrap/PooledHandle";
    private static final String FIELD = "holdtrace$slot";

    @Override
    public byte[] transform(ClassLoader loader, String className, Class<?> redefined, ProtectionDomain domain,
                            byte[] bytes) {
        if (redefined != null || bytes == null || className == null || !className.startsWith("com/zaxxer/hikari/pool/")) {
            return null;
        }
        try {
            if (className.equals(ENTRY)) {
                return entry(bytes);
            }
            if (className.equals(PROXY)) {
                return proxy(bytes);
            }
        } catch (RuntimeException e) {
            Faults.report("adding holdtrace's slot to " + className, e);
        }
        return null;
    }

    /** PoolEntry: {@code private HoldSlot holdtrace$slot} and the {@code SlotCarrier} getter and setter. */
    static byte[] entry(byte[] bytes) {
        ClassReader r = new ClassReader(bytes);
        ClassWriter w = new ClassWriter(r, 0);
        r.accept(new ClassVisitor(Opcodes.ASM9, w) {
            private String owner;

            @Override
            public void visit(int version, int access, String name, String signature, String superName, String[] interfaces) {
                owner = name;
                super.visit(version, access, name, signature, superName, with(interfaces, CARRIER));
            }

            @Override
            public void visitEnd() {
                FieldVisitor f = cv.visitField(Opcodes.ACC_PRIVATE | Opcodes.ACC_SYNTHETIC, FIELD, SLOT_DESC, null, null);
                f.visitEnd();
                MethodVisitor get = cv.visitMethod(Opcodes.ACC_PUBLIC, "holdtraceSlot", "()" + SLOT_DESC, null, null);
                get.visitCode();
                get.visitVarInsn(Opcodes.ALOAD, 0);
                get.visitFieldInsn(Opcodes.GETFIELD, owner, FIELD, SLOT_DESC);
                get.visitInsn(Opcodes.ARETURN);
                get.visitMaxs(1, 1);
                get.visitEnd();
                MethodVisitor set = cv.visitMethod(Opcodes.ACC_PUBLIC, "holdtraceSlot", "(" + SLOT_DESC + ")V", null, null);
                set.visitCode();
                set.visitVarInsn(Opcodes.ALOAD, 0);
                set.visitVarInsn(Opcodes.ALOAD, 1);
                set.visitFieldInsn(Opcodes.PUTFIELD, owner, FIELD, SLOT_DESC);
                set.visitInsn(Opcodes.RETURN);
                set.visitMaxs(2, 2);
                set.visitEnd();
                super.visitEnd();
            }
        }, 0);
        return w.toByteArray();
    }

    /** ProxyConnection: the {@code PooledHandle} getter of its {@code poolEntry}; unchanged if it has no such field. */
    static byte[] proxy(byte[] bytes) {
        String[] entryField = new String[1];
        new ClassReader(bytes).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public FieldVisitor visitField(int access, String name, String descriptor, String signature, Object value) {
                if (name.equals("poolEntry") && descriptor.equals("L" + ENTRY + ";") && (access & Opcodes.ACC_STATIC) == 0) {
                    entryField[0] = descriptor;
                }
                return null;
            }
        }, ClassReader.SKIP_CODE | ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
        if (entryField[0] == null) {
            return null; // another HikariCP layout: the generic path tracks its holds
        }
        ClassReader r = new ClassReader(bytes);
        ClassWriter w = new ClassWriter(r, 0);
        r.accept(new ClassVisitor(Opcodes.ASM9, w) {
            private String owner;

            @Override
            public void visit(int version, int access, String name, String signature, String superName, String[] interfaces) {
                owner = name;
                super.visit(version, access, name, signature, superName, with(interfaces, HANDLE));
            }

            @Override
            public void visitEnd() {
                MethodVisitor get = cv.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_FINAL, "holdtraceEntry",
                        "()Ljava/lang/Object;", null, null);
                get.visitCode();
                get.visitVarInsn(Opcodes.ALOAD, 0);
                get.visitFieldInsn(Opcodes.GETFIELD, owner, "poolEntry", entryField[0]);
                get.visitInsn(Opcodes.ARETURN);
                get.visitMaxs(1, 1);
                get.visitEnd();
                super.visitEnd();
            }
        }, 0);
        return w.toByteArray();
    }

    private static String[] with(String[] interfaces, String added) {
        String[] out = new String[interfaces == null ? 1 : interfaces.length + 1];
        if (interfaces != null) {
            System.arraycopy(interfaces, 0, out, 0, interfaces.length);
        }
        out[out.length - 1] = added;
        return out;
    }
}
