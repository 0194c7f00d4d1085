#!/usr/bin/env python3
"""Merges the JMH JSON files of one perf/run.sh run into a Markdown results file.

usage: report.py RAW_DIR RESULTS.md

PoolBench ran once per arm and round (raw/pool-ARM-rN.json, one fork each). Each arm is compared
with the no-agent arm of the same round, then the rounds' differences and ratios are summarised
by their median: a pairing that cancels drift on a shared machine, which a ratio of two overall
medians would not.
"""
import glob
import json
import os
import re
import statistics
import sys

BASE = "none"
# A fork during which other processes used more than this share of the machine's CPU is left out.
NOISY_PERCENT = 10.0
ARM_ORDER = ["none", "holdtrace-off", "holdtrace-nosample", "holdtrace", "holdtrace-all", "hikari-leak", "otel"]
ARM_TEXT = {
    "none": "no agent",
    "holdtrace-off": "holdtrace, enabled=false",
    "holdtrace-nosample": "holdtrace, captureBudget=0% (nothing sampled)",
    "holdtrace": "holdtrace, defaults (captureBudget=0.25% of the process)",
    "holdtrace-all": "holdtrace, captureBudget=all",
    "hikari-leak": "HikariCP leakDetectionThreshold=2000",
    "otel": "OpenTelemetry agent {otel}, exporters off",
}


def load(path):
    with open(path) as f:
        return json.load(f)


def short(entry):
    name = entry["benchmark"].rsplit(".", 1)[-1]
    params = entry.get("params") or {}
    return name + "".join(f" [{k}={v}]" for k, v in sorted(params.items()))


def alloc(entry):
    m = entry.get("secondaryMetrics", {}).get("gc.alloc.rate.norm")
    return m["score"] if m else None


def fmt(v, digits=1):
    if v is None:
        return "n/a"
    return f"{v:,.{digits}f}"


def signed(v, digits=1):
    return "n/a" if v is None else f"{v:+,.{digits}f}"


def noise(raw):
    """{run name: percent of the machine's CPU other processes used during it}"""
    path = os.path.join(raw, "noise.tsv")
    if not os.path.exists(path):
        return {}
    return {name: float(pct) for name, pct in (l.rstrip("\n").split("\t") for l in open(path) if l.strip())}


def pool_results(raw, noisy):
    """{benchmark: {arm: {round: (ns, bytes)}}}, leaving out the runs in noisy"""
    out = {}
    for path in glob.glob(os.path.join(raw, "pool-*-r*.json")):
        m = re.match(r"pool-(.+)-r(\d+)\.json$", os.path.basename(path))
        arm, rnd = m.group(1), int(m.group(2))
        if os.path.basename(path)[:-5] in noisy:
            continue
        for e in load(path):
            out.setdefault(short(e), {}).setdefault(arm, {})[rnd] = (e["primaryMetric"]["score"], alloc(e))
    return out


def summarise(per_round, base_rounds):
    ns = [v[0] for v in per_round.values()]
    by = [v[1] for v in per_round.values() if v[1] is not None]
    paired = [r for r in per_round if r in base_rounds]
    deltas = [per_round[r][0] - base_rounds[r][0] for r in paired]
    ratios = [per_round[r][0] / base_rounds[r][0] for r in paired]
    bdeltas = [per_round[r][1] - base_rounds[r][1] for r in paired
               if per_round[r][1] is not None and base_rounds[r][1] is not None]
    med = statistics.median
    return {
        "n": len(ns),
        "ns": med(ns), "min": min(ns), "max": max(ns),
        "bytes": med(by) if by else None,
        "delta": med(deltas) if deltas else None,
        "ratio": med(ratios) if ratios else None,
        "bdelta": med(bdeltas) if bdeltas else None,
    }


