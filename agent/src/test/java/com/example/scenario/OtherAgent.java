package com.example.scenario;

import java.lang.instrument.Instrumentation;

/**
 * Another Java agent beside holdtrace, as an APM agent or a debugger would be: it keeps its
 * {@link Instrumentation} so that a scenario can retransform classes holdtrace has changed.
 * Attached with a jar whose manifest names it ({@code Premain-Class}, {@code Can-Retransform-Classes}).
 */
public final class OtherAgent {

    private static volatile Instrumentation instrumentation;

    private OtherAgent() {
    }

    public static void premain(String args, Instrumentation inst) {
        instrumentation = inst;
    }

    static Instrumentation instrumentation() {
        if (instrumentation == null) {
            throw new IllegalStateException("OtherAgent was not attached (-javaagent)");
        }
        return instrumentation;
    }
}
