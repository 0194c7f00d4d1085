#!/usr/bin/env bash
# Throughput, latency and CPU per request with the apps side by side: the sample app on
# PostgreSQL started once per arm (no agent, holdtrace, the OpenTelemetry agent with exporters
# off), all up at once, and one load generator alternating between them in windows (the sample's
# `load --server=...`): each block of windows loads every app once, in the next order of the
# arms, and each app is compared with the no-agent app of the same block, seconds apart.
#
#   perf/alternate.sh            runs in the background (about 40 min); prints where its log is
#   options: --rounds N (1)  --minutes M (30, counted per round)  --warmup S (180, per round, over
#            all arms)  --window S (10; or with a unit: 3s, 2500ms)
#            --settle S (1; or with a unit: 500ms)  --clients N (8)  --arms holdtrace,otel (none always runs, first)
#            --rate R (an open model instead of the clients: R requests a second, each to the app of the
#                      window it is scheduled in, timed from its scheduled time; every app below
#                      saturation, so the windows compare latency and CPU per request at one load, not
#                      throughput; writes perf/RESULTS-alternate-rate.md, from target/alternate-rate)
#            --max-minutes M (45)  --no-build  --foreground  --max-load L (1.5)
#            --profile (async-profiler, as steady.sh fetches it, on every app over the counted
#                       part: where each app's CPU goes, per request, side by side; writes
#                       perf/RESULTS-alternate-profile.md, from target/alternate-profile)
#            --jdk DIR (the apps, the load generator and jcmd from DIR/bin; writes
#                       perf/RESULTS-alternate-jdkN.md, N its feature version, from target/alternate-jdkN)
#            --heap FLAGS ("-Xms1g -Xmx1g -Xmn256m -XX:+AlwaysPreTouch": every app's heap, the same
#                          for all, touched as it starts; "default" leaves each JVM to size its own)
#
# Why not macro.sh's runs one after the other: on this shared VM the no-agent runs alone drift
# 1.3-1.4x in throughput over an hour, so a 1-2% target cannot be read from pairs of 30 s runs
# minutes apart. Here the host's drift is common to a block's windows. An app not being loaded
# idles (its background threads, the agents' included, still run). The first --settle seconds of
# each window are not counted; CPU is the loaded app's (/proc/PID/stat) over the counted part.
# Each round starts fresh apps: one JVM may differ from the next (its JIT's choices, its heap),
# whatever the agent, which only several rounds can tell apart; the report says how far the rounds
# spread beyond what their windows' own noise makes them.
# Every app gets the same fixed heap and young generation (--heap): left to size their own, two JVMs
# of one round settled on heaps of 108 and 232 MB and collected 85 and 36 times in the same three
# minutes: a difference between the JVMs, not the agents, in what collection costs a request. The
# heap is touched as the app starts (AlwaysPreTouch), so that no first touch of it falls in the
# counted part. (Young pauses of 10-19 ms, not 2-4, until about 200 s of uptime are there with or
# without it, in every app: they end as the JITs settle; with --warmup 120 the counted part begins
# at about 130 s.)
# Allocation and start-up are not measured here (macro.sh and startup.sh do). Writes
# perf/RESULTS-alternate.md (alternate_report.py).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PERF=$ROOT/perf
ROUNDS=1 MINUTES=30 WARMUP=180 WINDOW=10 SETTLE=1 CLIENTS=8 CLIENTS_GIVEN=0 RATE= MAX_MIN=45 BUILD=1 FG=0 MAX_LOAD=1.5 ONLY_ARMS=none,holdtrace,otel
PROFILE=0 PROFILER_VERSION=4.1 JDK= HEAP="-Xms1g -Xmx1g -Xmn256m -XX:+AlwaysPreTouch"
ARGS=("$@")
while [ $# -gt 0 ]; do
  case $1 in
    --minutes) MINUTES=$2; shift ;;
    --rounds) ROUNDS=$2; shift ;;
    --warmup) WARMUP=$2; shift ;;
    --window) WINDOW=$2; shift ;;
    --settle) SETTLE=$2; shift ;;
    --clients) CLIENTS=$2 CLIENTS_GIVEN=1; shift ;;
    --rate) RATE=$2; shift ;;
    --arms) ONLY_ARMS=none,$2; shift ;;
    --max-minutes) MAX_MIN=$2; shift ;;
    --max-load) MAX_LOAD=$2; shift ;;
    --no-build) BUILD=0 ;;
    --foreground) FG=1 ;;
    --profile) PROFILE=1 ;;
    --jdk) JDK=$2; shift ;;
    --heap) HEAP=$2; shift ;;
    *) echo "alternate.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
