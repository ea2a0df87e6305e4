"""Peak memory of a command and all its child processes (e.g. trucesim's workers).

    python benchmarks/peak_memory.py trucesim run scenarios/base.toml -n 1000000 -q
    python benchmarks/peak_memory.py --interrupt-after 15 \\
        trucesim run scenarios/base.toml -n 1000000000000 -q -o /tmp/peak

Samples, every `--every` seconds (default 1), the resident memory (VmRSS) of the command
and every process it started, and prints the peak of their sum and of the largest single
process. `--interrupt-after S` sends the command SIGINT (Ctrl-C) after S seconds, so that
a run too long to finish is measured while it runs and then while it writes its partial
results. Linux only (reads /proc). `/usr/bin/time -v` reports only the largest single
process. `--record FILE` keeps the measurement in FILE (JSON, one entry per command,
docs/performance/memory.json), with the replications the run's summary.json says it
did; docs/performance.md shows the record as :func:`render` prints it
(tests/test_performance_doc.py checks that).
"""

from __future__ import annotations

import datetime
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


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


def _written(args: list[str]) -> tuple[int | None, int | None]:
    """The replications a `trucesim run ... -o OUT` says in its summary.json it did, and
    the size of its replications.csv in bytes (None where unknown)."""
    if "-o" not in args or "run" not in args:
        return None, None
    from trucesim.scenario import ScenarioError, load

    out, scenario = Path(args[args.index("-o") + 1]), Path(args[args.index("run") + 1])
    try:
        where = out / load(scenario).name  # as the run names its folder (extends included)
        done = int(json.loads((where / "summary.json").read_text())["replications"])
        return done, (where / "replications.csv").stat().st_size
    except (OSError, KeyError, ValueError, ScenarioError):
        return None, None


def render(record: dict[str, Any]) -> list[str]:
    """The record's lines, as docs/performance.md shows them."""
    out = []
    for r in record["runs"]:
        stopped = (f", sent Ctrl-C after {r['interrupt_after']:g} s"
                   if r["interrupt_after"] is not None else "")
        done = f"{r['replications']:,}" if r["replications"] is not None else "?"
        size = (f"  replications.csv: {r['csv_bytes'] / 1e6:.0f} MB"
                if r.get("csv_bytes") is not None else "  replications.csv: ?")
        out += [f"$ {' '.join(r['command'])}",
                f"  {r['date']}: {done} replications in {r['wall_s']:.1f} s{stopped}, exit "
                f"{r['exit']}",
                f"  peak RSS: {r['peak_all_mb']:.0f} MB for all processes together, "
                f"{r['peak_largest_mb']:.0f} MB for the largest", size]
    return out


def main() -> int:
    args = sys.argv[1:]
    every, interrupt_after, record = 1.0, None, None
    while args[:1] in (["--every"], ["--interrupt-after"], ["--record"]) and len(args) > 1:
        if args[0] == "--every":
            every = float(args[1])
        elif args[0] == "--record":
            record = Path(args[1])
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
    wall = time.perf_counter() - started
    print(f"peak RSS, all processes together: {peak_total:.0f} MB; largest single process: "
          f"{peak_single:.0f} MB; wall {wall:.1f} s; exit {process.returncode}",
          file=sys.stderr)
    if record is not None:
        kept = json.loads(record.read_text()) if record.exists() else {"runs": []}
        done, size = _written(args)
        entry = {"command": args, "date": datetime.date.today().isoformat(),
                 "replications": done, "csv_bytes": size, "wall_s": round(wall, 1),
                 "interrupt_after": interrupt_after, "exit": process.returncode,
                 "peak_all_mb": round(peak_total), "peak_largest_mb": round(peak_single)}
        kept["runs"] = [r for r in kept["runs"] if r["command"] != args] + [entry]
        record.write_text(json.dumps(kept, indent=2) + "\n")
    return process.returncode


if __name__ == "__main__":
    sys.exit(main())
