#!/usr/bin/env bash
# Where the daemon's CPU goes under load: starts watchpostd on a fresh data directory with
# async-profiler (tools.profiler:async-profiler from Maven Central, fetched into the local Maven
# repository on first use) as a Java agent, drives it with the load generator (2 connections; by
# default its closed loop, window 8,192), and prints each thread's share of the samples and, for each
# stage thread, the stages' inclusive shares and the hottest frames.
#   bench/run-profile.sh                       the default configuration, closed loop
#   RATE=100000 STREAM=1 bench/run-profile.sh  open loop at 100,000/s with one stream subscriber
# Environment: WARMUP (10 s), DURATION (20 s); RATE (0: closed loop) and STREAM (1: hold a WebSocket
# subscriber on /v1/stream); EVENT (cpu; wall for where the threads wait too); THREADS, LINGER, PAGE_CACHE and FSYNC
# as in run-spine.sh; INTERVAL (1ms) between samples. The collapsed stacks go to
# bench/target/results/profile.collapsed (flame-graph input).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
source bench/common.sh
WARMUP=${WARMUP:-10}
DURATION=${DURATION:-20}
INTERVAL=${INTERVAL:-1ms}
RATE=${RATE:-0}
STREAM=${STREAM:-0}
EVENT=${EVENT:-cpu}
version=4.1
out="$here/bench/target/results"; mkdir -p "$out"
[ -f bench/target/benchmarks.jar ] || mvn -B -q -pl bench -am package -DskipTests
./watchpostd --help >/dev/null   # builds the daemon if needed

jar="$HOME/.m2/repository/tools/profiler/async-profiler/$version/async-profiler-$version.jar"
[ -f "$jar" ] || mvn -B -q dependency:get -Dartifact="tools.profiler:async-profiler:$version"
agent_dir="$here/bench/target/async-profiler-$version"
if [ ! -f "$agent_dir/linux-x64/libasyncProfiler.so" ]; then
  mkdir -p "$agent_dir"
  (cd "$agent_dir" && unzip -q -o "$jar" 'linux-x64/*')
fi

data=$(mktemp -d)
daemon_pid=
trap '[ -z "$daemon_pid" ] || kill "$daemon_pid" 2>/dev/null || true; rm -rf "$data"' EXIT
config=$(pipeline_config "$data" "$here")
tcp_port=$(free_port); http_port=$(free_port)
collapsed="$out/profile.collapsed"
rm -f "$collapsed"
WATCHPOSTD_JAVA_OPTS="-agentpath:$agent_dir/linux-x64/libasyncProfiler.so=start,event=$EVENT,interval=$INTERVAL,file=$collapsed,collapsed,threads" \
  ./watchpostd --config "$config" --data-dir "$data/d" --tcp-port "$tcp_port" --udp-port 0 --http-port "$http_port" >"$out/profile-daemon.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 1 60); do curl -sf "127.0.0.1:$http_port/v1/health" >/dev/null && break; sleep 0.5; done
stream=(); [ "$STREAM" = 1 ] && stream=(--stream "ws://127.0.0.1:$http_port/v1/stream")
java -cp bench/target/benchmarks.jar dev.watchpost.bench.load.LoadGenerator --port "$tcp_port" --daemon-pid "$daemon_pid" \
  --rate "$RATE" --connections 2 --window 8192 --warmup "$WARMUP" --duration "$DURATION" ${stream[@]+"${stream[@]}"} \
  >"$out/profile-load.txt" 2>/dev/null || true
kill -TERM "$daemon_pid"; wait "$daemon_pid" || true; daemon_pid=
grep -E "events/s acked|^ *(ack|e2e)" "$out/profile-load.txt" || true

python3 - "$collapsed" <<'PY'
import collections, re, sys
threads = collections.Counter()
own = collections.defaultdict(collections.Counter)
inclusive = collections.defaultdict(collections.Counter)
total = 0
for line in open(sys.argv[1]):
    stack, n = line.rsplit(' ', 1)
    n = int(n)
    frames = stack.split(';')
    name = re.sub(r' tid=\d+\]$', ']', frames[0])
    threads[name] += n
    total += n
    if name.startswith('[watchpost-stage-'):
        own[name][frames[-1]] += n
        for frame in set(frames[1:]):
            inclusive[name][frame] += n
print(f"\nsamples per thread (of {total}, start-up and JIT included)")
for name, n in threads.most_common(8):
    print(f"  {100 * n / total:5.1f} %  {name}")
for name in sorted(own):
    stage_total = threads[name]
    print(f"\n{name}, inclusive, per stage (of {stage_total} samples)")
    for frame, n in inclusive[name].most_common():
        if re.search(r'handlers/\w+Handler\.onEvent$|Pipeline\$StageGroup\.prefetch$|Journal\.(force|flushBuffer|sync)$|EventJsonWriter\.write$', frame):
            print(f"  {100 * n / stage_total:5.1f} %  {frame}")
    print(f"{name}, hottest frames (self)")
    for frame, n in own[name].most_common(15):
        print(f"  {100 * n / stage_total:5.1f} %  {frame}")
PY
