#!/usr/bin/env python3
"""Summarises perf/alternate.sh's run into Markdown.

usage: alternate_report.py RAW_DIR RESULTS-alternate.md

The load generator's lines `window block=B server=NAME requests=N ... cpu_ms=C` give, per block, each
app's counted window; every app is compared with the no-agent app (the first server) of the same
block, and the table gives the median of those ratios over blocks with its distribution-free ~95%
interval (order statistics), beside the apps' own medians.
"""
import glob
import json
import math
import os
import re
import statistics
import sys

WINDOW = re.compile(r"^window (.*)$")


def coverage(n):
    """The chance that interval()'s ranks hold the true median, exactly (binomial): about 95% for many
    values, less for few (min..max of 4 is 87.5%)."""
    k = max(0, int(n / 2 - 0.98 * n ** 0.5))
    return 1 - 2 * sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n


def interval(values):
    """About 95% for the median, from order statistics (ranks n/2 -+ 0.98 sqrt(n)); as startup.sh's."""
    q = sorted(values)
    n = len(q)
    k = max(0, int(n / 2 - 0.98 * n ** 0.5))
    return q[k], q[min(n - 1, n - 1 - k)]


def per_round_cell(rr):
    """A per-round table's cell: the rounds' median, its interval and the rounds' sd (natural logs), then each round's value."""
    if not rr:
        return "n/a"
    lo, hi = interval(rr)
    sd = f"; sd {statistics.stdev([math.log(x) for x in rr]):.1%}" if len(rr) > 1 else ""
    return f"**{statistics.median(rr):.3f}** ({lo:.3f}..{hi:.3f}{sd}): " + ", ".join(f"{x:.3f}" for x in rr)


def judge(values, limit, better):
    """A target's verdict on ratios: met if the median's whole interval is on the target's side, missed if
    the whole interval is past it, otherwise not resolved. Returns (verdict, median, low, high)."""
    lo, hi = interval(values)
    if better == "higher":
        state = "met" if lo >= limit else "missed" if hi < limit else "not resolved"
    else:
        state = "met" if hi <= limit else "missed" if lo > limit else "not resolved"
    return state, statistics.median(values), lo, hi


def windows(path, rnd=1):
    out = []
    for line in open(path):
        m = WINDOW.match(line.strip())
        if m:
            f = dict(kv.split("=", 1) for kv in m.group(1).split())
            req, sec, cpu = int(f["requests"]), float(f["seconds"]), int(f["cpu_ms"])
            out.append({"round": rnd, "block": (rnd, int(f["block"])), "server": f["server"], "requests": req, "errors": int(f["errors"]),
                        "rps": req / sec if sec > 0 else 0.0, "p50": int(f["p50_us"]) / 1000, "p99": int(f["p99_us"]) / 1000,
                        "cpu_us": cpu * 1000 / req if cpu >= 0 and req > 0 else None})
    return out


def pooled(path):
    """The generator's closing table: per server, over all its counted windows together, p50 and p99 as
    printed, and as numbers (ms) with req/s and CPU µs/request by the METRICS' keys."""
    rows = {}
    lines = open(path).read().splitlines()
    for i, line in enumerate(lines):
        if line.startswith("server ") and "windows" in line:
            for row in lines[i + 1:]:
                f = row.split()  # server windows requests req/s errors p50 ms p99 ms [CPU us/req]
                if len(f) < 9 or not f[1].isdigit():
                    break
                rows[f[0]] = {"p50": f"{f[5]} {f[6]}", "p99": f"{f[7]} {f[8]}",
                              "values": {"rps": float(f[3]), "p50": float(f[5]), "p99": float(f[7]),
                                         "cpu_us": float(f[9]) if len(f) > 9 and f[9] != "-" else None}}
    return rows


# issue 6's macro targets, as ratios to no agent: (limit, which side of it is good)
TARGETS = {"rps": (0.99, "higher"), "p99": (1.02, "lower")}

