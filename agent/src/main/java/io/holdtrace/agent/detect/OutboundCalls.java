package io.holdtrace.agent.detect;

import io.holdtrace.agent.report.PoolGauges;
import io.holdtrace.agent.report.PoolSettings;
import io.holdtrace.agent.report.ReportBuilder;
import io.holdtrace.bootstrap.Hold;
import io.holdtrace.bootstrap.HoldCalls;
import io.holdtrace.bootstrap.HoldTracker;
import io.holdtrace.bootstrap.LogHistogram;
import io.holdtrace.bootstrap.PoolStats;
import io.holdtrace.bootstrap.RpcCall;
import io.holdtrace.bootstrap.SiteStats;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Outbound calls made while a connection was held, on the agent's detector thread: the calls
 * that ended since the last pass are aggregated per (pool, call site that took the connection,
 * target) into {@code rpc-while-holding} findings, calls still going on are counted as in
 * progress, and each pool is sampled for the pool-size advice (connections needed = the mean
 * number in use over the busiest second, from the time-integral of in-use: {@link PoolRate}),
 * with and without the time holds spent in outbound calls. Bounded: past {@code maxTargets} (pool, site, target) entries, further calls are
 * summed into one {@code (other targets)} entry per pool.
 */
public final class OutboundCalls {

    public static final String KIND = "rpc-while-holding";
    public static final String OTHER_TARGETS = "(other targets)";
    static final String NOT_CAPTURED = "(not captured)";

    private static final int MAX_CALL_SITES = 4;
    /** Call-site stacks decoded per target at most; the others are dropped undecoded. */
    private static final int MAX_DECODES = 16;
    private static final int MAX_OUTCOMES = 16;
    private static final int MAX_WAITING_SITES = 5;

    private final HoldTracker tracker;
    private final SiteDecoder decoder;
    private final Findings findings;
    private final int maxTargets;
    private final Map<String, Target> targets = new LinkedHashMap<>();
    private final Map<PoolStats, PoolRate> rates = new HashMap<>();
    /**
     * Per pool: its settings as the agent first read them (strings and numbers), for a report
     * written after the application closed the pool and the collector took it.
     */
    private final Map<PoolStats, Map<String, Object>> settingsSeen = new HashMap<>();
    /** Per pool: durations of holds the garbage collector ended, which the pool's hold times never count (ns). */
    private final Map<PoolStats, long[]> collectedHeld = new HashMap<>();
    private final List<RpcCall> scratch = new ArrayList<>();

    public OutboundCalls(HoldTracker tracker, SiteDecoder decoder, Findings findings, int maxTargets) {
        this.tracker = tracker;
        this.decoder = decoder;
        this.findings = findings;
        this.maxTargets = maxTargets;
    }

