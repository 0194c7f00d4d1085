package io.holdtrace.perf;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.holdtrace.perf.stub.StubDriver;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * HikariCP's checkout and return over the stub driver: the cycle every agent arm adds to.
 *
 * <p>The same class runs once per arm; the arm is only JVM arguments appended by run.sh (an
 * agent, its options, or {@code -Dperf.leakDetectionThreshold=2000} for HikariCP's own leak
 * detection), so every arm runs byte-identical benchmark code. The pool mirrors HikariCP's own
 * ConnectionBench (32 connections).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PoolBench {

    private HikariDataSource ds;

    @Setup
    public void setUp() {
        HikariConfig c = new HikariConfig();
        c.setPoolName("perf");
        c.setJdbcUrl(StubDriver.URL);
        c.setDriverClassName(StubDriver.class.getName());
        c.setMaximumPoolSize(32);
        c.setConnectionTimeout(8_000);
        c.setRegisterMbeans(false);
        // 0 (off) unless the arm asks; HikariCP accepts 2000 ms and more outside its unit-test mode
        c.setLeakDetectionThreshold(Long.getLong("perf.leakDetectionThreshold", 0L));
        ds = new HikariDataSource(c);
    }

    @TearDown
    public void tearDown() {
        ds.close();
    }

    @Benchmark
    @Threads(1)
    public Connection getClose_1t() throws SQLException {
        return cycle();
    }

    /** Two threads on one pool: what shared counters and locks cost once cores contend. */
    @Benchmark
    @Threads(2)
    public Connection getClose_2t() throws SQLException {
        return cycle();
    }

    /** A checkout that creates one statement: the smallest real hold, and the agents' per-use hooks. */
    @Benchmark
    @Threads(1)
    public Statement getStatementClose_1t() throws SQLException {
        Connection c = ds.getConnection();
        Statement s = c.createStatement();
        s.close();
        c.close();
        return s;
    }

    private Connection cycle() throws SQLException {
        Connection c = ds.getConnection();
        c.close();
        return c; // returned, so the JIT cannot drop the cycle
    }
}
