# Shell functions the bench/run-*.sh scripts share; sourced, not run.

# A free loopback TCP port.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Prints the configuration file to start watchpostd with: config/watchpost.yml, or with THREADS,
# LINGER, PAGE_CACHE or FSYNC set, a copy of it in directory $1 with that pipeline.threads,
# pipeline.linger (0us, 500us), journal.page_cache (drop-behind or keep) or journal.fsync (always,
# batch or never); every other setting as in the default. $2: the repository's root.
pipeline_config() {
  if [ -z "${THREADS:-}" ] && [ -z "${LINGER:-}" ] && [ -z "${PAGE_CACHE:-}" ] && [ -z "${FSYNC:-}" ]; then
    echo config/watchpost.yml
    return
  fi
  local config="$1/watchpost.yml"
  config_copy config/watchpost.yml "$config" "$2"
  set_setting "$config" threads "${THREADS:-}" THREADS || return 1
  set_setting "$config" linger "${LINGER:-}" LINGER || return 1
  set_setting "$config" page_cache "${PAGE_CACHE:-}" PAGE_CACHE || return 1
  set_setting "$config" fsync "${FSYNC:-}" FSYNC || return 1
  echo "$config"
}

# Copies configuration file $1 to $2, its rules file named by absolute path under the repository's
# root $3 (a copy elsewhere no longer finds rules.yml beside it). A copy of a copy stays as it was.
config_copy() {
  sed -e "s|^rules: rules.yml|rules: $3/config/rules.yml|" "$1" >"$2"
}

# In configuration file $1, sets the two-space-indented key $2 to $3 when $3 is not empty ($4 names it in the error).
set_setting() {
  [ -n "$3" ] || return 0
  sed -i -e "s|^  $2: .*|  $2: $3|" "$1"
  grep -qxF "  $2: $3" "$1" || { echo "$4 not set in $1" >&2; return 1; }
}

# Starts watchpostd from repository root $1 (its ./watchpostd, built from its own sources) with
# configuration file $2 (relative to $1, or absolute) on the fresh data directory $3 and free loopback
# ports ($tcp_port, $http_port), its output in $4, and waits until it answers /v1/health. Sets
# $daemon_pid: the daemon's JVM (watchpostd execs java).
start_watchpostd() {
  rm -rf "$3"
  tcp_port=$(free_port); http_port=$(free_port)
  (cd "$1" && exec ./watchpostd --config "$2" --data-dir "$3" --tcp-port "$tcp_port" --udp-port 0 \
    --http-port "$http_port") >"$4" 2>&1 &
  daemon_pid=$!
  for _ in $(seq 1 60); do curl -sf "127.0.0.1:$http_port/v1/health" >/dev/null && return; sleep 0.5; done
  echo "daemon did not start" >&2; cat "$4" >&2; exit 1
}

# Stops the daemon start_watchpostd started, and waits for it to exit.
stop_watchpostd() { kill -TERM "$daemon_pid"; wait "$daemon_pid" || true; daemon_pid=; }

# That daemon's /v1/status after a run, beside its results as $out/$1.status.json (its
# ack_latency_us and journal_force_us cover the last minute).
keep_status() { curl -sf "127.0.0.1:$http_port/v1/status" >"$out/$1.status.json" || true; }

# One load generator run against that daemon, sampling its CPU and RSS: $1 names the results in $out
# ($1.json, $1.txt, $1.hlog), then the generator's options. Its exit code is in the JSON; the caller goes on.
load_watchpostd() {
  local name=$1; shift
  rm -f "$out/$name.json" "$out/$name.txt" "$out/$name.hlog"
  java -cp bench/target/benchmarks.jar dev.watchpost.bench.load.LoadGenerator --port "$tcp_port" \
    --daemon-pid "$daemon_pid" --json "$out/$name.json" --histogram-log "$out/$name.hlog" "$@" \
    >"$out/$name.txt" 2>/dev/null || true
}
