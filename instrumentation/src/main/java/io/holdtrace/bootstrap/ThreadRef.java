package io.holdtrace.bootstrap;

import java.lang.ref.WeakReference;

/**
 * What the agent knows of an application thread: its id and name, and a weak reference so the
 * agent can look at its stack now or see that it ended, without keeping it alive. One per
 * thread, made on first use.
 */
public final class ThreadRef {

    private static final ThreadLocal<ThreadRef> CURRENT = ThreadLocal.withInitial(ThreadRef::new);

    public final long id;
    private final WeakReference<Thread> thread;
    private volatile String name;
    /** Only touched by the owning thread. */
    int poolInternalDepth;
    /** Only touched by the owning thread. */
    int driverDepth;
    /** The DI component this thread is creating, innermost; only touched by the owning thread. */
    Creation creating;
    /** The {@code @Transactional} method this thread is in ({@link Components.Tx}); only touched by the owning thread. */
    Object transactional;

    private ThreadRef() {
        Thread t = Thread.currentThread();
        this.id = t.getId();
        this.thread = new WeakReference<>(t);
        this.name = t.getName();
    }

    public static ThreadRef current() {
        ThreadRef r = CURRENT.get();
        Thread t = Thread.currentThread();
        String n = t.getName();
        if (n != r.name) { // a rename; reference comparison is enough and costs nothing
            r.name = n;
        }
        return r;
    }

    public String name() {
        return name;
    }

    /** The thread, or null if it was collected. */
    public Thread thread() {
        return thread.get();
    }

    public boolean isAlive() {
        Thread t = thread.get();
        return t != null && t.isAlive();
    }
}
