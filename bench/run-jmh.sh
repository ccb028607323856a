#!/usr/bin/env bash
# Runs the JMH benchmarks of bench/ with the project's JVM flags for the running JDK (the same
# argument file the launchers and Surefire use). Extra arguments go to JMH, e.g.:
#   bench/run-jmh.sh EventValidatorBenchmark -prof gc
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$here/config/jvm/launcher.sh"
cd "$here"
[ -f bench/target/benchmarks.jar ] || mvn -B -q -pl bench -am package -DskipTests
args="$(watchpost_jvm_args)"
exec java "@$args" -jar bench/target/benchmarks.jar -jvmArgsPrepend "@$args" "$@"
