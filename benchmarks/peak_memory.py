"""Peak memory of a command and all its child processes (e.g. trucesim's workers).

    python benchmarks/peak_memory.py trucesim run scenarios/base.toml -n 1000000 -q
    python benchmarks/peak_memory.py --interrupt-after 15 \\
        trucesim run scenarios/base.toml -n 1000000000000 -q -o /tmp/peak

Samples, every `--every` seconds (default 1), the resident memory (VmRSS) of the command
and every process it started, and prints the peak of their sum and of the largest single
process. `--interrupt-after S` sends the command SIGINT (Ctrl-C) after S seconds, so that
a run too long to finish is measured while it runs and then while it writes its partial
results. Linux only (reads /proc). `/usr/bin/time -v` reports only the largest single
process.
"""

from __future__ import annotations

import os
import signal
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


def rss_mb(pid: int) -> float:
    """A process's resident memory in MB (0 if it is gone); also used by tests/test_faults.py."""
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def main() -> int:
    args = sys.argv[1:]
    every, interrupt_after = 1.0, None
    while args[:1] in (["--every"], ["--interrupt-after"]) and len(args) > 1:
        if args[0] == "--every":
            every = float(args[1])
        else:
            interrupt_after = float(args[1])
        args = args[2:]
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    started = time.perf_counter()
    process = subprocess.Popen(args)
    peak_total = peak_single = 0.0
    interrupted = False
    while process.poll() is None:
        sizes = [rss_mb(pid) for pid in _tree(process.pid)]
        peak_total = max(peak_total, sum(sizes))
        peak_single = max(peak_single, max(sizes, default=0.0))
        if (interrupt_after is not None and not interrupted
                and time.perf_counter() - started >= interrupt_after):
            process.send_signal(signal.SIGINT)
            interrupted = True
        time.sleep(every)
    print(f"peak RSS, all processes together: {peak_total:.0f} MB; largest single process: "
          f"{peak_single:.0f} MB; wall {time.perf_counter() - started:.1f} s; "
          f"exit {process.returncode}", file=sys.stderr)
    return process.returncode


if __name__ == "__main__":
    sys.exit(main())
