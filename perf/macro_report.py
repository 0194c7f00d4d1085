#!/usr/bin/env python3
"""Summarises perf/macro.sh's runs into Markdown.

usage: macro_report.py RAW_DIR RESULTS-macro.md

Each arm is compared with the no-agent run of the same pair; the table gives medians over pairs
of the values and of those per-pair ratios.
"""
import glob
import json
import os
import re
import statistics
import sys

ARMS = ["none", "holdtrace", "otel"]
GC_LINE = re.compile(r"^\[(\d+\.\d+)s\].* (\d+)M->(\d+)M\(")


def millis(text):
    v, unit = text.split()
    return float(v) * (1000 if unit == "s" else 1)


def load_summary(path):
    """count, p50 ms, p99 ms from the load generator's closing 'all' line."""
    for line in open(path):
        if line.startswith("all "):
            f = line.split()
            return int(f[1]), int(f[2]), millis(f"{f[3]} {f[4]}"), millis(f"{f[5]} {f[6]}")
    return None


def kb(text):
    return float(text.rstrip("K")) if text else None


def allocated_mb(gclog, t0, t1, used0_kb=None, used1_kb=None, span=None):
    """Heap growth over [t0, t1]: from each collection's 'after' to the next one's 'before'. Without
    the heap's use at the window's ends (runs since the load generator's own warm-up: no jcmd while
    it counts), the rate between the window's first and last collections, times span seconds (the
    counted load's duration; t1 - t0 also holds the generator's exit)."""
    if used0_kb is None or used1_kb is None:
        gcs = []
        for line in open(gclog):
            m = GC_LINE.match(line)
            if m and t0 <= float(m.group(1)) <= t1:
                gcs.append((float(m.group(1)), int(m.group(2)), int(m.group(3))))
        if len(gcs) < 2 or gcs[-1][0] <= gcs[0][0]:
            return None
        grown = sum(max(0.0, gcs[i][1] - gcs[i - 1][2]) for i in range(1, len(gcs)))
        return grown / (gcs[-1][0] - gcs[0][0]) * (span if span else t1 - t0)
    prev = used0_kb / 1024
    total = 0.0
    for line in open(gclog):
        m = GC_LINE.match(line)
        if m and t0 <= float(m.group(1)) <= t1:
            before, after = int(m.group(2)), int(m.group(3))
            total += max(0.0, before - prev)
            prev = after
    return total + max(0.0, used1_kb / 1024 - prev)


def run(raw, name):
    env_path = os.path.join(raw, name + ".env")
    if not os.path.exists(env_path):
        return None
    env = dict(l.strip().split("=", 1) for l in open(env_path) if "=" in l)
    s = load_summary(os.path.join(raw, name + ".load.log"))
    if not s:
        return None
    count, errors, p50, p99 = s
    out = {"startup": float(env["startup_ms"]), "rps": count / float(env["duration_s"]), "p50": p50, "p99": p99,
           "errors": errors,
           "cpu_us": float(env["cpu_ticks"]) / float(env["clk_tck"]) * 1e6 / count}
    try:
        mb = allocated_mb(os.path.join(raw, name + ".gc.log"), float(env["uptime0"]), float(env["uptime1"]),
                          kb(env.get("used0")), kb(env.get("used1")), float(env["duration_s"]))
        out["alloc_kb"] = None if mb is None else mb * 1024 / count
    except (KeyError, ValueError, TypeError, FileNotFoundError):
        out["alloc_kb"] = None
    return out


METRICS = [("rps", "throughput req/s", "{:,.0f}"), ("p50", "p50 ms", "{:.2f}"), ("p99", "p99 ms", "{:.2f}"),
           ("cpu_us", "CPU µs/request", "{:,.0f}"), ("alloc_kb", "alloc KB/request", "{:,.1f}"),
           ("startup", "start-up ms", "{:,.0f}")]