    /** The calls, findings and rates of one detector pass; {@code open} is the pass's snapshot of open holds. */
    synchronized void pass(long now, List<Hold> open) {
        scratch.clear();
        tracker.rpc().drain(scratch);
        for (RpcCall c : scratch) {
            for (Hold h : c.holds()) {
                target(h, c).record(c, this);
            }
            c.decoded();
        }
        scratch.clear();

        for (Target t : targets.values()) {
            t.inProgress = 0;
            t.inProgressNanos = 0L;
        }
        Map<SiteStats, long[]> openBySite = new HashMap<>(); // elapsed sum, longest
        for (Hold h : open) {
            if (!h.isOpen()) {
                continue;
            }
            long held = now - h.startNanos;
            SiteStats s = h.site();
            if (s != null) {
                long[] a = openBySite.computeIfAbsent(s, k -> new long[2]);
                a[0] += held;
                a[1] = Math.max(a[1], held);
            }
            RpcCall c = h.owner.rpcNow();
            if (c != null && !c.isDone() && c.during(h)) {
                Target t = target(h, c);
                t.inProgress++;
                t.inProgressNanos = Math.max(t.inProgressNanos, now - c.startNanos);
                t.callSite(c, this); // the call hangs: say where it was made while it does
                if (t.firstStartNanos == 0L) {
                    t.firstStartNanos = h.startNanos;
                    t.firstThread = h.owner.name();
                }
            }
        }

        for (Target t : targets.values()) {
            if (t.calls.count() == 0 && t.inProgress == 0) {
                continue;
            }
            if (!t.findingTried) {
                t.findingTried = true;
                t.finding = findings.add(new Finding(KIND, t.pool.name(), t.siteName, t.site != null ? t.site.stack : new String[0],
                        t.firstThread, tracker.toEpochMillis(t.firstStartNanos), tracker.toEpochMillis(now), t.firstStartNanos));
                Finding nf = t.finding;
                SiteStats s = t.site;
                if (nf != null && s != null && (s.component != null || s.transactional != null)) {
                    // the site's component and @Transactional method: B's site is the controller line,
                    // the method that holds the transaction across the call is the service's
                    findings.update(() -> {
                        nf.component = s.component;
                        nf.transactional = s.transactional;
                    });
                }
            }
            Finding f = t.finding;
            if (f != null) {
                long[] o = t.site != null ? openBySite.get(t.site) : null;
                update(f, t, o == null ? 0L : o[0], o == null ? 0L : o[1]);
            }
        }
    }

    /**
     * Samples each pool's counters and the time-integral of its connections in use (see
     * {@link PoolRate}), for the pool-size advice. Called by the detector right after it took
     * {@code open}, its snapshot of the open holds, so that the two describe nearly one instant:
     * the time is read, then the pools' counters, then each hold of the snapshot still open then
     * adds its time so far. Holds that begin or end during those few microseconds are off by at
     * most that long. No lock is held while walking the snapshot.
     */
    synchronized void sample(List<Hold> open) {
        PoolStats[] pools = tracker.pools();
        long t = System.nanoTime();
        Map<PoolStats, PoolRate.Sample> now = new HashMap<>(pools.length * 2);
        for (PoolStats p : pools) {
            long[] gc = collectedHeld.get(p);
            PoolRate.Sample x = new PoolRate.Sample(t, p.checkouts(), p.holdTimes.count(), p.holdTimes.sum(),
                    p.waits.count(), p.waits.sum(), p.callNanosInHolds.get());
            x.collected = gc == null ? 0L : gc[0];
            now.put(p, x);
        }
        for (Hold h : open) {
            long end = h.endNanos();
            if (end != 0L && end <= t) {
                continue; // ended by t: its whole duration is in the pool's hold times
            }
            PoolRate.Sample x = now.get(h.pool);
            if (x != null && h.startNanos < t) {
                x.open(h.startNanos, PoolRate.callNanosSoFar(h, t));
            }
        }
        for (Map.Entry<PoolStats, PoolRate.Sample> e : now.entrySet()) {
            for (long start : tracker.closingStarts(e.getKey())) {
                e.getValue().open(start, 0L); // being returned at t: still in use then (it made no calls: those are holds)
            }
        }
        for (Map.Entry<PoolStats, PoolRate.Sample> e : now.entrySet()) {
            PoolStats p = e.getKey();
            Object pool = p.poolObject();
            e.getValue().pending = PoolGauges.pending(p.type, pool);
            if (pool != null && !settingsSeen.containsKey(p)) {
                settingsSeen.put(p, PoolSettings.of(p.type, pool));
            }
            rates.computeIfAbsent(e.getKey(), k -> new PoolRate()).add(e.getValue());
        }
    }

    /**
     * A hold the garbage collector ended (the connection was dropped unclosed): the pool's hold
     * times never count it, so its time until then is kept here for the occupancy integral.
     */
    synchronized void collected(Hold h) {
        if (h.endNanos() != 0L) {
            collectedHeld.computeIfAbsent(h.pool, k -> new long[1])[0] += h.endNanos() - h.startNanos;
        }
    }

