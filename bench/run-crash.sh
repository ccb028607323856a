#!/usr/bin/env bash
# The crash harness: runs watchpostd as a child process under load from several detectors, kills it
# with SIGKILL K times at random moments, restarts it on the same data each time, and checks that
# every event ends up stored exactly once. Builds the jars first when they are missing.
#   bench/run-crash.sh            K = 20
#   bench/run-crash.sh 100        K = 100
#   bench/run-crash.sh 20 --detectors 4 --seed 42 --keep      extra arguments go to the harness
# Exit code: 0 all checks passed, 1 a check failed (the run directory is kept and printed), 2 bad options.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$here/config/jvm/launcher.sh"
cd "$here"
kills=20
if [ $# -gt 0 ] && [[ "$1" =~ ^[0-9]+$ ]]; then kills=$1; shift; fi
if [ ! -f bench/target/benchmarks.jar ] || [ ! -f daemon/target/watchpostd.jar ]; then
  mvn -B -q -pl daemon,bench -am package -DskipTests
fi
args="$(watchpost_jvm_args)"
exec java "@$args" -cp bench/target/benchmarks.jar dev.watchpost.bench.crash.CrashHarness \
  --kills "$kills" --daemon-jar daemon/target/watchpostd.jar --jvm-args "$args" "$@"
