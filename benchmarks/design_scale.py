"""How long a deal-design search of 10^4 drafts takes (issue 22's target: 10^4 drafts x 20
states x 50 replications, 10^7 replications, in under 15 minutes on 2 cores).

    python benchmarks/design_scale.py                  # 100 x 100, all cores; writes the record
    python benchmarks/design_scale.py --population 10 --generations 3 --no-record

The shipped example (designs/july-2025.toml) with its population and generations raised,
run as `trucesim design` runs it (a process pool of all cores), into a temporary
folder. It records docs/performance/design.json: drafts proposed (population x
generations), distinct drafts run (repairs and repeats are run once), replications, the
search's wall time, the whole command's (with the re-evaluation and the scenario
discovery), and replications a second. docs/performance.md shows the record as
:func:`block` prints it (tests/test_performance_doc.py checks that).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RECORD = ROOT / "docs" / "performance" / "design.json"
DESIGN = ROOT / "designs" / "july-2025.toml"


def block(r: dict[str, Any]) -> str:
    """The record as docs/performance.md shows it."""
    minutes = r["search_seconds"] / 60
    return "\n".join([
        f"design search: {DESIGN.relative_to(ROOT).as_posix()}, population "
        f"{r['population']} x {r['generations']} generations = {r['proposed']:,} drafts "
        f"proposed",
        f"  distinct drafts run:   {r['run']:,} ({r['states']} states x "
        f"{r['replications_per_state']} replications each = "
        f"{r['replications']:,} replications)",
        f"  search wall time:      {r['search_seconds']:,.0f} s ({minutes:.1f} min) on "
        f"{r['workers']} workers, {r['replications'] / r['search_seconds']:,.0f} "
        "replications/s",
        f"  whole command:         {r['total_seconds']:,.0f} s (with re-evaluation on "
        f"{r['check_states']} fresh states and discovery on {r['explore_states']})",
        f"  machine:               {r['cpus']} cores, Python {r['python']}"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--population", type=int, default=100)
    parser.add_argument("--generations", type=int, default=100)
    parser.add_argument("--workers", type=int, default=0, help="0 = all cores")
    parser.add_argument("--no-record", action="store_true", help="do not write the record")
    args = parser.parse_args(argv)

    from trucesim.analysis import designload, designrun
    from trucesim.run.executors import close, cpu_count, make_executor

    d = designload.load(DESIGN)
    search = d.raw.search.model_copy(update={"population": args.population,
                                             "generations": args.generations})
    d = replace(d, raw=d.raw.model_copy(update={"search": search}))
    workers = args.workers or cpu_count()
    executor = make_executor(workers, "pool")
    started = time.perf_counter()
    last, seen = [started], [""]

    def progress(n: int, shown: str) -> None:
        last[0] = time.perf_counter()
        if shown != seen[0]:
            print(f"{last[0] - started:7.0f} s  {shown}", file=sys.stderr)
            seen[0] = shown

    try:
        with tempfile.TemporaryDirectory(prefix="trucesim-design-") as folder:
            result = designrun.run(d, Path(folder) / "out", executor, progress=progress)
    finally:
        close(executor)
    total = time.perf_counter() - started
    r = d.raw
    record = {"population": args.population, "generations": args.generations,
              "proposed": args.population * args.generations, "run": result.ran,
              "states": r.states, "replications_per_state": r.replications,
              "replications": result.ran * r.states * r.replications,
              "search_seconds": round(last[0] - started, 1),
              "total_seconds": round(total, 1), "workers": workers,
              "check_states": r.check.states, "explore_states": r.check.explore_states,
              "cpus": os.cpu_count(), "python": sys.version.split()[0],
              "pareto": len(result.pareto)}
    print(block(record))
    if not args.no_record:
        RECORD.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        print(f"recorded in {RECORD.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