    /** The pool's settings as first read on the agent's thread, or null if it was never sampled alive. */
    public synchronized Map<String, Object> settingsSeen(PoolStats p) {
        return settingsSeen.get(p);
    }

    private Target target(Hold h, RpcCall c) {
        SiteStats s = decoder.siteOf(h);
        if (s != null && h.site() == null && h.isOpen()) {
            h.resolve(s);
        }
        String siteName = s != null ? s.site : NOT_CAPTURED;
        String key = h.pool.id + "|" + siteName + "|" + c.target();
        Target t = targets.get(key);
        if (t == null) {
            if (targets.size() >= maxTargets) {
                String over = h.pool.id + "|" + OTHER_TARGETS;
                t = targets.get(over);
                if (t == null) {
                    t = new Target(h.pool, null, SiteDecoder.OTHER_SITES, null);
                    targets.put(over, t);
                }
            } else {
                t = new Target(h.pool, s, siteName, c);
                targets.put(key, t);
            }
        }
        return t;
    }

    private void update(Finding f, Target t, long openHeldNanos, long openLongest) {
        long calls = t.calls.count();
        long totalNanos = t.calls.sum() + t.inProgressNanos;
        long siteHeld = t.site != null ? t.site.holdTimes.sum() + openHeldNanos : 0L;
        long longest = t.site != null ? Math.max(t.site.holdTimes.max(), openLongest) : 0L;
        Double share = siteHeld > 0 ? Math.min(1.0, round(totalNanos / (double) siteHeld, 4)) : null;

        Map<String, Object> x = new LinkedHashMap<>();
        x.put("target", t.targetMap());
        x.put("clients", new ArrayList<>(t.clients));
        x.put("calls", calls);
        x.put("inProgress", t.inProgress);
        x.put("callTime", ReportBuilder.stats(t.calls));
        x.put("callTotalMs", ms(totalNanos));
        x.put("siteHeldMs", ms(siteHeld));
        x.put("share", share);
        x.put("outcomes", new TreeMap<>(t.outcomes));
        x.put("errors", t.errors);
        x.put("timeouts", t.timeouts);
        x.put("callSites", new ArrayList<>(t.callSites));
        x.put("poolWait", poolWait(t.pool));

        StringBuilder d = new StringBuilder();
        d.append("while holding a connection from pool '").append(t.pool.name()).append("', this site called ")
                .append(t.target == null ? "other targets" : t.target);
        if (calls > 0) {
            d.append(' ').append(calls).append(calls == 1 ? " time" : " times").append(String.format(Locale.ROOT,
                    " (mean %.1f ms, max %.1f ms)", t.calls.sum() / 1e6 / calls, t.calls.max() / 1e6));
        }
        if (t.inProgress > 0) {
            d.append(" and is in ").append(t.inProgress)
                    .append(String.format(Locale.ROOT, " call(s) now, for %.1f s", t.inProgressNanos / 1e9));
        }
        if (share != null) {
            d.append(String.format(Locale.ROOT, ": %s of the %s it held connections (%.1f%%)", seconds(totalNanos),
                    seconds(siteHeld), share * 100));
        }
        if (!t.outcomes.isEmpty()) {
            d.append("; outcomes ");
            boolean first = true;
            for (Map.Entry<String, Long> e : new TreeMap<>(t.outcomes).entrySet()) {
                d.append(first ? "" : ", ").append(e.getKey()).append(" x").append(e.getValue());
                first = false;
            }
        }
        String detail = d.toString();
        boolean open = t.inProgress > 0;
        double heldMs = longest / 1e6;
        findings.update(() -> {
            f.open = open;
            f.heldMs = heldMs;
            f.detail = detail;
            f.extra = x;
        });
    }

