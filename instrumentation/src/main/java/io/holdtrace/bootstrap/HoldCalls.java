package io.holdtrace.bootstrap;

/**
 * The outbound calls made while one hold was open: exact count and time, and the first few calls
 * themselves (for the hold's JFR event and its findings). Made at the hold's first call.
 */
public final class HoldCalls {

    /** Calls kept per hold; the rest are counted only. */
    public static final int MAX_KEPT = 8;

    private int count;
    private long nanos;
    private final RpcCall[] kept = new RpcCall[MAX_KEPT];

    /**
     * Counts {@code c} if {@code h} is still open, or if its thread waited for {@code c} while
     * holding ({@link RpcCall#joined}: an asynchronous call whose completion attributes it after the
     * hold ended). A call counted after its hold ended, or ending at the very moment another thread
     * ends the hold, may miss the pool's totals, which read this when the hold ends.
     */
    synchronized boolean add(Hold h, RpcCall c) {
        if (!h.isOpen() && !c.joined) { // (the hold's end is read first: a thread sets joined before it ends the hold)
            return false;
        }
        if (count < MAX_KEPT) {
            kept[count] = c;
        }
        count++;
        nanos += c.nanos();
        return true;
    }

    public synchronized int count() {
        return count;
    }

    /** Time spent in these calls, nanoseconds. */
    public synchronized long nanos() {
        return nanos;
    }

    /** The first {@value #MAX_KEPT} calls, in the order they ended. */
    public synchronized RpcCall[] kept() {
        RpcCall[] out = new RpcCall[Math.min(count, MAX_KEPT)];
        System.arraycopy(kept, 0, out, 0, out.length);
        return out;
    }

    /** One line per kept call, {@code POST http://auth.example/token 200 201.3 ms}, and how many more. */
    public String describe() {
        RpcCall[] k = kept();
        int n = count();
        StringBuilder sb = new StringBuilder();
        for (RpcCall c : k) {
            sb.append(sb.length() == 0 ? "" : "\n").append(c.describe());
        }
        if (n > k.length) {
            sb.append("\n(").append(n - k.length).append(" more)");
        }
        return sb.toString();
    }
}
