package io.holdtrace.instrumentation;

import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.holdtrace.bootstrap.Holds;
import java.io.InputStream;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.constant.LongConstant;

/**
 * Byte Buddy's first weave in a JVM spends most of its time loading, linking and interpreting
 * Byte Buddy itself (about 180 ms of class loading and 300 ms of cold code over a Spring Boot
 * start's first weaves), on the application thread that loads the class. {@link #start} does one
 * weave of {@link Template}, with advice of the kinds a {@link Weave.Change} uses, on a daemon
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

    /** The name of {@link Template}: the class itself is never loaded, only its class file read. */
    private static final String TEMPLATE = WarmUp.class.getName() + "$Template";

    /**
     * {@link Template}'s class file, or null; read through the Class, which also serves a class of
     * the bootstrap loader's (the agent's, as it runs), whose loader is null.
     */
    private static byte[] template() throws java.io.IOException {
        try (InputStream in = WarmUp.class.getResourceAsStream("/" + TEMPLATE.replace('.', '/') + ".class")) {
            return in == null ? null : in.readAllBytes();
        }
    }

    static byte[] runHooks() {
        try {
            byte[] bytes = template();
            if (bytes == null) {
                return null;
            }
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
            if (bytes == null) {
                return null;
            }
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

    /** What is woven: never loaded as a class, only read as bytes. */
    static final class Template {
        private long state;

        String open(String what) {
            state++;
            return what;
        }

        long close() {
            return state;
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
