#!/usr/bin/env bash
# Start-up only: the sample app on PostgreSQL started again and again, with no agent, with an
# agent that changes nothing (noop-agent/NoopAgent.java: the JVM's own cost of any transforming
# agent), with holdtrace (defaults) and with the OpenTelemetry agent (exporters off), in
# interleaved rounds.
# A start costs a few seconds, so far more rounds fit than macro.sh's pairs: on a VM whose starts
# alone vary by a second, the median of many per-round differences is what tells.
#
#   perf/startup.sh              runs in the background; prints where its log is
#   options: --rounds N (15)  --max-minutes M (15)  --no-build  --foreground
#            --arms noop,holdtrace (some of noop, holdtrace, otel; none always runs)
#            --append (adds rounds to the last run's, of the same commit, and reports them all)
#            --report-only (writes RESULTS-startup.md again from the last run's raw data)
#            --jdk DIR (starts with DIR/bin/java, not the java on the PATH; writes
#                       RESULTS-startup-jdkN.md, N its feature version, from target/startup-jdkN)
#
# Start-up is launch to the port file the app writes once ready (as in macro.sh). Writes
# perf/RESULTS-startup.md: per arm the median start, and the median and spread of its difference
# to the no-agent start of the same round; and holdtrace's difference to the no-op agent's.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PERF=$ROOT/perf
ROUNDS=15 MAX_MIN=15 BUILD=1 FG=0 REPORT_ONLY=0 ONLY_ARMS=none,noop,holdtrace,otel APPEND=0 JDK=
ARGS=("$@")
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) ROUNDS=$2; shift ;;
    --max-minutes) MAX_MIN=$2; shift ;;
    --no-build) BUILD=0 ;;
    --foreground) FG=1 ;;
    --report-only) REPORT_ONLY=1 ;;
    --arms) ONLY_ARMS=none,$2; shift ;;
    --append) APPEND=1 ;;
    --jdk) JDK=$2; shift ;;
    *) echo "startup.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
OUT=$PERF/target/startup
RESULTS_FILE=$PERF/RESULTS-startup.md
JAVA=java JAVAC=javac JAR=jar
if [ -n "$JDK" ]; then
  [ -x "$JDK/bin/java" ] && [ -x "$JDK/bin/javac" ] || { echo "startup.sh: --jdk $JDK has no bin/java and bin/javac" >&2; exit 2; }
  JAVA=$JDK/bin/java JAVAC=$JDK/bin/javac JAR=$JDK/bin/jar
  FEATURE=$("$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p')
  OUT=$PERF/target/startup-jdk$FEATURE
  RESULTS_FILE=$PERF/RESULTS-startup-jdk$FEATURE.md
fi

if [ "$REPORT_ONLY" = 0 ]; then
# shellcheck source=perf/sample-arms.sh
. "$PERF/sample-arms.sh"
NOOP=$OUT/noop-agent.jar
ARMS=("${ARMS[0]}" "noop|-javaagent:$NOOP" "${ARMS[@]:1}")
KEPT=()
for arm in "${ARMS[@]}"; do
  case ",$ONLY_ARMS," in *",${arm%%|*},"*) KEPT+=("$arm") ;; esac
done
[ ${#KEPT[@]} -ge 2 ] || { echo "startup.sh: --arms names none of noop, holdtrace, otel" >&2; exit 2; }
ARMS=("${KEPT[@]}")
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- . 2>/dev/null || echo '+changes')
# what is measured: the last commit that changed the agent, the app or the build (perf/ may differ)
MEASURED=(agent instrumentation sample-app pom.xml)
CODE=$(git -C "$ROOT" log -1 --format=%h -- "${MEASURED[@]}")$(git -C "$ROOT" diff --quiet HEAD -- "${MEASURED[@]}" 2>/dev/null || echo '+changes')
FIRST_ROUND=1
if [ "$APPEND" = 1 ]; then
  if [ "${CODE%+changes}" != "$CODE" ] || ! grep -qx "code=$CODE" "$OUT/raw/meta.txt" 2>/dev/null; then
    echo "startup.sh: --append needs a last run of this same code ($CODE, uncommitted changes not allowed) in $OUT/raw" >&2; exit 2
  fi
  FIRST_ROUND=$(( $(awk 'BEGIN { m = 0 } $1 > m { m = $1 } END { print m }' "$OUT/raw/starts.tsv") + 1 ))
  KEEP_RAW=1
fi
begin startup 300

prepare_inputs log
case ",$ONLY_ARMS," in
  *,noop,*) # built here, from its one source file, with the JDK that runs the starts
    rm -rf "$OUT/noop-classes" && mkdir -p "$OUT/noop-classes"
    "$JAVAC" -d "$OUT/noop-classes" "$PERF/noop-agent/NoopAgent.java"
    printf 'Premain-Class: io.holdtrace.perf.noop.NoopAgent\nCan-Retransform-Classes: true\n' >"$OUT/noop-classes/MANIFEST.MF"
    "$JAR" cfm "$NOOP" "$OUT/noop-classes/MANIFEST.MF" -C "$OUT/noop-classes" io ;;
