package io.holdtrace.instrumentation.hikari;

import io.holdtrace.bootstrap.Faults;
import io.holdtrace.instrumentation.ClassHeaders;
import io.holdtrace.instrumentation.Frames;
import java.lang.instrument.ClassFileTransformer;
import java.security.ProtectionDomain;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.FieldVisitor;
import net.bytebuddy.jar.asm.Label;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;


/**
 * Rewrites three HikariCP classes as they first load, so that the slot path costs HikariCP's
 * checkout and return a few field writes and one call each, and adds so few bytes that the JIT
 * still inlines HikariCP's own methods as it does without the agent (HotSpot inlines a hot method
 * of at most 325 bytes of bytecode: {@code getConnection(long)} is 257 of them on HikariCP 7):
 * <ul>
 * <li>{@code PoolEntry} gets a field for its {@link io.holdtrace.bootstrap.HoldSlot}
 * ({@link io.holdtrace.bootstrap.SlotCarrier}), and its {@code recycle()} hands the slot and the
 * pool's own timestamp of the return ({@code lastAccessed}, just written) to
 * {@link io.holdtrace.bootstrap.Holds#recycled}, before the pool takes the entry back: the hold
 * ends there, on every path through {@code ProxyConnection.close()}.</li>
 * <li>{@code ProxyConnection} gets a getter of the entry it stands for
 * ({@link io.holdtrace.bootstrap.PooledHandle}).</li>
 * <li>{@code HikariPool.getConnection(long)} keeps its own {@code ClockSource.currentTime()}
 * readings in two locals of holdtrace's and hands them, with the connection, to
 * {@link io.holdtrace.bootstrap.Holds#checkedOut} as it returns: HikariCP's first reading is where
 * the wait began, its last where the hold begins, so holdtrace reads no clock to know them. A
 * handler around the whole method reports a checkout that throws
 * ({@link io.holdtrace.bootstrap.Holds#checkoutThrew}) and rethrows it. The class is marked
 * {@link io.holdtrace.bootstrap.CheckoutWoven}, so that Byte Buddy's weave adds no advice of its
 * own to that method.</li>
 * </ul>
 * Each rewrite is all or nothing: a class whose code does not have the expected shape (another
 * HikariCP) is left as it is, and its holds take the generic path, timed by holdtrace's clock.
 *
 * <p>Not registered on its own: {@link io.holdtrace.instrumentation.Weaver} (holdtrace's one
 * transformer, retransformable) calls it before its weaves. A class's shape can change only as it
 * is defined, so a class rewritten then is rewritten again, the same way, whenever it is
 * retransformed (by holdtrace or by another agent: the JVM hands a retransformable transformer
 * the class file as loaded, and refuses a new version that lacks a member the class has).
 * Classes loaded before the agent came (an attach) are left as they are; their holds take the
 * generic path. Never throws: a class it cannot read is left unchanged.
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
    private static final String WOVEN = "io/holdtrace/bootstrap/CheckoutWoven";
    private static final String LAST_ACCESSED = "lastAccessed";
    /** The pool type the woven calls name (a constant in the woven code). */
    static final String TYPE = "hikari";

    /** Whether HikariCP's clock is {@code System.nanoTime()} here: as its ClockSource.Factory decides (macOS has millis). */
    static boolean clockIsNanoTime() {
        return !"Mac OS X".equals(System.getProperty("os.name"));
    }

    @Override
    public byte[] transform(ClassLoader loader, String className, Class<?> redefined, ProtectionDomain domain,
                            byte[] bytes) {
        if (bytes == null || className == null || !className.startsWith("com/zaxxer/hikari/pool/")
                || redefined != null && !rewrittenAtLoad(redefined)) {
            return null;
        }
        try {
            if (className.equals(ENTRY) && clockIsNanoTime()) { // (its stamp of the return is holdtrace's clock)
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

    /**
     * Was this loaded class rewritten as it was defined? Only these rewrites give a HikariCP class
     * one of holdtrace's bootstrap interfaces. Such a class, retransformed or redefined, is
     * rewritten again (the same way, from the same class file), for the JVM refuses a new version
     * of a class that lacks a field or an interface it has. One loaded before the agent came is
     * left as it is.
     */
    static boolean rewrittenAtLoad(Class<?> c) {
        for (Class<?> i : c.getInterfaces()) {
            if (i.getName().startsWith("io.holdtrace.bootstrap.")) {
                return true;
            }
        }
        return false;
    }

    static byte[] entry(byte[] bytes) {
        return Rewrites.entry(bytes);
    }

    static byte[] proxy(byte[] bytes) {
        return Rewrites.proxy(bytes);
    }

    static byte[] pool(byte[] bytes) {
        return Rewrites.pool(bytes);
    }

    /**
     * The rewrites themselves, with ASM: a class of their own, loaded when HikariCP is, so that
     * the agent's start (which verifies this transformer) loads neither ASM's types nor these
     * visitors.
     */
    static final class Rewrites {
        private Rewrites() {
        }

        /**
         * PoolEntry: {@code private HoldSlot holdtrace$slot}, the {@code SlotCarrier} getter and setter,
         * and the return's call in {@code recycle()} right after it stamps {@code lastAccessed}; unchanged
         * if no {@code recycle} writes a {@code long lastAccessed} (the slot would never be given back).
         */
        static byte[] entry(byte[] bytes) {
            boolean[] shape = new boolean[2]; // a long lastAccessed field; a recycle method that writes it
            new ClassReader(bytes).accept(new ClassVisitor(Opcodes.ASM9) {
                private String owner;

                @Override
                public void visit(int version, int access, String name, String signature, String superName, String[] interfaces) {
                    owner = name;
                }

                @Override
                public FieldVisitor visitField(int access, String name, String descriptor, String signature, Object value) {
                    if (name.equals(LAST_ACCESSED) && descriptor.equals("J") && (access & Opcodes.ACC_STATIC) == 0) {
                        shape[0] = true;
                    }
                    return null;
                }

                @Override
                public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
                    if (!isRecycle(access, name)) {
                        return null;
                    }
                    return new MethodVisitor(Opcodes.ASM9) {
                        @Override
                        public void visitFieldInsn(int opcode, String fieldOwner, String field, String fieldDescriptor) {
                            if (isStamp(opcode, fieldOwner, field, fieldDescriptor, owner)) {
                                shape[1] = true;
                            }
                        }
                    };
                }
            }, ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
            if (!shape[0] || !shape[1]) {
                return null; // another HikariCP layout: the generic path tracks its holds
            }
            ClassReader r = new ClassReader(bytes);
            ClassWriter w = new ClassWriter(r, 0);
            r.accept(new AddingInterface(w, CARRIER) {
                @Override
                public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
                    MethodVisitor mv = super.visitMethod(access, name, descriptor, signature, exceptions);
                    return isRecycle(access, name) ? new Recycle(mv, owner) : mv;
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

        /** A copy of the class that also implements {@code added}, with its internal name at hand. */
        private abstract static class AddingInterface extends ClassVisitor {
            private final String added;
            String owner;

            AddingInterface(ClassWriter w, String added) {
                super(Opcodes.ASM9, w);
                this.added = added;
            }

            @Override
            public void visit(int version, int access, String name, String signature, String superName, String[] interfaces) {
                owner = name;
                super.visit(version, access, name, signature, superName, with(interfaces, added));
            }
        }

        /** The class's fields and methods with their locals, read from its header; throws on what is not a class file, as ASM does. */
        private static ClassHeaders.Members members(byte[] bytes) {
            ClassHeaders.Members m = ClassHeaders.members(bytes);
            if (m == null) {
                throw new IllegalArgumentException("not a class file");
            }
            return m;
        }

        private static boolean isRecycle(int access, String name) {
            return name.equals("recycle") && (access & (Opcodes.ACC_STATIC | Opcodes.ACC_ABSTRACT | Opcodes.ACC_NATIVE)) == 0;
        }

        private static boolean isStamp(int opcode, String fieldOwner, String field, String descriptor, String entry) {
            return opcode == Opcodes.PUTFIELD && fieldOwner.equals(entry) && field.equals(LAST_ACCESSED) && descriptor.equals("J");
        }

        /** {@code recycle()}: after {@code this.lastAccessed = ...}, {@code Holds.recycled(this.holdtrace$slot, this.lastAccessed)}. */
        private static final class Recycle extends MethodVisitor {
            private final String owner;

            Recycle(MethodVisitor mv, String owner) {
                super(Opcodes.ASM9, mv);
                this.owner = owner;
            }

            @Override
            public void visitFieldInsn(int opcode, String fieldOwner, String field, String descriptor) {
                super.visitFieldInsn(opcode, fieldOwner, field, descriptor);
                if (isStamp(opcode, fieldOwner, field, descriptor, owner)) {
                    mv.visitVarInsn(Opcodes.ALOAD, 0);
                    mv.visitFieldInsn(Opcodes.GETFIELD, owner, FIELD, SLOT_DESC);
                    mv.visitVarInsn(Opcodes.ALOAD, 0);
                    mv.visitFieldInsn(Opcodes.GETFIELD, owner, LAST_ACCESSED, "J");
                    mv.visitMethodInsn(Opcodes.INVOKESTATIC, HOLDS, "recycled", "(" + SLOT_DESC + "J)V", false);
                }
            }

            @Override
            public void visitMaxs(int maxStack, int maxLocals) {
                super.visitMaxs(maxStack + 3, maxLocals); // the slot and a long
            }
        }

        /** ProxyConnection: the {@code PooledHandle} getter of its {@code poolEntry}; unchanged if it has no such field. */
        static byte[] proxy(byte[] bytes) {
            String[] entryField = new String[1];
            for (ClassHeaders.Member f : members(bytes).fields) {
                if (f.name.equals("poolEntry") && f.descriptor.equals("L" + ENTRY + ";") && (f.access & Opcodes.ACC_STATIC) == 0) {
                    entryField[0] = f.descriptor;
                }
            }
            if (entryField[0] == null) {
                return null; // another HikariCP layout: the generic path tracks its holds
            }
            ClassReader r = new ClassReader(bytes);
            ClassWriter w = new ClassWriter(r, 0);
            r.accept(new AddingInterface(w, HANDLE) {
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
         * it got its connection); each return hands the connection and the two readings to
         * {@code Holds.checkedOut}; a handler around the whole method hands a throwing checkout's first
         * reading to {@code Holds.checkoutThrew} and rethrows. The class is marked {@code CheckoutWoven}.
         * Unchanged if it has no such method.
         */
        static byte[] pool(byte[] bytes) {
            int[] maxLocals = {-1};
            for (ClassHeaders.Member m : members(bytes).methods) {
                if (isCheckout(m.access, m.name, m.descriptor)) {
                    maxLocals[0] = m.maxLocals;
                }
            }
            if (maxLocals[0] < 3) {
                return null; // no such method here: HikariCP's checkouts are timed by Byte Buddy's advice
            }
            ClassReader r = new ClassReader(bytes);
            ClassWriter w = new ClassWriter(r, 0);
            r.accept(new AddingInterface(w, WOVEN) {
                @Override
                public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
                    MethodVisitor mv = super.visitMethod(access, name, descriptor, signature, exceptions);
                    return isCheckout(access, name, descriptor) ? new CheckoutClock(mv, owner, maxLocals[0]) : mv;
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
         * frame of the method gets them as two longs. The handler is the method's last exception
         * table entry, so HikariCP's own handlers (its {@code finally}) run first.
         */
        private static final class CheckoutClock extends MethodVisitor {
            /** holdtrace's two locals: the first and the last clock reading. */
            private static final Object[] OURS = {Opcodes.LONG, Opcodes.LONG};
            private final String owner;
            private final int maxLocals;
            private final int first;
            private final int last;
            private final Label start = new Label();
            private final Label end = new Label();
            private final Label handler = new Label();
            private boolean firstSeen;

            CheckoutClock(MethodVisitor mv, String owner, int maxLocals) {
                super(Opcodes.ASM9, mv);
                this.owner = owner;
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
                mv.visitLabel(start);
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
                    mv.visitVarInsn(Opcodes.ALOAD, 0);
                    mv.visitLdcInsn(TYPE);
                    mv.visitVarInsn(Opcodes.LLOAD, first);
                    mv.visitVarInsn(Opcodes.LLOAD, last);
                    mv.visitMethodInsn(Opcodes.INVOKESTATIC, HOLDS, "checkedOut",
                            "(Ljava/lang/Object;Ljava/lang/Object;Ljava/lang/String;JJ)V", false);
                }
                super.visitInsn(opcode);
            }

            @Override
            public void visitFrame(int type, int numLocal, Object[] local, int numStack, Object[] stack) {
                // expanded frames: the method's locals, padded to its own slots, then holdtrace's two longs
                Object[] locals = Frames.withLocals(numLocal, local, maxLocals, OURS);
                super.visitFrame(type, locals.length, locals, numStack, stack);
            }

            @Override
            public void visitMaxs(int maxStack, int maxLocals) {
                mv.visitLabel(end);
                mv.visitLabel(handler);
                // the handler's frame: this, the long argument, the method's other locals unknown, holdtrace's two
                Object[] locals = Frames.withLocals(2, new Object[] {owner, Opcodes.LONG}, this.maxLocals, OURS);
                mv.visitFrame(Opcodes.F_NEW, locals.length, locals, 1, new Object[] {"java/lang/Throwable"});
                mv.visitVarInsn(Opcodes.ALOAD, 0);
                mv.visitLdcInsn(TYPE);
                mv.visitVarInsn(Opcodes.LLOAD, first);
                mv.visitMethodInsn(Opcodes.INVOKESTATIC, HOLDS, "checkoutThrew", "(Ljava/lang/Object;Ljava/lang/String;J)V", false);
                mv.visitInsn(Opcodes.ATHROW);
                mv.visitTryCatchBlock(start, end, handler, null); // after HikariCP's own: the outermost
                // a return: the connection, DUP, this, the type, two longs; the handler: the throwable, this, the type, a long
                super.visitMaxs(Math.max(maxStack + 7, 5), maxLocals + 4);
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
}
