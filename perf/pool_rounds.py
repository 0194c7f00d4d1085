#!/usr/bin/env python3
"""Pools the per-round values of several side-by-side runs (alternate.sh's results files).

usage: pool_rounds.py [--app NAME] SOURCE...

A SOURCE is a results file (perf/RESULTS-alternate.md) or REV:PATH, the file as committed at git
revision REV (each run overwrites the file, so earlier runs are read from the commits that
published them). From each, the row of the table "Per round (fresh apps each)" for the app (default
holdtrace) gives one value per round and metric: the median of that round's blocks' ratios to the
no-agent app. Printed: each source's rounds, then all rounds pooled, with the median's
distribution-free interval and its exact coverage (alternate_report.interval and coverage) and the
verdict against issue 6's targets by the same rule as the report (met: the whole interval on the
target's side; missed: the whole interval past it). The values are the three-decimal ones the files
print, so a source's median here can differ from its file's by a thousandth.
"""
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from alternate_report import TARGETS, coverage, interval, judge  # noqa: E402

METRICS = ["throughput", "p50", "p99", "cpu"]  # the per-round table's columns, in order
REPORT_KEYS = {"throughput": "rps", "p99": "p99"}  # those with a target, by the report's names


def read(source):
    if ":" in source and not os.path.exists(source):
        rev, path = source.split(":", 1)
        root = subprocess.run(["git", "rev-parse", "--show-toplevel"], capture_output=True, text=True, check=True).stdout.strip()
        return subprocess.run(["git", "-C", root, "show", f"{rev}:{path}"], capture_output=True, text=True, check=True).stdout
    return open(source).read()


def rounds(text, app):
    lines = text.splitlines()
    start = next((i for i, l in enumerate(lines) if l.startswith("Per round (fresh apps each)")), None)
    if start is None:
        return None
    for line in lines[start:]:
        if line.startswith(f"| {app} | "):  # the first such row after the heading: the medians
            cells = [c.strip() for c in line.strip().strip("|").split("|")][1:]
            out = {}
            for metric, cell in zip(METRICS, cells):
                # "**median** (interval; sd): v1, v2, ...", or "n/a" where the run measured none
                out[metric] = [float(v) for v in cell.split(":", 1)[1].split(",")] if ":" in cell else []
            return out
    return None


def line(metric, values):
    if not values:
        return f"  {metric:<10} not measured"
    lo, hi = interval(values)
    text = (f"  {metric:<10} {statistics.median(values):.3f} ({coverage(len(values)) * 100:.1f}% interval {lo:.3f}..{hi:.3f}, "
            f"{len(values)} rounds)")
    if metric in REPORT_KEYS:
        limit, better = TARGETS[REPORT_KEYS[metric]]
        text += f"; target {'at least' if better == 'higher' else 'at most'} {limit}: {judge(values, limit, better)[0]}"
    return text


def main(argv):
    app = "holdtrace"
    if len(argv) >= 2 and argv[0] == "--app":
        app, argv = argv[1], argv[2:]
    if not argv:
        sys.exit(__doc__)
    pooled = {m: [] for m in METRICS}
    for source in argv:
        try:
            r = rounds(read(source), app)
        except (OSError, subprocess.CalledProcessError) as e:
            sys.exit(f"pool_rounds.py: cannot read {source}: {e}")
        if r is None:
            sys.exit(f"pool_rounds.py: no per-round row for {app} in {source}")
        print(f"{source}: {len(r['throughput'])} rounds")
        for m in METRICS:
            print(line(m, r[m]))
            pooled[m] += r[m]
    print(f"pooled: {len(pooled['throughput'])} rounds")
    for m in METRICS:
        print(line(m, pooled[m]))


if __name__ == "__main__":
    main(sys.argv[1:])
