#!/usr/bin/env bash
# Where runnable threads wait for a core, from the scheduler's own trace: records every context
# switch on the box for a few seconds (`perf sched record`, Debian package linux-perf) and prints,
# for each thread of the given processes (the daemon and the load generator, say):
#   - its CPU and switches per second, and how much of the time it was ready to run but not running
#     (waiting for a core), split by the length of each wait: under 50 µs (an ordinary wake-up),
#     50–500 µs, 0.5–2 ms, 2–10 ms and 10 ms or more;
# and for the box:
#   - how long every CPU was idle at once (gaps of 1 ms or more) while one of those threads was
#     waiting for a core: a core idle while a thread waits is not contention inside this box;
#   - where in a 100 ms period those gaps, and the waits of 2 ms or more, ended: the share that
#     ends in the busiest 2 ms of the period. Moments at random put about 2 % there; a CPU quota
#     on the host (CFS bandwidth control, whose period is 100 ms by default) stops the guest's
#     vCPUs until its next period and puts most of them there;
#   - what the first process's threads (the daemon's, say) waited behind: of their waits of 0.5 ms
#     or more, the time each thread (its name, all processes) ran meanwhile on the CPU the waiting
#     thread then ran on, and how much of that waiting another CPU spent idle.
#   bench/sched-waits.sh [SECONDS] PID...        SECONDS (the recording) defaults to 5
# The first second of the recording is left out of the figures (perf's own start-up). The trace
# (about 15 MB a second under load) is deleted afterwards.
set -euo pipefail
seconds=5
if [[ "${1:-}" =~ ^[0-9]+$ ]] && [ $# -gt 1 ]; then seconds=$1; shift; fi
[ $# -ge 1 ] || { echo "usage: bench/sched-waits.sh [SECONDS] PID..." >&2; exit 2; }
command -v perf >/dev/null || { echo "needs perf (Debian: apt-get install linux-perf)" >&2; exit 2; }
[ "$seconds" -ge 2 ] || { echo "SECONDS must be 2 or more: the first second is left out" >&2; exit 2; }
trace=$(mktemp -d)
trap 'rm -rf "$trace"' EXIT
perf sched record -k mono -o "$trace/sched.data" -- sleep "$seconds" >/dev/null 2>"$trace/record.err" \
  || { cat "$trace/record.err" >&2; exit 1; }
perf sched timehist -i "$trace/sched.data" >"$trace/timehist.txt" 2>/dev/null
exec python3 - "$trace/timehist.txt" "$@" <<'PY'
import bisect, collections, re, sys

path, pids = sys.argv[1], set(sys.argv[2:])
# timehist: time, [cpu], comm[tid/pid], wait time, sch delay, run time (ms); a row per switch-out
row = re.compile(r"^\s*(\d+\.\d+)\s+\[(\d+)\]\s+(.*?)\s+(\d+\.\d+)\s+(\d+\.\d+)\s+(\d+\.\d+)\s*$")
rows = []
with open(path) as f:
    for line in f:
        m = row.match(line)
        if m:
            at, cpu, task, _, delay, run = m.groups()
            rows.append((float(at), int(cpu), task, float(delay) / 1e3, float(run) / 1e3))
if not rows:
    sys.exit("perf recorded no context switches")
start = rows[0][0] + 1.0
rows = [r for r in rows if r[0] - r[4] >= start]
end = rows[-1][0]
span = end - start
cpus = sorted({r[1] for r in rows})

def ours(task):
    m = re.search(r"\[(\d+)/(\d+)\]$", task)
    return m is not None and m.group(2) in pids

BUCKETS = ((50e-6, "<50us"), (500e-6, "50-500us"), (2e-3, "0.5-2ms"), (10e-3, "2-10ms"), (float("inf"), ">=10ms"))
threads = collections.defaultdict(lambda: {"switches": 0, "run": 0.0, "wait": 0.0,
                                           "count": collections.Counter(), "sum": collections.Counter()})
idle = collections.defaultdict(list)
waits = []  # (from, to) of our threads' waits for a core
for at, cpu, task, delay, run in rows:
    if task.startswith("<idle>"):
        idle[cpu].append((at - run, at))
        continue
    if not ours(task):
        continue
    t = threads[task]
    t["switches"] += 1
    t["run"] += run
    t["wait"] += delay
    label = next(name for bound, name in BUCKETS if delay < bound)
    t["count"][label] += 1
    t["sum"][label] += delay
    if delay > 0:
        waits.append((at - run - delay, at - run))

print(f"{span:.1f} s of the scheduler's trace, {len(cpus)} CPUs, "
      f"idle {100 * sum(b - a for c in cpus for a, b in idle[c]) / span / len(cpus):.0f} % of the time")
print(f"{'CPU':>7} {'switches/s':>10} {'waiting':>8}   waits for a core by length: count / ms waited in all   thread")
for task, t in sorted(threads.items(), key=lambda kv: -kv[1]["run"]):
    if t["run"] / span < 0.005:
        continue
    parts = "  ".join(f"{name} {t['count'][name]}/{1e3 * t['sum'][name]:.0f}" for _, name in BUCKETS)
    print(f"{100 * t['run'] / span:5.1f} % {t['switches'] / span:10,.0f} {100 * t['wait'] / span:6.1f} %   {parts}   {task}")

def intersect(a, b):
    """The overlap of two sorted lists of intervals."""
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if hi > lo:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out

all_idle = sorted(idle[cpus[0]])
for cpu in cpus[1:]:
    all_idle = intersect(all_idle, sorted(idle[cpu]))

def same_phase(ends):
    """Of these moments, how many fall in the busiest 2 ms of a 100 ms period, and where that is."""
    phase = collections.Counter(int(end * 1000) % 100 for end in ends)
    best = max(range(100), key=lambda ms: phase[ms] + phase[(ms + 1) % 100])
    share = phase[best] + phase[(best + 1) % 100]
    return f"{share} of {len(ends)} ({100 * share / len(ends):.0f} %) end in the same 2 ms of a 100 ms period ({best}-{best + 2} ms)"

gaps = [(a, b) for a, b in all_idle if b - a >= 1e-3]
stalled = [(a, b) for a, b in gaps if any(wa < b and wb > a for wa, wb in waits)]
print(f"every CPU idle at once for 1 ms or more: {len(gaps)} times, {1e3 * sum(b - a for a, b in gaps):.0f} ms in all; "
      f"while a thread above waited for a core: {len(stalled)} times, {1e3 * sum(b - a for a, b in stalled):.0f} ms"
      + (f"; {same_phase([b for a, b in stalled])}" if stalled else ""))
long_ends = [b for a, b in waits if b - a >= 2e-3]
print(f"waits of 2 ms or more: {same_phase(long_ends)}" if long_ends else "waits of 2 ms or more: none")

# What the first process's long waits were spent behind: who ran on the CPU the waiting thread then
# got (the one it was queued on), and how long some other CPU sat idle meanwhile.
ran = collections.defaultdict(list)  # cpu -> (start, end, name) of every stretch on it, in order
for at, cpu, task, delay, run in rows:
    ran[cpu].append((at - run, at, re.sub(r"\[\d+(/\d+)?\]$", "", task).strip()))
ran_starts = {cpu: [s for s, _, _ in stretches] for cpu, stretches in ran.items()}

def ran_between(cpu, a, b):
    behind = collections.Counter()
    i = max(0, bisect.bisect_left(ran_starts[cpu], a) - 1)
    for s, e, name in ran[cpu][i:]:
        if s >= b:
            break
        if min(e, b) > max(s, a):
            behind[name] += min(e, b) - max(s, a)
    return behind

first = sys.argv[2]
behind = collections.Counter()
other_idle = waited = 0.0
count = 0
for at, cpu, task, delay, run in rows:
    m = re.search(r"\[(\d+)/(\d+)\]$", task)
    if m is None or m.group(2) != first or delay < 5e-4:
        continue
    a, b = at - run - delay, at - run
    count += 1
    waited += delay
    behind.update(ran_between(cpu, a, b))
    other_idle += max((ran_between(c, a, b)["<idle>"] for c in cpus if c != cpu), default=0.0)
if count:
    top = ", ".join(f"{name} {1e3 * t:.0f}" for name, t in behind.most_common(8))
    print(f"process {first}'s waits of 0.5 ms or more: {count}, {1e3 * waited:.0f} ms; behind (ms on that CPU): {top}; "
          f"another CPU idle meanwhile: {1e3 * other_idle:.0f} ms")
else:
    print(f"process {first}'s waits of 0.5 ms or more: none")
PY