# a bare number is seconds; the load generator takes ms, s or m
case $WINDOW in *[a-z]) ;; *) WINDOW=${WINDOW}s ;; esac
case $SETTLE in *[a-z]) ;; *) SETTLE=${SETTLE}s ;; esac
NAME=alternate
MODEL=(--clients="$CLIENTS")
if [ -n "$RATE" ]; then
  [ "$CLIENTS_GIVEN" = 0 ] || { echo "alternate.sh: --clients (closed model) and --rate (open model) exclude each other" >&2; exit 2; }
  awk -v r="$RATE" 'BEGIN { exit !(r ~ /^[0-9]+(\.[0-9]+)?$/ && r > 0 && r <= 10000) }' \
    || { echo "alternate.sh: --rate takes requests a second, above 0 and at most 10000, not $RATE" >&2; exit 2; }
  NAME=alternate-rate MODEL=(--rate="$RATE")
fi
OUT=$PERF/target/$NAME
RESULTS_FILE=$PERF/RESULTS-$NAME.md
JAVA=java JCMD=jcmd
if [ -n "$JDK" ]; then
  [ -x "$JDK/bin/java" ] && [ -x "$JDK/bin/jcmd" ] || { echo "alternate.sh: --jdk $JDK has no bin/java and bin/jcmd" >&2; exit 2; }
  JAVA=$JDK/bin/java JCMD=$JDK/bin/jcmd
  FEATURE=$("$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p')
  OUT=$PERF/target/$NAME-jdk$FEATURE
  RESULTS_FILE=$PERF/RESULTS-$NAME-jdk$FEATURE.md
fi
if [ "$PROFILE" = 1 ]; then # a profiled run is slower for every app: its results go apart
  OUT=$OUT-profile
  RESULTS_FILE=${RESULTS_FILE%.md}-profile.md
fi

# shellcheck source=perf/sample-arms.sh
. "$PERF/sample-arms.sh"
KEPT=()
for arm in "${ARMS[@]}"; do
  case ",$ONLY_ARMS," in *",${arm%%|*},"*) KEPT+=("$arm") ;; esac
done
[ ${#KEPT[@]} -ge 2 ] || { echo "alternate.sh: --arms names none of holdtrace, otel" >&2; exit 2; }
if [ $(( ROUNDS * (MINUTES * 60 + WARMUP + 90) / 60 )) -gt "$MAX_MIN" ]; then
  echo "alternate.sh: --rounds $ROUNDS of --minutes $MINUTES plus their warm-up and starts do not fit in --max-minutes $MAX_MIN" >&2; exit 2
fi
JVM_FLAGS=()
if [ "$HEAP" != default ]; then
  read -r -a JVM_FLAGS <<<"$HEAP"
  for f in "${JVM_FLAGS[@]}"; do
    case $f in -X*) ;; *) echo "alternate.sh: --heap takes JVM options (-Xms..., -Xmx..., -Xmn..., -XX:...) or default, not $f" >&2; exit 2 ;; esac
  done
  "$JAVA" "${JVM_FLAGS[@]}" -version >/dev/null 2>&1 || { echo "alternate.sh: the JVM refuses --heap \"$HEAP\"" >&2; exit 2; }
fi
begin alternate 300
load1() { cut -d' ' -f1 /proc/loadavg; }
prepare_inputs log
if [ "$PROFILE" = 1 ]; then
  LIB=$(profiler_lib "$PROFILER_VERSION" "$OUT/lib")
  JVM_FLAGS+=(-XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints) # as steady.sh: samples in inlined code placed right
fi

PIDS=()
stop_apps() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done; PIDS=(); }
trap stop_apps EXIT

{
  echo "{"
  echo "\"date\": \"$(date -u +%Y-%m-%dT%H:%MZ)\","
  echo "\"command\": \"${PERF_COMMAND:-perf/alternate.sh ${ARGS[*]:-}}\","
  echo "\"cpu\": \"$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)\", \"nproc\": $(nproc),"
  echo "\"memory\": \"$(free -g | awk '/^Mem:/ { print $2 " GiB" }')\","
  echo "\"jdk\": \"$("$JAVA" -version 2>&1 | sed -n 2p | sed 's/"/\\"/g')\","
  echo "\"postgres\": \"$(psql -h 127.0.0.1 -U postgres -At -c 'show server_version' test 2>/dev/null || echo unknown)\","
  echo "\"commit\": \"$(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- . 2>/dev/null || echo '+changes')\","
  echo "\"heap\": \"$HEAP\","
  echo "\"rate\": ${RATE:-null},"
  echo "\"load\": \"${MODEL[*]}$([ -n "$RATE" ] && echo ' (open model)') --path=/healthy/orders:3 --path=/healthy/report:1, windows of ${WINDOW} (${SETTLE} settling); per round ${WARMUP}s of warm-up, ${MINUTES} min counted\""
  echo "}"
} >"$OUT/raw/meta.json"