def main(raw, out):
    meta = json.load(open(os.path.join(raw, "meta.json")))
    pairs = sorted({int(m.group(1)) for p in glob.glob(os.path.join(raw, "*-p*.env"))
                    for m in [re.search(r"-p(\d+)\.env$", p)] if m})
    runs = {(a, p): run(raw, f"{a}-p{p}") for a in ARMS for p in pairs}
    lines = ["# holdtrace overhead: macro results", "",
             f"- date: {meta['date']}; commit {meta['commit']}",
             f"- machine: {meta['nproc']} CPUs, {meta['cpu']}, {meta['memory']}; shared with other builds",
             f"- JDK: {meta['jdk']}; PostgreSQL {meta['postgres']}",
             f"- command: `{meta['command']}`; load {meta['load']}",
             f"- pairs: {len(pairs)}; app and load generator share the machine's cores", "",
             "Each cell: median over pairs, then (in brackets) the median of the per-pair ratio to the no-agent run.",
             "", "| arm | " + " | ".join(m[1] for m in METRICS) + " | errors |",
             "| --- | " + " | ".join("---:" for _ in METRICS) + " | ---: |"]
    for a in ARMS:
        cells = []
        for key, _, f in METRICS:
            vals = [runs[(a, p)][key] for p in pairs if runs[(a, p)] and runs[(a, p)][key] is not None]
            ratios = [runs[(a, p)][key] / runs[("none", p)][key] for p in pairs
                      if runs[(a, p)] and runs[("none", p)] and runs[(a, p)][key] and runs[("none", p)][key]]
            cell = f.format(statistics.median(vals)) if vals else "n/a"
            if a != "none" and ratios:
                cell += f" ({statistics.median(ratios):.3f})"
            cells.append(cell)
        errs = sum(runs[(a, p)]["errors"] for p in pairs if runs[(a, p)])
        lines.append(f"| {a} | " + " | ".join(cells) + f" | {errs} |")
    def ratios(a, key):
        return [runs[(a, p)][key] / runs[("none", p)][key] for p in pairs
                if runs[(a, p)] and runs[("none", p)] and runs[(a, p)][key] and runs[("none", p)][key]]

    lines += ["", "Spread: each arm's per-pair ratios to the no-agent run, min..max (and the no-agent runs' own"
              " range, max/min, which bounds what a median ratio can tell on this machine).", "",
              "| arm | " + " | ".join(m[1] for m in METRICS) + " |",
              "| --- | " + " | ".join("---:" for _ in METRICS) + " |"]
    for a in ARMS:
        cells = []
        for key, _, f in METRICS:
            if a == "none":
                vals = [runs[(a, p)][key] for p in pairs if runs[(a, p)] and runs[(a, p)][key]]
                cells.append(f"range {max(vals) / min(vals):.2f}x" if vals else "n/a")
            else:
                r = ratios(a, key)
                cells.append(f"{min(r):.3f}..{max(r):.3f}" if r else "n/a")
        lines.append(f"| {a} | " + " | ".join(cells) + " |")

    def verdict(ok, text, noisy=False):
        word = ("met" if ok else "**missed**") if not noisy else ("inconclusive (met by the median)" if ok else
                                                                    "inconclusive (missed by the median)")
        return f"| {word} | {text} |"

    def noisy(key, r):
        # a target within the pairs' own spread, on a machine whose no-agent runs alone vary by over 10%
        vals = [runs[("none", p)][key] for p in pairs if runs[("none", p)] and runs[("none", p)][key]]
        return bool(vals) and max(vals) / min(vals) > 1.10 and min(r) < 1.0 < max(r)

    lines += ["", "## Targets (issue 6), holdtrace against no agent", "", "| verdict | target and measurement |",
              "| --- | --- |"]
    r = ratios("holdtrace", "rps")
    if r:
        m = statistics.median(r)
        lines.append(verdict(m >= 0.99, f"throughput at least 0.99 of no agent: median ratio {m:.3f}"
                             f" (pairs {min(r):.3f}..{max(r):.3f})", noisy("rps", r)))
    r = ratios("holdtrace", "p99")
    if r:
        m = statistics.median(r)
        lines.append(verdict(m <= 1.02, f"p99 latency at most 1.02 of no agent: median ratio {m:.3f}"
                             f" (pairs {min(r):.3f}..{max(r):.3f}; the load generator's p99 is a bucket's upper edge, up to 1/256 (about 0.4%) above the true value)",
                             noisy("p99", r)))
    d = [runs[("holdtrace", p)]["startup"] - runs[("none", p)]["startup"] for p in pairs
         if runs[("holdtrace", p)] and runs[("none", p)]]
    if d:
        m = statistics.median(d)
        lines.append(verdict(m <= 200, f"start-up at most +200 ms: median +{m:,.0f} ms"
                             + (f", over by {m - 200:,.0f} ms" if m > 200 else "")))
    r = ratios("otel", "rps")
    h = ratios("holdtrace", "rps")
    if r and h:
        lines.append(verdict(statistics.median(h) >= statistics.median(r),
                             f"ahead of the OpenTelemetry agent on throughput: median ratios {statistics.median(h):.3f}"
                             f" vs {statistics.median(r):.3f}", noisy("rps", h) or noisy("rps", r)))
    d2 = [runs[("otel", p)]["startup"] - runs[("none", p)]["startup"] for p in pairs
          if runs[("otel", p)] and runs[("none", p)]]
    if d and d2:
        lines.append(verdict(statistics.median(d) < statistics.median(d2),
                             f"ahead of the OpenTelemetry agent on start-up: +{statistics.median(d):,.0f} ms vs"
                             f" +{statistics.median(d2):,.0f} ms"))
    lines += ["", "Inconclusive: the target lies inside the spread of the pairs while the no-agent runs alone vary"
              " by over 10%; the median is given, not a verdict this machine can support."]
    lines.append("")
    with open(out, "w") as fh:
        fh.write("\n".join(lines))
    print(f"macro_report.py: wrote {out}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
