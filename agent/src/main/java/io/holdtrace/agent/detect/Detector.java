package io.holdtrace.agent.detect;

import io.holdtrace.bootstrap.Component;
import io.holdtrace.bootstrap.Faults;
import io.holdtrace.bootstrap.Hold;
import io.holdtrace.bootstrap.HoldTracker;
import io.holdtrace.bootstrap.Holds;
import io.holdtrace.bootstrap.PoolStats;
import io.holdtrace.bootstrap.SiteStats;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The agent's background judge. Each pass: attributes completed holds to their call sites,
 * notices connections the garbage collector took unclosed, and looks at every open hold for a
 * long hold, a leak (held past the threshold by a thread that has ended) or a connection shared
 * between threads. It runs on its own daemon thread; the final pass runs at exit.
 */
public final class Detector implements Runnable {

    private final HoldTracker tracker;
    private final SiteDecoder decoder;
    private final Findings findings;
    private final long thresholdNanos;
    private final long periodMillis;
    /** Open long holds reported so far, to complete their findings when they end. */
    private final Map<Hold, Finding> longHolds = new HashMap<>();
    /** Open captive-dependency holds reported so far, kept up to date (held for, used by) until they end. */
    private final Map<Hold, Finding> captives = new HashMap<>();
    /** Open holds taken outside a creation, judged for a captive on first use: at which level (see capturedUser). */
    private final Map<Hold, Integer> firstUseJudged = new HashMap<>();
    private final List<Hold> scratch = new ArrayList<>();
    private volatile boolean stopped;
    /** Outbound calls made while holding, and the pool-size advice; null if not wired. */
    private volatile OutboundCalls outbound;
    /** Sizes the capture budget by the process's CPU; null if not wired. */
    private volatile CaptureShare captureShare;
    private volatile Runnable everyPass;

    public Detector(HoldTracker tracker, SiteDecoder decoder, Findings findings, long thresholdNanos) {
        this.tracker = tracker;
        this.decoder = decoder;
        this.findings = findings;
        this.thresholdNanos = thresholdNanos;
        this.periodMillis = Math.max(20L, Math.min(250L, thresholdNanos / 4_000_000L));
    }

    /** Keeps the capture budget at its share of the process's CPU from each pass on. */
    public void captureShare(CaptureShare c) {
        this.captureShare = c;
    }

    /** Runs {@code r} first in each pass (JFR's check for a recording); null for none. */
    public void everyPass(Runnable r) {
        this.everyPass = r;
    }

    /** Wires the aggregation of outbound calls made while holding into each pass. */
    public void outboundCalls(OutboundCalls o) {
        this.outbound = o;
    }

    public Thread start() {
        Thread t = new Thread(this, "holdtrace-detector");
        t.setDaemon(true);
        // a saturated CPU must not starve detection: the thread sleeps almost always, and the
        // scheduler favours a sleeper that wakes; a high priority helps where the OS honours it
        t.setPriority(Thread.MAX_PRIORITY);
        t.start();
        return t;
    }

    public void stop() {
        stopped = true;
    }

    @Override
    public void run() {
        while (!stopped) {
            try {
                Thread.sleep(periodMillis);
                pass(false);
            } catch (InterruptedException e) {
                return;
            } catch (Throwable e) {
                Faults.report("detector", e);
            }
        }
    }

