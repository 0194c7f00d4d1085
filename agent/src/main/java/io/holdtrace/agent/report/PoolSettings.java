package io.holdtrace.agent.report;

import io.holdtrace.bootstrap.Getters;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads a pool's settings for the report, by reflection on its configuration getters only:
 * never a call that could change the pool or touch a connection. Whatever cannot be read is
 * left out.
 */
public final class PoolSettings {

    private PoolSettings() {
    }

    public static Map<String, Object> of(String type, Object pool) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (pool == null) {
            return out;
        }
        try {
            switch (type) {
                case "hikari": {
                    Object cfg = field(pool, "config");
                    put(out, "maxSize", cfg, "getMaximumPoolSize");
                    put(out, "minIdle", cfg, "getMinimumIdle");
                    put(out, "connectionTimeoutMs", cfg, "getConnectionTimeout");
                    put(out, "idleTimeoutMs", cfg, "getIdleTimeout");
                    put(out, "maxLifetimeMs", cfg, "getMaxLifetime");
                    put(out, "leakDetectionThresholdMs", cfg, "getLeakDetectionThreshold");
                    put(out, "autoCommit", cfg, "isAutoCommit");
                    putUrl(out, cfg, "getJdbcUrl");
                    put(out, "dataSourceClassName", cfg, "getDataSourceClassName");
                    put(out, "driverClassName", cfg, "getDriverClassName");
                    break;
                }
                case "dbcp2": {
                    // the pool object is DBCP2's GenericObjectPool; its factory knows the connections
                    put(out, "maxSize", pool, "getMaxTotal");
                    put(out, "minIdle", pool, "getMinIdle");
                    put(out, "maxIdle", pool, "getMaxIdle");
                    putMillis(out, "connectionTimeoutMs", pool, "getMaxWaitDuration");
                    putMillis(out, "idleTimeoutMs", pool, "getMinEvictableIdleDuration");
                    putMillis(out, "evictionIntervalMs", pool, "getDurationBetweenEvictionRuns");
                    if (Boolean.TRUE.equals(call(pool, "isAbandonedConfig"))) {
                        putMillis(out, "removeAbandonedTimeoutMs", pool, "getRemoveAbandonedTimeoutDuration");
                    }
                    Object factory = call(pool, "getFactory");
                    putMillis(out, "maxLifetimeMs", factory, "getMaxConnDuration");
                    put(out, "autoCommit", factory, "getDefaultAutoCommit");
                    Object connections = call(factory, "getConnectionFactory");
                    putUrl(out, connections, "getConnectionString");
                    Object driver = call(connections, "getDriver");
                    if (driver != null) {
                        out.put("driverClassName", driver.getClass().getName());
                    }
                    break;
                }
                case "tomcat": {
                    Object cfg = call(pool, "getPoolProperties");
                    put(out, "maxSize", cfg, "getMaxActive");
                    put(out, "minIdle", cfg, "getMinIdle");
                    put(out, "maxIdle", cfg, "getMaxIdle");
                    put(out, "connectionTimeoutMs", cfg, "getMaxWait");
                    put(out, "idleTimeoutMs", cfg, "getMinEvictableIdleTimeMillis");
                    put(out, "evictionIntervalMs", cfg, "getTimeBetweenEvictionRunsMillis");
                    if (Boolean.TRUE.equals(call(cfg, "isRemoveAbandoned"))) {
                        Object seconds = call(cfg, "getRemoveAbandonedTimeout");
                        if (seconds instanceof Number) {
                            out.put("removeAbandonedTimeoutMs", ((Number) seconds).longValue() * 1000L);
                        }
                    }
                    put(out, "maxLifetimeMs", cfg, "getMaxAge");
                    put(out, "autoCommit", cfg, "getDefaultAutoCommit");
                    putUrl(out, cfg, "getUrl");
                    put(out, "driverClassName", cfg, "getDriverClassName");
                    break;
                }
                default:
                    break;
            }
        } catch (Throwable ignored) {
            // a pool version we do not know: report what we have
        }
        return out;
    }

    /** A JDBC URL without credentials or parameters: cut at the first ? or ;, user-info removed. */
    static String redactUrl(String url) {
        String u = url;
        int cut = indexOfAny(u, '?', ';');
        if (cut >= 0) {
            u = u.substring(0, cut);
        }
        int scheme = u.indexOf("//");
        if (scheme >= 0) {
            int at = u.indexOf('@', scheme + 2);
            int slash = u.indexOf('/', scheme + 2);
            if (at >= 0 && (slash < 0 || at < slash)) {
                u = u.substring(0, scheme + 2) + u.substring(at + 1);
            }
        }
        return u;
    }

    private static int indexOfAny(String s, char a, char b) {
        int i = s.indexOf(a);
        int j = s.indexOf(b);
        return i < 0 ? j : j < 0 ? i : Math.min(i, j);
    }

    static Object field(Object target, String name) throws ReflectiveOperationException {
        for (Class<?> c = target.getClass(); c != null; c = c.getSuperclass()) {
            try {
                Field f = c.getDeclaredField(name);
                f.setAccessible(true);
                return f.get(target);
            } catch (NoSuchFieldException ignored) {
                // try the superclass
            }
        }
        throw new NoSuchFieldException(name);
    }

    /** {@code target.getter()} by {@link Getters} (looked up once per class, through a public type), or null. */
    static Object call(Object target, String getter) {
        try {
            return Getters.get(target, getter);
        } catch (Throwable e) {
            return null;
        }
    }

    private static void put(Map<String, Object> out, String key, Object target, String getter) {
        Object v = call(target, getter);
        if (v != null) {
            out.put(key, v);
        }
    }

    /** A {@code Duration} getter, reported in milliseconds like every other time setting. */
    private static void putMillis(Map<String, Object> out, String key, Object target, String getter) {
        Object v = call(target, getter);
        if (v instanceof Duration) {
            out.put(key, ((Duration) v).toMillis());
        }
    }

    private static void putUrl(Map<String, Object> out, Object target, String getter) {
        Object url = call(target, getter);
        if (url != null) {
            out.put("url", redactUrl(url.toString()));
        }
    }
}
