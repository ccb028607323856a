#!/usr/bin/env bash
# Each thread's CPU, in % of one core, over a few seconds, for the given processes (the daemon and
# the load generator, say): user + system time from /proc/PID/task/TID/stat, before and after; and
# its context switches per second from .../status: voluntary (it blocked: a wait, a read, a lock)
# and involuntary (the scheduler took the core from it); and from .../schedstat how long it waited
# for a core while ready to run (in % of the time: a thread that is never idle shows CPU + wait near
# 100 %), and that wait per time it was given a core, in µs. Waits need a kernel with schedstats
# (/proc/PID/task/TID/schedstat); without them those columns show "-".
#   bench/thread-cpu.sh [SECONDS] PID...        SECONDS defaults to 10
set -euo pipefail
seconds=10
if [[ "${1:-}" =~ ^[0-9]+$ ]] && [ $# -gt 1 ]; then seconds=$1; shift; fi
[ $# -ge 1 ] || { echo "usage: bench/thread-cpu.sh [SECONDS] PID..." >&2; exit 2; }
exec python3 - "$seconds" "$(getconf CLK_TCK)" "$@" <<'PY'
import os, sys, time
seconds, hz, pids = float(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]

def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None

def sample():
    """Each thread's CPU ticks, switches, schedstat wait and slices, name, and when it was read."""
    out = {}
    for pid in pids:
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tids:
            task = f"/proc/{pid}/task/{tid}"
            stat, status = read(f"{task}/stat"), read(f"{task}/status")
            if stat is None or status is None:
                continue
            name = stat[stat.index("(") + 1:stat.rindex(")")]
            fields = stat[stat.rindex(")") + 2:].split()  # fields[0] is field 3 (state): utime and stime are 11 and 12
            switches = {key: int(value) for key, value in (line.split(":") for line in status.splitlines()
                        if line.startswith(("voluntary_ctxt_switches:", "nonvoluntary_ctxt_switches:")))}
            schedstat = (read(f"{task}/schedstat") or "").split()
            wait = (int(schedstat[1]), int(schedstat[2])) if len(schedstat) >= 3 else None
            out[(pid, tid)] = (int(fields[11]) + int(fields[12]), switches.get("voluntary_ctxt_switches", 0),
                               switches.get("nonvoluntary_ctxt_switches", 0), wait, name, time.monotonic())
    return out

before = sample()
time.sleep(seconds)
after = sample()
rows = []
for key, (ticks, voluntary, involuntary, wait, name, at) in after.items():
    was = before.get(key)
    if was is None:
        continue
    elapsed = at - was[5]  # this thread's own interval: reading every thread takes a while under load
    waiting = per_slice = "-"
    if wait is not None and was[3] is not None:
        waited, slices = wait[0] - was[3][0], wait[1] - was[3][1]
        waiting = f"{100.0 * waited / 1e9 / elapsed:.1f} %"
        per_slice = f"{waited / 1e3 / slices:,.0f}" if slices > 0 else "-"
    rows.append((100.0 * (ticks - was[0]) / hz / elapsed, (voluntary - was[1]) / elapsed, (involuntary - was[2]) / elapsed,
                 waiting, per_slice, key[0], key[1], name))
print(f"{'CPU':>8}  {'switches/s: voluntary':>21}  {'involuntary':>11}  {'waiting for a core':>18}  {'µs per slice':>12}  {'pid':>7}  {'tid':>7}  thread")
for share, voluntary, involuntary, waiting, per_slice, pid, tid, name in sorted(rows, reverse=True):
    if share >= 0.5:
        print(f"{share:6.1f} %  {voluntary:21,.0f}  {involuntary:11,.0f}  {waiting:>18}  {per_slice:>12}  {pid:>7}  {tid:>7}  {name}")
PY