esac

# start NAME JVM_ARGS: prints the ms from launch to the port file and the CPU ms the process had
# used by then (user + system, all its threads), or nothing if it did not start
start() {
  local port_file=$OUT/raw/$1.port
  rm -f "$port_file"
  local t0; t0=$(date +%s%N)
  # shellcheck disable=SC2086 # the arm's JVM arguments are words on purpose
  "$JAVA" $2 -jar "$APP" "${APP_ARGS[@]}" --sample.port-file="$port_file" >"$OUT/raw/$1.app.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 1200); do [ -s "$port_file" ] && break; kill -0 $pid 2>/dev/null || break; sleep 0.02; done
  local ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  local ticks; ticks=$(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || echo 0)
  kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true
  [ -s "$port_file" ] && echo "$ms $(( ticks * 1000 / $(getconf CLK_TCK) ))"
  return 0
}

COMMAND=${PERF_COMMAND:-perf/startup.sh ${ARGS[*]:-}}
if [ "$APPEND" = 1 ]; then # the first run's date, machine and JDK stay; the commands add up
  sed -i "s|^command=.*|&; then (from round $FIRST_ROUND) $COMMAND|" "$OUT/raw/meta.txt"
else
  {
    echo "date=$(date -u +%Y-%m-%dT%H:%MZ)"
    echo "command=$COMMAND"
    echo "cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -n 1), $(nproc) CPUs"
    echo "jdk=$("$JAVA" -version 2>&1 | sed -n 2p)"
    echo "commit=$COMMIT"
    echo "code=$CODE"
  } >"$OUT/raw/meta.txt"
  : >"$OUT/raw/starts.tsv"
fi

