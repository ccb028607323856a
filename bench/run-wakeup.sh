#!/usr/bin/env bash
# How late a thread wakes on this box, now: sleeps 1 ms over and over for SECONDS (default 20) and
# counts how much later than asked each sleep ended. On an idle box this is the machine's own floor
# (timer slack, the hypervisor); run it while a scenario of bench/run-spine.sh runs to see how long a
# thread that has just been woken waits for a core under that load. The daemon's stage threads and
# its I/O thread wait like this for every batch.
#   bench/run-wakeup.sh [SECONDS]
set -euo pipefail
python3 - "${1:-20}" <<'EOF_PY'
import sys, time
seconds = float(sys.argv[1])
edges = [2, 5, 10, 20, 50]          # ms late
counts = [0] * (len(edges) + 1)
worst = 0.0
sleeps = 0
end = time.monotonic() + seconds
while time.monotonic() < end:
    start = time.monotonic_ns()
    time.sleep(0.001)
    late = (time.monotonic_ns() - start) / 1e6 - 1
    sleeps += 1
    worst = max(worst, late)
    counts[next((i for i, e in enumerate(edges) if late < e), len(edges))] += 1
labels = [f"< {edges[0]} ms"] + [f"{a}-{b} ms" for a, b in zip(edges, edges[1:])] + [f">= {edges[-1]} ms"]
print(f"{sleeps:,} sleeps of 1 ms in {seconds:g} s; woken this much late:")
for label, n in zip(labels, counts):
    print(f"  {label:>9}  {n:>8,}  {100 * n / sleeps:6.2f} %")
print(f"  latest     {worst:.1f} ms")
EOF_PY
