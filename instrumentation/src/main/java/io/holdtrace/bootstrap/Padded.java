package io.holdtrace.bootstrap;

/**
 * Room before the fields of the objects one thread writes on every checkout ({@link HoldSlot},
 * {@link PoolShard}, {@link ThreadRef}): HotSpot lays a superclass's fields out first, so a
 * subclass's fields start at least 128 bytes (two cache lines, the span the adjacent-line
 * prefetcher pulls in) after the end of whatever object precedes it in memory. Without it the
 * collector, which copies survivors next to each other, often put two threads' slots or shards
 * in one cache line, and each checkout of one thread invalidated the other's line: on two
 * threads the slot path took 130 to 600 ns per cycle from one second to the next, by where the
 * last collection had left the objects (perf/HotPathBench.slotCycle_2t). A few hundred bytes
 * per pooled connection and per thread.
 */
abstract class Padded {
    // an int first: it fills the gap after the object header, which a subclass's field would
    // otherwise be placed in
    @SuppressWarnings("unused") private int p00;
    @SuppressWarnings("unused") private long p01, p02, p03, p04, p05, p06, p07, p08;
    @SuppressWarnings("unused") private long p09, p10, p11, p12, p13, p14, p15, p16;
}
