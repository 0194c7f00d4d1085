#!/usr/bin/env python3
"""Summarises perf/steady.sh's profiles into Markdown: holdtrace's share of the sample app's CPU.

usage: steady_report.py RAW_DIR RESULTS-steady.md

Each profile is async-profiler's collapsed output (one line a stack: frames joined by ';', then the
sample count), with the thread's name as the first frame. A sample is holdtrace's when a frame of
the agent (io/holdtrace/, not the sample app's io/holdtrace/sample/) is on its stack; it is put in
the first matching part below, in order.
"""
import glob
import json
import os
import re
import sys

STACK = re.compile(r"^(.*;.*) (\d+)$")
PARTS = [
    ("captures", "call-site capture on the application's threads (`new Throwable()`)",
     lambda s: "HoldTracker.capture" in s),
    ("detector", "the detector's thread: decoding captured stacks, judging holds",
     lambda s: "holdtrace-detector" in s or "/detect/Detector." in s),
    ("hot path", "checkout, uses and return as the pools call them",
     lambda s: re.search(r"bootstrap/Holds\.(checkedOut|checkoutEnded|used|recycled|released|closed)", s)),
    ("DI", "Spring's and Guice's creations and registrations",
     lambda s: "bootstrap/Components." in s),
    ("outbound calls", "the outbound-call hooks",
     lambda s: "bootstrap/Rpc" in s or "bootstrap/HoldCalls" in s),
    ("report", "the report's periodic rewrite",
     lambda s: "agent/Reporter" in s or "agent/report/" in s),
    ("other", "anything else of the agent's", lambda s: True),
]


def is_agent(frame):
    return "io/holdtrace/" in frame and "io/holdtrace/sample/" not in frame


def profile(path):
    total, parts = 0, {name: 0 for name, _, _ in PARTS}
    for line in open(path, errors="replace"):
        m = STACK.match(line.rstrip("\n"))
        if not m:
            continue
        stack, n = m.group(1), int(m.group(2))
        total += n
        if not any(is_agent(f) for f in stack.split(";")):
            continue
        for name, _, match in PARTS:
            if match(stack):
                parts[name] += n
                break
    return total, parts


def main(raw, out):
    runs = []
    for meta_path in sorted(glob.glob(os.path.join(raw, "round-*.meta.json"))):
        meta = json.load(open(meta_path))
        base = meta_path[:-len(".meta.json")]
        total, parts = profile(base + ".collapsed")
        if total == 0:
            continue
        report = base + ".report.json"
        capture = {}
        if os.path.exists(report):
            capture = json.load(open(report)).get("agent", {}).get("capture", {})
        runs.append((meta, total, parts, capture))
    if not runs:
        sys.exit("steady_report.py: no profile with samples in " + raw)
    meta = runs[0][0]
    lines = [
        "# holdtrace overhead: steady-state share of the application's CPU",
        "",
        f"- date: {meta['date']}; commit {meta['commit']}",
        f"- machine: {meta['machine']}",
        f"- JDK: {meta['jdk']}",
        f"- command: `{meta['command']}`",
        f"- the sample app on PostgreSQL with the agent ({meta['agent_args'] or 'defaults'}) under the built-in load"
        f" ({meta['load']}); after {meta['warmup_s']} s of it, async-profiler {meta['profiler']} attached"
        f" for {meta['seconds_s']} s (CPU, {meta['interval']} samples, per thread)"
        + (f"; the app's JVM flags: `{meta['jvm_flags']}`" if meta.get("jvm_flags") else ""),
        "",
        "Each sample is a moment the application's process was on a CPU; holdtrace's share is the samples"
        " with one of the agent's frames on the stack. The counting noise of n samples is about the square"
        " root of n.",
        "",
        "| round | samples | app cores | holdtrace | " + " | ".join(name for name, _, _ in PARTS) + " | captures/s | capture grant |",
        "| --- | ---: | ---: | ---: | " + " | ".join("---:" for _ in PARTS) + " | ---: | ---: |",
    ]
    sum_total, sum_parts = 0, {name: 0 for name, _, _ in PARTS}
    for meta, total, parts, capture in runs:
        ht = sum(parts.values())
        sum_total += total
        for k, v in parts.items():
            sum_parts[k] += v
        grant = capture.get("budgetNanosPerSecond")
        grant_text = "all" if grant == -1 else (f"{grant / 1e6:.2f} ms/s" if grant is not None else "-")
        lines.append(
            f"| {meta['round']} | {total:,} | {meta['app_cores']:.2f} | **{100.0 * ht / total:.2f}%** | "
            + " | ".join(f"{100.0 * parts[name] / total:.2f}%" for name, _, _ in PARTS)
            + f" | {meta.get('captures_per_s', '-')} | {grant_text} |")
    ht = sum(sum_parts.values())
    lines.append(
        f"| all | {sum_total:,} | | **{100.0 * ht / sum_total:.2f}%** | "
        + " | ".join(f"{100.0 * sum_parts[name] / sum_total:.2f}%" for name, _, _ in PARTS) + " | | |")
    lines += ["", "The parts:", ""]
    lines += [f"- {name}: {what}" for name, what, _ in PARTS]
    lines += ["", "Against the issue's target of at least 0.99 of no agent's throughput: holdtrace's share of the"
              " app's CPU is the part of each request's CPU the agent adds, whatever the machine's noise does"
              " to the macro run's throughput (RESULTS-macro.md). Work the agent causes outside its own frames"
              " (the collector's and the JIT compiler's) is not in it.", ""]
    with open(out, "w") as f:
        f.write("\n".join(lines))
    print(f"steady_report.py: wrote {out}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
