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
 * with them a checkout reuses its entry's hold record and allocates nothing. And it keeps the
 * clock readings of {@code HikariPool.getConnection} in two locals of its own, handed to
 * {@link io.holdtrace.bootstrap.Holds#checkoutTimes} as the checkout returns: HikariCP's first
 * reading is where the wait began, its last where the hold begins, and holdtrace reads no clock
 * (nor a thread-local) to know them.
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
    static final String POOL = "com/zaxxer/hikari/pool/HikariPool";
    private static final String CLOCK = "com/zaxxer/hikari/util/ClockSource";
    private static final String HOLDS = "io/holdtrace/bootstrap/Holds";

    /** Whether HikariCP's clock is {@code System.nanoTime()} here: as its ClockSource.Factory decides (macOS has millis). */
    static boolean clockIsNanoTime() {
        return !"Mac OS X".equals(System.getProperty("os.name"));
    }

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
            if (className.equals(POOL) && clockIsNanoTime()) {
                return pool(bytes);
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
                getter(cv, Opcodes.ACC_PUBLIC, "holdtraceSlot", "()" + SLOT_DESC, owner, FIELD, SLOT_DESC);
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
                getter(cv, Opcodes.ACC_PUBLIC | Opcodes.ACC_FINAL, "holdtraceEntry", "()Ljava/lang/Object;", owner,
                        "poolEntry", entryField[0]);
                super.visitEnd();
            }
        }, 0);
        return w.toByteArray();
    }

    /**
     * HikariPool: in {@code getConnection(long)}, each {@code ClockSource.currentTime()} reading is
     * also kept in a local of holdtrace's (the first where the checkout began, the later ones where
     * it got its connection); before each return the two go to {@code Holds.checkoutTimes}, before
     * each throw the first to {@code Holds.checkoutFailing}. Byte Buddy's advice on the same method
     * then records the checkout.
     */
    static byte[] pool(byte[] bytes) {
        int[] maxLocals = {-1};
        new ClassReader(bytes).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
                if (!isCheckout(access, name, descriptor)) {
                    return null;
                }
                return new MethodVisitor(Opcodes.ASM9) {
                    @Override
                    public void visitMaxs(int stack, int locals) {
                        maxLocals[0] = locals;
                    }
                };
            }
        }, ClassReader.SKIP_DEBUG);
        if (maxLocals[0] < 0) {
            return null; // no such method here: HikariCP's own clock readings are not kept
        }
        ClassReader r = new ClassReader(bytes);
        ClassWriter w = new ClassWriter(r, 0);
        r.accept(new ClassVisitor(Opcodes.ASM9, w) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
                MethodVisitor mv = super.visitMethod(access, name, descriptor, signature, exceptions);
                return isCheckout(access, name, descriptor) ? new CheckoutClock(mv, maxLocals[0]) : mv;
            }
        }, ClassReader.EXPAND_FRAMES);
        return w.toByteArray();
    }

    private static boolean isCheckout(int access, String name, String descriptor) {
        return name.equals("getConnection") && descriptor.equals("(J)Ljava/sql/Connection;")
                && (access & (Opcodes.ACC_STATIC | Opcodes.ACC_ABSTRACT | Opcodes.ACC_NATIVE)) == 0;
    }

    /**
     * The rewrite of one {@code getConnection(long)}; see {@link #pool}. Its two locals take the
     * slots after the method's own ({@code maxLocals}), set to 0 on entry, so every stack map
     * frame of the method gets them as two longs.
     */
    private static final class CheckoutClock extends MethodVisitor {
        private final int maxLocals;
        private final int first;
        private final int last;
        private boolean firstSeen;

        CheckoutClock(MethodVisitor mv, int maxLocals) {
            super(Opcodes.ASM9, mv);
            this.maxLocals = maxLocals;
            this.first = maxLocals;
            this.last = maxLocals + 2;
        }

        @Override
        public void visitCode() {
            super.visitCode();
            mv.visitInsn(Opcodes.LCONST_0);
            mv.visitVarInsn(Opcodes.LSTORE, first);
            mv.visitInsn(Opcodes.LCONST_0);
            mv.visitVarInsn(Opcodes.LSTORE, last);
        }

        @Override
        public void visitMethodInsn(int opcode, String owner, String name, String descriptor, boolean isInterface) {
            super.visitMethodInsn(opcode, owner, name, descriptor, isInterface);
            if (opcode == Opcodes.INVOKESTATIC && owner.equals(CLOCK) && name.equals("currentTime") && descriptor.equals("()J")) {
                mv.visitInsn(Opcodes.DUP2);
                mv.visitVarInsn(Opcodes.LSTORE, firstSeen ? last : first); // the first call site in the method is the start
                firstSeen = true;
            }
        }

        @Override
        public void visitInsn(int opcode) {
            if (opcode == Opcodes.ARETURN) {
                mv.visitInsn(Opcodes.DUP);
                mv.visitVarInsn(Opcodes.LLOAD, first);
                mv.visitVarInsn(Opcodes.LLOAD, last);
                mv.visitMethodInsn(Opcodes.INVOKESTATIC, HOLDS, "checkoutTimes", "(Ljava/lang/Object;JJ)V", false);
            } else if (opcode == Opcodes.ATHROW) {
                mv.visitVarInsn(Opcodes.LLOAD, first);
                mv.visitMethodInsn(Opcodes.INVOKESTATIC, HOLDS, "checkoutFailing", "(J)V", false);
            }
            super.visitInsn(opcode);
        }

        @Override
        public void visitFrame(int type, int numLocal, Object[] local, int numStack, Object[] stack) {
            // expanded frames: the method's locals, padded to its own slots, then holdtrace's two longs
            Object[] locals = new Object[maxLocals + 2];
            int n = 0;
            int slots = 0;
            for (int i = 0; i < numLocal; i++) {
                locals[n++] = local[i];
                slots += local[i] == Opcodes.LONG || local[i] == Opcodes.DOUBLE ? 2 : 1;
            }
            for (; slots < maxLocals; slots++) {
                locals[n++] = Opcodes.TOP;
            }
            locals[n++] = Opcodes.LONG;
            locals[n++] = Opcodes.LONG;
            super.visitFrame(type, n, locals, numStack, stack);
        }

        @Override
        public void visitMaxs(int maxStack, int maxLocals) {
            super.visitMaxs(maxStack + 5, maxLocals + 4); // DUP and two longs at a return; two long locals
        }
    }

    /** A method {@code name} returning this object's field {@code field}. */
    private static void getter(ClassVisitor cv, int access, String name, String descriptor, String owner, String field,
                               String fieldDescriptor) {
        MethodVisitor get = cv.visitMethod(access, name, descriptor, null, null);
        get.visitCode();
        get.visitVarInsn(Opcodes.ALOAD, 0);
        get.visitFieldInsn(Opcodes.GETFIELD, owner, field, fieldDescriptor);
        get.visitInsn(Opcodes.ARETURN);
        get.visitMaxs(1, 1);
        get.visitEnd();
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
