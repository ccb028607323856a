#!/usr/bin/env bash
# The spine's end-to-end figures: starts watchpostd on a fresh data directory and free loopback ports
# for each scenario of each run (so that none inherits the receipts or the journal of another: the
# closed loop alone records more than the default 10 M dedup store holds on a box that holds
# 500,000/s, which is why it and the highest rate run with room for BIG_CAPACITY, 25 M), drives it with
# the load generator on the same box, prints one line per scenario and run (with how many events
# found the dedup store full, when any did), and at the end tables of min / median / max over the
# runs. Every scenario samples the daemon's CPU and RSS (--daemon-pid); the open-loop scenarios also
# hold one WebSocket subscriber on /v1/stream and time each event from its intended send to its
# arrival there (--stream).
#   bench/run-spine.sh           closed loop (2 connections), open loop 10k/s, 100k/s and the highest rate
# The highest rate is HIGH_SHARE (0.4) of what the run's closed loop sustained, rounded down to
# 10,000/s, run in open loop without the stream subscriber (ingest alone, as in the closed loop), and
# only when it is above 100,000/s.
# Environment: RUNS (3); WARMUP (10 s), CLOSED_DURATION (20 s), OPEN_DURATION (30 s) per scenario;
# CLOSED_STREAM=1 to hold the stream subscriber in the closed loop too (it then measures ingest plus
# fan-out to one client, no longer ingest alone). THREADS to run another pipeline.threads than the
# default configuration's, e.g. THREADS='[[validate, dedup, window, fuse, correlate, enrich, alert,
# journal, ack, publish]]' (every other setting as in config/watchpost.yml); LINGER, PAGE_CACHE and
# FSYNC likewise for pipeline.linger (0us, say), journal.page_cache (drop-behind or keep) and
# journal.fsync. The daemon's data
# directory is made under TMPDIR: TMPDIR=/dev/shm takes the disk out of the figures.
# After each open-loop scenario the daemon's /v1/status is kept, and its ack_latency_us (the daemon's
# own share: receipt to the ack stage's flush) and journal_force_us (how long the journal's forces
# to disk took), both over the last minute, shown; with OPEN_DURATION=60 or more that minute is the
# scenario's measured part, and the tables give the first too.
# Before the first run and after the last, the box's own floor is read with the machine probe
# (bench/run-machine.sh, PROBE_SECONDS (10) per hiccup reading; 0 skips it) and summed up in a line:
# the figures of a box whose host takes its cores away move from one hour to the next with it.
# Results (JSON, table and HdrHistogram log per scenario and run, status, the probe's readings) go to
# bench/target/results/.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
source bench/common.sh
RUNS=${RUNS:-3}
CLOSED_STREAM=${CLOSED_STREAM:-0}
WARMUP=${WARMUP:-10}
CLOSED_DURATION=${CLOSED_DURATION:-20}
OPEN_DURATION=${OPEN_DURATION:-30}
HIGH_SHARE=${HIGH_SHARE:-0.4}
PROBE_SECONDS=${PROBE_SECONDS:-10}
out="$here/bench/target/results"; mkdir -p "$out"
[ -f bench/target/benchmarks.jar ] || mvn -B -q -pl bench -am package -DskipTests
./watchpostd --help >/dev/null   # builds the daemon if needed
data=$(mktemp -d)
daemon_pid=
trap '[ -z "$daemon_pid" ] || kill "$daemon_pid" 2>/dev/null || true; rm -rf "$data"' EXIT

config=$(pipeline_config "$data" "$here")
# The closed loop and the highest rate record more receipts than the default dedup store holds (10 M
# at about 500,000/s for 30 s; 21 M at 710,000/s): their daemons get room for BIG_CAPACITY, so that they measure the
# store as it works when it has room, not the full store's shortcut. Every other setting as above.
big_config="$data/watchpost-big.yml"
config_copy "$config" "$big_config" "$here"
set_setting "$big_config" capacity "${BIG_CAPACITY:-25000000}" BIG_CAPACITY