# round R: fresh apps (started one after another, each alone on the machine, in an order that
# rotates from round to round; their start-up is logged, not reported: startup.sh measures it),
# one alternating load run, the apps stopped. Writes raw/load-rR.log (and, profiled, NAME-rR.collapsed).
round() {
  local r=$1 n=${#KEPT[@]} i arm name jvm port_file t0 pid
  local servers=() names=() order=()
  for _ in $(seq 1 60); do
    awk -v l="$(load1)" -v m="$MAX_LOAD" 'BEGIN { exit !(l >= m) }' || break
    sleep 10
  done
  for i in $(seq 0 $((n - 1))); do order+=("${KEPT[$(( (i + r - 1) % n ))]}"); done
  for arm in "${order[@]}"; do
    name=${arm%%|*} jvm=${arm#*|} port_file=$OUT/raw/$name-r$r.port
    t0=$(date +%s%N)
    # shellcheck disable=SC2086 # the arm's JVM arguments are words on purpose
    "$JAVA" "${JVM_FLAGS[@]}" $jvm -Xlog:gc:file="$OUT/raw/$name-r$r.gc.log":uptime -jar "$APP" "${APP_ARGS[@]}" \
      --sample.port-file="$port_file" >"$OUT/raw/$name-r$r.app.log" 2>&1 &
    pid=$!
    PIDS+=("$pid")
    for _ in $(seq 1 1200); do [ -s "$port_file" ] && break; kill -0 $pid 2>/dev/null || break; sleep 0.1; done
    [ -s "$port_file" ] || { log "round $r: $name did not start; see $OUT/raw/$name-r$r.app.log"; stop_apps; return 0; }
    log "round $r: $name started in $(( ($(date +%s%N) - t0) / 1000000 )) ms, pid $pid"
    servers+=("$name=http://127.0.0.1:$(cat "$port_file")@$pid") names+=("$name")
  done
  # the servers in the arms' order (the first is the one the others are compared with)
  local args=()
  for arm in "${KEPT[@]}"; do
    for i in "${!names[@]}"; do [ "${names[$i]}" = "${arm%%|*}" ] && args+=(--server="${servers[$i]}"); done
  done
  local load=$OUT/raw/load-r$r.log
  log "round $r: ${WARMUP}s of warm-up, then $MINUTES min counted, in windows of ${WINDOW}"
  "$JAVA" -jar "$APP" load "${args[@]}" --path=/healthy/orders:3 --path=/healthy/report:1 "${MODEL[@]}" \
    --window="$WINDOW" --settle="$SETTLE" --warmup="${WARMUP}s" --duration="${MINUTES}m" >"$load" 2>&1 &
  local load_pid=$!
  if [ "$PROFILE" = 1 ]; then
    for _ in $(seq 1 $(( (WARMUP + 120) * 10 ))); do
      grep -q '^load: warmed up' "$load" && break
      kill -0 $load_pid 2>/dev/null || break
      sleep 0.1
    done
    # jcmd reads an '=' as a named argument: default options only (CPU, 10 ms); output to the app's stdout
    for pid in "${PIDS[@]}"; do "$JCMD" "$pid" JVMTI.agent_load "$LIB" start,threads >/dev/null; done
    log "round $r: profiling every app"
  fi
  wait $load_pid || log "round $r: the load generator failed; see $load"
  if [ "$PROFILE" = 1 ]; then
    for pid in "${PIDS[@]}"; do "$JCMD" "$pid" JVMTI.agent_load "$LIB" stop,collapsed >/dev/null || true; done
    sleep 2
    for name in "${names[@]}"; do
      grep -E '^\[.*;.* [0-9]+$|^\[[^;]*\] [0-9]+$' "$OUT/raw/$name-r$r.app.log" >"$OUT/raw/$name-r$r.collapsed" || true
    done
  fi
  tail -n "$(( n * 2 ))" "$load"
  stop_apps
}

for r in $(seq 1 "$ROUNDS"); do
  if [ "$r" -gt 1 ] && [ $(( DEADLINE - $(date +%s) )) -lt $(( MINUTES * 60 + WARMUP + 120 )) ]; then
    log "out of time before round $r"; break
  fi
  round "$r"
done
trap - EXIT
python3 "$PERF/alternate_report.py" "$OUT/raw" "$RESULTS_FILE"
log "wrote $RESULTS_FILE"
