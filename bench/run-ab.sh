#!/usr/bin/env bash
# Two builds of watchpostd under the same load, alternated run by run: on a box whose figures drift
# from one hour to the next, the way to tell a change from the drift. A and B are repository roots
# (say `git worktree add ../before HEAD~1` and this checkout); each side's daemon is its own tree's
# ./watchpostd (built from that tree's sources) on a fresh data directory, driven by this checkout's
# load generator (2 connections; open loop, with a WebSocket subscriber on /v1/stream). Prints a line
# per run, then min / median / max per side.
#   bench/run-ab.sh ../before .          PAIRS (3) pairs at RATE (100000)/s, A first in odd pairs, B in even
#   RATE=0 STREAM=0 CAPACITY=25000000 LOAD='--window 8192' bench/run-ab.sh ../before .   the closed loop
# Environment: PAIRS (3); RATE (100000; 0: closed loop); STREAM (1; 0: no subscriber); SUBSCRIBERS (1:
# how many hold the stream, the first timed); WARMUP (10 s),
# DURATION (30 s) per run; CONFIG (each tree's config/watchpost.yml; a path relative to each tree, or
# an absolute one for one file for both), CONFIG_A, CONFIG_B: that side's own (CONFIG when unset);
# CAPACITY: dedup.capacity for both (a closed loop records more receipts than the default 10 M);
# LOAD: more generator options for every run; LOAD_A, LOAD_B: for that side's runs (with either, A
# and B may be the same tree: LOAD_A='--write-interval 1000' bench/run-ab.sh . .); JAVA_OPTS_A, JAVA_OPTS_B:
# that side's daemon's JVM options instead of the launcher's default (WATCHPOSTD_JAVA_OPTS, when set, for
# both); SCHED_WAITS: seconds of bench/sched-waits.sh
# (needs perf, as root) to record in each run, starting 5 s after its warm-up (0: none).
# Results (JSON, table, HdrHistogram log and /v1/status per run) go to bench/target/results/ab-*.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[ $# -eq 2 ] || { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
side_a="$(cd "$1" && pwd)"; side_b="$(cd "$2" && pwd)"
cd "$here"
source bench/common.sh
PAIRS=${PAIRS:-3}
RATE=${RATE:-100000}
WARMUP=${WARMUP:-10}
DURATION=${DURATION:-30}
CONFIG=${CONFIG:-config/watchpost.yml}
CONFIG_A=${CONFIG_A:-$CONFIG}
CONFIG_B=${CONFIG_B:-$CONFIG}
LOAD=${LOAD:-}
LOAD_A=${LOAD_A:-}
LOAD_B=${LOAD_B:-}
JAVA_OPTS_A=${JAVA_OPTS_A:-${WATCHPOSTD_JAVA_OPTS:-}}
JAVA_OPTS_B=${JAVA_OPTS_B:-${WATCHPOSTD_JAVA_OPTS:-}}
STREAM=${STREAM:-1}
SUBSCRIBERS=${SUBSCRIBERS:-1}
CAPACITY=${CAPACITY:-}
SCHED_WAITS=${SCHED_WAITS:-0}
out="$here/bench/target/results"; mkdir -p "$out"
[ -f bench/target/benchmarks.jar ] || mvn -B -q -pl bench -am package -DskipTests
for root in "$side_a" "$side_b"; do
  [ -x "$root/watchpostd" ] || { echo "$root has no watchpostd: not a Watchpost checkout" >&2; exit 2; }
  (cd "$root" && ./watchpostd --help >/dev/null)   # builds that side's daemon if needed
done
data=$(mktemp -d)
daemon_pid=
trap '[ -z "$daemon_pid" ] || kill "$daemon_pid" 2>/dev/null || true; rm -rf "$data"' EXIT
echo "A = $side_a ($(git -C "$side_a" rev-parse --short HEAD 2>/dev/null || echo '?')), $CONFIG_A${LOAD_A:+, with $LOAD_A}${JAVA_OPTS_A:+, JVM $JAVA_OPTS_A};" \
  "B = $side_b ($(git -C "$side_b" rev-parse --short HEAD 2>/dev/null || echo '?')), $CONFIG_B${LOAD_B:+, with $LOAD_B}${JAVA_OPTS_B:+, JVM $JAVA_OPTS_B}"

