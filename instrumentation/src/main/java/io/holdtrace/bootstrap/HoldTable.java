package io.holdtrace.bootstrap;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The open holds, keyed by the identity of the object the application holds. Lock-striped
 * chains: a put or remove locks one of {@value #STRIPES} stripes, so threads rarely meet. The
 * table holds {@link Hold}s, and each hold refers to its key weakly: nothing here keeps an
 * application object alive. Bounded: past {@code capacity} open holds, new ones are counted,
 * not tracked.
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

    static int hash(Object key) {
        int h = System.identityHashCode(key);
        return h ^ (h >>> 16);
    }

    /** Adds {@code h}; false if the table is full. */
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

    /** Removes and returns the open hold of {@code key}, or null (never held, or already ended). */
    Hold remove(Object key, int hash) {
        int s = hash & (STRIPES - 1);
        synchronized (locks[s]) {
            Hold prev = null;
            for (Hold h = heads[s]; h != null; prev = h, h = h.next) {
                if (h.hash == hash && h.refersTo(key)) {
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
     * The open hold of {@code key}, or null; without the stripe's lock, for the per-statement use
     * check. A reader racing a removal on the same stripe may miss a hold (an unlinked hold's
     * {@code next} is cleared), which only costs that one use check; a thread always sees the
     * holds it put itself.
     */
    Hold get(Object key, int hash) {
        for (Hold h = heads[hash & (STRIPES - 1)]; h != null; h = h.next) {
            if (h.hash == hash && h.refersTo(key)) {
                return h;
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
