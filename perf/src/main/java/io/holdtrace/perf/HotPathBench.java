package io.holdtrace.perf;

import io.holdtrace.bootstrap.HoldTracker;
import io.holdtrace.bootstrap.HoldSlot;
import io.holdtrace.bootstrap.Holds;
import io.holdtrace.bootstrap.PooledHandle;
import io.holdtrace.bootstrap.SlotCarrier;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * holdtrace's hot path without a pool or an agent: the bootstrap classes called directly, one
 * checkout and return as the woven HikariCP code calls them. {@link HotPathPartsBench} prices
 * the pieces. Run with no agent attached.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HotPathBench {

    /**
     * none: nothing sampled (capture budget 0), the path every checkout takes once the budget is
     * spent; budget: 10 ms of capture a second, what the default (0.25% of the process's CPU)
     * grants a process that keeps four cores busy; all: captureBudget=all; none+jfr: nothing sampled,
     * with JFR started but no recording asking for hold events.
     */
    @Param({"none", "budget", "all", "none+jfr"})
    public String capture;

    private final Object pool = new Object();
    private HoldTracker tracker;
    private Thread drainer;

    @Setup(Level.Trial)
    public void setUp() {
        long budget = switch (capture) {
            case "budget" -> 10_000_000L; // 10 ms of capture per second
            case "all" -> Long.MAX_VALUE;
            default -> 0L;
        };
        tracker = new HoldTracker(100_000, budget, 16_384);
        if (capture.endsWith("+jfr")) {
            tracker.enableJfr();
        }
        Holds.install(tracker);
        // The agent's detector empties the completed-holds queue every 250 ms; without it the
        // queue would stay full and every release would take the cheaper "queue full" branch.
        drainer = new Thread(() -> {
            List<io.holdtrace.bootstrap.Hold> scratch = new ArrayList<>();
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(250);
                } catch (InterruptedException e) {
                    return;
                }
                scratch.clear();
                tracker.drainCompleted(scratch);
            }
        }, "perf-drainer");
        drainer.setDaemon(true);
        drainer.start();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        Holds.install(null);
        drainer.interrupt();
        drainer.join();
    }

    /** One hold as the woven HikariCP code makes it; the new Object stands for HikariCP's new proxy. */
    @Benchmark
    @Threads(1)
    public Object cycle_1t() {
        return cycle();
    }

    @Benchmark
    @Threads(2)
    public Object cycle_2t() {
        return cycle();
    }

    /**
     * The slot path, as woven HikariCP calls it: the proxy and the pool's two clock readings
     * handed over as its checkout returns, then the proxy's close and the entry's recycle with the
     * pool's own stamp of the return. The proxy is new each time, the entry reused.
     * Subtract {@link #slotBaseline_1t}: the same clock readings and proxy without holdtrace.
     */
    @Benchmark
    @Threads(1)
    public Object slotCycle_1t(Entries e) {
        return slotCycle(e);
    }

    @Benchmark
    @Threads(2)
    public Object slotCycle_2t(Entries e) {
        return slotCycle(e);
    }

    /** What HikariCP itself does of {@link #slotCycle_1t}'s work: three clock readings and a new proxy. */
    @Benchmark
    @Threads(1)
    public Object slotBaseline_1t(Entries e) {
        long a = System.nanoTime();
        long b = System.nanoTime();
        Proxy p = new Proxy(e.entry);
        e.entry.lastAccessed = System.nanoTime() + (b - a);
        return p;
    }

    private Object slotCycle(Entries e) {
        long a = System.nanoTime(); // the pool's own readings, which the woven checkout keeps
        long b = System.nanoTime();
        Proxy p = new Proxy(e.entry);
        Holds.checkedOut(p, pool, "hikari", a, b);
        Holds.closedUnslotted(p); // the proxy's close
        e.entry.lastAccessed = System.nanoTime(); // the entry's recycle
        Holds.recycled(e.entry.holdtraceSlot(), e.entry.lastAccessed);
        return p;
    }

    /** One pool entry per benchmark thread, as HikariCP's bag gives a thread back the entry it used last. */
    @State(Scope.Thread)
    public static class Entries {
        final Entry entry = new Entry();
    }

    /** Stands for HikariCP's PoolEntry, with the slot field holdtrace adds to it. */
    static final class Entry implements SlotCarrier {
        private HoldSlot slot;
        long lastAccessed;

        @Override
        public HoldSlot holdtraceSlot() {
            return slot;
        }

        @Override
        public void holdtraceSlot(HoldSlot s) {
            slot = s;
        }
    }

    /** Stands for HikariCP's proxy connection: new at every checkout, naming its entry. */
    static final class Proxy implements PooledHandle {
        private final Entry entry;

        Proxy(Entry entry) {
            this.entry = entry;
        }

        @Override
        public Object holdtraceEntry() {
            return entry;
        }
    }

    private Object cycle() {
        Object handle = new Object();
        long start = Holds.acquireStart();
        Holds.acquired(pool, "hikari", "perf", handle, start);
        Holds.released(handle, Holds.END_CLOSE);
        return handle;
    }
}