METRICS = [("rps", "throughput req/s", "{:,.0f}", "higher"), ("p50", "p50 ms", "{:.2f}", "lower"),
           ("p99", "p99 ms", "{:.2f}", "lower"), ("cpu_us", "CPU µs/request", "{:,.0f}", "lower")]


def main(raw, out):
    meta = json.load(open(os.path.join(raw, "meta.json")))
    logs = sorted(glob.glob(os.path.join(raw, "load-r*.log")), key=lambda p: int(re.search(r"-r(\d+)\.log$", p).group(1)))
    if not logs and os.path.exists(os.path.join(raw, "load.log")):
        logs = [os.path.join(raw, "load.log")]  # one round, as written before rounds
    ws = []
    for i, log in enumerate(logs):
        ws += windows(log, i + 1)
    if not ws:
        sys.exit(f"alternate_report.py: no window lines in {raw}/load*.log")
    rounds = sorted({w["round"] for w in ws})
    servers = []
    for w in ws:
        if w["server"] not in servers:
            servers.append(w["server"])
    base = servers[0]
    by = {(w["block"], w["server"]): w for w in ws}
    blocks = sorted({w["block"] for w in ws})

    def ratios(server, key):
        return [by[(b, server)][key] / by[(b, base)][key] for b in blocks
                if (b, server) in by and (b, base) in by and by[(b, server)][key] and by[(b, base)][key]]

    lines = ["# holdtrace overhead: the apps side by side, load alternating", "",
             f"- date: {meta['date']}; commit {meta['commit']}",
             f"- machine: {meta['nproc']} CPUs, {meta['cpu']}, {meta['memory']}; shared with other builds",
             f"- JDK: {meta['jdk']}; PostgreSQL {meta['postgres']}",
             f"- command: `{meta['command']}`; load {meta['load']}",
             "- every app's heap: " + (f"`{meta['heap']}`" if meta.get("heap", "default") != "default"
                                       else "each JVM's own sizing (the JVM's defaults)"),
             f"- rounds: {len(rounds)}, each with fresh apps; blocks: {len(blocks)} in all, each one counted window per app,"
             " in the next order of the apps", "",
             "Each cell: the median over blocks, then (in brackets) the median of the block's ratio to the "
             f"{base} app's window of the same block, with its ~95% interval.", "",
             "| app | " + " | ".join(m[1] for m in METRICS) + " | errors |",
             "| --- | " + " | ".join("---:" for _ in METRICS) + " | ---: |"]
    for s in servers:
        cells = []
        for key, _, fmt, _ in METRICS:
            vals = [by[(b, s)][key] for b in blocks if (b, s) in by and by[(b, s)][key] is not None]
            cell = fmt.format(statistics.median(vals)) if vals else "n/a"
            r = ratios(s, key)
            if s != base and r:
                lo, hi = interval(r)
                cell += f" ({statistics.median(r):.3f}; {lo:.3f}..{hi:.3f})"
            cells.append(cell)
        errs = sum(by[(b, s)]["errors"] for b in blocks if (b, s) in by)
        lines.append(f"| {s} | " + " | ".join(cells) + f" | {errs} |")

    rows = pooled(logs[0]) if len(logs) == 1 else {}
    if rows:
        lines += ["", "Over all counted windows together (the load generator's table): "
                  + "; ".join(f"{s} p50 {rows[s]['p50']}, p99 {rows[s]['p99']}" for s in servers if s in rows) + "."]
    rps = [by[(b, base)]["rps"] for b in blocks if (b, base) in by]
    rate = meta.get("rate")
    if rate:
        served = [w["rps"] for w in ws]
        lines += ["", f"An open model: every app was offered {rate:,.0f} requests a second in its windows, whatever it "
                  f"answered; the windows served {min(served):,.0f}..{max(served):,.0f} req/s. Latency is timed from each "
                  "request's scheduled time, so a request that waited for a free sender counts its wait. Throughput is "
                  "the offered rate here, not a measure of the apps (the closed-model run judges it)."]
    else:
        lines += ["", f"The {base} app's own windows ranged {min(rps):,.0f}..{max(rps):,.0f} req/s "
                  f"({max(rps) / min(rps):.2f}x) over the run (the host's drift, and the apps' warm-up if it was short): "
                  "what runs at different times would carry, here common to each block's windows."]

    def block_ratios(server, key, rnd):
        """Round rnd's blocks' ratios of server to the base app."""
        return [by[(b, server)][key] / by[(b, base)][key] for b in blocks if b[0] == rnd
                and (b, server) in by and (b, base) in by and by[(b, server)][key] and by[(b, base)][key]]

    def round_ratios(server, key):
        """Per round, the median of its blocks' ratios: one value per pair of JVMs."""
        return [statistics.median(r) for r in (block_ratios(server, key, rnd) for rnd in rounds) if r]

    def spread_parts(server, key, label):
        """A round's mean log ratio: its sd from the windows alone (the blocks' spread within rounds,
        over the blocks per round) against the sd the rounds' means show; None under 3 rounds."""
        per = [[math.log(x) for x in r] for r in (block_ratios(server, key, rnd) for rnd in rounds) if len(r) > 1]
        if len(per) < 3:
            return None
        within = sum(statistics.variance(r) * (len(r) - 1) for r in per) / sum(len(r) - 1 for r in per)
        blocks_per_round = sum(len(r) for r in per) / len(per)
        expected = math.sqrt(within / blocks_per_round)
        observed = statistics.stdev([statistics.fmean(r) for r in per])
        jvm = math.sqrt(max(0.0, observed ** 2 - expected ** 2))
        return (f"{server} {label}: a block's sd {math.sqrt(within):.1%}, so {expected:.1%} for a round of "
                f"{blocks_per_round:.0f} blocks from the windows alone; the rounds' own sd {observed:.1%}"
                + (f" (an excess over the windows' of about {jvm:.1%})" if jvm > 0 else " (nothing beyond the windows')"))

    if len(rounds) > 1:
        lines += ["", "Per round (fresh apps each), the median of its blocks' ratios to the " + base + " app:", "",
                  "| app | " + " | ".join(m[1] for m in METRICS) + " |", "| --- | " + " | ".join("---" for _ in METRICS) + " |"]
        for s in servers[1:]:
            cells = []
            for key, _, _, _ in METRICS:
                cells.append(per_round_cell(round_ratios(s, key)))
            lines.append(f"| {s} | " + " | ".join(cells) + " |")
        tables = [pooled(log) for log in logs]
        if all(base in t for t in tables):
            lines += ["", "Per round, each app's counted windows taken together (the load generator's closing table of the "
                      "round: requests over seconds, the p50 and p99 of all the round's requests, CPU over requests), "
                      "as a ratio to the " + base + " app's; shown beside the medians above, not judged:", "",
                      "| app | " + " | ".join(m[1] for m in METRICS) + " |", "| --- | " + " | ".join("---" for _ in METRICS) + " |"]
            for s in servers[1:]:
                cells = []
                for key, _, _, _ in METRICS:
                    cells.append(per_round_cell([t[s]["values"][key] / t[base]["values"][key] for t in tables
                                                 if s in t and t[s]["values"][key] and t[base]["values"][key]]))
                lines.append(f"| {s} | " + " | ".join(cells) + " |")
            lines += ["", "Each sd is the rounds' spread (of their natural logs): the smaller of a metric's two tells "
                      "the less noisy way to read a round, the one that needs fewer rounds to resolve a target."]
        lines += ["", "The targets below are judged on the rounds' medians (one value per pair of JVMs). "
                  f"The bracket is the median's interval from order statistics; with {len(rounds)} rounds it holds the "
                  f"true median with a chance of {coverage(len(rounds)):.1%}."]
        spread = [t for t in (spread_parts(s, key, label) for s in servers[1:] for key, label in
                              (("rps", "throughput"), ("p99", "p99"))) if t]
        if spread:
            lines += ["", "What the rounds' spread is made of (natural logs of the blocks' ratios, by their means): "
                      + "; ".join(spread) + ". Where the rounds spread no more than their windows alone would make them, "
                      "one JVM's difference from the next does not show beside the windows' noise, and more counted "
                      "blocks per round narrow a round's value as much as more rounds do."]

    def verdict(key):
        limit, better = TARGETS[key]
        if key == "rps" and rate:
            return f"not judged here: the open model offers every app {rate:,.0f} req/s (the closed-model run judges throughput)"
        r = round_ratios("holdtrace", key) if len(rounds) > 1 else ratios("holdtrace", key)
        if not r:
            return "not measured"
        state, med, lo, hi = judge(r, limit, better)
        return f"**{state}**: median {med:.3f}, {coverage(len(r)):.1%} interval {lo:.3f}..{hi:.3f} (of {len(r)}), target {'at least' if better == 'higher' else 'at most'} {limit}"

    if "holdtrace" in servers:
        lines += ["", "## Targets (holdtrace against no agent, " + ("round by round" if len(rounds) > 1 else "block by block") + ")", "",
                  f"- throughput at least 0.99: {verdict('rps')}",
                  f"- p99 latency at most +2%{f' (at {rate:,.0f} req/s offered)' if rate else ''}: {verdict('p99')}",
                  "- met: the whole interval on the target's side; missed: the whole interval past it; otherwise not resolved."
                  + ("" if len(rounds) > 1 else " One round is one pair of JVMs: its interval is the blocks' spread, and"
                     " says nothing of how one JVM differs from the next (run --rounds N).")]
        if "otel" in servers:
            ahead = []
            for key, label, _, better in METRICS:
                h, o = ratios("holdtrace", key), ratios("otel", key)
                if h and o:
                    hm, om = statistics.median(h), statistics.median(o)
                    good = hm >= om if better == "higher" else hm <= om
                    ahead.append(f"{label} {hm:.3f} against {om:.3f} ({'ahead' if good else 'behind'})")
            lines.append("- against the OpenTelemetry agent, medians of the same blocks' ratios: " + "; ".join(ahead) + ".")
    lines += ["", "Per block (" + ("round.block; " if len(rounds) > 1 else "") + "ratio to the " + base + " app: throughput, p99):", "", "| block | "
              + " | ".join(s for s in servers if s != base) + " |", "| ---: | " + " | ".join("---" for s in servers if s != base) + " |"]
    for b in blocks:
        cells = []
        for s in servers:
            if s == base:
                continue
            if (b, s) in by and (b, base) in by and by[(b, base)]["rps"] and by[(b, base)]["p99"]:
                cells.append(f"{by[(b, s)]['rps'] / by[(b, base)]['rps']:.3f}, {by[(b, s)]['p99'] / by[(b, base)]['p99']:.3f}")
            else:
                cells.append("-")
        lines.append(f"| {b[1] if len(rounds) == 1 else f'{b[0]}.{b[1]}'} | " + " | ".join(cells) + " |")
    lines += gc_table(raw, servers, rounds)
    lines += profiles(raw, servers, ws)
    open(out, "w").write("\n".join(lines) + "\n")


