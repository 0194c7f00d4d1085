package io.holdtrace.bootstrap;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
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

    static final int STRIPES = 1024;

    /**
     * One stripe: its chain of holds, how many it has, and how many of the table's places it has
     * reserved, and its lock. Padded on both sides (a superclass's fields come first), so
     * that two threads working in their own stripes do not share a cache line.
     */
    private static class StripePadBefore {
        long p0, p1, p2, p3, p4, p5, p6;
    }

    private static class StripeFields extends StripePadBefore {
        Hold head;
        int count;
        int reserved;
        /** 1 while a thread works in the stripe ({@link #lock}). */
        volatile int locked;
    }

    private static final class Stripe extends StripeFields {
        long q0, q1, q2, q3, q4, q5, q6;
    }

    private static final VarHandle LOCKED;

    static {
        try {
            LOCKED = MethodHandles.lookup().findVarHandle(StripeFields.class, "locked", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * Takes a stripe's lock. A stripe is nearly always worked in by one thread (its owner) for a
     * few dozen instructions, so a compare-and-set and a releasing store are all it costs (a
     * monitor costs a compare-and-set on both ends); a thread that finds it taken spins briefly,
     * then yields.
     */
    private static void lock(Stripe st) {
        if (!LOCKED.compareAndSet(st, 0, 1)) {
            lockContended(st);
        }
    }

    private static void lockContended(Stripe st) {
        for (int spins = 0; st.locked != 0 || !LOCKED.compareAndSet(st, 0, 1); spins++) {
            if (spins < 100) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
    }

    private static void unlock(Stripe st) {
        LOCKED.setRelease(st, 0);
    }

    private final Stripe[] stripes = new Stripe[STRIPES];
    /**
     * Places taken from the bound, by all stripes: a stripe reserves a place when it grows past
     * what it has reserved and gives one back when two are unused, so a thread that takes and
     * returns one connection at a time touches this shared counter once, not twice per cycle.
     * Open holds never exceed {@code capacity}; when the places run out, those that idle stripes
     * kept are taken back before a hold is refused.
     */
    private final AtomicInteger placesTaken = new AtomicInteger();
    private final int capacity;

    HoldTable(int capacity) {
        this.capacity = capacity;
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new Stripe();
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

    /** Adds {@code h} to its owner's stripe; false if the table is full. */
    boolean put(Hold h) {
        if (tryPut(h)) {
            return true;
        }
        reclaimSpares(); // rare: the bound is reached, perhaps only by places idle stripes kept
        return tryPut(h);
    }

    /** Gives back the places that stripes reserved and do not use; takes each stripe's lock in turn, never two. */
    private synchronized void reclaimSpares() {
        for (Stripe st : stripes) {
            lock(st);
            try {
                int spare = st.reserved - st.count;
                if (spare > 0) {
                    st.reserved = st.count;
                    placesTaken.addAndGet(-spare);
                }
            } finally {
                unlock(st);
            }
        }
    }

    private boolean tryPut(Hold h) {
        Stripe st = stripes[h.hash & (STRIPES - 1)];
        lock(st);
        try {
            if (st.count == st.reserved) {
                if (placesTaken.incrementAndGet() > capacity) {
                    placesTaken.decrementAndGet();
                    return false;
                }
                st.reserved++;
            }
            h.next = st.head;
            st.head = h;
            st.count++;
        } finally {
            unlock(st);
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
            if (s != home && stripes[s].head != null && (h = removeIn(s, key)) != null) {
                return h;
            }
        }
        return null;
    }

    private Hold removeIn(int s, Object key) {
        Stripe st = stripes[s];
        lock(st);
        try {
            Hold prev = null;
            for (Hold h = st.head; h != null; prev = h, h = h.next) {
                if (h.refersTo(key)) {
                    unlink(st, prev, h);
                    return h;
                }
            }
        } finally {
            unlock(st);
        }
        return null;
    }

    /** Removes {@code target} itself (its key may already be gone); true if it was there. */
    boolean remove(Hold target) {
        Stripe st = stripes[target.hash & (STRIPES - 1)];
        lock(st);
        try {
            Hold prev = null;
            for (Hold h = st.head; h != null; prev = h, h = h.next) {
                if (h == target) {
                    unlink(st, prev, h);
                    return true;
                }
            }
        } finally {
            unlock(st);
        }
        return false;
    }

    /** Under the stripe's lock. */
    private void unlink(Stripe st, Hold prev, Hold h) {
        if (prev == null) {
            st.head = h.next;
        } else {
            prev.next = h.next;
        }
        h.next = null;
        if (st.reserved - --st.count > 1) {
            st.reserved--;
            placesTaken.decrementAndGet();
        }
    }

    /**
     * The open hold of {@code key}, or null; without locks, for the per-statement use check: the
     * stripe of {@code by}, the hold {@code by} last found elsewhere, then every stripe. A reader
     * racing a removal may miss a hold (an unlinked hold's {@code next} is cleared), which only
     * costs that one use check; a thread always sees the holds it put itself.
     */
    Hold get(Object key, ThreadRef by) {
        for (Hold h = stripes[by.stripe].head; h != null; h = h.next) {
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
            for (Hold h = stripes[s].head; h != null; h = h.next) {
                if (h.refersTo(key)) {
                    by.lastForeign = h;
                    return h;
                }
            }
        }
        return null;
    }

    /**
     * A snapshot of the open holds, for the agent's background work. A stripe that looks empty
     * without its lock is skipped (most of the 1,024 are, every pass): a hold put there meanwhile
     * is in the next snapshot, as it would be had its stripe been locked a moment earlier. (A plain
     * read: the loop runs interpreted through an application's start, where a VarHandle's read
     * costs as much as the lock it saves.)
     */
    List<Hold> snapshot() {
        int places = placesTaken.get();
        if (places == 0) {
            // no stripe holds a place, so none holds a hold (a put takes its place first): the
            // usual case where a pool's checkouts live in its slots, and all of an application's
            // start before its first checkout, when this loop runs interpreted every pass
            return new ArrayList<>(0);
        }
        List<Hold> out = new ArrayList<>(Math.max(16, places));
        for (Stripe st : stripes) {
            if (st.head == null) {
                continue;
            }
            lock(st);
            try {
                for (Hold h = st.head; h != null; h = h.next) {
                    out.add(h);
                }
            } finally {
                unlock(st);
            }
        }
        return out;
    }

    /** The open holds now: the stripes' counts, read without their locks (a report figure). */
    int size() {
        int n = 0;
        for (Stripe st : stripes) {
            n += st.count;
        }
        return n;
    }
}
