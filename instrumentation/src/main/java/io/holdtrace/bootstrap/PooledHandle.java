package io.holdtrace.bootstrap;

/**
 * Woven into a pool's connection proxy class (HikariCP's {@code ProxyConnection}) as it loads:
 * the proxy names the pool's reusable entry it stands for, whose {@link SlotCarrier} slot keeps
 * the hold. Absent where the class was already loaded when the agent came (an attach).
 */
public interface PooledHandle {

    /** The pool's entry behind this proxy (HikariCP's {@code PoolEntry}). */
    Object holdtraceEntry();
}
