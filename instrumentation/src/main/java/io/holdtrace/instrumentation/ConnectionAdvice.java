package io.holdtrace.instrumentation;

import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.holdtrace.bootstrap.Holds;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Advice for the connection object a pool hands out (its proxy or guard wrapper), shared by
 * every instrumentation whose handle is a real class. Each runs on entry: the hold ends before
 * the pool can hand the connection to a waiting thread.
 */
public final class ConnectionAdvice {

    /** Methods that show the connection in use, for cross-thread detection. */
    public static final ElementMatcher.Junction<MethodDescription> USE =
            namedOneOf("createStatement", "prepareStatement", "prepareCall", "commit", "rollback").and(not(isAbstract()));
    public static final ElementMatcher.Junction<MethodDescription> CLOSE =
            named("close").and(takesArguments(0)).and(not(isAbstract()));
    public static final ElementMatcher.Junction<MethodDescription> ABORT =
            named("abort").and(takesArguments(1)).and(not(isAbstract()));

    private ConnectionAdvice() {
    }

    public static final class Close {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.This Object connection) {
            Holds.released(connection, Holds.END_CLOSE);
        }
    }

    public static final class Abort {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.This Object connection) {
            Holds.released(connection, Holds.END_ABORT);
        }
    }

    public static final class Use {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.This Object connection) {
            Holds.used(connection);
        }
    }
}
