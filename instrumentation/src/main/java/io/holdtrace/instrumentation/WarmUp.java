package io.holdtrace.instrumentation;

import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.holdtrace.bootstrap.Holds;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.constant.LongConstant;

/**
 * Byte Buddy's first weave in a JVM spends most of its time loading, linking and interpreting
 * Byte Buddy itself (about 180 ms of class loading and 300 ms of cold code over a Spring Boot
 * start's first weaves), on the application thread that loads the class. {@link #start} does one
 * weave of a small class made for it ({@link #template}), with advice of the kinds a {@link Weave.Change} uses, on a daemon
 * thread of its own, so that cost is mostly paid beside the application rather than inside it.
 * The {@link Weaver} starts it only where a Byte Buddy weave may come (most weaves are
 * {@link Hook}s, which need none of it). The result is thrown away; a failure is silent (the real weaves report their own).
 */
final class WarmUp {

    private WarmUp() {
    }

    static void start(Weaver weaver) {
        Thread t = new Thread(() -> run(weaver), "holdtrace-warmup");
        t.setDaemon(true);
        t.start();
    }

    /**
     * The same for the hook weaver: its first weave on the application's thread (Spring's bean
     * factory, as the context starts) spent 30-50 ms loading, verifying and interpreting ASM.
     * Started as the agent starts, it loads them while the application is still in its launcher.
     */
    static void startHooks() {
        Thread t = new Thread(new Runnable() { // a class, not a lambda: none is spun on the agent's start
            @Override
            public void run() {
                runHooks();
            }
        }, "holdtrace-warmup-hooks");
        t.setDaemon(true);
        t.start();
    }

    /** The name of the class woven: never defined by the agent, only made as bytes. */
    private static final String TEMPLATE = WarmUp.class.getName() + "$Template";

    /**
     * The class file of {@code final class Template { private long state; String open(String what)
     * { state++; return what; } long close() { return state; } }}, made with ASM (which warms the
     * writer the weaves use too). Not read as a resource of the agent jar: for a class of the
     * bootstrap loader's that goes to the system class loader, whose search of the boot loader
     * first looks through every module of the JDK's image (about 5 ms of CPU as an application
     * starts).
     */
    static byte[] template() {
        String internal = TEMPLATE.replace('.', '/');
        ClassWriter cw = new ClassWriter(0);
        cw.visit(Opcodes.V1_8, Opcodes.ACC_FINAL | Opcodes.ACC_SUPER, internal, null, "java/lang/Object", null);
        cw.visitField(Opcodes.ACC_PRIVATE, "state", "J", null, null).visitEnd();
        MethodVisitor init = cw.visitMethod(0, "<init>", "()V", null, null);
        init.visitCode();
        init.visitVarInsn(Opcodes.ALOAD, 0);
        init.visitMethodInsn(Opcodes.INVOKESPECIAL, "java/lang/Object", "<init>", "()V", false);
        init.visitInsn(Opcodes.RETURN);
        init.visitMaxs(1, 1);
        init.visitEnd();
        MethodVisitor open = cw.visitMethod(0, "open", "(Ljava/lang/String;)Ljava/lang/String;", null, null);
        open.visitCode();
        open.visitVarInsn(Opcodes.ALOAD, 0);
        open.visitInsn(Opcodes.DUP);
        open.visitFieldInsn(Opcodes.GETFIELD, internal, "state", "J");
        open.visitInsn(Opcodes.LCONST_1);
        open.visitInsn(Opcodes.LADD);
        open.visitFieldInsn(Opcodes.PUTFIELD, internal, "state", "J");
        open.visitVarInsn(Opcodes.ALOAD, 1);
        open.visitInsn(Opcodes.ARETURN);
        open.visitMaxs(5, 2);
        open.visitEnd();
        MethodVisitor close = cw.visitMethod(0, "close", "()J", null, null);
        close.visitCode();
        close.visitVarInsn(Opcodes.ALOAD, 0);
        close.visitFieldInsn(Opcodes.GETFIELD, internal, "state", "J");
        close.visitInsn(Opcodes.LRETURN);
        close.visitMaxs(2, 1);
        close.visitEnd();
        cw.visitEnd();
        return cw.toByteArray();
    }

    static byte[] runHooks() {
        try {
            byte[] bytes = template();
            // calls the hooks of the outbound-call and driver instrumentations make: never run (the class is not loaded)
            String object = "Ljava/lang/Object;";
            return HookWeaver.weave(bytes, java.util.List.of(
                    Hook.on("open").arguments(1).argument(0, "Ljava/lang/String;")
                            .enter(Hook.call(Holds.class, "jdkSend", "(" + object + ")" + object, Hook.argument(0)))
                            .exitOrThrow(Hook.call(Holds.class, "jdkSent", "(" + object + object + "Ljava/lang/Throwable;)V",
                                    Hook.ENTERED, Hook.RETURNED, Hook.THROWN)),
                    Hook.on("close").returns("J")
                            .exit(Hook.call(Holds.class, "driverConnected", "(" + object + object + "J)V",
                                    Hook.THIS, Hook.NULL, Hook.field("state")))));
        } catch (Throwable ignored) {
            return null;
        }
    }

    static byte[] run(Weaver weaver) {
        try {
            byte[] bytes = template();
            return weaver.weaveQuietly(WarmUp.class.getClassLoader(), TEMPLATE, bytes,
                    Weave.named((b, type) -> b
                            .visit(Advice.to(Enter.class, Weave.Change.classFilesOf(Enter.class)).on(named("open").and(takesArguments(1))
                                    .and(takesArgument(0, String.class)).and(not(isAbstract()))))
                            .visit(Advice.withCustomMapping().bind(Stamp.class, LongConstant.forValue(1L), long.class)
                                    .to(Exit.class, Weave.Change.classFilesOf(Exit.class)).on(named("close").and(returns(long.class)))),
                            TEMPLATE));
        } catch (Throwable ignored) {
            return null;
        }
    }

    @java.lang.annotation.Retention(java.lang.annotation.RetentionPolicy.RUNTIME)
    @interface Stamp {
    }

    static final class Enter {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static long enter(@Advice.This Object self, @Advice.Argument(0) String what) {
            return what == null ? 0 : System.identityHashCode(self);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.Enter long start, @Advice.Return Object result, @Advice.Thrown Throwable thrown) {
            if (start < 0 && result == null && thrown == null) {
                throw new IllegalStateException();
            }
        }
    }

    static final class Exit {
        @Advice.OnMethodExit(suppress = Throwable.class)
        static void exit(@Advice.FieldValue("state") long state, @Stamp long stamp) {
            if (state < stamp - 2) {
                throw new IllegalStateException();
            }
        }
    }
}
