"""The classroom's update: the server-side time of one slider move (issue 20 target:
under 0.2 s for 1,000 replications), timed as `live.Store.run` on a fresh setting each
round (nothing from the cache), in-process as the classroom runs them.

    python benchmarks/classroom_update.py [--rounds 7] [-n 1000]

Prints the median and range of the rounds (noisy machines: read the median).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from trucesim.run.executors import SerialExecutor
from trucesim.scenario.load import load
from trucesim.teaching.live import Store

BASE = Path(__file__).resolve().parents[1] / "scenarios" / "base.toml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("-n", type=int, default=1000)
    args = parser.parse_args()
    store = Store(SerialExecutor())
    try:
        store.run(load(BASE), 3, args.n)  # the reference (and every import) first
        times = []
        for k in range(args.rounds):  # a new aid level each round: never cached
            moved = load(BASE, [f"aid.trucks_per_day_agreed={590 - k}"])
            started = time.perf_counter()
            timed = store.run(moved, 3, args.n)
            times.append(time.perf_counter() - started)
            assert not timed.kept
    finally:
        store.cleanup()
    print(f"classroom update, {args.n:,} replications: median {statistics.median(times):.3f} s "
          f"(range {min(times):.3f} to {max(times):.3f} s, {args.rounds} rounds)")


if __name__ == "__main__":
    main()
