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