    /**
     * One pass over everything. {@code atExit}: the process is ending, so every hold still open
     * past the threshold has leaked.
     */
    public synchronized void pass(boolean atExit) {
        Runnable first = everyPass;
        if (first != null) {
            first.run();
        }
        long now = System.nanoTime();
        for (PoolStats p : tracker.pools()) {
            p.notePeak(); // checkouts sum their pool's in-use count only when they waited
        }
        tracker.retireEndedThreads();
        CaptureShare cs = captureShare;
        if (cs != null) {
            cs.update(now);
        }

        scratch.clear();
        tracker.drainCompleted(scratch);
        for (Hold h : scratch) {
            SiteStats s = decoder.siteOf(h);
            if (s != null) {
                HoldTracker.attribute(h, s);
            }
        }

        scratch.clear();
        tracker.drainCollected(scratch);
        OutboundCalls o = outbound;
        for (Hold h : scratch) {
            if (o != null) {
                o.collected(h);
            }
            Finding f = newFinding("gc-unclosed", h, now);
            if (f != null) {
                findings.update(() -> {
                    f.open = false;
                    f.heldMs = (h.endNanos() - h.startNanos) / 1e6; // until the collection was noticed
                    f.endReason = Holds.endName(Holds.END_GC);
                    f.detail = "the connection was garbage-collected without close(); pool '" + h.pool.name()
                            + "' never got it back: its slot has been taken since " + f.startedAtMillisText();
                });
            }
        }

        scratch.clear();
        tracker.drainNotable(scratch);
        for (Hold h : scratch) {
            inspectEnded(h, now);
        }

        List<Hold> openHolds = tracker.openHolds();
        if (o != null) {
            o.sample(openHolds); // first: the pools' counters and the open holds at nearly one instant
        }
        for (Hold h : openHolds) {
            inspectOpen(h, now, atExit);
        }

        firstUseJudged.keySet().removeIf(h -> !h.isOpen());
        for (Iterator<Map.Entry<Hold, Finding>> it = captives.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Hold, Finding> e = it.next();
            Hold h = e.getKey();
            Finding f = e.getValue();
            boolean open = h.isOpen();
            String[] users = h.users();
            if (f != null) findings.update(() -> {
                f.open = open;
                f.heldMs = ((open ? now : h.endNanos()) - h.startNanos) / 1e6;
                f.endReason = open ? null : Holds.endName(h.endReason());
                f.threads = users;
            });
            if (!open) {
                it.remove();
            }
        }

        for (Iterator<Map.Entry<Hold, Finding>> it = longHolds.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Hold, Finding> e = it.next();
            Hold h = e.getKey();
            Finding f = e.getValue();
            String calls = callsDetail(h, now);
            String[] callList = OutboundCalls.holdCalls(h);
            if (!h.isOpen()) {
                findings.update(() -> {
                    f.open = false;
                    f.heldMs = (h.endNanos() - h.startNanos) / 1e6;
                    f.endReason = Holds.endName(h.endReason());
                    outboundInto(f, calls, callList);
                });
                it.remove();
                if (h.endReason() == Holds.END_POOL_SHUTDOWN) {
                    leak(h, now, "never returned: the pool shut down with it still out");
                }
            } else {
                findings.update(() -> {
                    f.heldMs = (now - h.startNanos) / 1e6;
                    outboundInto(f, calls, callList);
                });
            }
        }
        if (o != null) {
            o.pass(now, openHolds);
        }
        findings.publish();
    }

    private void inspectEnded(Hold h, long now) {
        if ((h.flags() & Hold.FLAG_CROSS_THREAD) != 0) {
            crossThread(h, now);
        }
        if (h.endReason() == Holds.END_POOL_SHUTDOWN && h.endNanos() - h.startNanos > thresholdNanos) {
            leak(h, now, "never returned: the pool shut down with it still out");
        }
    }

    private void inspectOpen(Hold h, long now, boolean atExit) {
        if (h.site() == null && h.capture() != null) {
            SiteStats s = decoder.siteOf(h);
            if (s != null) {
                h.resolve(s);
            }
        }
        if ((h.flags() & Hold.FLAG_CROSS_THREAD) != 0) {
            crossThread(h, now);
        }
        long held = now - h.startNanos;
        if (!captives.containsKey(h)) {
            if (h.creation() != null) {
                captive(h, now);
            } else {
                capturedUser(h, now, held > thresholdNanos);
            }
        }
        if (held <= thresholdNanos) {
            return;
        }
        if (h.setFlag(Hold.FLAG_LONG_REPORTED)) {
            Finding f = newFinding("long-hold", h, now);
            if (f != null) {
                Thread t = h.owner.thread();
                String[] holder = null;
                String state = "ended";
                if (t != null && t.isAlive()) {
                    holder = decoder.format(t.getStackTrace(), decoder.stackDepth());
                    state = t.getState().name();
                }
                String[] hs = holder;
                String st = state;
                String calls = callsDetail(h, now);
                String[] callList = OutboundCalls.holdCalls(h);
                findings.update(() -> {
                    f.open = true;
                    f.heldMs = held / 1e6;
                    f.holderStack = hs;
                    f.holderState = st;
                    outboundInto(f, calls, callList);
                });
                longHolds.put(h, f);
            }
        }
        if (atExit) {
            leak(h, now, "never returned: still open when the process ended");
        } else if (!h.owner.isAlive()) {
            leak(h, now, "never returned: thread '" + h.owner.name() + "' that took it has ended");
        }
    }

    /** A long hold's outbound calls, in a sentence ("of the 60 s held, 59.8 s inside POST ..."); null if none. */
    private String callsDetail(Hold h, long now) {
        OutboundCalls o = outbound;
        return o == null ? null : o.holdDetail(h, now);
    }

    /** Under the findings' lock. */
    private static void outboundInto(Finding f, String detail, String[] calls) {
        if (detail != null) {
            f.detail = detail;
        }
        if (calls != null) {
            f.extra = new java.util.LinkedHashMap<>();
            f.extra.put("outboundCalls", calls);
        }
    }

    private void leak(Hold h, long now, String why) {
        if (!h.setFlag(Hold.FLAG_LEAK_REPORTED)) {
            return;
        }
        Finding f = newFinding("leak", h, now);
        if (f != null) {
            long end = h.isOpen() ? now : h.endNanos();
            findings.update(() -> {
                f.open = h.isOpen();
                f.heldMs = (end - h.startNanos) / 1e6;
                f.endReason = h.isOpen() ? null : Holds.endName(h.endReason());
                f.detail = why;
            });
        }
    }

