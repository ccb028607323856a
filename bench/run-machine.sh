#!/usr/bin/env bash
# What this box's cores cost the daemon, apart from the daemon (dev.watchpost.bench.machine.MachineProbe):
# a clock read, a system call, a round trip between two threads that park until woken (the ring's
# blocking hand-over between stages), and the gaps in threads that only read the clock, first one
# thread, then one per core. Run it on the idle box: with every core busy, gaps that nothing on the
# box explains are the host taking the virtual CPUs away. Extra arguments go to the probe, e.g.:
#   bench/run-machine.sh --seconds 60
#   bench/run-machine.sh --help
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$here/config/jvm/launcher.sh"
cd "$here"
[ -f bench/target/benchmarks.jar ] || mvn -B -q -pl bench -am package -DskipTests
java "@$(watchpost_jvm_args)" -cp bench/target/benchmarks.jar dev.watchpost.bench.machine.MachineProbe "$@"
