#!/usr/bin/env bash
# Each thread's CPU, in % of one core, over a few seconds, for the given processes (the daemon and
# the load generator, say): user + system time from /proc/PID/task/TID/stat, before and after; and
# its context switches per second from .../status: voluntary (it blocked: a wait, a read, a lock)
# and involuntary (the scheduler took the core from it).
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
      switches=$(awk '/^voluntary_ctxt_switches/ {v = $2} /^nonvoluntary_ctxt_switches/ {n = $2} END {print v + 0, n + 0}' "$task/status" 2>/dev/null) || continue
      echo "$pid ${task##*/} ${fields[11]} ${fields[12]} $switches $(cat "$task/comm" 2>/dev/null)"
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
        pid, tid, user, system, voluntary, involuntary, *name = line.split()
        out[(pid, tid)] = (int(user) + int(system), int(voluntary), int(involuntary), " ".join(name))
    return out
before, after = parse("""$before"""), parse("""$after""")
rows = []
for key, (ticks, voluntary, involuntary, name) in after.items():
    was = before.get(key, (ticks, voluntary, involuntary, name))
    rows.append((100.0 * (ticks - was[0]) / hz / seconds, (voluntary - was[1]) / seconds, (involuntary - was[2]) / seconds, key[0], name))
print(f"{'CPU':>8}  {'switches/s: voluntary':>21}  {'involuntary':>11}  {'pid':>7}  thread")
for share, voluntary, involuntary, pid, name in sorted(rows, reverse=True):
    if share >= 0.5:
        print(f"{share:6.1f} %  {voluntary:21,.0f}  {involuntary:11,.0f}  {pid:>7}  {name}")
PY
