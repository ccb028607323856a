#!/usr/bin/env bash
# Watchpost against its peers, on this box, in one run, with the same events (the load generator's
# frames, byte for byte) for the same time, RUNS times over, and one table at the end: per scenario
# min / median / max events/s of each side over the runs, and the ratio of the medians:
#   1. Redis Streams (XADD pipelined, XREADGROUP, SET NX EX per receipt_id, XACK), appendfsync
#      everysec and always, against watchpostd with journal.fsync batch and always; row 1c pairs the
#      two that promise the same: durable before the answer, one fsync per group of writes (Redis's
#      always fsyncs once per event-loop pass before replying; watchpostd's batch once per group commit
#      before ACKing; watchpostd's always forces every single record);
#   2. Chronicle Queue, excerpts of the journal's record size synced per batch, against the journal alone;
#   3. NATS JetStream, async publish with Nats-Msg-Id = receipt_id to a file stream, against watchpostd
#      ingest over TCP (fsync batch).
# Every server is private: started here on a free loopback port with a temporary directory, and
# stopped at the end. Environment: RUNS (3 repeats of the whole comparison), DURATION (15 s measured),
# WARMUP (5 s), PRODUCERS (2, as the load generator's connections), WINDOW (8192 per producer), BATCH
# (1024 records per force for the append runs).
#   bench/run-peers.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$here/config/jvm/launcher.sh"
cd "$here"
source bench/common.sh
RUNS=${RUNS:-3}
DURATION=${DURATION:-15}
WARMUP=${WARMUP:-5}
PRODUCERS=${PRODUCERS:-2}
WINDOW=${WINDOW:-8192}
BATCH=${BATCH:-1024}
out="$here/bench/target/results/peers"; mkdir -p "$out"
mvn -B -q -pl bench -am package -DskipTests
./watchpostd --help >/dev/null   # builds the daemon if needed
jvm_args="$(watchpost_jvm_args)"
tmp=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