    private void crossThread(Hold h, long now) {
        if (!h.setFlag(Hold.FLAG_CROSS_REPORTED)) {
            return;
        }
        Finding f = newFinding("cross-thread", h, now);
        if (f != null) {
            String[] users = h.users();
            int switches = h.switches();
            findings.update(() -> {
                f.open = h.isOpen();
                f.heldMs = ((h.isOpen() ? now : h.endNanos()) - h.startNanos) / 1e6;
                f.threads = users;
                f.detail = "used by " + users.length + " threads taking turns (" + switches
                        + " switches) while one thread held it";
            });
        }
    }

    /** A hold taken by a short-lived component that a long-lived one was given, and kept. */
    private void captive(Hold h, long now) {
        Attribution a = decoder.attribution();
        Attribution.Captive c = a == null ? null : a.captiveOf(h);
        if (c != null) {
            reportCaptive(h, now, c);
        }
    }

    /**
     * A hold taken outside any creation, on first use, by a short-lived component a long-lived
     * one was given: judged once it outlived its use (past the threshold, or used by a second
     * thread), and again when the second happens after the first.
     */
    private void capturedUser(Hold h, long now, boolean pastThreshold) {
        Attribution a = decoder.attribution();
        if (a == null) {
            return;
        }
        boolean several = h.switches() > 0;
        int level = (pastThreshold ? 1 : 0) | (several ? 2 : 0);
        if (level == 0) {
            return;
        }
        Integer judged = firstUseJudged.get(h);
        if (judged != null && judged == level) {
            return;
        }
        firstUseJudged.put(h, level);
        SiteStats s = decoder.siteOf(h);
        Component taker = s != null && s.component != null ? s.component : a.componentOf(h, null);
        Attribution.Captive c = a.capturedUserOf(taker, pastThreshold, several);
        if (c != null) {
            firstUseJudged.remove(h);
            reportCaptive(h, now, c);
        }
    }

    private void reportCaptive(Hold h, long now, Attribution.Captive c) {
        Finding f = newFinding("captive-dependency", h, now);
        if (f == null) {
            captives.put(h, null);
            return;
        }
        String[] users = h.users();
        findings.update(() -> {
            f.open = true;
            f.heldMs = (now - h.startNanos) / 1e6;
            f.longLived = c.longLived;
            f.captured = c.captured;
            f.threads = users;
            f.detail = c.longLived.scope + " '" + c.longLived.name + "' was given " + c.captured.scope + " '"
                    + c.captured.name + "' (" + c.how + "), which took this connection "
                    + (c.onFirstUse ? "on first use and kept it past that use (" + (users.length > 1
                            ? "used by " + users.length + " threads" : "open past the threshold") + ")"
                    : "while " + (c.acquiredBy.name.equals(c.captured.name) ? "being created" : "creating '" + c.acquiredBy.name + "'")
                            + " and keeps it")
                    + ": one connection held for as long as '" + c.longLived.name
                    + "' lives, shared by every thread that uses it, never taken again if it is dropped";
        });
        captives.put(h, f);
    }

    private Finding newFinding(String kind, Hold h, long now) {
        SiteStats s = decoder.siteOf(h);
        if (s != null && h.site() == null) {
            // drops the raw stack too: a Throwable's backtrace pins the classes (and so the class
            // loaders) on it, and an ended hold may stay reachable for a while (a thread's list of holds)
            h.resolve(s);
        }
        String site;
        String[] stack;
        if (s != null) {
            site = s.site;
            stack = s.stack;
        } else {
            // not captured (budget spent): while the hold is open, the holder's stack now is the
            // best evidence left; once it ended, that thread has moved on and its stack says nothing
            Thread t = h.isOpen() ? h.owner.thread() : null;
            SiteDecoder.Decoded d = t != null && t.isAlive() ? decoder.decode(t.getStackTrace()) : null;
            if (d != null && !d.site.startsWith(SiteDecoder.NO_APPLICATION_FRAME)) {
                site = d.site + " (from the holder's stack)";
                stack = d.stack;
            } else if (d != null) {
                // the holder runs no application code now (a pooled thread back in its pool, say):
                // its stack would name the server's idle loop, not the code that took the connection
                site = "(not captured)";
                stack = new String[0];
            } else {
                site = "(not captured)";
                stack = new String[0];
            }
        }
        Finding f = findings.add(new Finding(kind, h.pool.name(), site, stack, h.owner.name(),
                tracker.toEpochMillis(h.startNanos), tracker.toEpochMillis(now), h.startNanos));
        Attribution a = decoder.attribution();
        if (f != null && (s != null || a != null)) {
            Component component = s != null && s.component != null ? s.component : a != null ? a.componentOf(h, null) : null;
            String tx = s != null && s.transactional != null ? s.transactional : a != null ? a.transactionalOf(h) : null;
            findings.update(() -> {
                f.component = component;
                f.transactional = tx;
            });
        }
        return f;
    }
}