start_daemon() { start_watchpostd "$here" "${1:-$config}" "$data/d" "$out/daemon.log"; }   # $1: the configuration file, $config when absent
line() { python3 - "$@" <<'EOF'
import json, sys
label, path = sys.argv[1], sys.argv[2]
try:
    r = json.load(open(path))
except (OSError, ValueError):
    print(f"{label}: no result"); sys.exit()
d = r.get("daemon", {})
parts = []
if r["settings"]["mode"] == "closed":
    parts.append(f"{r['measured']['acked_per_s']:,.0f} events/s acked")
for key, name in (("ack", "ACK"), ("e2e", "e2e")):
    h = r["latency_us"].get(key)
    if h and h["count"] and r["settings"]["mode"] == "open":
        parts.append(f"{name} us p50 {h['p50']:.0f} p99 {h['p99']:.0f} p99.9 {h['p99_9']:.0f} max {h['max']:.0f}")
try:
    status = json.load(open(path.replace(".json", ".status.json")))
    own = status["ack_latency_us"]
    if own["count"]:
        parts.append(f"daemon's own ACK us (last {own['window_s']} s) p50 {own['p50']} p99 {own['p99']} p99.9 {own['p99_9']} max {own['max']}")
    full = status["counters"]["dedup_store_full"]
    if full:
        parts.append(f"dedup store full for {full:,} events (stored, their receipts not recorded)")
    forces = status["journal_force_us"]
    if forces["count"]:
        parts.append(f"journal forces {forces['count'] / max(1, forces['window_s']):,.0f}/s, us p50 {forces['p50']} p99 {forces['p99']} p99.9 {forces['p99_9']} max {forces['max']}")
except (OSError, ValueError, KeyError):
    pass
if "cpu_percent_of_core" in d:
    parts.append(f"daemon CPU {d['cpu_percent_of_core']['mean']:.0f} % of a core, RSS max {d['rss_kib']['max'] / 1024:.0f} MiB")
if "stream" in r:
    parts.append(f"stream missing {r['stream']['missing']}")
if r["exit_code"] != 0:
    errors = r["errors"] + ([r["stream"]["error"]] if r.get("stream", {}).get("error") else [])
    parts.append("FAILED: " + (", ".join(errors) or "see the .txt"))
print(f"{label}: " + "; ".join(parts))
EOF
}

# The machine probe's readings, kept as machine-$1.txt, and a line of them: a hand-over's round trip
# and what two threads lose with every core busy (and how many of their gaps end on a 100 ms grid).
probe() {
  [ "$PROBE_SECONDS" -gt 0 ] || return 0
  java -cp bench/target/benchmarks.jar dev.watchpost.bench.machine.MachineProbe --seconds "$PROBE_SECONDS" \
    >"$out/machine-$1.txt" 2>&1 || { echo "machine probe $1 the runs: failed, see $out/machine-$1.txt"; return 0; }
  awk -v when="$1" '/^hand-over/ { p50 = $(NF - 9); p99 = $(NF - 5) }
    /^[0-9]/ { row = $0 }
    END { split(row, f); printf "the box %s the runs: hand-over round trip p50 %s µs, p99 %s µs; %s threads spinning lose %s of the time, %s gaps of >= 5 ms, max %s ms, %s of its gaps of >= 1 ms ending on a 100 ms grid (bench/run-machine.sh --seconds %s)\n",
          when, p50, p99, f[1], f[8], f[5], f[7], f[9], '"$PROBE_SECONDS"' }' "$out/machine-$1.txt"
}
probe before

# Each scenario has a daemon of its own, on a fresh data directory: none starts with the receipts
# (a dedup store the closed loop has filled) or the journal another scenario left.
for run in $(seq 1 "$RUNS"); do
  start_daemon "$big_config"
  closed_stream=(); [ "$CLOSED_STREAM" = 1 ] && closed_stream=(--stream "ws://127.0.0.1:$http_port/v1/stream")
  load_watchpostd "closed-$run" --rate 0 --connections 2 --window 8192 --warmup "$WARMUP" --duration "$CLOSED_DURATION" \
    ${closed_stream[@]+"${closed_stream[@]}"}
  keep_status "closed-$run"
  stop_watchpostd
  line "closed loop run $run" "$out/closed-$run.json"
  for rate in 10000 100000; do
    start_daemon
    load_watchpostd "open-$rate-$run" --rate "$rate" --connections 2 --warmup "$WARMUP" --duration "$OPEN_DURATION" \
      --stream "ws://127.0.0.1:$http_port/v1/stream"
    keep_status "open-$rate-$run"
    stop_watchpostd
    line "open loop $rate/s run $run" "$out/open-$rate-$run.json"
  done
  # The highest rate the box holds: a share of what this run's closed loop sustained, in open loop.
  high=$(python3 -c "import json, sys; print(int(json.load(open(sys.argv[1]))['measured']['acked_per_s'] * float(sys.argv[2]) // 10000 * 10000))" \
    "$out/closed-$run.json" "$HIGH_SHARE" 2>/dev/null || echo 0)
  rm -f "$out/open-high-$run".*
  if [ "$high" -gt 100000 ]; then
    start_daemon "$big_config"
    load_watchpostd "open-high-$run" --rate "$high" --connections 2 --warmup "$WARMUP" --duration "$OPEN_DURATION"
    keep_status "open-high-$run"
    stop_watchpostd
    line "open loop $high/s (highest) run $run" "$out/open-high-$run.json"
  fi
