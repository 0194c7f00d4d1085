package io.holdtrace.agent.report;

import io.holdtrace.agent.config.Config;
import io.holdtrace.agent.di.ComponentModel;
import io.holdtrace.agent.detect.CaptureShare;
import io.holdtrace.agent.detect.Findings;
import io.holdtrace.agent.detect.OutboundCalls;
import io.holdtrace.agent.detect.SiteDecoder;
import io.holdtrace.bootstrap.Faults;
import io.holdtrace.bootstrap.Hold;
import io.holdtrace.bootstrap.HoldTracker;
import io.holdtrace.bootstrap.LogHistogram;
import io.holdtrace.bootstrap.PoolStats;
import io.holdtrace.bootstrap.SiteStats;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the report's content (see {@code docs/report.md} and {@code docs/report.schema.json}).
 * Never SQL text, parameters or credentials: the agent never sees the first two, and URLs are
 * redacted.
 */
public final class ReportBuilder {

    public static final int SCHEMA_VERSION = 1;

    private final Config config;
    private final HoldTracker tracker;
    private final SiteDecoder decoder;
    private final Findings findings;
    private final String version;
    private final long startedAtMillis;
    private volatile ComponentModel components;
    /** Outbound calls and pool-size advice; null if not wired. */
    private volatile OutboundCalls outbound;
    /** What the capture budget is sized by; null if not wired. */
    private volatile CaptureShare captureShare;

    public ReportBuilder(Config config, HoldTracker tracker, SiteDecoder decoder, Findings findings, String version) {
        this.config = config;
        this.tracker = tracker;
        this.decoder = decoder;
        this.findings = findings;
        this.version = version;
        this.startedAtMillis = tracker.startMillis();
    }

    /** Adds the DI containers' components to the report. */
    public void components(ComponentModel m) {
        components = m;
    }

    /** Adds each pool's {@code advice} and the outbound-call counts to the report. */
    public void outboundCalls(OutboundCalls o) {
        this.outbound = o;
    }

    /** Adds the process's measured CPU, which sizes the capture budget, to the report. */
    public void captureShare(CaptureShare c) {
        this.captureShare = c;
    }

    public Map<String, Object> build(boolean atExit) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("schemaVersion", SCHEMA_VERSION);
        root.put("agent", agent(atExit));

        List<Hold> open = tracker.openHolds();
        Map<SiteStats, Integer> openBySite = new HashMap<>();
        Map<PoolStats, Integer> openUnattributed = new HashMap<>();
        for (Hold h : open) {
            SiteStats s = h.site();
            if (s != null) {
                openBySite.merge(s, 1, Integer::sum);
            } else {
                openUnattributed.merge(h.pool, 1, Integer::sum);
            }
        }

        List<Map<String, Object>> pools = new ArrayList<>();
        for (PoolStats p : tracker.pools()) {
            pools.add(pool(p));
        }
        root.put("pools", pools);

