#!/usr/bin/env bash
# Macro overhead: the sample app on PostgreSQL under its own load generator, with no agent, with
# holdtrace (defaults) and with the OpenTelemetry agent (exporters off), in interleaved runs.
#
#   perf/macro.sh                runs in the background (about 30 min); prints where its log is
#   options: --pairs N (5)  --duration S (30)  --warmup S (60)  --clients N (8)  --max-minutes M (60)
#            --no-build  --foreground  --max-load L (1.5)
#
# One pair is one run of each arm, in an order that rotates from pair to pair. Each run starts a
# fresh app (start-up time: launch to the port file the app writes once ready), warms it up (60 s by
# default: on two cores the C2 compiler still takes a quarter of the CPU 40 s into this app's load,
# and a shorter warm-up measures the JIT more than the agents), then
# measures DURATION seconds of closed-loop load on the database-bound healthy endpoints (the
# incidents are switched off: they hold connections on purpose); one load generator does both, so
# its own JVM is warm when it counts. Per run: throughput, p50 and p99 (the load generator's),
# CPU per request (the app's /proc utime+stime), allocation per request (from the GC log: the heap's
# growth between the collections of the counted window, per second, times its duration).
# macro_report.py writes perf/RESULTS-macro.md with the medians over pairs and each arm's median
# ratio to the no-agent run of the same pair.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PERF=$ROOT/perf
PAIRS=5 DURATION=30 WARMUP=60 CLIENTS=8 MAX_MIN=60 BUILD=1 FG=0 MAX_LOAD=1.5
ARGS=("$@")
while [ $# -gt 0 ]; do
  case $1 in
    --pairs) PAIRS=$2; shift ;;
    --duration) DURATION=$2; shift ;;
    --warmup) WARMUP=$2; shift ;;
    --clients) CLIENTS=$2; shift ;;
    --max-minutes) MAX_MIN=$2; shift ;;
    --max-load) MAX_LOAD=$2; shift ;;
    --no-build) BUILD=0 ;;
    --foreground) FG=1 ;;
    *) echo "macro.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
OUT=$PERF/target/macro

# shellcheck source=perf/sample-arms.sh
. "$PERF/sample-arms.sh"
begin macro 600
load1() { cut -d' ' -f1 /proc/loadavg; }

prepare_inputs log
LOAD_PATHS=(--path=/healthy/orders:3 --path=/healthy/report:1)

wait_quiet() { # as in run.sh: true once the 1-minute load is below $1, giving up after $2 s
  local until=$(( $(date +%s) + $2 ))
  while awk -v l="$(load1)" -v m="$1" 'BEGIN { exit !(l >= m) }'; do
    [ "$(date +%s)" -ge $until ] && return 1
    sleep 10
  done
}

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# run NAME JVM_ARGS: one app, one load run (its warm-up, then what is counted); writes raw/NAME.env
run() {
  local name=$1 jvm=$2 port_file=$OUT/raw/$1.port gclog=$OUT/raw/$1.gc.log
  rm -f "$port_file"
  local t0; t0=$(date +%s%N)
  # shellcheck disable=SC2086 # the arm's JVM arguments are words on purpose
  java $jvm -Xlog:gc:file="$gclog":uptime -jar "$APP" "${APP_ARGS[@]}" --sample.port-file="$port_file" \
    >"$OUT/raw/$name.app.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 1200); do [ -s "$port_file" ] && break; kill -0 $pid 2>/dev/null || break; sleep 0.1; done
  if [ ! -s "$port_file" ]; then
    log "$name: the app did not start; see $OUT/raw/$name.app.log"; kill $pid 2>/dev/null || true; return 0
  fi
  local startup_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  local url=http://127.0.0.1:$(cat "$port_file")
  # One load generator: WARMUP seconds left out of its results, then DURATION counted. (A second
  # JVM for the measured load spent its first 10-15 s warming itself up, at half the throughput,
  # and its p99 was mostly that.) The app's CPU is read as the generator starts counting, by the
  # line it prints then, and as it ends; the JVM's uptime there (for the GC log) is the end's less
  # the wall time between.
  local log=$OUT/raw/$name.load.log
  local warm=()
  [ "$WARMUP" -gt 0 ] && warm=(--warmup="${WARMUP}s")
  java -jar "$APP" load --url="$url" "${LOAD_PATHS[@]}" --clients="$CLIENTS" "${warm[@]}" \
    --duration="${DURATION}s" >"$log" 2>&1 &
  local load_pid=$!
  sleep $(( WARMUP > 2 ? WARMUP - 2 : 0 ))
  for _ in $(seq 1 3000); do
    [ "$WARMUP" -gt 0 ] || break
    grep -q '^load: warmed up' "$log" && break
    kill -0 $load_pid 2>/dev/null || break
    sleep 0.02
  done
  local c0 c1 w0 w1 up1
  c0=$(cpu_ticks $pid); w0=$(date +%s%N)
  wait $load_pid || true
  c1=$(cpu_ticks $pid); w1=$(date +%s%N)
  up1=$(jcmd $pid VM.uptime | awk '/s$/ { print $1 }' | tail -n 1)
  kill $pid; wait $pid 2>/dev/null || true
  cat >"$OUT/raw/$name.env" <<EOF
startup_ms=$startup_ms
cpu_ticks=$((c1 - c0))
clk_tck=$(getconf CLK_TCK)
duration_s=$DURATION
uptime0=$(awk -v u="$up1" -v d=$(( (w1 - w0) / 1000000 )) 'BEGIN { printf "%.3f", u - d / 1000 }')
uptime1=$up1
load=$(load1)
EOF
  log "$name: started in $startup_ms ms; $(grep '^all ' "$OUT/raw/$name.load.log" || echo 'no load summary')"
}

{
  echo "{"
  echo "\"date\": \"$(date -u +%Y-%m-%dT%H:%MZ)\","
  echo "\"command\": \"${PERF_COMMAND:-perf/macro.sh ${ARGS[*]:-}}\","
  echo "\"cpu\": \"$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)\", \"nproc\": $(nproc),"
  echo "\"memory\": \"$(free -g | awk '/^Mem:/ { print $2 " GiB" }')\","
  echo "\"jdk\": \"$(java -version 2>&1 | sed -n 2p | sed 's/"/\\"/g')\","
  echo "\"postgres\": \"$(psql -h 127.0.0.1 -U postgres -At -c 'show server_version' test 2>/dev/null || echo unknown)\","
  echo "\"commit\": \"$(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- . 2>/dev/null || echo '+changes')\","
  echo "\"load\": \"--clients=$CLIENTS ${LOAD_PATHS[*]} --duration=${DURATION}s after ${WARMUP}s of warm-up\""
  echo "}"
} >"$OUT/raw/meta.json"

for p in $(seq 1 "$PAIRS"); do
  if [ $(( DEADLINE - $(date +%s) )) -lt $(( 3 * (DURATION + WARMUP + 30) )) ]; then log "out of time before pair $p"; break; fi
  wait_quiet "$MAX_LOAD" 600 || { log "pair $p skipped: load $(load1)"; continue; }
  n=${#ARMS[@]}
  for i in $(seq 0 $((n - 1))); do
    arm=${ARMS[$(( (i + p - 1) % n ))]}
    run "${arm%%|*}-p$p" "${arm#*|}"
  done
done

python3 "$PERF/macro_report.py" "$OUT/raw" "$PERF/RESULTS-macro.md"