    /** Who waited for this pool: its totals, and the call sites that waited longest. */
    private Map<String, Object> poolWait(PoolStats p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pool", p.name());
        m.put("waitTotalMs", ms(p.waits.sum()));
        m.put("waitMaxMs", ms(p.waits.max()));
        m.put("timeouts", p.timeouts.get());
        List<SiteStats> waiting = new ArrayList<>();
        for (SiteStats s : decoder.sites()) {
            if (s.pool == p && (s.waits.max() >= 1_000_000L || s.timeouts.get() > 0)) {
                waiting.add(s);
            }
        }
        waiting.sort(Comparator.comparingLong((SiteStats s) -> s.waits.sum()).reversed());
        List<Map<String, Object>> sites = new ArrayList<>();
        for (SiteStats s : waiting.subList(0, Math.min(MAX_WAITING_SITES, waiting.size()))) {
            Map<String, Object> w = new LinkedHashMap<>();
            w.put("site", s.site);
            w.put("checkouts", s.waits.count());
            w.put("waitTotalMs", ms(s.waits.sum()));
            w.put("waitMeanMs", s.waits.count() == 0 ? 0.0 : ms(s.waits.sum() / (double) s.waits.count()));
            w.put("waitMaxMs", ms(s.waits.max()));
            w.put("timeouts", s.timeouts.get());
            sites.add(w);
        }
        m.put("sites", sites);
        return m;
    }

    /**
     * The long-hold story of one hold: how much of it went to outbound calls, and the call it is
     * in now; null if it made none. E.g. "of the 60.0 s held, 59.8 s inside POST https://auth.example/token (in progress)".
     */
    synchronized String holdDetail(Hold h, long now) {
        HoldCalls hc = h.calls();
        RpcCall c = h.isOpen() ? h.owner.rpcNow() : null;
        boolean inCall = c != null && !c.isDone() && c.during(h);
        if (hc == null && !inCall) {
            return null;
        }
        long held = (h.isOpen() ? now : h.endNanos()) - h.startNanos;
        long done = hc == null ? 0L : hc.nanos();
        int n = hc == null ? 0 : hc.count();
        StringBuilder sb = new StringBuilder("of the ").append(seconds(held)).append(" held, ");
        if (inCall) {
            sb.append(seconds(now - c.startNanos)).append(" inside ").append(c.target()).append(" (in progress)");
            if (n > 0) {
                sb.append(", and ");
            }
        }
        if (n > 0) {
            sb.append(seconds(done)).append(" in ").append(n).append(n == 1 ? " outbound call" : " outbound calls");
            RpcCall[] kept = hc.kept();
            if (kept.length > 0) {
                sb.append(" (").append(kept[0].describe()).append(n > 1 ? ", ..." : "").append(')');
            }
        }
        return sb.toString();
    }

    /** The calls one hold made, as lines; null if none. */
    static String[] holdCalls(Hold h) {
        HoldCalls hc = h.calls();
        return hc == null ? null : hc.describe().split("\n");
    }

