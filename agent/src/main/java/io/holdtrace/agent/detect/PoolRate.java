package io.holdtrace.agent.detect;

import io.holdtrace.bootstrap.Hold;
import io.holdtrace.bootstrap.HoldCalls;
import io.holdtrace.bootstrap.RpcCall;
import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * One pool's counters, sampled on the agent's thread each detector pass, and the busiest window
 * of at least {@link #WINDOW_NANOS} between two samples (the most checkouts per second).
 *
 * <p>Occupancy, the mean number of connections in use over a window, is the time-integral of
 * the connections in use divided by the window's length (L in Little's law, measured rather than
 * computed from λ·W). The integral up to a sample's time t is
 * {@code I(t) = sum of the durations of the holds that ended by t + sum over the holds open at t of (t - start)};
 * the first part is the pool's hold-time sum, which the releasing thread keeps anyway, the second
 * is added up from the open holds when the sample is taken. A window's occupancy is then
 * {@code (I(t1) - I(t0)) / (t1 - t0)}: exact, where λ·W over the holds that ended in the window
 * counts the part of them before the window too (over a one-second window, up to about one mean
 * hold's worth of connections too many). Time in outbound calls inside holds is integrated the
 * same way ({@code J(t)}): calls of ended holds, plus for open holds their ended calls and the one
 * in progress so far.
 */
final class PoolRate {

    static final long WINDOW_NANOS = 1_000_000_000L;

    /** One pool's counters at one instant {@code t}, as read on the agent's thread. */
    static final class Sample {
        final long t;
        final long checkouts;
        final long holdCount;
        /** Durations of the holds that ended by {@code t}, ns. */
        final long holdSum;
        final long waitCount;
        final long waitSum;
        /** Time in outbound calls of the holds that ended by {@code t}, ns. */
        final long callSum;
        /** Durations of the holds the garbage collector ended by {@code t}, which the hold times leave out, ns. */
        long collected;
        /** Threads the pool said were waiting for a connection when sampled, -1 if it does not say. */
        int pending = -1;
        /** Sum over the holds open at {@code t} of the time they had been held, ns. */
        long openHeld;
        /** Time those open holds had spent in outbound calls by {@code t}, ns. */
        long openCalls;

        Sample(long t, long checkouts, long holdCount, long holdSum, long waitCount, long waitSum, long callSum) {
            this.t = t;
            this.checkouts = checkouts;
            this.holdCount = holdCount;
            this.holdSum = holdSum;
            this.waitCount = waitCount;
            this.waitSum = waitSum;
            this.callSum = callSum;
        }

        /** Adds one hold that was open at {@code t}: its time so far, and its calls' (ended and in progress). */
        void open(long start, long callNanos) {
            if (start < t) {
                openHeld += t - start;
                openCalls += Math.min(callNanos, t - start);
            }
        }

        /** I(t): connection-nanoseconds of use up to {@code t}. */
        long heldIntegral() {
            return holdSum + collected + openHeld;
        }

        /** J(t): connection-nanoseconds spent in outbound calls while held, up to {@code t}. */
        long callIntegral() {
            return callSum + openCalls;
        }
    }

    /** What happened to the pool between two samples. */
    static final class Window {
        double seconds;
        /** Checkouts per second. */
        double rate;
        long checkouts;
        /** Holds that ended in the window, their durations and call time (ns). */
        long holdCount;
        double holdSum;
        double callNanos;
        /** Checkouts whose wait ended in the window, and those waits (ns). */
        long waitCount;
        double waitSum;
        /** Mean connections in use over the window: the integral of in-use over time / its length. */
        double occupancy;
        /** The same less the connections that were held during outbound calls. */
        double occupancyWithoutCalls;
        /** Mean of the pool's own count of waiting threads over the window's samples, -1 if it has none. */
        double pending = -1;

        static Window between(Sample a, Sample b) {
            Window w = new Window();
            long span = b.t - a.t;
            w.seconds = span / 1e9;
            w.checkouts = b.checkouts - a.checkouts;
            w.rate = w.checkouts / w.seconds;
            w.holdCount = b.holdCount - a.holdCount;
            w.holdSum = b.holdSum - a.holdSum;
            w.callNanos = b.callSum - a.callSum;
            w.waitCount = b.waitCount - a.waitCount;
            w.waitSum = b.waitSum - a.waitSum;
            double held = b.heldIntegral() - a.heldIntegral();
            double calls = b.callIntegral() - a.callIntegral();
            w.occupancy = Math.max(0.0, held / span);
            w.occupancyWithoutCalls = Math.max(0.0, (held - Math.max(0.0, calls)) / span);
            return w;
        }

        /** λ·W: checkouts per second x mean hold of the holds that ended in the window (connections). */
        double rateTimesMeanHold() {
            return holdCount == 0 ? 0.0 : rate * (holdSum / holdCount) / 1e9;
        }
    }

    private final ArrayDeque<Sample> samples = new ArrayDeque<>();
    /** The window with the most checkouts per second so far, or null. */
    Window busiest;
    /** The newest sample, or null. */
    Sample last;

    void add(Sample cur) {
        last = cur;
        samples.addLast(cur);
        // keep the newest sample at least a window old as the window's start, and the ones after it
        while (samples.size() >= 2) {
            Iterator<Sample> it = samples.iterator();
            it.next();
            Sample second = it.next();
            if (cur.t - second.t >= WINDOW_NANOS) {
                samples.removeFirst();
            } else {
                break;
            }
        }
        Sample first = samples.peekFirst();
        if (cur.t - first.t < WINDOW_NANOS) {
            return;
        }
        Window w = Window.between(first, cur);
        w.pending = meanPending();
        if (busiest == null || w.rate > busiest.rate) {
            busiest = w;
        }
    }

    /** The mean of the pending-thread counts of the samples in the window (its ends included), -1 if one lacks it. */
    private double meanPending() {
        long sum = 0;
        for (Sample s : samples) {
            if (s.pending < 0) {
                return -1;
            }
            sum += s.pending;
        }
        return sum / (double) samples.size();
    }

    /**
     * Time hold {@code h} has spent in outbound calls by {@code t}: its ended calls, and the
     * call its thread is in now if that began while {@code h} was open. An asynchronous send not
     * joined yet counts only once it completes.
     */
    static long callNanosSoFar(Hold h, long t) {
        HoldCalls hc = h.calls();
        long n = hc == null ? 0L : hc.nanos();
        RpcCall c = h.owner.rpcNow();
        if (c != null && c.startNanos < t && c.during(h)) {
            long end = c.endNanos();
            if (end == 0L || end > t) {
                n += t - c.startNanos;
            }
        }
        return n;
    }
}
