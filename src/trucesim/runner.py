"""A run, end to end: replications -> streaming aggregate -> the results directory.

results/<scenario>/ receives summary.json, summary.md, replications.csv (one row per
replication, written as chunks finish), daily.csv (survival curve and daily
trajectories) and manifest.json (what produced the files). Everything is written to a
temporary directory and moved into place at the end (see :mod:`trucesim.output`).
"""

from __future__ import annotations

import platform
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trucesim import __version__, outcomes, registry, summary
from trucesim.engine import replicate
from trucesim.executors import Executor
from trucesim.interrupt import stop_on_interrupt
from trucesim.model import COMPILED
from trucesim.output import ResultsDir
from trucesim.scenario import digest, resolved
from trucesim.schema import Scenario
from trucesim.stats import Aggregate

Progress = Callable[[int], None]  # called with the number of replications just finished


@dataclass
class RunResult:
    scenario: Scenario
    summary: dict[str, Any]
    aggregate: Aggregate
    directory: Path
    wall_seconds: float


def daily_csv(agg: Aggregate) -> str:
    rows = agg.daily()
    header = list(rows[0])
    lines = [",".join(header)]
    for row in rows:
        lines.append(",".join(str(row[h]) if h == "day" else f"{row[h]:.6g}" for h in header))
    return "\n".join(lines) + "\n"


def manifest(scenario: Scenario, seed: int, n: int, wall: float, executor: Executor,
             sources: Sequence[str], overrides: Sequence[str]) -> dict[str, Any]:
    import numpy
    import simpy

    return {
        "status": "complete",
        "scenario": scenario.name,
        "scenario_files": list(sources),
        "overrides": list(overrides),
        "scenario_digest": digest(scenario),
        "seed": seed,
        "replications": n,
        "workers": executor.workers,
        "executor": type(executor).__name__,
        "trucesim_version": __version__,
        "python": sys.version.split()[0],
        "numpy": numpy.__version__,
        "simpy": simpy.__version__,
        "model_compiled": COMPILED,
        "platform": platform.platform(),
        "command": " ".join(["trucesim", *sys.argv[1:]]),
        "wall_seconds": round(wall, 3),
        "resolved_scenario": resolved(scenario),
    }


class Interrupted(Exception):
    """A run stopped by Ctrl-C; `directory` holds its partial results, if any."""

    def __init__(self, done: int, requested: int, directory: Path | None) -> None:
        super().__init__(f"interrupted after {done:,} of {requested:,} replications")
        self.done, self.requested, self.directory = done, requested, directory


def run(scenario: Scenario, seed: int, n: int, out: Path, executor: Executor, *,
        sources: Sequence[str] = (), overrides: Sequence[str] = (),
        progress: Progress | None = None, chunk_size: int | None = None) -> RunResult:
    """Run `n` replications and write the results directory for `scenario`.

    On Ctrl-C the run stops after the chunk at hand; if any replication finished, the
    files are written for those (a prefix of the replications, every CSV row whole) with
    the manifest's status 'partial', then :class:`Interrupted` is raised.
    """
    started = time.perf_counter()
    fields = outcomes.fields(scenario)
    agg = Aggregate(fields, scenario.truce.window_days + 1)
    destination = out / scenario.name
    with ResultsDir(destination) as results, stop_on_interrupt() as stop:
        csv = results.stream("replications.csv")
        csv.write(outcomes.csv_header(fields))
        chunks = replicate(scenario, seed, n, executor=executor, chunk_size=chunk_size)
        for chunk in chunks:
            csv.write(chunk.csv_rows)
            agg.merge(chunk.aggregate)
            if progress is not None:
                progress(chunk.stop - chunk.start)
            if stop.requested:
                chunks.close()  # cancels what is queued, waits for what is running
                break
        if stop.requested and agg.n == 0:
            raise Interrupted(0, n, None)  # nothing finished: nothing is written
        result = summary.build(scenario, agg, seed)
        wall = time.perf_counter() - started
        results.text("summary.json", summary.to_json(result))
        results.text("summary.md", summary.markdown(
            result, registry.assumptions_markdown(scenario, sources, overrides)))
        results.text("daily.csv", daily_csv(agg))
        record = manifest(scenario, seed, n, wall, executor, sources, overrides)
        if stop.requested:
            record |= {"status": "partial", "replications_completed": agg.n,
                       "note": "interrupted by the user: the files cover replications "
                               f"0 to {agg.n - 1} only"}
        results.json("manifest.json", record)
        directory = results.commit()
    if stop.requested:
        raise Interrupted(agg.n, n, directory)
    return RunResult(scenario, result, agg, directory, wall)
