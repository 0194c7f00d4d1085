#!/usr/bin/env bash
# Steady-state share: how much of the sample app's CPU is holdtrace's, under load, by a CPU profile.
#
#   perf/steady.sh               runs in the background (about 5 min); prints where its log is
#   options: --rounds N (2)  --warmup S (40)  --seconds S (60)  --clients N (8)  --max-minutes M (20)
#            --agent-args A (none: the defaults)  --no-build  --foreground
#
# The macro run's throughput ratio cannot tell 1% on a machine whose no-agent runs alone vary by
# a third; a profile can. Each round starts the sample app on PostgreSQL with the agent, loads it
# as the macro run does, and after the warm-up attaches async-profiler (fetched from Maven Central:
# tools.profiler:async-profiler) to count where the app's CPU goes for SECONDS: 10 ms CPU samples,
# per thread. steady_report.py writes perf/RESULTS-steady.md: per round, the samples with the
# agent's frames, by part (captures, the detector, the hot path, DI, outbound calls, the report).
# The app runs with -XX:+DebugNonSafepoints (debug information only; the code is the same): without
# it, a sample in inlined code is put in the nearest method with debug information, and the pool's
# own code inlined around holdtrace's hooks (HikariCP's clock reads) was counted as holdtrace's.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PERF=$ROOT/perf
ROUNDS=2 WARMUP=40 SECONDS_=60 CLIENTS=8 MAX_MIN=20 BUILD=1 FG=0 AGENT_ARGS=""
PROFILER_VERSION=4.1
JVM_FLAGS=(-XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints)
ARGS=("$@")
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) ROUNDS=$2; shift ;;
    --warmup) WARMUP=$2; shift ;;
    --seconds) SECONDS_=$2; shift ;;
    --clients) CLIENTS=$2; shift ;;
    --max-minutes) MAX_MIN=$2; shift ;;
    --agent-args) AGENT_ARGS=$2; shift ;;
    --no-build) BUILD=0 ;;
    --foreground) FG=1 ;;
    *) echo "steady.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
OUT=$PERF/target/steady

# shellcheck source=perf/sample-arms.sh
. "$PERF/sample-arms.sh"
begin steady 300

prepare_inputs log
LOAD_PATHS=(--path=/healthy/orders:3 --path=/healthy/report:1)

# async-profiler's library, from its jar on Maven Central (the local repository once fetched)
LIB=$(profiler_lib "$PROFILER_VERSION" "$OUT/lib")

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
clk_tck=$(getconf CLK_TCK)

for r in $(seq 1 "$ROUNDS"); do
  if [ $(( DEADLINE - $(date +%s) )) -lt $(( WARMUP + SECONDS_ + 60 )) ]; then log "out of time before round $r"; break; fi
  name=round-$r
  port_file=$OUT/raw/$name.port
  args="report=$OUT/raw/$name.report.json${AGENT_ARGS:+,$AGENT_ARGS}"
  java "${JVM_FLAGS[@]}" "-javaagent:$HT=$args" -jar "$APP" "${APP_ARGS[@]}" --sample.port-file="$port_file" >"$OUT/raw/$name.app.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 1200); do [ -s "$port_file" ] && break; kill -0 $pid 2>/dev/null || break; sleep 0.1; done
  if [ ! -s "$port_file" ]; then
    log "$name: the app did not start; see $OUT/raw/$name.app.log"; kill $pid 2>/dev/null || true; continue
  fi
  url=http://127.0.0.1:$(cat "$port_file")
  java -jar "$APP" load --url="$url" "${LOAD_PATHS[@]}" --clients="$CLIENTS" --duration="$(( WARMUP + SECONDS_ + 10 ))s" \
    >"$OUT/raw/$name.load.log" 2>&1 &
  load_pid=$!
  sleep "$WARMUP"
  # jcmd reads an '=' in its arguments as a named argument, so only options without one: the
  # profile goes to the app's standard output, where steady_report.py finds its lines
  c0=$(cpu_ticks $pid)
  jcmd $pid JVMTI.agent_load "$LIB" start,threads >/dev/null
  sleep "$SECONDS_"
  jcmd $pid JVMTI.agent_load "$LIB" stop,collapsed >/dev/null
  c1=$(cpu_ticks $pid)
  wait $load_pid || true
  kill $pid; wait $pid 2>/dev/null || true
  grep -E '^\[.*;.* [0-9]+$' "$OUT/raw/$name.app.log" >"$OUT/raw/$name.collapsed" || true
  captures_per_s=$(python3 - "$OUT/raw/$name.report.json" "$(( WARMUP + SECONDS_ + 10 ))" <<'PY'
import json, sys
try:
    pools = json.load(open(sys.argv[1]))["pools"]
    print(round(sum(p["acquires"] - p["uncaptured"] for p in pools) / float(sys.argv[2])))
except Exception:
    print("-")
PY
)
  cat >"$OUT/raw/$name.meta.json" <<JSON
{"round": $r, "date": "$(date -u +%Y-%m-%dT%H:%MZ)",
 "commit": "$(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- . 2>/dev/null || echo '+changes')",
 "machine": "$(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p' | head -n 1)",
 "jdk": "$(java -version 2>&1 | sed -n 2p | sed 's/"/\\"/g')",
 "command": "${PERF_COMMAND:-perf/steady.sh ${ARGS[*]:-}}",
 "agent_args": "$AGENT_ARGS", "jvm_flags": "${JVM_FLAGS[*]}", "profiler": "$PROFILER_VERSION", "interval": "10 ms",
 "load": "--clients=$CLIENTS ${LOAD_PATHS[*]}", "warmup_s": $WARMUP, "seconds_s": $SECONDS_,
 "app_cores": $(awk -v t=$(( c1 - c0 )) -v h="$clk_tck" -v s="$SECONDS_" 'BEGIN { printf "%.3f", t / h / s }'),
 "captures_per_s": "$captures_per_s"}
JSON
  log "$name: $(grep -c . "$OUT/raw/$name.collapsed") stacks; $(grep '^all ' "$OUT/raw/$name.load.log" || echo 'no load summary')"
done

python3 "$PERF/steady_report.py" "$OUT/raw" "$PERF/RESULTS-steady.md"
