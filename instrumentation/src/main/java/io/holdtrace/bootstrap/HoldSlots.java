package io.holdtrace.bootstrap;

import java.util.Arrays;

/**
 * Every {@link HoldSlot} made so far, for the agent's passes: one per pooled connection entry,
 * made at the entry's first checkout (so on the hot path only once per physical connection).
 * Bounded: past {@code capacity} live slots, an entry gets {@link #NONE} and its checkouts take
 * the generic path. A slot whose entry was collected (the pool closed it, or the pool itself went
 * away) is dropped at the next pass.
 */
final class HoldSlots {

    /** Given to an entry when there was no room: its checkouts take the generic path for good. */
    static final HoldSlot NONE = HoldSlot.of(null, null);

    private final int capacity;
    private HoldSlot[] slots = new HoldSlot[16];
    private int count;

    HoldSlots(int capacity) {
        this.capacity = capacity;
    }

    /** A new slot for {@code entry} of {@code pool}, or {@link #NONE} when the registry is full. */
    synchronized HoldSlot add(Object entry, PoolStats pool) {
        if (count >= capacity || count == slots.length) {
            prune();
            if (count >= capacity) {
                return NONE;
            }
            if (count == slots.length) {
                slots = Arrays.copyOf(slots, Math.min(capacity, count * 2));
            }
        }
        HoldSlot s = HoldSlot.of(entry, pool);
        slots[count++] = s;
        return s;
    }

    /** The live slots now, for a pass (drops those whose entry is gone). */
    synchronized HoldSlot[] snapshot() {
        prune();
        return Arrays.copyOf(slots, count);
    }

    private void prune() {
        int k = 0;
        for (int i = 0; i < count; i++) {
            HoldSlot s = slots[i];
            if (s.entry.get() != null || HoldSlot.isOpen(s.state())) {
                slots[k++] = s;
            }
        }
        Arrays.fill(slots, k, count, null);
        count = k;
    }
}
