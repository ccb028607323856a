# Shell functions the bench/run-*.sh scripts share; sourced, not run.

# A free loopback TCP port.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Prints the configuration file to start watchpostd with: config/watchpost.yml, or with THREADS set,
# a copy of it in directory $1 with that pipeline.threads (every other setting as in the default).
# $2: the repository's root.
pipeline_config() {
  if [ -z "${THREADS:-}" ]; then
    echo config/watchpost.yml
    return
  fi
  local config="$1/watchpost.yml"
  sed -e "s|^  threads: .*|  threads: $THREADS|" -e "s|^rules: rules.yml|rules: $2/config/rules.yml|" config/watchpost.yml >"$config"
  grep -qxF "  threads: $THREADS" "$config" || { echo "THREADS not set in $config" >&2; return 1; }
  echo "$config"
}
