package io.holdtrace.instrumentation;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.Label;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import net.bytebuddy.jar.asm.Type;

/**
 * Weaves {@link Hook}s into a class file with plain ASM, in two passes: the first ({@link
 * ClassHeaders#members}) reads the class's fields and, for the methods a hook applies to, their
 * number of locals; the second (ASM) copies the class, the methods no hook applies to byte for byte, and rewrites the others:
 * <ul>
 * <li>on entry, the values an exit call needs ({@code this}, arguments) are copied into locals
 * after the method's own, then each entry call is made, its result kept in another;</li>
 * <li>before every return, each exit call (the last hook's first), with the return value;</li>
 * <li>for exits that also run on a throw, a handler around the whole method, the last entry of
 * its exception table (so the method's own handlers run first), that makes those calls with the
 * throwable and rethrows it.</li>
 * </ul>
 * Frames are read expanded, and every one gets holdtrace's locals appended after the method's
 * own slots, so nothing of the method's own is renumbered. All or nothing: if a hook's values do
 * not fit a method (an argument it lacks, a field the class does not declare, a type the call
 * does not take), the class is left as it is and {@link Refused} says why.
 */
final class HookWeaver {

    private static final String OBJECT = "Ljava/lang/Object;";
    private static final String THROWABLE = "java/lang/Throwable";

    private HookWeaver() {
    }

