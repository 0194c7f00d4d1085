package io.holdtrace.bootstrap;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;

/**
 * One checkout of one connection, from the moment the pool hands it out until it comes back.
 * It refers weakly to the object the application holds, so that a connection dropped without
 * {@code close()} is noticed when the garbage collector enqueues this hold.
 */
public final class Hold extends WeakReference<Object> {

    public static final int FLAG_LONG_REPORTED = 1;
    public static final int FLAG_CROSS_THREAD = 2;
    public static final int FLAG_CROSS_REPORTED = 4;
    public static final int FLAG_LEAK_REPORTED = 8;
    /** Not a hold: a checkout that gave up waiting; only its wait and site count. */
    public static final int FLAG_TIMEOUT = 16;

    private static final int MAX_USERS = 8;

    public final PoolStats pool;
    public final ThreadRef owner;
    public final long startNanos;
    public final long waitNanos;

    /** The raw acquiring stack, until the agent decodes it (off the application thread). */
    volatile Throwable capture;
    private volatile SiteStats site;
    private volatile long endNanos;
    /** Written before {@link #endNanos} and read after it: the volatile end publishes it. */
    private int endReason;
    private volatile int flags;
    /**
     * What the holder was in when it took the connection (a JFR event, a DI creation, a
     * transaction), or null when it was in none: one field instead of three on every checkout.
     * Set before the hold is published; the table's stripe lock publishes it.
     */
    private Context context;
    /** The outbound calls made while it was held, or null: made at the first one. */
    private volatile HoldCalls calls;

    static Hold timeout(PoolStats pool, ThreadRef owner, long startNanos, long waitNanos, Throwable capture) {
        Hold h = new Hold(null, null, 0, pool, owner, startNanos, waitNanos, capture);
        h.flags = FLAG_TIMEOUT;
        h.endNanos = startNanos + waitNanos;
        return h;
    }

    // table chain, guarded by the stripe lock of HoldTable; `hash` is the owner thread's stripe
    final int hash;
    Hold next;

    /**
     * For a hold that a {@link HoldSlot}'s checkout became: that slot, and the slot's state for
     * this checkout (its end is claimed there). Null and 0 for a hold of the generic path. Set
     * before the hold is published.
     */
    HoldSlot slot;
    long seq;

    // use by threads: lastUser read without a lock, the rest guarded by this
    private volatile long lastUser;
    private Sharing sharing;

    Hold(Object handle, ReferenceQueue<Object> queue, int hash, PoolStats pool, ThreadRef owner,
         long startNanos, long waitNanos, Throwable capture) {
        super(handle, queue);
        this.hash = hash;
        this.pool = pool;
        this.owner = owner;
        this.startNanos = startNanos;
        this.waitNanos = waitNanos;
        this.capture = capture;
        this.lastUser = owner.id;
    }

    public Throwable capture() {
        return capture;
    }

    public SiteStats site() {
        return site;
    }

    /** The agent attaches the decoded site and drops the raw stack (and the method, which the site names). */
    public void resolve(SiteStats s) {
        site = s;
        capture = null;
        Context c = context;
        if (c != null) {
            c.transactional = null;
        }
    }

    /** At checkout, before the hold is published: only when one of them is non-null. */
    void context(Object jfrEvent, Creation creation, Object transactional) {
        if (jfrEvent != null || creation != null || transactional != null) {
            Context c = new Context();
            c.jfrEvent = jfrEvent;
            c.creation = creation;
            c.transactional = transactional;
            context = c;
        }
    }

    /** The JFR hold event begun at checkout, taken once (by whoever ends the hold); or null. */
    Object takeJfrEvent() {
        Context c = context;
        if (c == null || c.jfrEvent == null) {
            return null;
        }
        Object e = c.jfrEvent;
        c.jfrEvent = null;
        return e;
    }

    /** The component being created when the connection was taken, or null. */
    public Creation creation() {
        Context c = context;
        return c == null ? null : c.creation;
    }

    /** The {@code @Transactional} method the holder was in, until the site is decoded; or null. */
    public Object transactional() {
        Context c = context;
        return c == null ? null : c.transactional;
    }

    /** The rare parts of a checkout's circumstances. */
    private static final class Context {
        Object jfrEvent;
        Creation creation;
        volatile Object transactional;
    }

    /** Which threads used a held connection; made at the first use by another thread. */
    private static final class Sharing {
        String[] users;
        int userCount;
        int switches;
    }

    public boolean isOpen() {
        return endNanos == 0L;
    }

    public long endNanos() {
        return endNanos;
    }

    /** Why it ended ({@link Holds#END_CLOSE}, ...), or 0 while it is open. */
    public int endReason() {
        return endNanos == 0L ? 0 : endReason;
    }

    void end(long now, int reason) {
        endReason = reason;
        endNanos = now == 0L ? 1L : now;
    }

    /** The outbound calls made while this hold was open, or null if none was. */
    public HoldCalls calls() {
        return calls;
    }

    /** Counts a call that ended while this hold was still open; false if the hold had ended. */
    boolean callDone(RpcCall c) {
        HoldCalls hc = calls;
        if (hc == null) {
            synchronized (this) {
                hc = calls;
                if (hc == null) {
                    calls = hc = new HoldCalls();
                }
            }
        }
        return hc.add(this, c);
    }

    public int flags() {
        return flags;
    }

    /** Sets a flag; returns true if this call set it (so each finding is reported once). */
    public synchronized boolean setFlag(int f) {
        if ((flags & f) != 0) {
            return false;
        }
        flags |= f;
        return true;
    }

    /** Was the last use by the thread of id {@code threadId}? (The use check's fast path.) */
    boolean lastUsedBy(long threadId) {
        return lastUser == threadId;
    }

    /**
     * Notes a use from {@code user}. Handing a connection to another thread is one switch and is
     * normal; a second switch means threads took turns on it while it was held.
     */
    boolean usedBy(ThreadRef user) {
        if (user.id == lastUser) {
            return false; // the common case: the holder uses its own connection
        }
        synchronized (this) {
            if (user.id == lastUser) {
                return false;
            }
            lastUser = user.id;
            Sharing sh = sharing;
            if (sh == null) {
                sh = sharing = new Sharing();
            }
            sh.switches++;
            addUser(sh, user.name());
            if (sh.switches >= 2 && (flags & FLAG_CROSS_THREAD) == 0) {
                flags |= FLAG_CROSS_THREAD;
                return true;
            }
            return false;
        }
    }

    private void addUser(Sharing sh, String name) {
        if (sh.users == null) {
            sh.users = new String[MAX_USERS];
            sh.users[sh.userCount++] = owner.name();
        }
        for (int i = 0; i < sh.userCount; i++) {
            if (sh.users[i].equals(name)) {
                return;
            }
        }
        if (sh.userCount < MAX_USERS) {
            sh.users[sh.userCount++] = name;
        }
    }

    /** The threads that used this connection while it was held (bounded), the owner first. */
    public synchronized String[] users() {
        Sharing sh = sharing;
        if (sh == null || sh.users == null) {
            return new String[] {owner.name()};
        }
        String[] copy = new String[sh.userCount];
        System.arraycopy(sh.users, 0, copy, 0, sh.userCount);
        return copy;
    }

    public synchronized int switches() {
        return sharing == null ? 0 : sharing.switches;
    }
}