GC_PAUSE = re.compile(r"^\[([\d.]+)s\].* Pause .*\((\d+)M\) ([\d.]+)ms$")


def gc_log(path):
    """An app's `-Xlog:gc` (uptime): its pauses' count and total ms, and the heap's committed MB at the last one."""
    n, ms, heap = 0, 0.0, None
    for line in open(path, errors="replace"):
        m = GC_PAUSE.match(line.strip())
        if m:
            n, ms, heap = n + 1, ms + float(m.group(3)), int(m.group(2))
    return n, ms, heap


def gc_table(raw, servers, rounds):
    """Each app's garbage collection over its whole life (start, warm-up, counted part), round by round."""
    per = {s: [] for s in servers}
    for s in servers:
        for r in rounds:
            path = os.path.join(raw, f"{s}-r{r}.gc.log")
            if os.path.exists(path):
                per[s].append((r,) + gc_log(path))
    if not any(per.values()):
        return []
    out = ["", "## Garbage collection (each app's `-Xlog:gc`, its whole life: start, warm-up and counted part)", "",
           "Per round: pauses, their total ms, and the heap's committed MB at the last pause. Not judged: it shows "
           "whether the apps collected alike (with each JVM's own sizing they may not, whatever the agent).", "",
           "| round | " + " | ".join(servers) + " |", "| ---: | " + " | ".join("---" for _ in servers) + " |"]
    for r in rounds:
        cells = []
        for s in servers:
            row = next((x for x in per[s] if x[0] == r), None)
            cells.append(f"{row[1]}, {row[2]:.0f} ms, {row[3]} MB" if row and row[3] is not None else "-")
        out.append(f"| {r} | " + " | ".join(cells) + " |")
    base = servers[0]
    for s in servers[1:]:
        pairs = [(x[1], y[1]) for x in per[s] for y in per[base] if x[0] == y[0] and y[1]]
        if len(pairs) > 1:
            q = [a / b for a, b in pairs]
            out.append(f"\n{s} against {base}, pauses per round: median ratio {statistics.median(q):.3f} "
                       f"(rounds {min(q):.2f}..{max(q):.2f}).")
    return out


