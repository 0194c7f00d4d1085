package io.holdtrace.bootstrap;

/**
 * Woven into a pool's reusable connection entry (HikariCP's {@code PoolEntry}) as it loads: one
 * field that keeps the entry's {@link HoldSlot}, so that each checkout of the entry reuses one
 * record instead of making a new one.
 */
public interface SlotCarrier {

    HoldSlot holdtraceSlot();

    void holdtraceSlot(HoldSlot slot);
}