for r in $(seq "$FIRST_ROUND" $(( FIRST_ROUND + ROUNDS - 1 ))); do
  if [ "$(date +%s)" -ge $DEADLINE ]; then log "out of time before round $r"; break; fi
  n=${#ARMS[@]}
  # the order goes through every permutation of the arms, one a round: each arm as often first,
  # second or last, and after each other arm as often (a start may warm or load the next one)
  for i in $(python3 -c "import itertools, sys; n, r = map(int, sys.argv[1:]); p = list(itertools.permutations(range(n))); print(*p[(r - 1) % len(p)])" "$n" "$r"); do
    arm=${ARMS[$i]}
    out=$(start "${arm%%|*}" "${arm#*|}")
    if [ -n "$out" ]; then printf '%s\t%s\t%s\t%s\n' "$r" "${arm%%|*}" ${out% *} ${out#* } >>"$OUT/raw/starts.tsv"; fi
  done
  log "round $r: $(awk -v r="$r" '$1 == r { printf "%s %s ms  ", $2, $3 }' "$OUT/raw/starts.tsv")"
done
fi

python3 - "$OUT/raw" "$RESULTS_FILE" <<'PY'
import statistics, sys
raw, out = sys.argv[1], sys.argv[2]
meta = dict(l.rstrip("\n").split("=", 1) for l in open(f"{raw}/meta.txt"))
starts = {}
cpu = {}  # CPU ms used by ready (user + system, every thread); absent in runs before it was recorded
for line in open(f"{raw}/starts.tsv"):
    f = line.split()
    starts[(int(f[0]), f[1])] = int(f[2])
    if len(f) > 3:
        cpu[(int(f[0]), f[1])] = int(f[3])
rounds = sorted({r for r, _ in starts})


def ms(x):
    """A signed number of ms; a half (the median of an even count) kept."""
    return f"{x:+,.1f}" if x != int(x) else f"{int(x):+,}"


def interval(d):
    """About 95% for the median, from order statistics (ranks n/2 -+ 0.98 sqrt(n))."""
    q = sorted(d)
    n = len(q)
    k = max(0, int(n / 2 - 0.98 * n ** 0.5))
    return q[k], q[min(n - 1, n - 1 - k)]
lines = ["# holdtrace overhead: start-up", "",
         f"- date: {meta['date']}; commit {meta['commit']}"
         + (f" (agent and sample app as of {meta['code']})" if meta.get('code', meta['commit']) != meta['commit'] else ""),
         f"- machine: {meta['cpu']}; JDK: {meta['jdk']}",
         f"- command: `{meta['command']}`",
         f"- rounds: {len(rounds)} (each: one start per arm it runs; from round to round the order goes through every permutation of the arms); start-up is launch to the"
         " sample app's port file (PostgreSQL, incidents off)", "",
         "| arm | starts | median start ms | min..max | median difference to no agent, same round | its ~95% interval"
         " | middle half of differences | differences min..max |",
         "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
for arm in ["none", "noop", "holdtrace", "otel"]:
    v = [starts[(r, arm)] for r in rounds if (r, arm) in starts]
    d = [starts[(r, arm)] - starts[(r, "none")] for r in rounds if (r, arm) in starts and (r, "none") in starts]
    if not v:
        continue
    cells = [str(len(v)), f"{statistics.median(v):,.0f}", f"{min(v):,}..{max(v):,}"]
    if arm == "none":
        cells += ["", "", "", ""]
    else:
        lo, hi = interval(d)
        q = sorted(d)
        cells += [ms(statistics.median(d)), f"{ms(lo)}..{ms(hi)}", f"{ms(q[len(q) // 4])}..{ms(q[(3 * len(q)) // 4])}",
                  f"{ms(min(d))}..{ms(max(d))}"]
    lines.append(f"| {arm} | " + " | ".join(cells) + " |")
lines += ["", "The interval of a median is distribution-free (order statistics, about 95%): the range that likely "
          "holds the true median difference on this machine, given this many rounds."]


def paired(a, b):
    return [starts[(r, a)] - starts[(r, b)] for r in rounds if (r, a) in starts and (r, b) in starts]
own = paired("holdtrace", "noop")
if own:
    lo, hi = interval(own)
    lines += ["", "`noop` is an agent that registers one retransformable class-file transformer which changes nothing"
              " (perf/noop-agent/NoopAgent.java): what the JVM charges any transforming agent's start, before its own work."
              f" holdtrace against it, same round: median {ms(statistics.median(own))} ms (~95% interval {ms(lo)}..{ms(hi)},"
              f" {len(own)} rounds)."]
if cpu:
    lines += ["", "CPU used by the time the app was ready (user + system, all threads, from /proc; 2 cores, so a start"
              " that keeps both busy turns about 2 ms of CPU into 1 ms of wall time):", "",
              "| arm | median CPU ms | median difference to no agent, same round | its ~95% interval |",
              "| --- | ---: | ---: | ---: |"]
    for arm in ["none", "noop", "holdtrace", "otel"]:
        v = [cpu[(r, arm)] for r in rounds if (r, arm) in cpu]
        if not v:
            continue
        if arm == "none":
            lines.append(f"| {arm} | {statistics.median(v):,.0f} |  |  |")
            continue
        d = [cpu[(r, arm)] - cpu[(r, "none")] for r in rounds if (r, arm) in cpu and (r, "none") in cpu]
        lo, hi = interval(d)
        lines.append(f"| {arm} | {statistics.median(v):,.0f} | {ms(statistics.median(d))} | {ms(lo)}..{ms(hi)} |")
    own = [cpu[(r, "holdtrace")] - cpu[(r, "noop")] for r in rounds if (r, "holdtrace") in cpu and (r, "noop") in cpu]
    if own:
        lo, hi = interval(own)
        lines += ["", f"holdtrace's CPU against the no-op agent's, same round: median {ms(statistics.median(own))} ms"
                  f" (~95% interval {ms(lo)}..{ms(hi)})."]
d = [starts[(r, "holdtrace")] - starts[(r, "none")] for r in rounds if (r, "holdtrace") in starts and (r, "none") in starts]
if d:
    m = statistics.median(d)
    lo, hi = interval(d)
    if lo <= 200 < hi:  # the median's interval holds the target: no verdict, whichever side the median is on
        verdict = (f"inconclusive ({'under' if m <= 200 else 'over'} it by the median); the interval ({ms(lo)}..{ms(hi)} ms)"
                   " holds +200 ms, so this run cannot tell either way")
    else:
        verdict = "**met**" if m <= 200 else f"**missed** by {ms(m - 200)[1:]} ms"
    lines += ["", "## Target (issue 6)", "",
              f"Start-up at most +200 ms: median {ms(m)} ms, {verdict}."]
open(out, "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
