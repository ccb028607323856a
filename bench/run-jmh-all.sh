#!/usr/bin/env bash
# Runs the whole JMH set of bench/ once with the allocation profiler (-prof gc): every benchmark with
# the fork, warm-up and measurement counts in its annotations (1 fork; mostly 3 x 1 s warm-up and
# 5 x 1 s measurement), and DedupStoreBenchmark at 1 M and 10 M receipts present. About 6 minutes on
# the 2-core target box, set-up included (prefilling 10 M receipts takes ~12 s a fork). Results go to
# the console and, as JSON, to bench/target/jmh-all.json (override with JMH_RESULT). Extra arguments
# go to JMH, e.g. a benchmark regex to run a subset:
#   bench/run-jmh-all.sh
#   bench/run-jmh-all.sh 'Journal|Pipeline'
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
result="${JMH_RESULT:-$here/bench/target/jmh-all.json}"
exec "$here/bench/run-jmh.sh" -foe true -prof gc -p keysPresent=1000000,10000000 -rf json -rff "$result" "$@"