done
probe after

echo
python3 - "$out" "$RUNS" "$OPEN_DURATION" <<'EOF'
import json, statistics, sys
out, runs = sys.argv[1], int(sys.argv[2])
long_enough = int(sys.argv[3]) >= 60
failed = []

def load(name, optional=False):
    """Every result of a scenario; failures are noted for the end. An optional scenario (the highest
    rate, run only when the closed loop reached above 100,000/s) may be absent."""
    rs = []
    for run in range(1, runs + 1):
        try:
            r = json.load(open(f"{out}/{name}-{run}.json"))
        except (OSError, ValueError):
            if not optional:
                failed.append(f"{name}-{run}: no result")
            continue
        r["run"] = run
        rs.append(r)
        if not r["all_acked"]:
            failed.append(f"{name}-{run}: not every event acknowledged")
        if not r.get("all_streamed", True):
            failed.append(f"{name}-{run}: not every stored event streamed"
                          + (f" ({r['stream']['error']})" if r["stream"]["error"] else ""))
    return rs

def get(r, *path):
    for p in path:
        if not isinstance(r, dict) or p not in r:
            return None
        r = r[p]
    return r

def mmm(rs, *path, scale=1):
    values = [v / scale for v in (get(r, *path) for r in rs) if v is not None]
    if not values:
        return "n/a"
    return " / ".join(f"{v:,.0f}" for v in (min(values), statistics.median(values), max(values)))

# A figure comes from the runs in which what it measures succeeded: ACK figures from runs where every
# event was acknowledged, e2e figures from runs where every stored event also arrived on the stream.
closed = [r for r in load("closed") if r["all_acked"]]
print(f"Closed loop (2 connections, window 8,192 each), min / median / max over {len(closed)} of {runs} runs:")
print()
print("| events/s acked | daemon CPU, % of one core | daemon RSS max, MiB |")
print("|---:|---:|---:|")
print(f"| {mmm(closed, 'measured', 'acked_per_s')} | {mmm(closed, 'daemon', 'cpu_percent_of_core', 'mean')} "
      f"| {mmm(closed, 'daemon', 'rss_kib', 'max', scale=1024)} |")
print()
print("Open loop (2 connections), latency in µs from the intended send time to the covering ACK (ACK) and to")
print("the event's arrival at a WebSocket subscriber of /v1/stream (e2e); min / median / max over the runs:")
print()
print("| rate | runs | latency | p50 | p90 | p99 | p99.9 | max | daemon CPU, % of one core | daemon RSS max, MiB |")
print("|---|---:|---|---|---|---|---|---|---|---|")
def rates(rs):
    values = sorted(r["settings"]["rate"] for r in rs)
    return f"{values[0]:,.0f}/s" if values[0] == values[-1] else f"{values[0]:,.0f}–{values[-1]:,.0f}/s"

for scenario in ("open-10000", "open-100000", "open-high"):
    rs = load(scenario, optional=scenario == "open-high")
    if not rs:
        continue
    label = rates(rs) + (" (highest)" if scenario == "open-high" else "")
    for key, name, ok in (("ack", "ACK", "all_acked"), ("e2e", "e2e", "all_streamed")):
        if key == "e2e" and not any(r["settings"]["stream"] for r in rs):
            continue
        good = [r for r in rs if r["all_acked"] and r.get(ok, False)]
        cells = [mmm(good, "latency_us", key, p) for p in ("p50", "p90", "p99", "p99_9", "max")]
        daemon = [mmm(good, "daemon", "cpu_percent_of_core", "mean"), mmm(good, "daemon", "rss_kib", "max", scale=1024)] \
            if key == "ack" else ["", ""]
        print(f"| {label} | {len(good)} | {name} | " + " | ".join(cells + daemon) + " |")
    if long_enough:
        own = []
        for r in rs:
            try:
                own.append({"own": json.load(open(f"{out}/{scenario}-{r['run']}.status.json"))["ack_latency_us"]})
            except (OSError, ValueError, KeyError):
                pass
        cells = [mmm(own, "own", p) for p in ("p50", "p90", "p99", "p99_9", "max")]
        print(f"| {label} | {len(own)} | daemon's own ACK | " + " | ".join(cells + ["", ""]) + " |")
print()
if not long_enough:
    print("(With OPEN_DURATION=60 or more the table adds the daemon's own ACK latency, from /v1/status: its window is")
    print("the last minute, which then holds only the scenario's measured part.)")
    print()
if failed:
    print("FAILED (left out of the figures they concern; each run's table is in its .txt):")
    for f in failed:
        print("  " + f)
    sys.exit(1)
EOF
