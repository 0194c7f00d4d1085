#!/usr/bin/env bash
# Runs the sample app on H2 under the holdtrace agent, drives every incident and healthy endpoint
# for about a minute with the built-in load generator, stops the app gracefully so that the agent
# writes its report at exit, and prints the agent's summary of that report.
#
#   sample-app/demo.sh              with the agent (agent/target/holdtrace-agent.jar)
#   sample-app/demo.sh --no-agent   baseline run of the same load, without the agent
#
# Options: --duration=SECONDS (total load time, default 60), --out=DIR (where the log and the report
# go; default a new temporary directory). Needs java, mvn (only if a jar must be built) and curl.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
APP_JAR="$ROOT/sample-app/target/holdtrace-sample-app.jar"
AGENT_JAR="$ROOT/agent/target/holdtrace-agent.jar"

use_agent=1
duration=60
out_dir=""
for arg in "$@"; do
  case "$arg" in
    --no-agent) use_agent=0 ;;
    --duration=*) duration="${arg#*=}" ;;
    --out=*) out_dir="${arg#*=}" ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "demo: unknown argument '$arg' (try --help)" >&2; exit 2 ;;
  esac
done
if ! [[ "$duration" =~ ^[0-9]+$ ]] || (( duration < 10 || duration > 600 )); then
  echo "demo: --duration must be a whole number of seconds from 10 to 600" >&2
  exit 2
fi
for tool in java curl; do
  command -v "$tool" >/dev/null || { echo "demo: $tool is not on the PATH" >&2; exit 1; }
done

say() { printf '\n== %s\n' "$*"; }

# --- build what is missing ---------------------------------------------------------------------
no_agent_jar() {
  cat >&2 <<EOF
demo: the holdtrace agent jar is not there: $AGENT_JAR
      $1
      Run 'sample-app/demo.sh --no-agent' for a baseline run without it.
EOF
  exit 1
}
if (( use_agent )) && [[ ! -f "$AGENT_JAR" && ! -d "$ROOT/agent" ]]; then
  no_agent_jar "This checkout has no agent module yet."
fi
if [[ ! -f "$APP_JAR" ]] || { (( use_agent )) && [[ ! -f "$AGENT_JAR" ]]; }; then
  command -v mvn >/dev/null || { echo "demo: mvn is needed to build the missing jars" >&2; exit 1; }
  if (( use_agent )); then
    build=(mvn -B -q -DskipTests package)
  else
    build=(mvn -B -q -DskipTests -pl sample-app -am package)
  fi
  say "building: ${build[*]} (in $ROOT)"
  (cd "$ROOT" && "${build[@]}") || { echo "demo: the build failed" >&2; exit 1; }
fi
[[ -f "$APP_JAR" ]] || { echo "demo: $APP_JAR is still missing after the build" >&2; exit 1; }
if (( use_agent )) && [[ ! -f "$AGENT_JAR" ]]; then
  no_agent_jar "The agent module built, but produced no holdtrace-agent.jar."
fi

# --- start the app -----------------------------------------------------------------------------
work="${out_dir:-$(mktemp -d "${TMPDIR:-/tmp}/holdtrace-demo.XXXXXX")}"
mkdir -p "$work"
report="$work/holdtrace-report.json"
log="$work/sample-app.log"
port_file="$work/sample-app.port"
rm -f "$report" "$port_file"

java_opts=(-Xmx512m)
if (( use_agent )); then
  java_opts+=("-javaagent:$AGENT_JAR=report=$report,threshold=1s")
fi

say "starting the sample app on H2 ($( ((use_agent)) && echo "with the agent, report $report" || echo "without the agent"))"
# Port 0 and a port file: this machine may be shared, so no fixed port is assumed free.
java "${java_opts[@]}" -jar "$APP_JAR" --server.port=0 --sample.port-file="$port_file" >"$log" 2>&1 &
app_pid=$!

stop_app() {
  if kill -0 "$app_pid" 2>/dev/null; then
    kill -TERM "$app_pid" 2>/dev/null || true
    for _ in $(seq 1 60); do
      kill -0 "$app_pid" 2>/dev/null || break
      sleep 0.5
    done
    if kill -0 "$app_pid" 2>/dev/null; then
      echo "demo: the app did not stop within 30 s; killing it (the agent's report may be missing)" >&2
      kill -KILL "$app_pid" 2>/dev/null || true
    fi
  fi
  wait "$app_pid" 2>/dev/null || true
}
trap stop_app EXIT

for _ in $(seq 1 180); do
  [[ -s "$port_file" ]] && break
  if ! kill -0 "$app_pid" 2>/dev/null; then
    echo "demo: the app exited during start-up; its log:" >&2
    tail -n 40 "$log" >&2
    exit 1
  fi
  sleep 0.5
done
[[ -s "$port_file" ]] || { echo "demo: the app was not ready within 90 s; log: $log" >&2; exit 1; }
port="$(tr -d '[:space:]' <"$port_file")"
base="http://127.0.0.1:$port"

ready=0
for _ in $(seq 1 60); do
  if [[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/healthy/orders")" == 200 ]]; then
    ready=1
    break
  fi
  sleep 0.5
done
(( ready )) || { echo "demo: $base/healthy/orders did not answer 200 within 30 s; log: $log" >&2; exit 1; }
echo "ready on $base (log: $log)"

# --- drive the load ----------------------------------------------------------------------------
load() { java -jar "$APP_JAR" load --url="$base" "$@" || echo "demo: the load generator failed" >&2; }
paths=(--path=/a/report:2 --path=/b/checkout:3 --path=/c/legacy:1 --path=/leak:1
       --path=/healthy/orders:3 --path=/healthy/pay:2 --path=/healthy/report:2)
phase1=$((duration / 3))
phase2=$((duration - phase1))

say "phase 1: ${phase1}s, 8 closed-loop clients, auth answers in 200 ms"
load "${paths[@]}" --clients=8 --duration="${phase1}s"

say "phase 2: ${phase2}s, 20 requests/s arriving whatever happens, auth slowed to 1500 ms (incident B)"
curl -s -X POST "$base/admin/downstream?authLatencyMs=1500" >/dev/null
load "${paths[@]}" --rate=20 --max-in-flight=200 --duration="${phase2}s"
echo "pool after the load: $(curl -s "$base/admin/pool")"

# --- stop and report ---------------------------------------------------------------------------
say "stopping the app (SIGTERM, graceful)"
stop_app
trap - EXIT

if (( ! use_agent )); then
  echo "baseline run done, no agent; app log: $log"
  exit 0
fi
if [[ ! -s "$report" ]]; then
  echo "demo: the agent wrote no report at $report; see the app log: $log" >&2
  exit 1
fi
say "holdtrace summary of $report"
if ! java -jar "$AGENT_JAR" summary "$report"; then
  echo "demo: 'java -jar $AGENT_JAR summary' failed; the agent jar may not have that command yet." >&2
  echo "      The report itself is at $report" >&2
  exit 1
fi
echo
echo "report: $report"
echo "app log: $log"
