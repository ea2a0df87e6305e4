"""Peak memory of a command and all its child processes (e.g. trucesim's workers).

    python benchmarks/peak_memory.py trucesim run scenarios/base.toml -n 1000000 -q

Samples, once a second, the resident memory (VmRSS) of the command and every process it
started, and prints the peak of their sum and of the largest single process. Linux only
(reads /proc). `/usr/bin/time -v` reports only the largest single process.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as handle:
                parent = int(handle.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        kids.setdefault(parent, []).append(int(name))
    return kids


def _tree(pid: int) -> list[int]:
    kids, out, todo = _children(), [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        todo += kids.get(current, [])
    return out


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    started = time.perf_counter()
    process = subprocess.Popen(sys.argv[1:])
    peak_total = peak_single = 0.0
    while process.poll() is None:
        sizes = [_rss_mb(pid) for pid in _tree(process.pid)]
        peak_total = max(peak_total, sum(sizes))
        peak_single = max(peak_single, max(sizes, default=0.0))
        time.sleep(1)
    print(f"peak RSS, all processes together: {peak_total:.0f} MB; largest single process: "
          f"{peak_single:.0f} MB; wall {time.perf_counter() - started:.0f} s; "
          f"exit {process.returncode}", file=sys.stderr)
    return process.returncode


if __name__ == "__main__":
    sys.exit(main())
