package io.holdtrace.agent.detect;

import io.holdtrace.agent.config.Config;
import io.holdtrace.bootstrap.CaptureBudget;
import io.holdtrace.bootstrap.Component;
import io.holdtrace.bootstrap.Hold;
import io.holdtrace.bootstrap.PoolStats;
import io.holdtrace.bootstrap.SiteStats;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns raw acquiring stacks into call sites, on the agent's thread, never on the application's.
 * A call site is the first frame outside the framework packages (JDK, pools, drivers, Spring,
 * generated proxies), written {@code com.acme.Foo.bar(Foo.java:42)}. The table of sites is
 * bounded; past the bound, holds go to one {@code (other sites)} entry per pool.
 */
public final class SiteDecoder {

    public static final String OTHER_SITES = "(other sites)";
    public static final String NO_APPLICATION_FRAME = "(no application frame)";

    private final List<String> frameworkPackages;
    private final int stackDepth;
    private final int maxSites;
    private final CaptureBudget budget;
    private final Map<String, SiteStats> sites = new ConcurrentHashMap<>();
    private final Map<PoolStats, SiteStats> overflow = new ConcurrentHashMap<>();
    /** The DI containers' components, once the agent knows any; null before. */
    private volatile Attribution attribution;

    public SiteDecoder(List<String> frameworkPackages, int stackDepth, int maxSites, CaptureBudget budget) {
        this.frameworkPackages = frameworkPackages;
        this.stackDepth = stackDepth;
        this.maxSites = maxSites;
        this.budget = budget;
    }

    /** Attributes sites to DI components and @Transactional methods from now on. */
    public void attribution(Attribution a) {
        attribution = a;
    }

    public Attribution attribution() {
        return attribution;
    }

    /** The site of a hold whose stack was captured; null if it was not. */
    public SiteStats siteOf(Hold h) {
        SiteStats s = h.site();
        if (s != null) {
            return s;
        }
        Throwable capture = h.capture();
        if (capture == null) {
            return null;
        }
        long t0 = System.nanoTime();
        StackTraceElement[] frames = capture.getStackTrace();
        Decoded d = decode(frames);
        Attribution a = attribution;
        Component component = a == null ? null : a.componentOf(h, frames);
        String tx = a == null ? null : a.transactionalOf(h);
        budget.spendDecode(System.nanoTime() - t0);
        return siteFor(h.pool, d, component, tx);
    }

    /** The site for an already decoded stack (a holder's stack now, when the acquire was not captured). */
    public SiteStats siteFor(PoolStats pool, Decoded d) {
        return siteFor(pool, d, null, null);
    }

    /** One site per pool, call site, component and @Transactional method. */
    public SiteStats siteFor(PoolStats pool, Decoded d, Component component, String transactional) {
        String key = pool.id + "|" + d.site
                + (component == null ? "" : "|" + component.container + ":" + component.name)
                + (transactional == null ? "" : "|" + transactional);
        SiteStats s = sites.get(key);
        if (s != null) {
            return s;
        }
        if (sites.size() >= maxSites) {
            return overflow.computeIfAbsent(pool, p -> new SiteStats(p, OTHER_SITES, new String[0]));
        }
        return sites.computeIfAbsent(key, k -> new SiteStats(pool, d.site, d.stack, component, transactional));
    }

    /** All sites, the overflow entries included. */
    public Collection<SiteStats> sites() {
        List<SiteStats> all = new ArrayList<>(sites.values());
        all.addAll(overflow.values());
        return all;
    }

    public boolean isFramework(String className) {
        if (className.contains("$$") || className.startsWith("jdk.proxy") || className.startsWith("com.sun.proxy")) {
            return true; // generated proxies: the real method is the next application frame
        }
        for (String p : frameworkPackages) {
            if (within(className, p)) {
                return true;
            }
        }
        return false;
    }

    /** {@code com.acme.db} covers {@code com.acme.db.X} and {@code com.acme.db$Y}, not {@code com.acme.dbutil.Z}. */
    static boolean within(String className, String prefix) {
        if (!className.startsWith(prefix)) {
            return false;
        }
        if (className.length() == prefix.length()) {
            return true;
        }
        char c = className.charAt(prefix.length());
        return c == '.' || c == '$';
    }

    /** A decoded stack: the call site and the bounded frames around it. */
    public static final class Decoded {
        public final String site;
        public final String[] stack;

        Decoded(String site, String[] stack) {
            this.site = site;
            this.stack = stack;
        }
    }

    public Decoded decode(StackTraceElement[] frames) {
        int first = 0;
        while (first < frames.length && within(frames[first].getClassName(), Config.AGENT_PACKAGES)) {
            first++;
        }
        int app = -1;
        for (int i = first; i < frames.length; i++) {
            if (!isFramework(frames[i].getClassName())) {
                app = i;
                break;
            }
        }
        // a few framework frames above the site say how it got the connection (JdbcTemplate, a proxy)
        int from = app < 0 ? first : Math.max(first, app - 3);
        int to = Math.min(frames.length, from + stackDepth);
        String[] stack = new String[Math.max(0, to - from)];
        for (int i = from; i < to; i++) {
            stack[i - from] = format(frames[i]);
        }
        String site = app >= 0 ? format(frames[app])
                : NO_APPLICATION_FRAME + (first < frames.length ? " " + format(frames[first]) : "");
        return new Decoded(site, stack);
    }

    /** {@code com.acme.Foo.bar(Foo.java:42)}, without the class loader or module prefixes. */
    public static String format(StackTraceElement e) {
        StringBuilder sb = new StringBuilder(96).append(e.getClassName()).append('.').append(e.getMethodName()).append('(');
        if (e.isNativeMethod()) {
            sb.append("Native Method");
        } else if (e.getFileName() == null) {
            sb.append("Unknown Source");
        } else {
            sb.append(e.getFileName());
            if (e.getLineNumber() >= 0) {
                sb.append(':').append(e.getLineNumber());
            }
        }
        return sb.append(')').toString();
    }

    /** The first {@code stackDepth} frames of a live thread's stack, formatted. */
    public String[] format(StackTraceElement[] frames, int max) {
        int n = Math.min(frames.length, max);
        String[] out = new String[n];
        for (int i = 0; i < n; i++) {
            out[i] = format(frames[i]);
        }
        return out;
    }

    public int stackDepth() {
        return stackDepth;
    }
}