def pool_table(results, meta, lines):
    summaries = {}
    for bench in sorted(results):
        arms = results[bench]
        base = arms.get(BASE, {})
        lines += [f"### PoolBench.{bench}", "",
                  "| arm | ns/cycle (median) | spread min..max | Δ ns vs no agent | ratio | B/cycle | Δ B | rounds |",
                  "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for arm in sorted(arms, key=lambda a: ARM_ORDER.index(a) if a in ARM_ORDER else 99):
            s = summarise(arms[arm], base)
            summaries[(bench, arm)] = s
            label = ARM_TEXT.get(arm, arm).format(otel=meta.get("otel", ""))
            ratio = "1.00" if arm == BASE else ("n/a" if s["ratio"] is None else f"{s['ratio']:.2f}")
            lines.append(f"| {label} | {fmt(s['ns'])} | {fmt(s['min'])}..{fmt(s['max'])} | "
                         f"{'' if arm == BASE else signed(s['delta'])} | {ratio} | {fmt(s['bytes'], 0)} | "
                         f"{'' if arm == BASE else signed(s['bdelta'], 0)} | {s['n']} |")
        lines.append("")
    return summaries


def verdict(ok, text):
    return f"| {'met' if ok else '**missed**'} | {text} |"


def targets(s, lines):
    """The issue's micro targets, judged from the 1-thread get+close table."""
    b = "getClose_1t"

    def get(arm):
        return s.get((b, arm))

    lines += ["## Targets (issue 6), judged on getClose_1t", "",
              "| verdict | target and measurement |", "| --- | --- |"]
    ns = get("holdtrace-nosample")
    if ns and ns["delta"] is not None:
        lines.append(verdict(ns["delta"] <= 25,
                             f"nothing sampled: at most +25 ns per cycle; measured {signed(ns['delta'])} ns"
                             + ("" if ns["delta"] <= 25 else f", over by {ns['delta'] - 25:,.1f} ns")))
        if ns["bdelta"] is not None:
            lines.append(verdict(ns["bdelta"] <= 0.5,
                                 f"nothing sampled: 0 bytes allocated per cycle; measured {signed(ns['bdelta'], 0)} B"))
    d = get("holdtrace")
    if d and d["delta"] is not None:
        lines.append(verdict(d["delta"] <= 50,
                             f"default capture budget, amortised: at most +50 ns; measured {signed(d['delta'])} ns"
                             + ("" if d["delta"] <= 50 else f", over by {d['delta'] - 50:,.1f} ns")))
        for rival, text in (("hikari-leak", "HikariCP's leak detection"), ("otel", "the OpenTelemetry agent")):
            r = get(rival)
            if r and r["delta"] is not None:
                lines.append(verdict(d["delta"] < r["delta"],
                                     f"ahead of {text}: holdtrace {signed(d['delta'])} ns vs {signed(r['delta'])} ns"))
    lines.append("")


def simple_table(raw, name, title, lines, note):
    path = os.path.join(raw, name + ".json")
    if not os.path.exists(path):
        lines += [f"## {title}", "", "(not run: out of time, or failed; see the log)", ""]
        return
    lines += [f"## {title}", "", note, "", "| benchmark | ns/op | ± error (99.9%) | B/op |", "| --- | ---: | ---: | ---: |"]
    for e in load(path):
        pm = e["primaryMetric"]
        err = pm.get("scoreError")
        err = fmt(err) if isinstance(err, (int, float)) and err == err else "n/a"  # JMH writes "NaN" for one iteration
        lines.append(f"| {short(e)} | {fmt(pm['score'])} | {err} | {fmt(alloc(e), 0)} |")
    lines.append("")


def main(raw, out):
    meta = load(os.path.join(raw, "meta.json"))
    lines = ["# holdtrace overhead: results", ""]
    if meta.get("quick"):
        lines += ["**Quick mode**: one short iteration each, to prove the suite runs. These numbers mean nothing.", ""]
    lines += [
        f"- date: {meta['date']}; commit {meta['commit']}",
        f"- machine: {meta['nproc']} CPUs, {meta['cpu']}, {meta['memory']} memory, kernel {meta['kernel']}, "
        f"clocksource {meta['clocksource']}; shared with other builds",
        f"- JDK: {meta['jdk']}; HikariCP {meta['hikaricp']}; OpenTelemetry Java agent {meta['otel']}",
        f"- command: `{meta['command']}`",
        "",
    ]
    others = noise(raw)
    noisy = set() if meta.get("quick") else {n for n, pct in others.items() if pct > NOISY_PERCENT}
    if others:
        pool = {n: v for n, v in others.items() if n.startswith("pool-")}
        lines += [f"- other processes' share of the machine's CPU during each fork: median "
                  f"{statistics.median(others.values()):.1f}%, max {max(others.values()):.1f}%; "
                  f"{len(noisy & set(pool))} of {len(pool)} PoolBench forks over {NOISY_PERCENT:.0f}% are left out"
                  + (f" ({', '.join(sorted(noisy & set(pool)))})" if noisy & set(pool) else ""), ""]
        for name in ("hotpath", "parts", "capture"):
            if name in noisy:
                lines += [f"- **{name} ran while others used {others[name]:.0f}% of the CPU: read it with care**", ""]
    lines += [
        "## HikariCP getConnection()+close() over the stub driver, per arm",
        "",
        "One JMH fork per arm and round; rounds interleave the arms. ns/cycle is JMH's average time per "
        "operation (per thread with 2 threads); the spread is over rounds; Δ and ratio are medians of each "
        "round's difference and ratio to the no-agent fork of the same round; B/cycle is `-prof gc`'s "
        "gc.alloc.rate.norm.",
        "",
    ]
    results = pool_results(raw, noisy)
    s = pool_table(results, meta, lines)
    targets(s, lines)
    simple_table(raw, "hotpath", "holdtrace's hot path alone (no agent, no pool)", lines,
                 "HotPathBench: `Holds.acquireStart/acquired/released` on a fresh object, as the woven HikariCP "
                 "code calls them; `capture` is the capture budget (none = 0%, budget = 10 ms a second, all, none+jfr = JFR "
                 "started, no recording). Includes a 16-byte `new Object()` (see part_newObject).")
    simple_table(raw, "parts", "The pieces of the hot path, one thread, uncontended", lines,
                 "HotPathPartsBench: each line prices one operation the hot path performs.")
    simple_table(raw, "capture", "Call-site capture variants", lines,
                 "CaptureBench: `depth` frames below JMH's own (about a dozen); subtract `baseline` (the descent alone).")
    with open(out, "w") as f:
        f.write("\n".join(lines))
    print(f"report.py: wrote {out}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
