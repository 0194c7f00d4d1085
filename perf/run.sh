#!/usr/bin/env bash
# The overhead suite, all of it, in the background, within a bounded time; writes perf/RESULTS.md.
#
#   perf/run.sh                  full run in the background (about 40 min); prints where its log is
#   perf/run.sh --quick          every benchmark once, briefly, in the foreground: proves the suite
#                                still runs (CI); results in perf/target/quick/RESULTS.md, no timing
#                                is judged
#   options: --rounds N (5)  --max-minutes M (75)  --no-build  --foreground  --max-load L (1.5)
#
# The arms of PoolBench differ only by JVM arguments appended to JMH's forks, so every arm runs the
# same benchmark code. Rounds interleave the arms (in a rotating order): a slow minute on this shared
# machine then hits every arm once instead of one arm five times. Before each round the script waits
# (bounded) for the 1-minute load to drop below --max-load, or skips the round; after each fork it
# records how much CPU other processes took meanwhile, and report.py leaves noisy forks out.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PERF=$ROOT/perf
QUICK=0 ROUNDS=5 MAX_MIN=75 BUILD=1 FG=0 MAX_LOAD=1.5
ARGS=("$@")
while [ $# -gt 0 ]; do
  case $1 in
    --quick) QUICK=1 FG=1 ROUNDS=1 ;;
    --rounds) ROUNDS=$2; shift ;;
    --max-minutes) MAX_MIN=$2; shift ;;
    --max-load) MAX_LOAD=$2; shift ;;
    --no-build) BUILD=0 ;;
    --foreground) FG=1 ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

if [ $QUICK = 1 ]; then OUT=$PERF/target/quick; RESULTS=$OUT/RESULTS.md; else OUT=$PERF/target/run; RESULTS=$PERF/RESULTS.md; fi

# Full runs go to the background at once: they outlive a terminal, and the log says how far they got.
if [ $FG = 0 ]; then
  mkdir -p "$OUT"
  # a hard ceiling over the build and the runs; the runs themselves stop in time for the report
  PERF_COMMAND="perf/run.sh ${ARGS[*]:-}" nohup timeout $(( MAX_MIN * 60 + 600 )) "$0" "${ARGS[@]}" --foreground \
    >"$OUT/run.log" 2>&1 &
  echo "perf: running in the background as pid $!, at most $MAX_MIN min; log: $OUT/run.log; results: $RESULTS"
  exit 0
fi

rm -rf "$OUT/raw"; mkdir -p "$OUT/raw" "$OUT/reports"
cd "$ROOT"
DEADLINE=$(( $(date +%s) + MAX_MIN * 60 ))
log() { echo "perf: $(date +%T) $*"; }
load1() { cut -d' ' -f1 /proc/loadavg; }
left() { echo $(( DEADLINE - $(date +%s) )); }

if [ $BUILD = 1 ]; then
  log "building the agent and the benchmarks"
  mvn -B -q -DskipTests package -pl perf -am
fi
JAR=$PERF/target/benchmarks.jar
HT=$PERF/target/agents/holdtrace-agent.jar
OTEL=$PERF/target/agents/opentelemetry-javaagent.jar
for f in "$JAR" "$HT" "$OTEL"; do [ -f "$f" ] || { echo "perf: $f is missing; run without --no-build" >&2; exit 1; }; done

# name|JVM arguments. The holdtrace report goes to target/ instead of /tmp; nothing else differs from
# the agent's defaults unless the name says so.
HTR="report=$OUT/reports/holdtrace.json"
ARMS=(
  "none|"
  "holdtrace-off|-javaagent:$HT=enabled=false"
  "holdtrace-nosample|-javaagent:$HT=captureBudget=0%,$HTR"
  "holdtrace|-javaagent:$HT=$HTR"
  "holdtrace-all|-javaagent:$HT=captureBudget=all,$HTR"
  "hikari-leak|-Dperf.leakDetectionThreshold=2000"
  "otel|-javaagent:$OTEL -Dotel.traces.exporter=none -Dotel.metrics.exporter=none -Dotel.logs.exporter=none -Dotel.javaagent.logging=none"
)

if [ $QUICK = 1 ]; then
  TIMING=(-f 1 -wi 1 -w 100ms -i 1 -r 200ms)
else
  TIMING=(-f 1) # warm-up and measurement as each class declares them
fi

# wait_quiet LIMIT SECONDS: waits until the 1-minute load is below LIMIT, at most SECONDS and never
# past the deadline; true if it got quiet. Our own forks count in the load too, hence a looser limit
# between forks than between rounds.
wait_quiet() {
  [ $QUICK = 1 ] && return 0
  local limit=$1 until=$(( $(date +%s) + $2 ))
  [ $until -gt $(( DEADLINE - 120 )) ] && until=$(( DEADLINE - 120 ))
  while awk -v l="$(load1)" -v m="$limit" 'BEGIN { exit !(l >= m) }'; do
    [ "$(date +%s)" -ge $until ] && return 1
    sleep 10
  done
}

busy_jiffies() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }

# jmh NAME REGEX [JVM ARGS]: one JMH run, JSON results in raw/NAME.json. Appends to raw/noise.tsv
# the share of the machine's CPU that others used meanwhile: all busy time (/proc/stat) less this
# run's own (its processes' user+sys), over wall time x CPUs. report.py leaves out noisy runs.
jmh() {
  local name=$1 regex=$2 jvm=${3:-}
  local extra=()
  [ -n "$jvm" ] && extra=(-jvmArgsAppend "$jvm")
  if [ "$(left)" -lt 60 ]; then log "out of time, skipping $name"; return 0; fi
  log "$name (load $(load1))"
  local b0 b1 own
  b0=$(busy_jiffies)
  { TIMEFORMAT='%U %S %R'; time timeout "$(left)" java -jar "$JAR" "$regex" "${TIMING[@]}" -prof gc -rf json \
      -rff "$OUT/raw/$name.json" "${extra[@]}" >"$OUT/raw/$name.log" 2>&1; } 2>"$OUT/raw/$name.time" \
    || { log "$name failed or was cut short: see $OUT/raw/$name.log"; FAILED+=("$name"); }
  if [ -z "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))) or "")' "$OUT/raw/$name.json" 2>/dev/null)" ]; then
    case " ${FAILED[*]:-} " in *" $name "*) ;; *) log "$name wrote no results: see $OUT/raw/$name.log"; FAILED+=("$name") ;; esac
  fi
  own=$(tail -n 1 "$OUT/raw/$name.time")
  b1=$(busy_jiffies)
  echo "$name $own $b0 $b1 $(nproc) $(getconf CLK_TCK)" | awk '{
      others = ($6 - $5) / $8 - ($2 + $3); share = others / ($4 * $7) * 100
      printf "%s\t%.1f\n", $1, share < 0 ? 0 : share }' >>"$OUT/raw/noise.tsv"
  log "$name: others used $(tail -n 1 "$OUT/raw/noise.tsv" | cut -f2)% of the machine"
}

# noisy NAME: true if others used more than NOISY_PERCENT of the CPU during NAME's last run
NOISY_PERCENT=10 # report.py's threshold too
noisy() { awk -F'\t' -v n="$1" -v m=$NOISY_PERCENT '$1 == n { p = $2 } END { exit !(p > m) }' "$OUT/raw/noise.tsv"; }

{
  echo "{"
  echo "\"date\": \"$(date -u +%Y-%m-%dT%H:%MZ)\","
  echo "\"command\": \"${PERF_COMMAND:-perf/run.sh ${ARGS[*]:-}}\","
  echo "\"cpu\": \"$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)\","
  echo "\"nproc\": $(nproc),"
  echo "\"memory\": \"$(free -g | awk '/^Mem:/ { print $2 " GiB" }')\","
  echo "\"kernel\": \"$(uname -r)\","
  echo "\"clocksource\": \"$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null || echo unknown)\","
  echo "\"jdk\": \"$(java -version 2>&1 | sed -n 2p | sed 's/"/\\"/g')\","
  echo "\"commit\": \"$(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- . 2>/dev/null || echo '+changes')\","
  echo "\"otel\": \"$(sed -n 's:.*<otel-javaagent.version>\(.*\)</otel-javaagent.version>.*:\1:p' "$ROOT/pom.xml")\","
  echo "\"hikaricp\": \"$(sed -n 's:.*<hikaricp.version>\(.*\)</hikaricp.version>.*:\1:p' "$ROOT/pom.xml")\","
  echo "\"quick\": $QUICK"
  echo "}"
} >"$OUT/raw/meta.json"

: >"$OUT/raw/noise.tsv"
FAILED=()
FORK_LOAD=$(awk -v m="$MAX_LOAD" 'BEGIN { print m + 0.5 }')
for r in $(seq 1 "$ROUNDS"); do
  if ! wait_quiet "$MAX_LOAD" 600; then
    log "round $r skipped: the load stayed at $(load1), above $MAX_LOAD (other work on the machine)"
    continue
  fi
  log "round $r of $ROUNDS, load $(load1)"
  n=${#ARMS[@]}
  for i in $(seq 0 $((n - 1))); do
    arm=${ARMS[$(( (i + r - 1) % n ))]} # rotate the order each round
    name=${arm%%|*}
    for attempt in 1 2; do # a fork that others disturbed is run again once; report.py drops it if it still is
      wait_quiet "$FORK_LOAD" 300 || log "load still $(load1) before $name"
      jmh "pool-$name-r$r" 'io.holdtrace.perf.PoolBench' "${arm#*|}"
      [ $QUICK = 1 ] && break # quick mode judges no timing, so one fork is enough
      noisy "pool-$name-r$r" || break
    done
  done
done

# No agent: the hot path's pieces, and the ways to capture a call site.
for suite in hotpath:HotPathBench parts:HotPathPartsBench capture:CaptureBench; do
  for attempt in 1 2; do
    wait_quiet "$FORK_LOAD" 300 || log "load still $(load1) before ${suite%%:*}"
    jmh "${suite%%:*}" "io.holdtrace.perf.${suite#*:}"
    [ $QUICK = 1 ] && break
    noisy "${suite%%:*}" || break
  done
done

python3 "$PERF/report.py" "$OUT/raw" "$RESULTS"
if [ ${#FAILED[@]} -gt 0 ]; then
  log "failed: ${FAILED[*]} (their logs are in $OUT/raw/)"
  exit 1 # quick mode proves the suite runs: any fork that failed or measured nothing fails it
fi
log "done: $RESULTS"
