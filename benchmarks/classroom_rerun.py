"""The classroom page's own work for one slider move: a rerun of the page in Streamlit's
AppTest (in-process, no browser, no websocket), for a setting not seen before (its runs
are made) and for one seen before (everything comes from the shared store).

    python benchmarks/classroom_rerun.py [--rounds 9] [-n 1000] [--workers 1]

Prints the median and range of each kind (noisy machines: read the medians). Streamlit
runs every session's reruns in one process, so this time, summed over a class's moves,
bounds how many moves a second one server can answer.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "src" / "trucesim" / "teaching" / "classroom.py"
SLIDER = "assume:crisis.threshold"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("-n", type=int, default=1000, help="replications of each version")
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args()
    os.environ |= {"TRUCESIM_CLASSROOM_SCENARIO": str(ROOT / "scenarios" / "base.toml"),
                   "TRUCESIM_CLASSROOM_REPLICATIONS": str(args.n),
                   "TRUCESIM_CLASSROOM_WORKERS": str(args.workers)}
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(PAGE), default_timeout=600)
    at.run()
    at.toggle(key="skip").set_value(True).run()

    def move(value: float) -> float:
        t0 = time.perf_counter()
        at.slider(key=SLIDER).set_value(value).run()
        assert not at.exception, at.exception
        return time.perf_counter() - t0

    new = [move(round(8.0 + 0.2 * k, 1)) for k in range(args.rounds)]  # each run afresh
    seen = [move(round(8.0 + 0.2 * k, 1)) for k in range(args.rounds)]  # again: kept
    for label, xs in (("a setting not seen before", new), ("a setting seen before", seen)):
        print(f"{label}: median {statistics.median(xs):.3f} s (range {min(xs):.3f} to "
              f"{max(xs):.3f}, {len(xs)} moves, {args.n:,} replications, "
              f"{args.workers} worker{'s' if args.workers > 1 else ''})")


if __name__ == "__main__":
    main()
