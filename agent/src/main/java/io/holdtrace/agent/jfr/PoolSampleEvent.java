package io.holdtrace.agent.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Period;
import jdk.jfr.StackTrace;

/** One pool's occupancy, sampled by JFR's periodic thread. */
@Name("holdtrace.PoolSample")
@Label("Connection Pool Sample")
@Category({"holdtrace", "Pools"})
@Description("A connection pool's occupancy; -1 where the pool does not tell")
@Period("1 s")
@StackTrace(false)
final class PoolSampleEvent extends Event {

    @Label("Pool")
    String pool;

    @Label("Pool Type")
    String poolType;

    @Label("In Use")
    @Description("Connections the application holds, as holdtrace counts them")
    int inUse;

    @Label("Idle")
    @Description("Connections ready in the pool")
    int idle;

    @Label("Total")
    @Description("Physical connections the pool has open, in use or idle")
    int total;

    @Label("Pending")
    @Description("Threads waiting for a connection")
    int pending;

    @Label("Max")
    @Description("The pool's maximum size")
    int max;
}