        List<SiteStats> all = new ArrayList<>(decoder.sites());
        all.sort(Comparator.comparingLong((SiteStats s) -> s.holdTimes.sum()).reversed());
        List<Map<String, Object>> sites = new ArrayList<>();
        for (SiteStats s : all) {
            sites.add(site(s, openBySite.getOrDefault(s, 0)));
        }
        root.put("sites", sites);
        root.put("findings", findings.toMaps());
        ComponentModel cm = components;
        if (cm != null && !cm.isEmpty()) {
            root.put("components", cm.toReport());
        }
        Map<String, Object> counts = new LinkedHashMap<>();
        counts.put("findingsByKind", findings.totals());
        counts.put("findingsNotKept", findings.dropped());
        counts.put("openHolds", open.size());
        Map<String, Integer> unattributed = new LinkedHashMap<>();
        openUnattributed.forEach((p, n) -> unattributed.put(p.name(), n));
        counts.put("openHoldsWithoutSite", unattributed);
        counts.put("holdsNotAttributed", tracker.dropped());
        Map<String, Object> calls = new LinkedHashMap<>();
        calls.put("whileHolding", tracker.rpc().calls());
        calls.put("notAggregated", tracker.rpc().dropped());
        calls.put("completedAfterHold", tracker.rpc().late());
        counts.put("outboundCalls", calls);
        root.put("counts", counts);
        return root;
    }

    private Map<String, Object> agent(boolean atExit) {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("version", version);
        a.put("startedAt", Instant.ofEpochMilli(startedAtMillis).toString());
        a.put("writtenAt", Instant.now().toString());
        a.put("final", atExit);
        a.put("settings", config.effective());
        Map<String, Object> jvm = new LinkedHashMap<>();
        jvm.put("version", System.getProperty("java.runtime.version", System.getProperty("java.version")));
        jvm.put("vendor", System.getProperty("java.vendor"));
        jvm.put("vm", System.getProperty("java.vm.name"));
        jvm.put("pid", ProcessHandle.current().pid());
        try {
            jvm.put("uptimeMs", ManagementFactory.getRuntimeMXBean().getUptime());
        } catch (Throwable ignored) {
            // no management: leave it out
        }
        a.put("jvm", jvm);
        Map<String, Object> os = new LinkedHashMap<>();
        os.put("name", System.getProperty("os.name"));
        os.put("version", System.getProperty("os.version"));
        os.put("arch", System.getProperty("os.arch"));
        os.put("cpus", Runtime.getRuntime().availableProcessors());
        a.put("os", os);
        Map<String, Object> capture = new LinkedHashMap<>();
        boolean all = tracker.budget().nanosPerSecond() == Long.MAX_VALUE;
        capture.put("budgetShare", all ? -1.0 : config.captureShare);
        capture.put("budgetNanosPerSecond", all ? -1 : tracker.budget().nanosPerSecond());
        CaptureShare cs = captureShare;
        double cores = cs == null ? -1.0 : cs.processCores();
        capture.put("processCores", cores < 0 ? -1.0 : Math.round(cores * 1000.0) / 1000.0);
        capture.put("acquires", tracker.acquires());
        capture.put("uncaptured", tracker.uncaptured());
        a.put("capture", capture);
        a.put("internalErrors", Faults.count());
        return a;
    }

    private Map<String, Object> pool(PoolStats p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", p.name());
        m.put("type", p.type);
        Map<String, Object> driver = new LinkedHashMap<>();
        driver.put("connectionClass", p.connectionClass());
        driver.put("version", p.driverVersion());
        m.put("driver", driver);
        OutboundCalls o = outbound;
        Map<String, Object> settings = PoolSettings.of(p.type, p.poolObject());
        if (settings.isEmpty() && o != null && o.settingsSeen(p) != null) {
            settings = o.settingsSeen(p); // closed and collected since: as read while it was alive
        }
        if (settings.containsKey("maxSize")) {
            m.put("maxSize", settings.get("maxSize"));
        }
        m.put("settings", settings);
        m.put("acquires", p.checkouts());
        m.put("inUse", p.inUse());
        m.put("peakInUse", p.peakInUse());
        m.put("timeouts", p.timeouts.get());
        m.put("gcUnclosed", p.gcUnclosed.get());
        m.put("untracked", p.untracked.get());
        m.put("uncaptured", p.uncaptured());
        m.put("closed", p.isClosed());
        m.put("wait", stats(p.waits));
        m.put("hold", stats(p.holdTimes));
        if (o != null) {
            m.put("advice", o.advice(p, settings.get("maxSize")));
        }
        return m;
    }

    private Map<String, Object> site(SiteStats s, int open) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("site", s.site);
        m.put("pool", s.pool.name());
        if (s.component != null) {
            m.put("component", ComponentModel.toMap(s.component));
        }
        if (s.transactional != null) {
            m.put("transactional", s.transactional);
        }
        long completed = s.holdTimes.count();
        m.put("acquires", completed + open);
        m.put("open", open);
        long uncaptured = s.pool.uncaptured();
        if (uncaptured > 0) {
            // the budget was spent: this site's share of the pool's checkouts is a sample
            long pool = Math.max(1, s.pool.waits.count() - s.pool.timeouts.get());
            long captured = Math.max(1, pool - uncaptured);
            m.put("estimated", true);
            m.put("estimatedAcquires", Math.round((completed + open) * (double) pool / captured));
        } else {
            m.put("estimated", false);
        }
        m.put("hold", stats(s.holdTimes));
        m.put("wait", stats(s.waits));
        m.put("timeouts", s.timeouts.get());
        m.put("stack", s.stack);
        return m;
    }

    /** A duration summary in milliseconds, as the report writes every histogram. */
    public static Map<String, Object> stats(LogHistogram h) {
        Map<String, Object> m = new LinkedHashMap<>();
        long n = h.count();
        m.put("count", n);
        m.put("meanMs", n == 0 ? 0.0 : ms(h.sum() / (double) n));
        m.put("p50Ms", ms(h.quantile(0.50)));
        m.put("p90Ms", ms(h.quantile(0.90)));
        m.put("p99Ms", ms(h.quantile(0.99)));
        m.put("maxMs", ms(h.max()));
        return m;
    }

    private static double ms(double nanos) {
        return Math.round(nanos / 1000.0) / 1000.0;
    }
}
