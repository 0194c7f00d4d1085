package io.holdtrace.bootstrap;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** What hooks woven into test fixtures called, in order (a test's stand-in for {@link Holds}). */
public final class HookProbe {

    public static final List<String> CALLS = new ArrayList<>();

    private HookProbe() {
    }

    private static synchronized void record(String name, Object... values) {
        CALLS.add(name + Arrays.deepToString(values));
    }

    public static synchronized List<String> take() {
        List<String> out = new ArrayList<>(CALLS);
        CALLS.clear();
        return out;
    }

    public static Object enter(Object self, String text, int number) {
        record("enter", self == null ? null : "this", text, number);
        return "token:" + text;
    }

    public static long enterLong() {
        record("enterLong");
        return 42L;
    }

    public static void exit(Object entered, Object returned, Throwable thrown) {
        record("exit", entered, returned, thrown == null ? null : thrown.getClass().getSimpleName());
    }

    public static void exitLong(long entered, long returned, Throwable thrown) {
        record("exitLong", entered, returned, thrown == null ? null : thrown.getClass().getSimpleName());
    }

    public static void exitDouble(double returned) {
        record("exitDouble", returned);
    }

    public static void field(Object self, String label, int count) {
        record("field", self == null ? null : "this", label, count);
    }

    public static void first() {
        record("first");
    }

    public static void second() {
        record("second");
    }

    public static void exitFirst() {
        record("exitFirst");
    }

    public static void exitSecond() {
        record("exitSecond");
    }

    public static void argument(Object value) {
        record("argument", value);
    }

    public static void wrongType(String value) {
        record("wrongType", value);
    }
}
