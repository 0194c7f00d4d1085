package io.holdtrace.perf;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.CompilerControl;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The ways to learn a checkout's call site, on a thread as deep as a real one: each benchmark
 * descends {@code depth} real frames (below JMH's own dozen), then captures. {@code baseline} is
 * the descent alone; subtract it. Decides what may run on an application thread and what must
 * wait for the agent's own thread.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CaptureBench {

    private static final StackWalker WALKER = StackWalker.getInstance();
    private static final StackWalker WALKER_CLASSES = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);
    /** The frames holdtrace keeps per site by default (option stackDepth). */
    private static final int KEEP = 24;

    /** 25: a plain service; 85: a Spring MVC request thread (often 100+ with JMH's frames). */
    @Param({"25", "85"})
    public int depth;

    @Benchmark
    public Object baseline() {
        return descend(depth, 0);
    }

    @Benchmark
    public Object currentThread() {
        return descend(depth, 1);
    }

    /** What holdtrace does today on a sampled checkout: the stack is filled, not decoded. */
    @Benchmark
    public Object throwableFilled() {
        return descend(depth, 2);
    }

    /** Filled and decoded to StackTraceElements: what the agent's thread does later. */
    @Benchmark
    public Object throwableDecoded() {
        return descend(depth, 3);
    }

    @Benchmark
    public Object stackWalkerTop24() {
        return descend(depth, 4);
    }

    @Benchmark
    public Object stackWalkerTop24Classes() {
        return descend(depth, 5);
    }

    @Benchmark
    public Object callerClass() {
        return descend(depth, 6);
    }

    /** Real frames: inlined ones would be cheaper to walk than an application's. */
    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    private static Object descend(int n, int how) {
        return n <= 0 ? capture(how) : descend(n - 1, how);
    }

    private static Object capture(int how) {
        switch (how) {
            case 1:
                return Thread.currentThread();
            case 2:
                return new Throwable();
            case 3:
                return new Throwable().getStackTrace();
            case 4:
                return WALKER.walk(s -> s.limit(KEEP).collect(Collectors.toList()));
            case 5:
                return WALKER_CLASSES.walk(s -> s.limit(KEEP).map(StackWalker.StackFrame::getDeclaringClass)
                        .collect(Collectors.toList()));
            case 6:
                return WALKER_CLASSES.getCallerClass();
            default:
                return List.of();
        }
    }
}