PROFILE_PARTS = [  # (name, test on the stack's frames); the first that matches takes the sample
    ("holdtrace's frames", lambda frames: any("io/holdtrace/" in f and "io/holdtrace/sample/" not in f for f in frames)),
    ("JIT compiler threads", lambda frames: "CompilerThre" in frames[0]),
    ("GC and VM threads", lambda frames: any(k in frames[0] for k in ("GC Thread", "G1 ", "VM Thread", "VM Periodic"))),
    ("request threads (Tomcat)", lambda frames: "http-nio" in frames[0]),
    ("other threads", lambda frames: True),
]


def profiles(raw, servers, ws):
    """With --profile: each app's CPU samples (10 ms) per 1,000 counted requests, by part."""
    counts = {}
    for s in servers:
        paths = glob.glob(os.path.join(raw, s + "-r*.collapsed")) or glob.glob(os.path.join(raw, s + ".collapsed"))
        if not paths:
            return []
        parts = dict.fromkeys((n for n, _ in PROFILE_PARTS), 0)
        for line in (l for p in paths for l in open(p, errors="replace")):
            stack, _, n = line.rstrip("\n").rpartition(" ")
            if not n.isdigit():
                continue
            frames = stack.split(";")
            for name, test in PROFILE_PARTS:
                if test(frames):
                    parts[name] += int(n)
                    break
        counts[s] = parts
    requests = {s: sum(w["requests"] for w in ws if w["server"] == s) for s in servers}
    base = servers[0]
    out = ["", "## Where each app's CPU went (async-profiler, 10 ms CPU samples, the whole counted part)", "",
           "Samples per 1,000 counted requests. The profile runs while an app waits for its next window too "
           "(an agent's background threads then count against it), and with `-XX:+DebugNonSafepoints` on every app.", "",
           "| part | " + " | ".join(servers) + " | " + " | ".join(f"{s} - {base}" for s in servers[1:]) + " |",
           "| --- | " + " | ".join("---:" for _ in servers) + " | " + " | ".join("---:" for _ in servers[1:]) + " |"]
    for name, _ in PROFILE_PARTS + [("all", None)]:
        per = {}
        for s in servers:
            v = sum(counts[s].values()) if name == "all" else counts[s][name]
            per[s] = v * 1000 / requests[s] if requests[s] else 0.0
        out.append(f"| {name} | " + " | ".join(f"{per[s]:.2f}" for s in servers) + " | "
                   + " | ".join(f"{per[s] - per[base]:+.2f}" for s in servers[1:]) + " |")
    return out


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
