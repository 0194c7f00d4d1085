package io.holdtrace.agent.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;
import jdk.jfr.Timestamp;

/** A finding as the report has it, committed when the agent's detector makes it. */
@Name("holdtrace.Finding")
@Label("Connection Hold Finding")
@Category({"holdtrace", "Findings"})
@Description("A suspicious connection hold: long-hold, leak, gc-unclosed, cross-thread, ...")
// committed on the agent's detector thread, whose stack says nothing; the holder's stacks are fields
@StackTrace(false)
final class FindingEvent extends Event {

    @Label("Kind")
    @Description("long-hold, leak, gc-unclosed, cross-thread, captive-dependency, and kinds later versions add")
    String kind;

    @Label("Call Site")
    @Description("The first application frame that took the connection")
    String site;

    @Label("Pool")
    String pool;

    @Label("Holder Thread")
    @Description("The thread that took the connection")
    String holder;

    @Label("Held")
    @Description("How long the connection had been held when the finding was made, or in all if it has ended")
    @Timespan(Timespan.NANOSECONDS)
    long heldTime;

    @Label("Open")
    @Description("Whether the hold was still open when the finding was made")
    boolean open;

    @Label("End Reason")
    @Description("How the hold ended, if it has: close, abort, evict, pool-shutdown, gc-unclosed")
    String endReason;

    @Label("Hold Start")
    @Timestamp(Timestamp.MILLISECONDS_SINCE_EPOCH)
    long holdStart;

    @Label("Threads")
    @Description("cross-thread: the threads that used the connection, holder first")
    String threads;

    @Label("Detail")
    String detail;

    @Label("Holder State")
    @Description("long-hold: the holder thread's state when the finding was made")
    String holderState;

    @Label("Holder Stack")
    @Description("long-hold: what the holder thread was doing when the finding was made, innermost first")
    String holderStack;

    @Label("Acquiring Stack")
    @Description("Frames leading to the call site, innermost first, one per line")
    String acquireStack;

    @Label("Other Details")
    @Description("Report fields that have no field of their own here, as name=value lines")
    String other;
}
