package io.holdtrace.bootstrap;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The open holds, striped by the thread that took them: a checkout, and a return or a use on
 * that same thread (nearly all of them), touch only that thread's stripe, found from the
 * {@link ThreadRef} without hashing the application's object. (An identity hash of the pool's
 * fresh proxy is a call into the VM on every checkout; it was a quarter of the hot path.) A
 * return or a use on another thread finds the hold by scanning the stripes, and a thread
 * remembers the last hold it found that way, so a connection handed to a worker costs one scan.
 * Each hold refers to its key weakly: nothing here keeps an application object alive. Bounded:
 * past {@code capacity} open holds, new ones are counted, not tracked.
 */
final class HoldTable {

    private static final int STRIPES = 1024;

    private final Hold[] heads = new Hold[STRIPES];
    private final Object[] locks = new Object[STRIPES];
    private final AtomicInteger size = new AtomicInteger();
    private final int capacity;

    HoldTable(int capacity) {
        this.capacity = capacity;
        for (int i = 0; i < STRIPES; i++) {
            locks[i] = new Object();
        }
    }

    /**
     * The classes of the objects held so far (a pool's proxy class, its guard wrapper), weakly:
     * a use of any other object (a driver's physical connection, woven too) cannot be a hold,
     * and skips the scan of every stripe a foreign use needs. Written rarely, under this.
     */
    private volatile WeakReference<Class<?>>[] handleClasses = newClasses(0);

    @SuppressWarnings("unchecked")
    private static WeakReference<Class<?>>[] newClasses(int n) {
        return (WeakReference<Class<?>>[]) new WeakReference<?>[n];
    }

    /** Notes the class of a held object; a few compares when it is already known. */
    void noteHandleClass(Class<?> c) {
        if (!isHandleClass(c)) {
            addHandleClass(c);
        }
    }

    boolean isHandleClass(Class<?> c) {
        for (WeakReference<Class<?>> k : handleClasses) {
            if (k.get() == c) {
                return true;
            }
        }
        return false;
    }

    private synchronized void addHandleClass(Class<?> c) {
        WeakReference<Class<?>>[] cur = handleClasses;
        int live = 0;
        for (WeakReference<Class<?>> k : cur) {
            Class<?> kc = k.get();
            if (kc == c) {
                return;
            }
            if (kc != null) {
                live++;
            }
        }
        WeakReference<Class<?>>[] next = newClasses(live + 1);
        int i = 0;
        for (WeakReference<Class<?>> k : cur) {
            if (k.get() != null) {
                next[i++] = k; // a class whose loader went away drops out here
            }
        }
        next[i] = new WeakReference<>(c);
        handleClasses = next;
    }

    /** The stripe of a thread's holds. */
    static int stripeOf(ThreadRef t) {
        long id = t.id * 0x9E3779B97F4A7C15L; // thread ids are sequential: spread them
        return (int) (id >>> 54) & (STRIPES - 1);
    }

    /** Adds {@code h} to its owner's stripe; false if the table is full. */
    boolean put(Hold h) {
        if (size.incrementAndGet() > capacity) {
            size.decrementAndGet();
            return false;
        }
        int s = h.hash & (STRIPES - 1);
        synchronized (locks[s]) {
            h.next = heads[s];
            heads[s] = h;
        }
        return true;
    }

    /**
     * Removes and returns the open hold of {@code key}, or null (never held, or already ended):
     * first in the stripe of {@code by}, the thread returning it, then in every other stripe.
     */
    Hold remove(Object key, ThreadRef by) {
        int home = by.stripe;
        Hold h = removeIn(home, key);
        if (h != null || !isHandleClass(key.getClass())) {
            return h;
        }
        for (int s = 0; s < STRIPES; s++) {
            if (s != home && heads[s] != null && (h = removeIn(s, key)) != null) {
                return h;
            }
        }
        return null;
    }

    private Hold removeIn(int s, Object key) {
        synchronized (locks[s]) {
            Hold prev = null;
            for (Hold h = heads[s]; h != null; prev = h, h = h.next) {
                if (h.refersTo(key)) {
                    unlink(s, prev, h);
                    return h;
                }
            }
        }
        return null;
    }

    /** Removes {@code target} itself (its key may already be gone); true if it was there. */
    boolean remove(Hold target) {
        int s = target.hash & (STRIPES - 1);
        synchronized (locks[s]) {
            Hold prev = null;
            for (Hold h = heads[s]; h != null; prev = h, h = h.next) {
                if (h == target) {
                    unlink(s, prev, h);
                    return true;
                }
            }
        }
        return false;
    }

    private void unlink(int s, Hold prev, Hold h) {
        if (prev == null) {
            heads[s] = h.next;
        } else {
            prev.next = h.next;
        }
        h.next = null;
        size.decrementAndGet();
    }

    /**
     * The open hold of {@code key}, or null; without locks, for the per-statement use check: the
     * stripe of {@code by}, the hold {@code by} last found elsewhere, then every stripe. A reader
     * racing a removal may miss a hold (an unlinked hold's {@code next} is cleared), which only
     * costs that one use check; a thread always sees the holds it put itself.
     */
    Hold get(Object key, ThreadRef by) {
        for (Hold h = heads[by.stripe]; h != null; h = h.next) {
            if (h.refersTo(key)) {
                return h;
            }
        }
        Hold last = by.lastForeign;
        if (last != null && last.isOpen() && last.refersTo(key)) {
            return last;
        }
        if (!isHandleClass(key.getClass())) {
            return null; // not an object a pool hands out (a physical connection under it, say)
        }
        for (int s = 0; s < STRIPES; s++) {
            for (Hold h = heads[s]; h != null; h = h.next) {
                if (h.refersTo(key)) {
                    by.lastForeign = h;
                    return h;
                }
            }
        }
        return null;
    }

    /** A snapshot of the open holds, for the agent's background work. */
    List<Hold> snapshot() {
        List<Hold> out = new ArrayList<>(Math.max(16, size.get()));
        for (int s = 0; s < STRIPES; s++) {
            synchronized (locks[s]) {
                for (Hold h = heads[s]; h != null; h = h.next) {
                    out.add(h);
                }
            }
        }
        return out;
    }

    int size() {
        return size.get();
    }
}
