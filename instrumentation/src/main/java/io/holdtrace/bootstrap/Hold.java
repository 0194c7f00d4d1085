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
    private volatile int endReason;
    private volatile int flags;
    /** The JFR hold event begun at checkout, or null; the table's stripe lock publishes it. */
    Object jfrEvent;
    /** The DI component being created when the connection was taken, or null; published like jfrEvent. */
    Creation creation;
    /** The {@code @Transactional} method the holder was in ({@link Components.Tx}), until the site is decoded. */
    Object transactional;
    /** The outbound calls made while it was held, or null: made at the first one. */
    private volatile HoldCalls calls;

    static Hold timeout(PoolStats pool, ThreadRef owner, long startNanos, long waitNanos, Throwable capture) {
        Hold h = new Hold(null, null, 0, pool, owner, startNanos, waitNanos, capture);
        h.flags = FLAG_TIMEOUT;
        h.endNanos = startNanos + waitNanos;
        return h;
    }

    // table chain, guarded by the stripe lock of HoldTable
    final int hash;
    Hold next;

    // use by threads, guarded by this
    private volatile long lastUser;
    private String[] users;
    private int userCount;
    private int switches;

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
        transactional = null;
    }

    /** The component being created when the connection was taken, or null. */
    public Creation creation() {
        return creation;
    }

    /** The {@code @Transactional} method the holder was in, until the site is decoded; or null. */
    public Object transactional() {
        return transactional;
    }

    public boolean isOpen() {
        return endNanos == 0L;
    }

    public long endNanos() {
        return endNanos;
    }

    public int endReason() {
        return endReason;
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
            switches++;
            addUser(user.name());
            if (switches >= 2 && (flags & FLAG_CROSS_THREAD) == 0) {
                flags |= FLAG_CROSS_THREAD;
                return true;
            }
            return false;
        }
    }

    private void addUser(String name) {
        if (users == null) {
            users = new String[MAX_USERS];
            users[userCount++] = owner.name();
        }
        for (int i = 0; i < userCount; i++) {
            if (users[i].equals(name)) {
                return;
            }
        }
        if (userCount < MAX_USERS) {
            users[userCount++] = name;
        }
    }

    /** The threads that used this connection while it was held (bounded), the owner first. */
    public synchronized String[] users() {
        if (users == null) {
            return new String[] {owner.name()};
        }
        String[] copy = new String[userCount];
        System.arraycopy(users, 0, copy, 0, userCount);
        return copy;
    }

    public synchronized int switches() {
        return switches;
    }
}
