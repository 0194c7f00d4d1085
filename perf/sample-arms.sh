# Sourced by macro.sh and startup.sh: what both run, so their arms stay the same. Expects ROOT,
# PERF, OUT and BUILD set; defines APP, HT, OTEL, ARMS (name|JVM arguments), APP_ARGS, and
#   background NAME MAX_SECONDS ARGS...   re-runs the calling script with --foreground under nohup
#   prepare_inputs LOG_FN                 builds (unless --no-build), checks the jars and PostgreSQL
#   profiler_lib VERSION DIR              async-profiler's library for this machine, from its jar on
#                                         Maven Central (fetched once), unpacked into DIR; prints its path
#   begin NAME GRACE_SECONDS              without --foreground: runs the script in the background
#                                         (MAX_MIN plus the grace) and exits; with it: empties
#                                         OUT/raw (unless KEEP_RAW=1), enters ROOT, sets DEADLINE
#                                         and defines log

APP=$ROOT/sample-app/target/holdtrace-sample-app.jar
HT=$PERF/target/agents/holdtrace-agent.jar
OTEL=$PERF/target/agents/opentelemetry-javaagent.jar
ARMS=(
  "none|"
  "holdtrace|-javaagent:$HT=report=$OUT/raw/holdtrace.json"
  "otel|-javaagent:$OTEL -Dotel.traces.exporter=none -Dotel.metrics.exporter=none -Dotel.logs.exporter=none -Dotel.javaagent.logging=none"
)
APP_ARGS=(--db=postgres --server.port=0
  --sample.incidents.a.enabled=false --sample.incidents.b.enabled=false
  --sample.incidents.c.enabled=false --sample.incidents.leak.enabled=false)

background() { # name, max seconds, the script's own arguments
  local name=$1 max=$2 script=$0; shift 2
  mkdir -p "$OUT"
  PERF_COMMAND="perf/$name.sh $*" nohup timeout "$max" "$script" "$@" --foreground >"$OUT/$name.log" 2>&1 &
  echo "$name: running in the background as pid $!, at most $(( max / 60 )) min; log: $OUT/$name.log"
}

prepare_inputs() { # log function
  local log=$1 f
  if [ "$BUILD" = 1 ]; then
    $log "building the agents and the sample app"
    mvn -B -q -DskipTests package -pl perf,sample-app -am
  fi
  for f in "$APP" "$HT" "$OTEL"; do [ -f "$f" ] || { echo "$f is missing; run without --no-build" >&2; exit 1; }; done
  pg_isready -q -h 127.0.0.1 -p 5432 || { echo "PostgreSQL is not up on 127.0.0.1:5432" >&2; exit 1; }
}

begin() { # name, seconds of grace past MAX_MIN; uses FG, MAX_MIN and ARGS of the calling script
  local name=$1 grace=$2
  if [ "$FG" = 0 ]; then
    background "$name" $(( MAX_MIN * 60 + grace )) "${ARGS[@]}"
    echo "results: ${RESULTS_FILE:-$PERF/RESULTS-$name.md}"
    exit 0
  fi
  [ "${KEEP_RAW:-0}" = 1 ] || rm -rf "$OUT/raw"
  mkdir -p "$OUT/raw"
  cd "$ROOT"
  DEADLINE=$(( $(date +%s) + MAX_MIN * 60 ))
  RUN_NAME=$name
}

log() { echo "$RUN_NAME: $(date +%T) $*"; }

profiler_lib() { # version, directory
  local version=$1 dir=$2 platform jar
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) platform=linux-x64 ;;
    Linux-aarch64) platform=linux-arm64 ;;
    *) echo "async-profiler's jar has no library for $(uname -s) $(uname -m)" >&2; return 2 ;;
  esac
  jar=$HOME/.m2/repository/tools/profiler/async-profiler/$version/async-profiler-$version-$platform.jar
  [ -f "$jar" ] || mvn -B -q dependency:get -Dartifact="tools.profiler:async-profiler:$version:jar:$platform" >&2
  mkdir -p "$dir"
  unzip -q -o -j "$jar" "$platform/libasyncProfiler.so" -d "$dir"
  echo "$dir/libasyncProfiler.so"
}
