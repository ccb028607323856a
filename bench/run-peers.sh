#!/usr/bin/env bash
# Watchpost against its peers, on this box, in one run, with the same events (the load generator's
# frames, byte for byte) for the same time, and one table of events/s and ratios at the end:
#   1. Redis Streams (XADD pipelined, XREADGROUP, SET NX EX per receipt_id, XACK), appendfsync
#      everysec and always, against watchpostd with journal.fsync batch and always;
#   2. Chronicle Queue, excerpts of the journal's record size synced per batch, against the journal alone;
#   3. NATS JetStream, async publish with Nats-Msg-Id = receipt_id to a file stream, against watchpostd
#      ingest over TCP (fsync batch).
# Every server is private: started here on a free loopback port with a temporary directory, and
# stopped at the end. Environment: DURATION (15 s measured), WARMUP (5 s), PRODUCERS (2, as the load
# generator's connections), WINDOW (8192 per producer), BATCH (1024 records per force for the append runs).
#   bench/run-peers.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$here/config/jvm/launcher.sh"
cd "$here"
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

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_for() { for _ in $(seq 1 120); do eval "$1" >/dev/null 2>&1 && return 0; sleep 0.5; done; echo "not up: $1" >&2; return 1; }
stop() { kill -TERM "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
peer() { java "@$jvm_args" -cp bench/target/benchmarks.jar "dev.watchpost.bench.peers.$1" "${@:2}" \
  --producers "$PRODUCERS" --window "$WINDOW" --warmup "$WARMUP" --duration "$DURATION"; }
rate() { awk '/^events\/s / {print $2}' "$1"; }

# Each run leaves its events/s in $result (empty when it failed); servers are started in this shell,
# so that the EXIT trap stops whatever is still running.
# watchpostd on a fresh data directory with journal.fsync $1, driven by the load generator's closed loop.
watchpost() {
  local fsync=$1 tcp http dir="$tmp/watchpost-$1" pid
  tcp=$(free_port); http=$(free_port)
  mkdir -p "$dir"
  sed "s/^  fsync: batch /  fsync: $fsync /" config/watchpost.yml >"$dir/watchpost.yml"
  grep -q "fsync: $fsync " "$dir/watchpost.yml"
  ./watchpostd --config "$dir/watchpost.yml" --data-dir "$dir/data" --tcp-port "$tcp" --udp-port 0 --http-port "$http" \
    >"$out/watchpostd-$fsync.log" 2>&1 &
  pid=$!; pids+=("$pid")
  wait_for "curl -sf 127.0.0.1:$http/v1/health"
  java -cp bench/target/benchmarks.jar dev.watchpost.bench.load.LoadGenerator --port "$tcp" --rate 0 \
    --connections "$PRODUCERS" --window "$WINDOW" --warmup "$WARMUP" --duration "$DURATION" \
    --json "$out/watchpost-$fsync.json" >"$out/watchpost-$fsync.txt" 2>/dev/null || true
  stop "$pid"
  result=$(awk '/events\/s acked/ {print $3}' "$out/watchpost-$fsync.txt")
}

redis() {
  local fsync=$1 port dir="$tmp/redis-$1" pid
  port=$(free_port); mkdir -p "$dir"
  redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" --appendonly yes --appendfsync "$fsync" --save "" \
    >"$out/redis-$fsync.log" 2>&1 &
  pid=$!; pids+=("$pid")
  wait_for "redis-cli -p $port ping"
  peer RedisStreamsPeer --port "$port" >"$out/redis-$fsync.txt" 2>/dev/null || true
  stop "$pid"
  result=$(rate "$out/redis-$fsync.txt")
}

nats() {
  local port dir="$tmp/nats" pid
  port=$(free_port); mkdir -p "$dir"
  /usr/sbin/nats-server -a 127.0.0.1 -p "$port" -js -sd "$dir" >"$out/nats.log" 2>&1 &
  pid=$!; pids+=("$pid")
  wait_for "bash -c '</dev/tcp/127.0.0.1/$port'"
  peer NatsJetStreamPeer --url "nats://127.0.0.1:$port" >"$out/nats.txt" 2>/dev/null || true
  stop "$pid"
  result=$(rate "$out/nats.txt")
}

append_run() {   # $1 class, $2 name, $3 records per force
  peer "$1" --dir "$tmp/$2-$3" --batch "$3" >"$out/$2-$3.txt" 2>/dev/null || true
  rm -rf "$tmp/$2-$3"
  result=$(rate "$out/$2-$3.txt")
}

echo "run-peers: $(date -u +%FT%TZ), $(nproc) cores, ${WARMUP} s warm-up + ${DURATION} s measured per run, $PRODUCERS producers/connections, window $WINDOW" >&2
watchpost batch; wp_batch=$result;          echo "watchpostd fsync batch:        $wp_batch" >&2
watchpost always; wp_always=$result;        echo "watchpostd fsync always:       $wp_always" >&2
redis everysec; redis_everysec=$result;     echo "Redis appendfsync everysec:    $redis_everysec" >&2
redis always; redis_always=$result;         echo "Redis appendfsync always:      $redis_always" >&2
append_run JournalOnlyRun journal "$BATCH"; journal_batch=$result;          echo "journal, force/$BATCH:        $journal_batch" >&2
append_run ChronicleQueuePeer chronicle "$BATCH"; chronicle_batch=$result;  echo "Chronicle Queue, sync/$BATCH: $chronicle_batch" >&2
append_run JournalOnlyRun journal 1; journal_one=$result;                   echo "journal, force/1:             $journal_one" >&2
append_run ChronicleQueuePeer chronicle 1; chronicle_one=$result;           echo "Chronicle Queue, sync/1:      $chronicle_one" >&2
nats; nats_rate=$result;                    echo "NATS JetStream:                $nats_rate" >&2

row() { awk -v s="$1" -v w="$2" -v wv="$3" -v p="$4" -v pv="$5" 'BEGIN {
  r = (wv > 0 && pv > 0) ? sprintf("%.2f", wv / pv) : "n/a";
  printf "| %s | %s | %s | %s | %s | %s |\n", s, w, (wv == "" ? "failed" : sprintf("%\047.0f", wv)), p, (pv == "" ? "failed" : sprintf("%\047.0f", pv)), r }'; }
echo
echo "| scenario | Watchpost | events/s | peer | events/s | Watchpost/peer |"
echo "|---|---|---:|---|---:|---:|"
row "1a Redis Streams, everysec" "watchpostd, fsync batch" "$wp_batch" "XADD/XREADGROUP/SET NX EX/XACK, appendfsync everysec" "$redis_everysec"
row "1b Redis Streams, always" "watchpostd, fsync always" "$wp_always" "XADD/XREADGROUP/SET NX EX/XACK, appendfsync always" "$redis_always"
row "2a Chronicle Queue, per batch" "Journal, force every $BATCH" "$journal_batch" "Chronicle Queue, sync every $BATCH" "$chronicle_batch"
row "2b Chronicle Queue, per record" "Journal, force every record" "$journal_one" "Chronicle Queue, sync every record" "$chronicle_one"
row "3 NATS JetStream" "watchpostd, fsync batch" "$wp_batch" "publishAsync + Nats-Msg-Id, file stream" "$nats_rate"
echo
echo "Per-run output in $out/"
