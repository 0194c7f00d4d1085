package com.example.scenario;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;

/**
 * An application run under the agent by the integration tests: each scenario uses a real pool
 * over a real database in one way, and marks its call sites.
 *
 * <p>Usage: {@code PoolScenario POOL URL USER PASSWORD SCENARIO...}, POOL one of hikari, dbcp2, tomcat, driver.
 */
public final class PoolScenario {

    static final List<Connection> KEPT = new ArrayList<>();

    private PoolScenario() {
    }

    public static void main(String[] args) throws Exception {
        String pool = args[0];
        String url = args[1];
        String user = args[2];
        String password = args[3].equals("-") ? "" : args[3];
        Pools.Handle handle = Pools.open(pool, url, user, password);
        DataSource ds = handle.dataSource;
        for (int i = 4; i < args.length; i++) {
            run(args[i], ds, handle);
        }
        // the pool is left open unless a scenario closes it: what is still out at exit is what the agent must report
        System.out.println("DONE");
    }

    /**
     * What a servlet container does when it undeploys an application: drivers that the
     * application's loader registered with DriverManager (a JDK static) are deregistered, or they
     * would keep that loader alive. Runs inside the application's loader to see its drivers.
     */
    public static void deregisterDrivers() throws SQLException {
        ClassLoader mine = PoolScenario.class.getClassLoader();
        for (java.sql.Driver d : java.util.Collections.list(DriverManager.getDrivers())) {
            if (d.getClass().getClassLoader() == mine) {
                DriverManager.deregisterDriver(d);
            }
        }
    }

    static void run(String scenario, DataSource ds, Pools.Handle handle) throws Exception {
        switch (scenario) {
            case "close": closeNormally(ds); break;
            case "double-close": doubleClose(ds); break;
            case "close-other-thread": closeOnOtherThread(ds); break;
            case "abort": abort(ds); break;
            case "evict": evict(ds, handle); break;
            case "shutdown": shutdownWithConnectionOut(ds, handle); break;
            case "leak-at-exit": leakAtExit(ds); break;
            case "gc": dropWithoutClose(ds); break;
            case "long": holdLong(ds); break;
            case "shared": sharedBetweenThreads(ds); break;
            case "owner-ends": ownerThreadEnds(ds); break;
            case "timeout": timeout(ds); break;
            case "wait-for-return": waitForReturn(ds); break;
            case "contend": contend(ds); break;
            case "max-lifetime": outlivedMaxLifetime(ds); break;
            case "long-while-busy": holdLongWhileTheCpuIsSaturated(ds); break;
            case "close-pool": handle.close(); break;
            case "rpc": RpcScenario.longHoldWithCall(ds); break;
            case "slot-path": slotPath(ds); break;
            case "retransform-hikari": retransformHikari(ds); break;
            case "busy": busy(ds); break;
            default: throw new IllegalArgumentException("unknown scenario " + scenario);
        }
    }

