package com.example.scenario;

/**
 * Lets a scenario say where its call sites are, independently of the agent: a call to
 * {@link #mark} on the same line as {@code getConnection()} prints that line's site, which the
 * test then expects to find in the agent's report.
 */
public final class Sites {

    private Sites() {
    }

    public static void mark(String name) {
        StackTraceElement e = StackWalker.getInstance().walk(s -> s.skip(1).findFirst()).map(StackWalker.StackFrame::toStackTraceElement).orElseThrow();
        System.out.println("SITE " + name + " " + e.getClassName() + "." + e.getMethodName() + "(" + e.getFileName() + ":" + e.getLineNumber() + ")");
        System.out.flush();
    }
}
