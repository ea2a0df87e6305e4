"""A run, end to end: replications -> streaming aggregate -> the results directory.

results/<scenario>/ receives summary.json, summary.md, replications.csv (one row per
replication, written as chunks finish), daily.csv (survival curve and daily
trajectories) and manifest.json (what produced the files). Everything is written to a
working directory and moved into place at the end (see :mod:`trucesim.run.output`).

An interrupted run writes the replications that finished, marked partial in every file
that describes them (manifest.json and summary.json: "status": "partial"; summary.md
says so at the top). It never replaces the complete results of an earlier run: those stay
in results/<scenario>/ and the partial ones go beside them, in results/<scenario>.partial/.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trucesim.model import actors, outcomes
from trucesim.run import assumptions, manifest, summary
from trucesim.run.engine import replicate
from trucesim.run.executors import Executor
from trucesim.run.interrupt import Stopped, stop_on_interrupt
from trucesim.run.measures import Totals, from_fields
from trucesim.run.output import ResultsDir, holds_complete_run
from trucesim.run.stats import Aggregate
from trucesim.scenario.assumptions import assumptions_markdown
from trucesim.scenario.schema import Scenario

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


class Interrupted(Exception):
    """A run stopped by Ctrl-C or SIGTERM; `directory` holds its partial results, if any,
    and `kept` the earlier complete results it did not replace, if there were any."""

    def __init__(self, done: int, requested: int, directory: Path | None,
                 kept: Path | None = None) -> None:
        super().__init__(f"interrupted after {done:,} of {requested:,} replications")
        self.done, self.requested, self.directory = done, requested, directory
        self.kept = kept


def partial_destination(destination: Path) -> Path:
    """Where an interrupted run's files go when `destination` holds a complete run."""
    return destination.with_name(destination.name + ".partial")


def run(scenario: Scenario, seed: int, n: int, out: Path, executor: Executor, *,
        sources: Sequence[str] = (), overrides: Sequence[str] = (),
        progress: Progress | None = None, chunk_size: int | None = None,
        parameter_sets: int | None = None, force: bool = False) -> RunResult:
    """Run `n` replications and write the results directory for `scenario`.

    The destination OUT/<name> is replaced only if trucesim wrote it (NotOurs otherwise,
    before anything runs), unless `force`. On Ctrl-C or SIGTERM the run stops after the
    chunk at hand (at once on a second one); if any replication finished, the files are
    written for those (a prefix of the replications, every CSV row whole) with the
    manifest's status 'partial', then :class:`Interrupted` is raised.
    """
    started = time.perf_counter()
    fields = actors.fields(scenario)
    agg = Aggregate(fields, actors.series(), scenario.truce.window_days + 1)
    sets = assumptions.plan(scenario, seed, n, parameter_sets)  # one, if nothing is uncertain
    per_set = [Totals(len(from_fields(fields))) for _ in sets.sets]
    destination = out / scenario.name
    with ResultsDir(destination, force) as results, stop_on_interrupt() as stop:
        csv = results.stream("replications.csv")
        csv.write(outcomes.csv_header(fields))
        chunks = replicate(scenario, seed, n, executor=executor, chunk_size=chunk_size,
                           plan=sets)
        try:
            for chunk in chunks:
                csv.write(chunk.csv_rows)
                agg.merge(chunk.aggregate)
                for k, totals in chunk.sets:
                    per_set[k].merge(totals)
                if progress is not None:
                    progress(chunk.stop - chunk.start)
                if stop.requested:
                    break
        except Stopped:
            pass  # a second Ctrl-C: what was counted is written below
        finally:
            chunks.close()  # stops the workers of a run cut short
        partial = agg.n < n
        if partial and agg.n == 0:
            raise Interrupted(0, n, None)  # nothing finished: nothing is written
        uncertainty = (assumptions.summarise(sets, per_set, fields) if sets.uncertain
                       else None)
        result = summary.build(scenario, agg, seed, uncertainty)
        if partial:
            result = summary.partial(result, n)
        if sets.uncertain:
            results.text("parameter_sets.csv", assumptions.sets_csv(sets))
        wall = time.perf_counter() - started
        results.text("summary.json", summary.to_json(result))
        record = manifest.run(scenario, seed, n, wall, executor.workers,
                              type(executor).__name__, sources, overrides)
        if partial:
            record = manifest.partial(record, agg.n)
        results.text("summary.md", summary.markdown(
            result, fields, assumptions_markdown(scenario, sources, overrides),
            partial=record.get("note", "") if partial else ""))
        results.text("daily.csv", daily_csv(agg))
        results.json("manifest.json", record)
        kept = destination if partial and holds_complete_run(destination) else None
        directory = results.commit(partial_destination(destination) if kept else None)
    if partial:
        raise Interrupted(agg.n, n, directory, kept)
    return RunResult(scenario, result, agg, directory, wall)