for pair in $(seq 1 "$PAIRS"); do
  order="a b"; [ $((pair % 2)) = 0 ] && order="b a"   # neither side always runs second
  for side in $order; do
    root=$side_a; config=$CONFIG_A; load=$LOAD_A; java_opts=$JAVA_OPTS_A
    [ "$side" = b ] && root=$side_b && config=$CONFIG_B && load=$LOAD_B && java_opts=$JAVA_OPTS_B
    name="ab-$side-$pair"
    if [ -n "$CAPACITY" ]; then
      [[ $config = /* ]] || config="$root/$config"
      config_copy "$config" "$data/$side.yml" "$root"
      set_setting "$data/$side.yml" capacity "$CAPACITY" CAPACITY
      config="$data/$side.yml"
    fi
    WATCHPOSTD_JAVA_OPTS=$java_opts start_watchpostd "$root" "$config" "$data/d" "$out/ab-daemon.log"
    waits=
    rm -f "$out/$name.waits.txt"
    if [ "$SCHED_WAITS" != 0 ]; then
      (sleep $((${WARMUP%.*} + 5))
       bench/sched-waits.sh "$SCHED_WAITS" "$daemon_pid" "$(pgrep -f "LoadGenerator --port $tcp_port" | head -1)" \
         >"$out/$name.waits.txt" 2>&1 || true) &
      waits=$!
    fi
    # shellcheck disable=SC2086  # LOAD_A and LOAD_B are options, split on purpose
    stream=(); [ "$STREAM" = 0 ] || stream=(--stream "ws://127.0.0.1:$http_port/v1/stream" --stream-subscribers "$SUBSCRIBERS")
    load_watchpostd "$name" --rate "$RATE" --connections 2 --warmup "$WARMUP" --duration "$DURATION" \
      "${stream[@]}" $LOAD $load
    [ -z "$waits" ] || wait "$waits"
    keep_status "$name"
    stop_watchpostd
    python3 - "$out/$name" "${side^^} pair $pair" <<'PY'
import json, sys
path, label = sys.argv[1], sys.argv[2]
try:
    r = json.load(open(path + ".json"))
except (OSError, ValueError):
    print(f"{label}: no result"); sys.exit()
a, e = r["latency_us"]["ack"], r["latency_us"].get("e2e") or {}
parts = [f"events/s acked {r['measured']['acked_per_s']:,.0f}", f"ACK us p50 {a['p50']:.0f} p99 {a['p99']:.0f} p99.9 {a['p99_9']:.0f}"]
if e.get("count"):
    parts.append(f"e2e p99 {e['p99']:.0f}")
try:
    s = json.load(open(path + ".status.json"))
    parts.append(f"daemon's own p99 {s['ack_latency_us']['p99']}, forces p99 {s['journal_force_us']['p99']}")
except (OSError, ValueError, KeyError):
    pass
parts.append(f"daemon CPU {r['daemon']['cpu_percent_of_core']['mean']:.0f} % of a core")
if r["exit_code"] != 0 or not r["all_acked"]:
    parts.append("FAILED: see " + path + ".txt")
print(f"{label}: " + "; ".join(parts))
try:
    with open(path + ".waits.txt") as f:
        for line in f:
            if line.startswith(("every CPU", "waits of", "process ")) or "of the scheduler's trace" in line:
                print("    " + line.rstrip())
except OSError:
    pass
PY
  done
done

echo
python3 - "$out" "$PAIRS" "$RATE" "$STREAM" <<'PY'
import json, statistics, sys
out, pairs, rate, stream = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] != "0"
def runs(side):
    rs = []
    for pair in range(1, pairs + 1):
        try:
            r = json.load(open(f"{out}/ab-{side}-{pair}.json"))
        except (OSError, ValueError):
            continue
        if r["exit_code"] == 0 and r["all_acked"]:
            rs.append(r)
    return rs
def mmm(values):
    return " / ".join(f"{v:,.0f}" for v in (min(values), statistics.median(values), max(values))) if values else "n/a"
print(("Closed loop" if rate == 0 else f"Open loop {rate:,}/s") + (" with a stream subscriber" if stream else ", no subscriber")
      + ", µs; min / median / max over the runs that succeeded:")
print()
print("| side | runs | events/s acked | ACK p50 | ACK p99 | ACK p99.9 | e2e p99 | daemon CPU, % of a core |")
print("|---|---:|---|---|---|---|---|---|")
for side in ("a", "b"):
    rs = runs(side)
    ack = lambda k: [r["latency_us"]["ack"][k] for r in rs]
    print(f"| {side.upper()} | {len(rs)} | {mmm([r['measured']['acked_per_s'] for r in rs])} "
          f"| {mmm(ack('p50'))} | {mmm(ack('p99'))} | {mmm(ack('p99_9'))} "
          f"| {mmm([r['latency_us']['e2e']['p99'] for r in rs if (r['latency_us'].get('e2e') or {}).get('count')])} "
          f"| {mmm([r['daemon']['cpu_percent_of_core']['mean'] for r in rs])} |")
PY