    /**
     * The pool-size advice for the report (see docs/report.md, pools[].advice). All the figures
     * come from one window: the busiest second of the run (most checkouts per second), or the
     * whole run if no second-long window with an ended hold was sampled. The connections needed
     * are the window's occupancy: the mean number of connections in use over it, from the
     * time-integral of in-use ({@link PoolRate}); rate x mean hold is kept beside it.
     */
    public synchronized Map<String, Object> advice(PoolStats p, Object maxSize) {
        long checkouts = p.checkouts();
        double runSeconds = Math.max(0.001, (System.currentTimeMillis() - p.firstSeenMillis) / 1000.0);
        double runRate = checkouts / runSeconds;
        PoolRate r = rates.get(p);
        PoolRate.Window w = r != null && r.busiest != null && r.busiest.holdCount > 0 ? r.busiest : null;
        String basis = w != null ? "busiest 1 s window" : "whole run";
        double rate = w != null ? w.rate : runRate;
        double windowSeconds = w != null ? w.seconds : runSeconds;
        LogHistogram holds = p.holdTimes;
        LogHistogram waits = p.waits;
        long holdCount = w != null ? w.holdCount : holds.count();
        double holdSum = w != null ? w.holdSum : holds.sum();
        double meanHold = holdCount == 0 ? 0.0 : holdSum / holdCount; // ns
        long waitCount = w != null ? w.waitCount : waits.count();
        double waitSum = w != null ? w.waitSum : waits.sum();
        double meanWait = waitCount == 0 ? 0.0 : waitSum / waitCount;
        double callNanos = w != null ? w.callNanos : p.callNanosInHolds.get();
        double callPerHold = holdCount == 0 ? 0.0 : callNanos / holdCount;
        double meanHoldWithout = Math.max(0.0, meanHold - callPerHold);
        double littleL = rate * meanHold / 1e9;
        double occupancy;
        double occupancyWithout;
        String occupancyFrom;
        if (w != null) {
            occupancy = w.occupancy;
            occupancyWithout = w.occupancyWithoutCalls;
            occupancyFrom = "connections in use integrated over the window";
        } else if (r != null && r.last != null) {
            // the whole run: nothing was in use before the pool's first checkout
            long first = tracker.startNanos() + (p.firstSeenMillis - tracker.startMillis()) * 1_000_000L;
            double span = Math.max(1_000_000L, r.last.t - first);
            occupancy = r.last.heldIntegral() / span;
            occupancyWithout = Math.max(0.0, r.last.heldIntegral() - r.last.callIntegral()) / span;
            windowSeconds = span / 1e9;
            occupancyFrom = "connections in use integrated over the run";
        } else {
            occupancy = littleL; // not sampled yet
            occupancyWithout = rate * meanHoldWithout / 1e9;
            occupancyFrom = "rate x mean hold (no sample yet)";
        }
        // threads waiting: the pool's own count, sampled each pass, where it keeps one (HikariCP);
        // else the waits that ended in the window over its length, which counts the part before
        // it of the waits that began before it too
        boolean sampledWaiting = w != null && w.pending >= 0;
        double waiting = sampledWaiting ? w.pending : waitSum / 1e9 / windowSeconds;
        int max = maxSize instanceof Number ? ((Number) maxSize).intValue() : -1;

        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rateBasis", basis);
        m.put("windowSeconds", round(windowSeconds, 3));
        m.put("acquiresPerSecond", round(rate, 2));
        m.put("runAcquiresPerSecond", round(runRate, 2));
        m.put("meanHoldMs", ms(meanHold));
        m.put("p99HoldMs", ms(holds.quantile(0.99)));
        m.put("neededConnections", round(occupancy, 2));
        m.put("rateTimesMeanHold", round(littleL, 2));
        m.put("maxSize", max > 0 ? max : null);
        m.put("saturated", max > 0 && p.peakInUse() >= max);
        m.put("meanWaitMs", ms(meanWait));
        m.put("p99WaitMs", ms(waits.quantile(0.99)));
        m.put("waitTotalMs", ms(waits.sum()));
        m.put("timeouts", p.timeouts.get());
        m.put("waitingThreads", round(waiting, 2));
        m.put("demandConnections", round(occupancy + waiting, 2));
        m.put("holdsWithCalls", p.holdsWithCalls.get());
        m.put("callsInHolds", p.callsInHolds.get());
        m.put("callMsPerHold", ms(callPerHold));
        m.put("callShare", occupancy <= 0 ? 0.0 : round(Math.min(1.0, Math.max(0.0, 1.0 - occupancyWithout / occupancy)), 4));
        Map<String, Object> without = new LinkedHashMap<>();
        without.put("meanHoldMs", ms(meanHoldWithout));
        without.put("p99HoldMs", ms(p.holdQuantileWithoutCalls(0.99)));
        without.put("neededConnections", round(occupancyWithout, 2));
        without.put("rateTimesMeanHold", round(rate * meanHoldWithout / 1e9, 2));
        m.put("withoutCalls", without);
        m.put("inputs", String.format(Locale.ROOT,
                "%s of %.2f s: %.2f connections in use on average (%s), %.2f of them in outbound calls;"
                        + " %d checkouts (%.2f/s; %.2f/s over the %.1f s since the first), %d holds ended with mean %.3f ms"
                        + " of which %.3f ms in outbound calls (rate x mean hold = %.2f), mean wait %.3f ms; %.2f threads waiting (%s)",
                basis, windowSeconds, occupancy, occupancyFrom, Math.max(0.0, occupancy - occupancyWithout),
                w != null ? w.checkouts : checkouts, rate, runRate, runSeconds, holdCount,
                meanHold / 1e6, callPerHold / 1e6, littleL, meanWait / 1e6, waiting,
                sampledWaiting ? "the pool's count, sampled" : "waits that ended in the window / its length"));
        return m;
    }