    static void query(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 1")) {
            rs.next();
        }
    }

    /** Two threads check out and query as fast as they can for three seconds: more than a small capture budget covers. */
    static void busy(DataSource ds) throws Exception {
        long end = System.nanoTime() + 3_000_000_000L;
        List<Thread> threads = new ArrayList<>();
        java.util.concurrent.atomic.AtomicReference<Exception> failed = new java.util.concurrent.atomic.AtomicReference<>();
        for (int t = 0; t < 2; t++) {
            Thread th = new Thread(() -> {
                while (System.nanoTime() < end) {
                    try (Connection c = ds.getConnection()) {
                        query(c);
                    } catch (SQLException e) {
                        failed.set(e);
                        return;
                    }
                }
            }, "busy-" + t);
            th.start();
            threads.add(th);
        }
        for (Thread th : threads) {
            th.join();
        }
        if (failed.get() != null) {
            throw failed.get();
        }
    }

    /** Does the connection the pool hands out carry holdtrace's handle to its pool entry (HikariCP's slot path)? */
    static void slotPath(DataSource ds) throws Exception {
        Class<?> handle = Class.forName("io.holdtrace.bootstrap.PooledHandle", false, null);
        try (Connection c = ds.getConnection()) { Sites.mark("slot-path");
            System.out.println("SLOT-PATH " + handle.isInstance(c));
        }
    }

    /**
     * Another agent retransforms the HikariCP classes holdtrace rewrote as they loaded (with
     * fields and interfaces added), then the pool is used again. A retransformation that dropped
     * what was added would be refused by the JVM (and the exception thrown here).
     */
    static void retransformHikari(DataSource ds) throws Exception {
        try (Connection c = ds.getConnection()) {
            query(c); // the slot path's classes are loaded by now
        }
        ClassLoader loader = HikariDataSource.class.getClassLoader();
        String[] names = {"com.zaxxer.hikari.pool.PoolEntry", "com.zaxxer.hikari.pool.ProxyConnection",
            "com.zaxxer.hikari.pool.HikariProxyConnection", "com.zaxxer.hikari.pool.HikariPool"};
        Class<?>[] classes = new Class<?>[names.length];
        for (int i = 0; i < names.length; i++) {
            classes[i] = Class.forName(names[i], false, loader);
        }
        OtherAgent.instrumentation().retransformClasses(classes);
        System.out.println("RETRANSFORMED " + classes.length);
        for (int i = 0; i < 5; i++) {
            try (Connection c = ds.getConnection()) { Sites.mark("after-retransform");
                query(c);
            }
        }
        slotPath(ds);
    }

    static void closeNormally(DataSource ds) throws SQLException {
        for (int i = 0; i < 20; i++) {
            try (Connection c = ds.getConnection()) { Sites.mark("close");
                query(c);
            }
        }
    }

    static void doubleClose(DataSource ds) throws SQLException {
        Connection c = ds.getConnection(); Sites.mark("double-close");
        query(c);
        c.close();
        c.close();
    }

    static void closeOnOtherThread(DataSource ds) throws Exception {
        Connection c = ds.getConnection(); Sites.mark("close-other-thread");
        query(c);
        Thread t = new Thread(() -> {
            try {
                c.close();
            } catch (SQLException e) {
                throw new RuntimeException(e);
            }
        }, "closer");
        t.start();
        t.join();
    }

    static void abort(DataSource ds) throws Exception {
        Connection c = ds.getConnection(); Sites.mark("abort");
        query(c);
        ExecutorService ex = Executors.newSingleThreadExecutor();
        c.abort(ex);
        ex.shutdown();
        ex.awaitTermination(5, TimeUnit.SECONDS);
    }

    static void evict(DataSource ds, Pools.Handle handle) throws Exception {
        Connection c = ds.getConnection(); Sites.mark("evict");
        query(c);
        handle.evict(c);
    }

    static void shutdownWithConnectionOut(DataSource ds, Pools.Handle handle) throws Exception {
        Connection c = ds.getConnection(); Sites.mark("shutdown");
        query(c);
        KEPT.add(c);
        Thread.sleep(Long.getLong("scenario.holdMs", 800));
        handle.close();
    }

    static void leakAtExit(DataSource ds) throws Exception {
        Connection c = ds.getConnection(); Sites.mark("leak-at-exit");
        query(c);
        KEPT.add(c);
        Thread.sleep(Long.getLong("scenario.holdMs", 800));
    }

    static void dropWithoutClose(DataSource ds) throws Exception {
        openAndForget(ds);
        for (int i = 0; i < 20; i++) {
            System.gc();
            Thread.sleep(100);
        }
    }

    private static void openAndForget(DataSource ds) throws SQLException {
        Connection c = ds.getConnection(); Sites.mark("gc");
        query(c);
    }

    /** Holds a connection past the pool's maxLifetime: the pool evicts it, but only when it comes back. */
    static void outlivedMaxLifetime(DataSource ds) throws Exception {
        Object physical;
        try (Connection c = ds.getConnection()) { Sites.mark("max-lifetime");
            physical = c.unwrap(Connection.class);
            long until = System.currentTimeMillis() + Long.getLong("scenario.holdMs", 800);
            while (System.currentTimeMillis() < until) {
                query(c);
                Thread.sleep(500);
            }
        }
        boolean replaced = true;
        for (int i = 0; i < Integer.getInteger("scenario.poolSize", 4); i++) {
            try (Connection c = ds.getConnection()) {
                replaced &= c.unwrap(Connection.class) != physical;
            }
        }
        System.out.println("PHYSICAL-REPLACED " + replaced);
    }

    /** Holds a connection past the threshold while more busy threads than cores spin. */
    static void holdLongWhileTheCpuIsSaturated(DataSource ds) throws Exception {
        int spinners = Runtime.getRuntime().availableProcessors() * 4;
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < spinners; i++) {
            Thread t = new Thread(() -> {
                long x = 0;
                while (!stop.get()) {
                    x += System.nanoTime() % 7; // pure CPU, no sleeping
                }
                if (x == 42) {
                    System.out.println();
                }
            }, "spinner-" + i);
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
        try (Connection c = ds.getConnection()) { Sites.mark("long-while-busy");
            query(c);
            Thread.sleep(Long.getLong("scenario.holdMs", 800));
        } finally {
            stop.set(true);
            for (Thread t : threads) {
                t.join();
            }
        }
    }

    static void holdLong(DataSource ds) throws Exception {
        try (Connection c = ds.getConnection()) { Sites.mark("long");
            query(c);
            Thread.sleep(Long.getLong("scenario.holdMs", 800));
        }
    }

    static void sharedBetweenThreads(DataSource ds) throws Exception {
        Connection c = ds.getConnection(); Sites.mark("shared");
        query(c);
        for (int round = 0; round < 2; round++) {
            for (String name : new String[] {"worker-a", "worker-b"}) {
                Thread t = new Thread(() -> {
                    try {
                        query(c);
                    } catch (SQLException e) {
                        throw new RuntimeException(e);
                    }
                }, name);
                t.start();
                t.join();
            }
        }
        query(c);
        c.close();
    }

    static void ownerThreadEnds(DataSource ds) throws Exception {
        CountDownLatch done = new CountDownLatch(1);
        Thread t = new Thread(() -> {
            try {
                Connection c = ds.getConnection(); Sites.mark("owner-ends");
                query(c);
                synchronized (KEPT) {
                    KEPT.add(c);
                }
            } catch (SQLException e) {
                throw new RuntimeException(e);
            } finally {
                done.countDown();
            }
        }, "short-lived-worker");
        t.start();
        done.await();
        t.join();
        Thread.sleep(Long.getLong("scenario.holdMs", 800) + 500);
    }

    /**
     * More threads than connections, returning and taking back-to-back: waiters get returned
     * connections at once. A checkout that times out on a busy machine is retried, and counted.
     */
    static void contend(DataSource ds) throws Exception {
        int threads = 8;
        java.util.concurrent.atomic.AtomicInteger timeouts = new java.util.concurrent.atomic.AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "contender");
            t.setDaemon(true);
            return t;
        });
        try {
            List<java.util.concurrent.Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 300; ) {
                        try (Connection c = ds.getConnection()) { Sites.mark("contend");
                            query(c);
                            i++;
                        } catch (SQLException e) {
                            timeouts.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        System.out.println("CONTEND-TIMEOUTS " + timeouts.get());
    }

    /**
     * Every connection out; another thread gives one back 150 ms later (a close on a thread that
     * did not take it), and the waiting checkout gets it and holds it 300 ms.
     */
    static void waitForReturn(DataSource ds) throws Exception {
        List<Connection> held = new ArrayList<>();
        for (int i = 0; i < Integer.getInteger("scenario.poolSize", 4); i++) {
            held.add(ds.getConnection());
        }
        Thread giver = new Thread(() -> {
            try {
                Thread.sleep(150);
                held.get(0).close();
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        }, "giver");
        giver.start();
        long asked = System.nanoTime();
        try (Connection c = ds.getConnection()) { Sites.mark("wait-for-return");
            System.out.println("WAITED-MS " + (System.nanoTime() - asked) / 1_000_000L);
            query(c);
            Thread.sleep(300);
        }
        giver.join();
        for (Connection c : held.subList(1, held.size())) {
            c.close();
        }
    }

    static void timeout(DataSource ds) throws Exception {
        List<Connection> held = new ArrayList<>();
        try {
            for (int i = 0; i < Integer.getInteger("scenario.poolSize", 4); i++) {
                held.add(ds.getConnection());
            }
            try {
                Sites.mark("timeout"); Connection c = ds.getConnection();
                c.close();
                throw new IllegalStateException("expected a pool time-out");
            } catch (SQLException expected) {
                System.out.println("TIMEOUT " + expected.getClass().getName());
            }
        } finally {
            for (Connection c : held) {
                c.close();
            }
        }
    }

    /** Unused here; keeps DriverManager linked for the driver scenarios. */
    static Connection direct(String url, String user, String password) throws SQLException {
        return DriverManager.getConnection(url, user, password);
    }
}
