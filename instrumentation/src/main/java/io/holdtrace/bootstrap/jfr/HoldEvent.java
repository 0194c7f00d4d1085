package io.holdtrace.bootstrap.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;
import jdk.jfr.Timespan;

/**
 * One hold as a JFR duration event: it begins when the pool hands the connection out and ends
 * when it comes back. It lives in the bootstrap part because it spans two woven calls on
 * application threads. The annotations are the defaults for recordings whose settings do not
 * name the event; {@code holdtrace.jfc} sets the same.
 */
@Name("holdtrace.Hold")
@Label("Connection Hold")
@Category({"holdtrace", "Holds"})
@Description("A JDBC connection held by the application, from the pool's checkout until its return")
@Threshold("10 ms")
// JFR takes its stack at commit, which is where the connection came back; the acquiring stack is a field
@StackTrace(false)
public final class HoldEvent extends Event {

    @Label("Call Site")
    @Description("The first application frame that took the connection, e.g. com.acme.Dao.find(Dao.java:42); "
            + "null when the capture budget skipped this checkout")
    public String site;

    @Label("Pool")
    @Description("The pool's own name, e.g. HikariCP's poolName")
    public String pool;

    @Label("Pool Type")
    @Description("hikari, unpooled, ...")
    public String poolType;

    @Label("Holder Thread")
    @Description("The thread that took the connection (the event's thread is the one that returned it)")
    public String holder;

    @Label("Pool Wait")
    @Description("Time spent waiting for the pool before the checkout")
    @Timespan(Timespan.NANOSECONDS)
    public long waitTime;

    @Label("End Reason")
    @Description("How the hold ended: close, abort, evict, pool-shutdown")
    public String endReason;

    @Label("Component")
    @Description("The DI component that took the connection, e.g. reportingService (singleton); "
            + "null outside a Spring or Guice component, or when the capture budget skipped this checkout")
    public String component;

    @Label("Transactional Method")
    @Description("The @Transactional method that owned the transaction, e.g. com.acme.OrderService.place; null outside one")
    public String transactional;

    @Label("RPC Count")
    @Description("Outbound calls (HTTP) the holding thread made while it held the connection")
    public int rpcCount;

    @Label("RPC Time")
    @Description("Time spent in those outbound calls")
    @Timespan(Timespan.NANOSECONDS)
    public long rpcTime;

    @Label("RPC Calls")
    @Description("The first outbound calls, one per line: method, URL without query or user-info, outcome, time; "
            + "null when none was made")
    public String rpcCalls;

    @Label("Acquiring Stack")
    @Description("Frames leading to the call site when it was first seen, innermost first, one per line; "
            + "null when the capture budget skipped this checkout")
    public String acquireStack;
}
