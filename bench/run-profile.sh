#!/usr/bin/env bash
# Where the daemon's CPU goes in the closed loop: starts watchpostd on a fresh data directory with
# async-profiler (tools.profiler:async-profiler from Maven Central, fetched into the local Maven
# repository on first use) as a Java agent, drives it with the load generator's closed loop
# (2 connections, window 8,192), and prints each thread's share of the samples and, for the stage
# thread, the stages' inclusive shares and the hottest frames.
#   bench/run-profile.sh            the default configuration
# Environment: WARMUP (10 s), DURATION (20 s); THREADS and PAGE_CACHE as in run-spine.sh; INTERVAL (1ms) between
# samples. The collapsed stacks go to bench/target/results/profile.collapsed (flame-graph input).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
source bench/common.sh
WARMUP=${WARMUP:-10}
DURATION=${DURATION:-20}
INTERVAL=${INTERVAL:-1ms}
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
WATCHPOSTD_JAVA_OPTS="-agentpath:$agent_dir/linux-x64/libasyncProfiler.so=start,event=cpu,interval=$INTERVAL,file=$collapsed,collapsed,threads" \
  ./watchpostd --config "$config" --data-dir "$data/d" --tcp-port "$tcp_port" --udp-port 0 --http-port "$http_port" >"$out/profile-daemon.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 1 60); do curl -sf "127.0.0.1:$http_port/v1/health" >/dev/null && break; sleep 0.5; done
java -cp bench/target/benchmarks.jar dev.watchpost.bench.load.LoadGenerator --port "$tcp_port" --daemon-pid "$daemon_pid" \
  --rate 0 --connections 2 --window 8192 --warmup "$WARMUP" --duration "$DURATION" >"$out/profile-load.txt" 2>/dev/null || true
kill -TERM "$daemon_pid"; wait "$daemon_pid" || true; daemon_pid=
grep -E "events/s acked" "$out/profile-load.txt" || true

python3 - "$collapsed" <<'PY'
import collections, re, sys
threads = collections.Counter(); own = collections.Counter(); inclusive = collections.Counter()
total = stage_total = 0
for line in open(sys.argv[1]):
    stack, n = line.rsplit(' ', 1)
    n = int(n)
    frames = stack.split(';')
    name = re.sub(r' tid=\d+\]$', ']', frames[0])
    threads[name] += n
    total += n
    if name.startswith('[watchpost-stage-1'):
        stage_total += n
        own[frames[-1]] += n
        for frame in set(frames[1:]):
            inclusive[frame] += n
print(f"\nsamples per thread (of {total}, start-up and JIT included)")
for name, n in threads.most_common(8):
    print(f"  {100 * n / total:5.1f} %  {name}")
if not stage_total:
    sys.exit()
print(f"\nstage thread, inclusive, per stage (of {stage_total} samples)")
for frame, n in inclusive.most_common():
    if re.search(r'handlers/\w+Handler\.onEvent$|Pipeline\$StageGroup\.prefetch$|Journal\.(force|flushBuffer)$', frame):
        print(f"  {100 * n / stage_total:5.1f} %  {frame}")
print("\nstage thread, hottest frames (self)")
for frame, n in own.most_common(15):
    print(f"  {100 * n / stage_total:5.1f} %  {frame}")
PY
