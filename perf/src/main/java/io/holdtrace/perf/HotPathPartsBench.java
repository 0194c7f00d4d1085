package io.holdtrace.perf;

import io.holdtrace.bootstrap.HoldTracker;
import io.holdtrace.bootstrap.Holds;
import io.holdtrace.bootstrap.LogHistogram;
import io.holdtrace.bootstrap.ThreadRef;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The price of each piece of holdtrace's hot path on one thread, uncontended: what a checkout and
 * return do, counted from the code (HoldTracker, HoldTable, LogHistogram, PoolStats), times these
 * prices, should come close to {@link HotPathBench}'s whole cycle. Run with no agent attached.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HotPathPartsBench {

    private final Object lock = new Object();
    private final LogHistogram histogram = new LogHistogram();
    private final AtomicLong counter = new AtomicLong();
    private final ReferenceQueue<Object> queue = new ReferenceQueue<>();
    /** Full, so every offer is refused: a lock taken and released, and nothing retained. */
    private final ArrayBlockingQueue<Object> full = new ArrayBlockingQueue<>(1);

    {
        full.add(lock);
    }

    @Setup(Level.Trial)
    public void install() {
        Holds.install(new HoldTracker(1_000, 0L, 1_024)); // for the outbound-call check below
    }

    @TearDown(Level.Trial)
    public void uninstall() {
        Holds.install(null);
    }

    /**
     * What every hooked outbound call (HttpClient, HttpURLConnection, HttpClient 5, OkHttp) pays
     * on a thread that holds no connection: the woven code asks {@link Holds#holding()} and goes
     * no further. The bound: no more than a thread-local read.
     */
    @Benchmark
    public boolean part_rpcCheckNotHolding() {
        return Holds.holding();
    }

    /** The cycle's own allocation and return, for subtracting from {@link HotPathBench#cycle_1t}. */
    @Benchmark
    public Object part_newObject() {
        return new Object();
    }

    @Benchmark
    public long part_nanoTime() {
        return System.nanoTime();
    }

    /** First identity hash of a fresh object, as each checkout's new proxy gets (includes its allocation). */
    @Benchmark
    public int part_identityHashFresh() {
        return System.identityHashCode(new Object());
    }

    @Benchmark
    public Object part_threadRef() {
        return ThreadRef.current();
    }

    /** One uncontended atomic increment; a cycle does about a dozen (counters, histograms, table size). */
    @Benchmark
    public long part_atomicIncrement() {
        return counter.incrementAndGet();
    }

    /** One histogram record: three atomic adds and a read of the maximum. A cycle records two. */
    @Benchmark
    public LogHistogram part_histogramRecord() {
        histogram.record(1_234L);
        return histogram;
    }

    /** An uncontended synchronized block, as each stripe of the open-holds table takes on put and remove. */
    @Benchmark
    public Object part_monitor() {
        synchronized (lock) {
            return lock;
        }
    }

    /** A weak reference registered with a queue, like each Hold (which adds some 60 bytes of fields). */
    @Benchmark
    public Object part_weakReference() {
        return new WeakReference<>(lock, queue);
    }

    /** One offer to an ArrayBlockingQueue (refused: full): the completed-holds queue takes one per release. */
    @Benchmark
    public boolean part_blockingQueueOffer() {
        return full.offer(lock);
    }
}
