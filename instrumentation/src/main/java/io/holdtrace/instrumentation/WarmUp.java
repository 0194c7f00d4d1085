package io.holdtrace.instrumentation;

import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

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

    static byte[] run(Weaver weaver) {
        String name = WarmUp.class.getName() + "$Template"; // by name: the class itself is never loaded
        try (InputStream in = WarmUp.class.getClassLoader().getResourceAsStream(name.replace('.', '/') + ".class")) {
            if (in == null) {
                return null;
            }
            byte[] bytes = in.readAllBytes();
            return weaver.weaveQuietly(WarmUp.class.getClassLoader(), name, bytes,
                    Weave.named((b, type) -> b
                            .visit(Advice.to(Enter.class).on(named("open").and(takesArguments(1))
                                    .and(takesArgument(0, String.class)).and(not(isAbstract()))))
                            .visit(Advice.withCustomMapping().bind(Stamp.class, LongConstant.forValue(1L), long.class)
                                    .to(Exit.class).on(named("close").and(returns(long.class)))),
                            name));
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