    /** A class whose methods do not fit a hook: it is not woven. */
    static final class Refused extends Exception {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    /** The class with its hooks woven in; null if no hook applies to any of its methods. */
    static byte[] weave(byte[] bytes, List<Hook> hooks) throws Refused {
        ClassHeaders.Members members = ClassHeaders.members(bytes);
        if (members == null) {
            throw new Refused("not a class file");
        }
        Shape shape = new Shape(hooks, members);
        if (shape.methods.isEmpty()) {
            return null;
        }
        ClassReader reader = new ClassReader(bytes);
        Map<String, Plan> plans = new HashMap<>();
        for (Map.Entry<String, MethodShape> m : shape.methods.entrySet()) {
            plans.put(m.getKey(), new Plan(shape, m.getValue()));
        }
        ClassWriter writer = new ClassWriter(reader, 0);
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
                MethodVisitor mv = super.visitMethod(access, name, descriptor, signature, exceptions);
                Plan plan = plans.get(name + descriptor);
                return plan == null ? mv : new Hooked(mv, plan, shape.version >= Opcodes.V1_6);
            }
        }, ClassReader.EXPAND_FRAMES);
        return writer.toByteArray();
    }

    /** Does {@code hook} apply to this method? */
    static boolean applies(Hook hook, int access, String name, String descriptor) {
        if ((access & (Opcodes.ACC_ABSTRACT | Opcodes.ACC_NATIVE | Opcodes.ACC_BRIDGE)) != 0
                || name.startsWith("<") || !hook.names.contains(name)) {
            return false;
        }
        if (hook.returnType != null && !descriptor.endsWith(")" + hook.returnType)) {
            return false;
        }
        Type[] args = Type.getArgumentTypes(descriptor);
        if (hook.arguments >= 0 && args.length != hook.arguments) {
            return false;
        }
        for (int i = 0; i < hook.argumentTypes.length; i++) {
            if (hook.argumentTypes[i] != null && (i >= args.length || !args[i].getDescriptor().equals(hook.argumentTypes[i]))) {
                return false;
            }
        }
        return true;
    }

    /** The class's name, version, fields, and the methods hooks apply to, with their locals. */
    private static final class Shape {
        final Map<String, String> fields = new HashMap<>();
        final Map<String, MethodShape> methods = new HashMap<>();
        final String owner;
        final int version;

        Shape(List<Hook> hooks, ClassHeaders.Members members) {
            this.version = members.version;
            this.owner = members.owner;
            for (ClassHeaders.Member f : members.fields) {
                if ((f.access & Opcodes.ACC_STATIC) == 0) {
                    fields.put(f.name, f.descriptor);
                }
            }
            for (ClassHeaders.Member m : members.methods) {
                List<Hook> applied = null;
                for (Hook h : hooks) {
                    if (applies(h, m.access, m.name, m.descriptor)) {
                        if (applied == null) {
                            applied = new ArrayList<>(2);
                        }
                        applied.add(h);
                    }
                }
                if (applied != null) {
                    MethodShape shape = new MethodShape(m.access, m.name, m.descriptor, applied);
                    shape.maxLocals = m.maxLocals;
                    methods.put(m.name + m.descriptor, shape);
                }
            }
        }
    }

    private static final class MethodShape {
        final int access;
        final String name;
        final String descriptor;
        final List<Hook> hooks;
        int maxLocals = -1;

        MethodShape(int access, String name, String descriptor, List<Hook> hooks) {
            this.access = access;
            this.name = name;
            this.descriptor = descriptor;
            this.hooks = hooks;
        }
    }

    /** What one method gets: its values' types checked against the calls, holdtrace's locals placed. */
    private static final class Plan {
        final String owner;
        final boolean isStatic;
        final Type[] args;
        final int[] argSlots;
        final Type returned;
        final int maxLocals;
        final List<Hook> hooks;
        final Map<String, String> fields;
        /** Copies of this and of arguments for the exits, by source slot; -1: none. */
        int thisCopy = -1;
        final int[] argCopies;
        /** The entry calls' results, per hook; -1: none kept. */
        final int[] entered;
        int returnedTemp = -1;
        int thrownTemp = -1;
        int locals;
        final List<Object> frameTypes = new ArrayList<>();
        int extraStack;
        boolean onThrowable;

        Plan(Shape shape, MethodShape m) throws Refused {
            if (m.maxLocals < 0) {
                throw new Refused(m.name + " has no code");
            }
            owner = shape.owner;
            fields = shape.fields;
            isStatic = (m.access & Opcodes.ACC_STATIC) != 0;
            args = Type.getArgumentTypes(m.descriptor);
            argSlots = new int[args.length];
            int slot = isStatic ? 0 : 1;
            for (int i = 0; i < args.length; i++) {
                argSlots[i] = slot;
                slot += args[i].getSize();
            }
            returned = Type.getReturnType(m.descriptor);
            maxLocals = m.maxLocals;
            hooks = m.hooks;
            argCopies = new int[args.length];
            java.util.Arrays.fill(argCopies, -1);
            entered = new int[hooks.size()];
            java.util.Arrays.fill(entered, -1);
            locals = maxLocals;
            int widest = 0;
            for (int h = 0; h < hooks.size(); h++) {
                Hook hook = hooks.get(h);
                if (hook.enter != null) {
                    widest = Math.max(widest, check(m, hook, hook.enter, null));
                }
                if (hook.exit != null) {
                    widest = Math.max(widest, check(m, hook, hook.exit, hook.enter));
                    onThrowable |= hook.onThrowable;
                    for (Hook.Value v : hook.exit.values) {
                        if (v.source == Hook.Source.THIS || v.source == Hook.Source.FIELD) {
                            if (thisCopy < 0) {
                                thisCopy = take(Type.getObjectType(owner));
                            }
                        } else if (v.source == Hook.Source.ARGUMENT && argCopies[v.index] < 0) {
                            argCopies[v.index] = take(args[v.index]);
                        }
                    }
                    if (hook.exit.uses(Hook.Source.ENTERED)) {
                        entered[h] = take(Type.getReturnType(hook.enter.descriptor));
                    }
                }
            }
            for (Hook hook : hooks) {
                if (hook.exit != null && hook.exit.uses(Hook.Source.RETURNED) && returnedTemp < 0) {
                    returnedTemp = locals;
                    locals += returned.getSize(); // written and read with no frame between: TOP in frames
                }
            }
            if (onThrowable) {
                thrownTemp = locals++;
            }
            extraStack = 4 + widest;
            if (locals > 0xFFFF) {
                throw new Refused(m.name + m.descriptor + " has no room for holdtrace's locals");
            }
        }

        /** A local for a value of type {@code t}, typed in every frame. */
        private int take(Type t) {
            int slot = locals;
            locals += t.getSize();
            frameTypes.add(frameType(t));
            return slot;
        }

        /** Checks the call's values against its descriptor and the method; returns the slots they take on the stack. */
        private int check(MethodShape m, Hook hook, Hook.Call call, Hook.Call enter) throws Refused {
            Type[] params = Type.getArgumentTypes(call.descriptor);
            if (params.length != call.values.length) {
                throw new Refused(call + ": " + call.values.length + " values for " + call.descriptor);
            }
            int size = 0;
            for (int i = 0; i < params.length; i++) {
                Hook.Value v = call.values[i];
                Type from = typeOf(m, v, enter);
                if (v.source == Hook.Source.NULL ? params[i].getSort() < Type.ARRAY : !assignable(from, params[i])) {
                    throw new Refused(m.name + m.descriptor + ": " + v + " is " + from + ", " + call + " takes " + params[i]);
                }
                size += params[i].getSize();
            }
            if (call == hook.enter && Type.getReturnType(call.descriptor).getSort() == Type.VOID
                    && hook.exit != null && hook.exit.uses(Hook.Source.ENTERED)) {
                throw new Refused(call + " returns nothing for the exit");
            }
            return size;
        }

        private Type typeOf(MethodShape m, Hook.Value v, Hook.Call enter) throws Refused {
            switch (v.source) {
                case THIS:
                    if (isStatic) {
                        throw new Refused(m.name + " is static: no this");
                    }
                    return Type.getObjectType(owner);
                case ARGUMENT:
                    if (v.index >= args.length) {
                        throw new Refused(m.name + m.descriptor + " has no argument " + v.index);
                    }
                    return args[v.index];
                case FIELD:
                    if (v.fieldOwner != null && !isStatic) {
                        return Type.getType(v.fieldDescriptor);
                    }
                    String d = fields.get(v.field);
                    if (d == null || isStatic) {
                        throw new Refused(owner + " declares no field " + v.field);
                    }
                    return Type.getType(d);
                case RETURNED:
                    if (returned.getSort() == Type.VOID) {
                        throw new Refused(m.name + m.descriptor + " returns nothing");
                    }
                    return returned;
                case ENTERED:
                    if (enter == null) {
                        throw new Refused("no entry call for " + m.name);
                    }
                    return Type.getReturnType(enter.descriptor);
                case THROWN:
                    return Type.getObjectType(THROWABLE);
                case NULL:
                    return Type.getType(OBJECT);
                default:
                    return v.constant instanceof String ? Type.getType(String.class) : Type.INT_TYPE;
            }
        }

        /** Whether the verifier takes a {@code from} where {@code to} is declared, without a cast. */
        private static boolean assignable(Type from, Type to) {
            if (to.getSort() >= Type.ARRAY) {
                return from.getSort() >= Type.ARRAY && (to.getDescriptor().equals(OBJECT) || to.equals(from));
            }
            if (to.getSort() == Type.INT) { // boolean, byte, char and short are ints to the verifier
                return from.getSort() >= Type.BOOLEAN && from.getSort() <= Type.INT;
            }
            return to.equals(from);
        }
    }

    private static Object frameType(Type t) {
        switch (t.getSort()) {
            case Type.BOOLEAN: case Type.CHAR: case Type.BYTE: case Type.SHORT: case Type.INT:
                return Opcodes.INTEGER;
            case Type.FLOAT:
                return Opcodes.FLOAT;
            case Type.LONG:
                return Opcodes.LONG;
            case Type.DOUBLE:
                return Opcodes.DOUBLE;
            case Type.ARRAY:
                return t.getDescriptor();
            default:
                return t.getInternalName();
        }
    }

    /** The rewrite of one method, as its {@link Plan} says. */
    private static final class Hooked extends MethodVisitor {
        private final Plan p;
        private final boolean frames;
        private final Label start = new Label();
        private final Label end = new Label();
        private final Label handler = new Label();

        Hooked(MethodVisitor mv, Plan plan, boolean frames) {
            super(Opcodes.ASM9, mv);
            this.p = plan;
            this.frames = frames;
        }

        @Override
        public void visitCode() {
            super.visitCode();
            if (p.thisCopy >= 0) {
                mv.visitVarInsn(Opcodes.ALOAD, 0);
                mv.visitVarInsn(Opcodes.ASTORE, p.thisCopy);
            }
            for (int i = 0; i < p.args.length; i++) {
                if (p.argCopies[i] >= 0) {
                    mv.visitVarInsn(p.args[i].getOpcode(Opcodes.ILOAD), p.argSlots[i]);
                    mv.visitVarInsn(p.args[i].getOpcode(Opcodes.ISTORE), p.argCopies[i]);
                }
            }
            for (int h = 0; h < p.hooks.size(); h++) {
                Hook.Call call = p.hooks.get(h).enter;
                if (call == null) {
                    continue;
                }
                for (Hook.Value v : call.values) {
                    push(v, false, false);
                }
                invoke(call);
                Type result = Type.getReturnType(call.descriptor);
                if (p.entered[h] >= 0) {
                    mv.visitVarInsn(result.getOpcode(Opcodes.ISTORE), p.entered[h]);
                } else {
                    pop(result);
                }
            }
            if (p.onThrowable) {
                mv.visitLabel(start);
            }
        }

        @Override
        public void visitInsn(int opcode) {
            if (opcode >= Opcodes.IRETURN && opcode <= Opcodes.RETURN) {
                if (p.returnedTemp >= 0) {
                    mv.visitInsn(p.returned.getSize() == 2 ? Opcodes.DUP2 : Opcodes.DUP);
                    mv.visitVarInsn(p.returned.getOpcode(Opcodes.ISTORE), p.returnedTemp);
                }
                exits(false);
            }
            super.visitInsn(opcode);
        }

        /** The exit calls, the last hook's first; {@code thrown}: in the handler. */
        private void exits(boolean thrown) {
            for (int h = p.hooks.size() - 1; h >= 0; h--) {
                Hook hook = p.hooks.get(h);
                if (hook.exit == null || (thrown && !hook.onThrowable)) {
                    continue;
                }
                for (Hook.Value v : hook.exit.values) {
                    if (v.source == Hook.Source.ENTERED) {
                        mv.visitVarInsn(Type.getReturnType(hook.enter.descriptor).getOpcode(Opcodes.ILOAD), p.entered[h]);
                    } else {
                        push(v, true, thrown);
                    }
                }
                invoke(hook.exit);
                pop(Type.getReturnType(hook.exit.descriptor));
            }
        }

        /** Pushes a value; at an exit, {@code this} and the arguments come from holdtrace's copies. */
        private void push(Hook.Value v, boolean atExit, boolean thrown) {
            switch (v.source) {
                case THIS:
                    mv.visitVarInsn(Opcodes.ALOAD, atExit ? p.thisCopy : 0);
                    break;
                case ARGUMENT:
                    mv.visitVarInsn(p.args[v.index].getOpcode(Opcodes.ILOAD), atExit ? p.argCopies[v.index] : p.argSlots[v.index]);
                    break;
                case FIELD:
                    mv.visitVarInsn(Opcodes.ALOAD, atExit ? p.thisCopy : 0);
                    if (v.fieldOwner != null) {
                        mv.visitFieldInsn(Opcodes.GETFIELD, v.fieldOwner, v.field, v.fieldDescriptor);
                    } else {
                        mv.visitFieldInsn(Opcodes.GETFIELD, p.owner, v.field, p.fields.get(v.field));
                    }
                    break;
                case RETURNED:
                    if (thrown) {
                        zero(p.returned);
                    } else {
                        mv.visitVarInsn(p.returned.getOpcode(Opcodes.ILOAD), p.returnedTemp);
                    }
                    break;
                case THROWN:
                    if (thrown) {
                        mv.visitVarInsn(Opcodes.ALOAD, p.thrownTemp);
                    } else {
                        mv.visitInsn(Opcodes.ACONST_NULL);
                    }
                    break;
                case CONSTANT:
                    mv.visitLdcInsn(v.constant);
                    break;
                case NULL:
                    mv.visitInsn(Opcodes.ACONST_NULL);
                    break;
                default:
                    throw new IllegalStateException(v.toString()); // ENTERED is pushed by exits()
            }
        }

        private void zero(Type t) {
            switch (t.getSort()) {
                case Type.LONG: mv.visitInsn(Opcodes.LCONST_0); break;
                case Type.FLOAT: mv.visitInsn(Opcodes.FCONST_0); break;
                case Type.DOUBLE: mv.visitInsn(Opcodes.DCONST_0); break;
                case Type.ARRAY: case Type.OBJECT: mv.visitInsn(Opcodes.ACONST_NULL); break;
                default: mv.visitInsn(Opcodes.ICONST_0); break;
            }
        }

        private void pop(Type t) {
            if (t.getSize() == 2) {
                mv.visitInsn(Opcodes.POP2);
            } else if (t.getSize() == 1) {
                mv.visitInsn(Opcodes.POP);
            }
        }

        private void invoke(Hook.Call call) {
            mv.visitMethodInsn(Opcodes.INVOKESTATIC, call.owner, call.name, call.descriptor, false);
        }

        @Override
        public void visitFrame(int type, int numLocal, Object[] local, int numStack, Object[] stack) {
            Object[] locals = Frames.withLocals(numLocal, local, p.maxLocals, p.frameTypes.toArray());
            super.visitFrame(type, locals.length, locals, numStack, stack);
        }

        @Override
        public void visitMaxs(int maxStack, int maxLocals) {
            if (p.onThrowable) {
                mv.visitLabel(end);
                mv.visitLabel(handler);
                if (frames) {
                    Object[] locals = Frames.withLocals(0, new Object[0], p.maxLocals, p.frameTypes.toArray());
                    mv.visitFrame(Opcodes.F_NEW, locals.length, locals, 1, new Object[] {THROWABLE});
                }
                mv.visitVarInsn(Opcodes.ASTORE, p.thrownTemp);
                exits(true);
                mv.visitVarInsn(Opcodes.ALOAD, p.thrownTemp);
                mv.visitInsn(Opcodes.ATHROW);
                mv.visitTryCatchBlock(start, end, handler, null); // after the method's own: the outermost
            }
            super.visitMaxs(maxStack + p.extraStack, Math.max(maxLocals, p.locals));
        }
    }
}
