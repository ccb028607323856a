#!/usr/bin/env bash
# What one group commit's fsync costs on this machine's disk: the floor under every ACK with
# journal.fsync batch. Times each force of commits the size the daemon makes at 100,000 events/s
# (55 records of 330 bytes, 250 µs apart), first on a plain file, then through Watchpost's journal,
# in a fresh directory under DIR (default: the system's temporary directory, where the other
# bench/run-*.sh scripts keep the daemon's data). Extra arguments go to the probe, e.g.:
#   bench/run-fsync.sh --commits 50000 --records 200
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$here/config/jvm/launcher.sh"
cd "$here"
[ -f bench/target/benchmarks.jar ] || mvn -B -q -pl bench -am package -DskipTests
dir=$(mktemp -d "${DIR:-${TMPDIR:-/tmp}}/watchpost-fsync.XXXXXX")
trap 'rm -rf "$dir"' EXIT
java "@$(watchpost_jvm_args)" -cp bench/target/benchmarks.jar dev.watchpost.bench.disk.FsyncProbe --dir "$dir" "$@"