wait_for() { for _ in $(seq 1 120); do eval "$1" >/dev/null 2>&1 && return 0; sleep 0.5; done; echo "not up: $1" >&2; return 1; }
stop() { kill -TERM "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
peer() { java "@$jvm_args" -cp bench/target/benchmarks.jar "dev.watchpost.bench.peers.$1" "${@:2}" \
  --producers "$PRODUCERS" --window "$WINDOW" --warmup "$WARMUP" --duration "$DURATION"; }
rate() { awk '/^events\/s / {print $2}' "$1"; }

# Each run leaves its events/s in $result (empty when it failed) and in $out/rates.tsv; servers are
# started in this shell, so that the EXIT trap stops whatever is still running. Output files carry the
# repeat's number, $run.
# watchpostd on a fresh data directory with journal.fsync $1, driven by the load generator's closed loop;
# its dedup store has room for 20 M receipts, more than the run sends (the default's 10 M would fill
# near the end at 500,000/s, and a full store records nothing: the Redis side always records).
watchpost() {
  local fsync=$1 tcp http dir="$tmp/watchpost-$1" pid
  tcp=$(free_port); http=$(free_port)
  rm -rf "$dir"; mkdir -p "$dir"
  cp config/watchpost.yml "$dir/watchpost.yml"
  find config -maxdepth 1 -type f ! -name watchpost.yml -exec cp {} "$dir/" \;   # rules.yml and what it names, relative to watchpost.yml
  set_setting "$dir/watchpost.yml" fsync "$fsync" fsync
  set_setting "$dir/watchpost.yml" capacity 20000000 capacity
  ./watchpostd --config "$dir/watchpost.yml" --data-dir "$dir/data" --tcp-port "$tcp" --udp-port 0 --http-port "$http" \
    >"$out/watchpostd-$fsync-$run.log" 2>&1 &
  pid=$!; pids+=("$pid")
  wait_for "curl -sf 127.0.0.1:$http/v1/health"
  java -cp bench/target/benchmarks.jar dev.watchpost.bench.load.LoadGenerator --port "$tcp" --rate 0 \
    --connections "$PRODUCERS" --window "$WINDOW" --warmup "$WARMUP" --duration "$DURATION" \
    --json "$out/watchpost-$fsync-$run.json" >"$out/watchpost-$fsync-$run.txt" 2>/dev/null || true
  stop "$pid"
  result=$(awk '/events\/s acked/ {print $3}' "$out/watchpost-$fsync-$run.txt")
}

redis() {
  local fsync=$1 port dir="$tmp/redis-$1" pid
  port=$(free_port); rm -rf "$dir"; mkdir -p "$dir"
  redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" --appendonly yes --appendfsync "$fsync" --save "" \
    >"$out/redis-$fsync-$run.log" 2>&1 &
  pid=$!; pids+=("$pid")
  wait_for "redis-cli -p $port ping"
  peer RedisStreamsPeer --port "$port" >"$out/redis-$fsync-$run.txt" 2>/dev/null || true
  stop "$pid"
  result=$(rate "$out/redis-$fsync-$run.txt")
}

nats() {
  local port dir="$tmp/nats" pid
  port=$(free_port); rm -rf "$dir"; mkdir -p "$dir"
  /usr/sbin/nats-server -a 127.0.0.1 -p "$port" -js -sd "$dir" >"$out/nats-$run.log" 2>&1 &
  pid=$!; pids+=("$pid")
  wait_for "bash -c '</dev/tcp/127.0.0.1/$port'"
  peer NatsJetStreamPeer --url "nats://127.0.0.1:$port" >"$out/nats-$run.txt" 2>/dev/null || true
  stop "$pid"
  result=$(rate "$out/nats-$run.txt")
}

append_run() {   # $1 class, $2 name, $3 records per force
  peer "$1" --dir "$tmp/$2-$3" --batch "$3" >"$out/$2-$3-$run.txt" 2>/dev/null || true
  rm -rf "$tmp/$2-$3"
  result=$(rate "$out/$2-$3-$run.txt")
}

# $1 key in rates.tsv, $2 label for the progress line, then the run and its arguments.
measure() {
  local key=$1 label=$2; shift 2
  result=
  "$@"
  printf '%s\t%s\t%s\n' "$run" "$key" "$result" >>"$out/rates.tsv"
  printf '%-32s %s\n' "$label:" "${result:-failed}" >&2
}

echo "run-peers: $(date -u +%FT%TZ), $(nproc) cores, $RUNS runs of ${WARMUP} s warm-up + ${DURATION} s measured per system, $PRODUCERS producers/connections, window $WINDOW" >&2
: >"$out/rates.tsv"
for run in $(seq 1 "$RUNS"); do
  echo "run $run of $RUNS" >&2
  measure wp_batch "watchpostd fsync batch" watchpost batch
  measure wp_always "watchpostd fsync always" watchpost always
  measure redis_everysec "Redis appendfsync everysec" redis everysec
  measure redis_always "Redis appendfsync always" redis always
  measure journal_batch "journal, force/$BATCH" append_run JournalOnlyRun journal "$BATCH"
  measure chronicle_batch "Chronicle Queue, sync/$BATCH" append_run ChronicleQueuePeer chronicle "$BATCH"
  measure journal_one "journal, force/1" append_run JournalOnlyRun journal 1
  measure chronicle_one "Chronicle Queue, sync/1" append_run ChronicleQueuePeer chronicle 1
  measure nats "NATS JetStream" nats
done

echo
python3 - "$out/rates.tsv" "$RUNS" "$BATCH" <<'EOF'
import statistics, sys
path, runs, batch = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rates = {}  # key -> {run: events/s}
for line in open(path):
    run, key, value = line.rstrip("\n").split("\t")
    if value:
        rates.setdefault(key, {})[int(run)] = float(value)

def mmm(key):
    v = sorted(rates.get(key, {}).values())
    if not v:
        return "failed", None
    text = " / ".join(f"{x:,.0f}" for x in (v[0], statistics.median(v), v[-1]))
    if len(v) < runs:
        text += f" ({len(v)} of {runs} runs)"
    return text, statistics.median(v)

rows = [
    ("1a Redis Streams, everysec", "watchpostd, fsync batch", "wp_batch",
     "XADD/XREADGROUP/SET NX EX/XACK, appendfsync everysec", "redis_everysec"),
    ("1b Redis Streams, always", "watchpostd, fsync always", "wp_always",
     "XADD/XREADGROUP/SET NX EX/XACK, appendfsync always", "redis_always"),
    ("1c Redis Streams, equal durability", "watchpostd, fsync batch", "wp_batch",
     "the same, appendfsync always", "redis_always"),
    ("2a Chronicle Queue, per batch", f"Journal, force every {batch}", "journal_batch",
     f"Chronicle Queue, sync every {batch}", "chronicle_batch"),
    ("2b Chronicle Queue, per record", "Journal, force every record", "journal_one",
     "Chronicle Queue, sync every record", "chronicle_one"),
    ("3 NATS JetStream", "watchpostd, fsync batch", "wp_batch", "publishAsync + Nats-Msg-Id, file stream", "nats"),
]
print(f"events/s: min / median / max over {runs} runs; ratio: of the medians (range: min / max of the runs' own ratios)")
print()
print("| scenario | Watchpost | events/s | peer | events/s | Watchpost/peer | range |")
print("|---|---|---:|---|---:|---:|---:|")
for scenario, wp, wk, peer, pk in rows:
    wtext, wmed = mmm(wk)
    ptext, pmed = mmm(pk)
    ratio = f"{wmed / pmed:.2f}" if wmed and pmed else "n/a"
    per_run = [rates[wk][r] / rates[pk][r] for r in range(1, runs + 1)
               if r in rates.get(wk, {}) and r in rates.get(pk, {}) and rates[pk][r] > 0]
    spread = f"{min(per_run):.2f}–{max(per_run):.2f}" if per_run else "n/a"
    print(f"| {scenario} | {wp} | {wtext} | {peer} | {ptext} | {ratio} | {spread} |")
EOF
echo
echo "Per-run output in $out/ (files end in the run's number; events/s of every run in rates.tsv)"
