package io.holdtrace.agent.report;

/**
 * A pool's live figures, read like {@link PoolSettings}: by reflection on getters that only
 * count, never on anything that could change the pool or touch a connection. -1 where the pool
 * does not tell.
 */
public final class PoolGauges {

    public final int idle;
    public final int total;
    public final int pending;
    public final int max;

    private PoolGauges(int idle, int total, int pending, int max) {
        this.idle = idle;
        this.total = total;
        this.pending = pending;
        this.max = max;
    }

    public static PoolGauges of(String type, Object pool) {
        int max = number(PoolSettings.of(type, pool).get("maxSize"));
        if (pool != null && type.equals("hikari")) {
            // HikariPool implements HikariPoolMXBean: each of these counts its connection bag
            return new PoolGauges(number(PoolSettings.call(pool, "getIdleConnections")),
                    number(PoolSettings.call(pool, "getTotalConnections")),
                    number(PoolSettings.call(pool, "getThreadsAwaitingConnection")), max);
        }
        return new PoolGauges(-1, -1, -1, max);
    }

    /** Threads waiting for a connection now, -1 where the pool does not tell (only HikariCP does): one counter read. */
    public static int pending(String type, Object pool) {
        return pool != null && type.equals("hikari") ? number(PoolSettings.call(pool, "getThreadsAwaitingConnection")) : -1;
    }

    private static int number(Object v) {
        return v instanceof Number ? ((Number) v).intValue() : -1;
    }
}
