#!/usr/bin/env bash
# What the rules cost: the same load against watchpostd with the shipped rules (config/rules.yml:
# window dedup, track fusion and every other kind it enables) and with every rule off, in the same
# run, alternating, on a fresh data directory each time. Prints one line per scenario and run, then
# min / median / max per side and the difference of the medians.
#   bench/run-rules.sh          open loop at 100k/s (ACK latency) and closed loop (throughput, CPU)
# Environment: RUNS (3); RATE (100000); WARMUP (10 s), DURATION (30 s) per scenario.
# Results (JSON, table and HdrHistogram log per scenario and run) go to bench/target/results/rules-*.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
source bench/common.sh
RUNS=${RUNS:-3}
RATE=${RATE:-100000}
WARMUP=${WARMUP:-10}
DURATION=${DURATION:-30}
out="$here/bench/target/results"; mkdir -p "$out"
[ -f bench/target/benchmarks.jar ] || mvn -B -q -pl bench -am package -DskipTests
./watchpostd --help >/dev/null   # builds the daemon if needed
work=$(mktemp -d)
daemon_pid=
trap '[ -z "$daemon_pid" ] || kill "$daemon_pid" 2>/dev/null || true; rm -rf "$work"' EXIT

# Two configurations that differ only in their rules file.
mkdir -p "$work/with" "$work/without"
find config -maxdepth 1 -type f -exec cp {} "$work/with/" \;   # the rules file and what it names (the subject directory)
cp config/watchpost.yml "$work/without/"
cat >"$work/without/rules.yml" <<'YAML'
# Every rule off: the pipeline's stages still run, with nothing to do.
window_dedup: {default: off}
tracks: {enabled: false}
YAML


start_daemon() { start_watchpostd "$here" "$work/$1/watchpost.yml" "$work/data" "$out/rules-daemon.log"; }   # $1: with | without

for run in $(seq 1 "$RUNS"); do
  for side in with without; do
    start_daemon "$side"
    load_watchpostd "rules-open-$side-$run" --rate "$RATE" --connections 2 --warmup "$WARMUP" --duration "$DURATION"
    load_watchpostd "rules-closed-$side-$run" --rate 0 --connections 2 --window 8192 --warmup "$WARMUP" --duration "$DURATION"
    stop_watchpostd
    python3 - "$out" "$side" "$run" <<'PY'
import json, sys
out, side, run = sys.argv[1:]
o = json.load(open(f"{out}/rules-open-{side}-{run}.json")); c = json.load(open(f"{out}/rules-closed-{side}-{run}.json"))
a = o["latency_us"]["ack"]
print(f"rules {side:7} run {run}: open ACK us p50 {a['p50']:.0f} p99 {a['p99']:.0f} p99.9 {a['p99_9']:.0f}; "
      f"closed {c['measured']['acked_per_s']:,.0f} events/s, daemon CPU {c['daemon']['cpu_percent_of_core']['mean']:.0f} % of a core"
      + ("" if o["all_acked"] and c["all_acked"] else "; FAILED: not every event acknowledged"))
PY
  done
done

echo
python3 - "$out" "$RUNS" "$RATE" <<'PY'
import json, statistics, sys
out, runs, rate = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def results(kind, side):
    rs = []
    for run in range(1, runs + 1):
        try:
            r = json.load(open(f"{out}/rules-{kind}-{side}-{run}.json"))
        except (OSError, ValueError):
            continue
        if r["all_acked"]:
            rs.append(r)
    return rs
def values(rs, f):
    return [f(r) for r in rs]
def mmm(v, fmt="{:,.0f}"):
    return " / ".join(fmt.format(x) for x in (min(v), statistics.median(v), max(v))) if v else "n/a"
rows = {}
print(f"Open loop {rate:,}/s, ACK latency in µs, and closed loop; min / median / max over the runs:")
print()
print("| rules | runs | ACK p50 | ACK p99 | ACK p99.9 | closed loop events/s | daemon CPU, % of a core (closed) | CPU µs per event (closed) |")
print("|---|---:|---|---|---|---|---|---|")
for side in ("with", "without"):
    o, c = results("open", side), results("closed", side)
    p99 = values(o, lambda r: r["latency_us"]["ack"]["p99"])
    per_event = values(c, lambda r: r["daemon"]["cpu_percent_of_core"]["mean"] / 100 * 1e6 / r["measured"]["acked_per_s"])
    rows[side] = (p99, values(c, lambda r: r["measured"]["acked_per_s"]), per_event)
    print(f"| {side} | {len(o)} | {mmm(values(o, lambda r: r['latency_us']['ack']['p50']))} | {mmm(p99)} "
          f"| {mmm(values(o, lambda r: r['latency_us']['ack']['p99_9']))} | {mmm(rows[side][1])} "
          f"| {mmm(values(c, lambda r: r['daemon']['cpu_percent_of_core']['mean']))} | {mmm(per_event, '{:.2f}')} |")
print()
if rows["with"][0] and rows["without"][0]:
    d = statistics.median(rows["with"][0]) - statistics.median(rows["without"][0])
    print(f"ACK p99 with rules minus without (medians): {d:+,.0f} µs (target: within 1,000 µs)")
if rows["with"][2] and rows["without"][2]:
    d = statistics.median(rows["with"][2]) - statistics.median(rows["without"][2])
    print(f"daemon CPU per event with rules minus without (medians): {d:+.2f} µs")
PY
