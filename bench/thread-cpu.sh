#!/usr/bin/env bash
# Each thread's CPU, in % of one core, over a few seconds, for the given processes (the daemon and
# the load generator, say): user + system time from /proc/PID/task/TID/stat, before and after.
#   bench/thread-cpu.sh [SECONDS] PID...        SECONDS defaults to 10
set -euo pipefail
seconds=10
if [[ "${1:-}" =~ ^[0-9]+$ ]] && [ $# -gt 1 ]; then seconds=$1; shift; fi
[ $# -ge 1 ] || { echo "usage: bench/thread-cpu.sh [SECONDS] PID..." >&2; exit 2; }
sample() {
  for pid in "$@"; do
    for task in /proc/"$pid"/task/*; do
      # comm may hold spaces; the times are fields 14 and 15 after the closing parenthesis
      stat=$(cat "$task/stat" 2>/dev/null) || continue
      read -r -a fields <<<"${stat##*) }"   # fields[0] is field 3 (state): utime and stime are 11 and 12
      echo "$pid ${task##*/} ${fields[11]} ${fields[12]} $(cat "$task/comm" 2>/dev/null)"
    done
  done
}
before=$(sample "$@")
sleep "$seconds"
after=$(sample "$@")
python3 - "$seconds" "$(getconf CLK_TCK)" <<PY
import sys
seconds, hz = float(sys.argv[1]), int(sys.argv[2])
def parse(text):
    out = {}
    for line in text.splitlines():
        pid, tid, user, system, *name = line.split()
        out[(pid, tid)] = (int(user) + int(system), " ".join(name))
    return out
before, after = parse("""$before"""), parse("""$after""")
rows = []
for key, (ticks, name) in after.items():
    used = ticks - before.get(key, (ticks, name))[0]
    rows.append((100.0 * used / hz / seconds, key[0], name))
for share, pid, name in sorted(rows, reverse=True):
    if share >= 0.5:
        print(f"{share:6.1f} %  {pid:>7}  {name}")
PY
