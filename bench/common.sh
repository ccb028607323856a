# Shell functions the bench/run-*.sh scripts share; sourced, not run.

# A free loopback TCP port.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Prints the configuration file to start watchpostd with: config/watchpost.yml, or with THREADS or
# PAGE_CACHE set, a copy of it in directory $1 with that pipeline.threads or journal.page_cache
# (every other setting as in the default). $2: the repository's root.
pipeline_config() {
  if [ -z "${THREADS:-}" ] && [ -z "${PAGE_CACHE:-}" ]; then
    echo config/watchpost.yml
    return
  fi
  local config="$1/watchpost.yml"
  sed -e "s|^rules: rules.yml|rules: $2/config/rules.yml|" config/watchpost.yml >"$config"
  if [ -n "${THREADS:-}" ]; then
    sed -i -e "s|^  threads: .*|  threads: $THREADS|" "$config"
    grep -qxF "  threads: $THREADS" "$config" || { echo "THREADS not set in $config" >&2; return 1; }
  fi
  if [ -n "${PAGE_CACHE:-}" ]; then
    sed -i -e "s|^  page_cache: .*|  page_cache: $PAGE_CACHE|" "$config"
    grep -qxF "  page_cache: $PAGE_CACHE" "$config" || { echo "PAGE_CACHE not set in $config" >&2; return 1; }
  fi
  echo "$config"
}