    /** One (pool, call site, target). */
    private static final class Target {
        final PoolStats pool;
        final SiteStats site;
        final String siteName;
        final String target;
        final String method;
        final String scheme;
        final String host;
        final int port;
        final String path;
        final String url;
        final LogHistogram calls = new LogHistogram();
        final Map<String, Long> outcomes = new HashMap<>();
        final Set<String> clients = new LinkedHashSet<>();
        final Set<String> callSites = new LinkedHashSet<>();
        long errors;
        long timeouts;
        int decodes;
        int inProgress;
        long inProgressNanos;
        long firstStartNanos;
        String firstThread;
        boolean findingTried;
        Finding finding;

        Target(PoolStats pool, SiteStats site, String siteName, RpcCall c) {
            this.pool = pool;
            this.site = site;
            this.siteName = siteName;
            this.target = c == null ? null : c.target();
            this.method = c == null ? null : c.method;
            this.scheme = c == null ? null : c.scheme;
            this.host = c == null ? null : c.host;
            this.port = c == null ? -1 : c.port;
            this.path = c == null ? null : c.path;
            this.url = c == null ? null : c.url();
        }

        void record(RpcCall c, OutboundCalls owner) {
            calls.record(c.nanos());
            String o = c.outcome();
            if (outcomes.containsKey(o) || outcomes.size() < MAX_OUTCOMES) {
                outcomes.merge(o, 1L, Long::sum);
            } else {
                outcomes.merge("(other)", 1L, Long::sum);
            }
            if (c.status() <= 0 && c.error() != null) { // a 404 that a client throws for is an answer, not an error
                errors++;
                if (c.timedOut()) {
                    timeouts++;
                }
            }
            clients.add(c.client);
            callSite(c, owner);
            if (firstStartNanos == 0L) {
                Hold[] hs = c.holds();
                firstStartNanos = hs.length > 0 ? hs[0].startNanos : c.startNanos;
                firstThread = c.thread.name();
            }
        }

        void callSite(RpcCall c, OutboundCalls owner) {
            Throwable capture = c.capture();
            if (capture == null || decodes >= MAX_DECODES || callSites.size() >= MAX_CALL_SITES) {
                return;
            }
            decodes++;
            long t0 = System.nanoTime();
            SiteDecoder.Decoded d = owner.decoder.decode(capture.getStackTrace());
            owner.tracker.budget().spendDecode(System.nanoTime() - t0);
            c.decoded();
            callSites.add(d.site);
        }

        Map<String, Object> targetMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("method", method);
            m.put("scheme", scheme);
            m.put("host", host);
            m.put("port", port > 0 ? port : null);
            m.put("path", path);
            m.put("url", url);
            return m;
        }
    }

    static double ms(double nanos) {
        return Math.round(nanos / 1000.0) / 1000.0;
    }

    private static double round(double v, int places) {
        double f = Math.pow(10, places);
        return Math.round(v * f) / f;
    }

    private static String seconds(long nanos) {
        return nanos >= 10_000_000_000L ? String.format(Locale.ROOT, "%.0f s", nanos / 1e9)
                : nanos >= 1_000_000_000L ? String.format(Locale.ROOT, "%.1f s", nanos / 1e9)
                : String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
    }
}
