#!/usr/bin/env bash
# The spine's end-to-end figures: starts watchpostd on a fresh data directory for each run, drives it
# with the load generator on the same box, and prints one line per run. Repeat count: $RUNS (3).
#   bench/run-spine.sh                  closed loop (2 connections), open loop 10k/s and 100k/s
# Results (JSON per run) go to bench/target/results/.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
RUNS=${RUNS:-3}
out="$here/bench/target/results"; mkdir -p "$out"
[ -f bench/target/benchmarks.jar ] || mvn -B -q -pl bench -am package -DskipTests
./watchpostd --help >/dev/null   # builds the daemon if needed
data=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$data"' EXIT

start_daemon() {
  rm -rf "$data/d"
  ./watchpostd --data-dir "$data/d" >"$out/daemon.log" 2>&1 &
  for _ in $(seq 1 60); do curl -sf localhost:7780/v1/health >/dev/null && return; sleep 0.5; done
  echo "daemon did not start" >&2; cat "$out/daemon.log" >&2; exit 1
}
stop_daemon() { kill -TERM %1; wait %1 || true; }
load() { java -cp bench/target/benchmarks.jar dev.watchpost.bench.load.LoadGenerator "$@" 2>/dev/null; }

for run in $(seq 1 "$RUNS"); do
  start_daemon
  load --rate 0 --connections 2 --window 8192 --warmup 10 --duration 20 --json "$out/closed-$run.json" \
    | awk -v r="$run" '/events\/s acked/ {print "closed loop run " r ": " $3 " events/s acked"}'
  for rate in 10000 100000; do
    load --rate "$rate" --connections 2 --warmup 10 --duration 30 --json "$out/open-$rate-$run.json" \
      | awk -v r="$run" -v rate="$rate" '/ACK from intended/ {print "open loop " rate "/s run " r ": ACK latency us p50 " $5 " p90 " $6 " p99 " $7 " p99.9 " $8 " max " $10}'
  done
  stop_daemon
done
