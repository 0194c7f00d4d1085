package io.holdtrace.instrumentation;

import net.bytebuddy.jar.asm.Opcodes;

/**
 * Stack map frames of a method given locals of holdtrace's own after its {@code maxLocals}: read
 * expanded, each frame keeps the method's locals, is padded with TOP to the method's own slots, and
 * gets holdtrace's typed locals after them, so nothing of the method's own is renumbered. Used by
 * {@link HookWeaver} and HikariCP's checkout rewrite.
 */
public final class Frames {

    private Frames() {
    }

    /**
     * The first {@code count} of {@code locals} (an expanded frame's), TOP up to {@code maxLocals}
     * slots, then {@code added}; with nothing added, the frame's own locals alone.
     */
    public static Object[] withLocals(int count, Object[] locals, int maxLocals, Object[] added) {
        if (added.length == 0) {
            return java.util.Arrays.copyOf(locals, count);
        }
        Object[] out = new Object[count + maxLocals + added.length];
        int n = 0;
        int slots = 0;
        for (int i = 0; i < count; i++) {
            out[n++] = locals[i];
            slots += locals[i] == Opcodes.LONG || locals[i] == Opcodes.DOUBLE ? 2 : 1;
        }
        for (; slots < maxLocals; slots++) {
            out[n++] = Opcodes.TOP;
        }
        for (Object t : added) {
            out[n++] = t;
        }
        return java.util.Arrays.copyOf(out, n);
    }
}
