"""A sweep: one scenario run at every point of a design, resumable point by point.

Each design point is the scenario with the point's values set (validated like a file),
run for the same number of replications with the same root seed as every other point, so
points differ only by their values (common random numbers). Points are written to
``OUT/sweep-<name>/points.csv`` in design order as they finish, one flushed line each.

Resuming: the sweep's identity (scenario digest, method, samples, factors and ranges,
seed, replications, design digest, trucesim version) is kept in ``manifest.json``. Run
again with the same identity, a sweep keeps the complete, matching rows of points.csv,
drops a partial last line, and computes only the points still missing; the final files
are byte-identical to those of an uninterrupted run. A directory holding a *different*
sweep is never resumed: the run stops with an error naming what differs, unless asked to
start afresh (``fresh=True``, the CLI's ``--fresh``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from trucesim import __version__
from trucesim.analysis.designs import MORRIS_LEVELS, Design
from trucesim.run import manifest as manifests
from trucesim.run.engine import chunk_bounds, chunk_count, default_chunk_size, run_chunk
from trucesim.run.executors import Executor, SerialExecutor
from trucesim.run.measures import Totals, matrix, select
from trucesim.run.output import (
    LineLog,
    dumps,
    prepare_directory,
    remove_files,
    write_text_atomic,
)
from trucesim.scenario.inputs import RESULTS_BYTES, read_text
from trucesim.scenario.load import ScenarioError, Variants, digest
from trucesim.scenario.schema import Scenario

# the outcomes recorded for every point (mean and 95% interval each)
POINT_MEASURES = ("p_collapsed", "p_permanent", "living_released", "bodies_released",
                  "detainees_freed_total", "territory_share_end", "aid_share_of_agreed",
                  "deaths_palestinians", "deaths_israelis", "deaths_averted", "end_day")
FILES = ["points.csv", "sensitivity.csv", "summary.md", "manifest.json"]


class SweepError(Exception):
    """A sweep that cannot run; `lines` are the problems, one per line."""

    def __init__(self, lines: Sequence[str]) -> None:
        self.lines = list(lines)
        super().__init__("\n".join(self.lines))


@dataclass(frozen=True)
class Sweep:
    """A scenario, a design over it whose every point was found valid, and how to build
    each point's scenario again when it runs (one at a time: memory stays flat)."""

    scenario: Scenario
    design: Design
    seed: int
    replications: int
    variants: Variants
    overrides: tuple[str, ...] = ()

    def point(self, i: int) -> Scenario:
        """The scenario of design point i."""
        return self.variants.load([*self.overrides, *self.design.overrides(i)])

    @property
    def directory_name(self) -> str:
        return f"sweep-{self.scenario.name}"

    def identity(self) -> dict[str, Any]:
        d = self.design
        out: dict[str, Any] = {
            "scenario": self.scenario.name, "scenario_digest": digest(self.scenario),
            "method": d.method, "samples": d.samples, "seed": self.seed,
            "replications": self.replications, "points": len(d),
            "factors": [{"key": f.key, "low": f.low, "high": f.high, "integer": f.integer}
                        for f in d.factors],
            "design_digest": d.digest(), "trucesim_version": __version__}
        if d.method == "morris":
            out["morris_levels"] = MORRIS_LEVELS
        return out

    def header(self) -> str:
        cells = ["point", *(f.key for f in self.design.factors)]
        for m in POINT_MEASURES:
            cells += [m, f"{m}_lo", f"{m}_hi"]
        return ",".join(cells) + "\n"


def prepare(path: Path, overrides: Sequence[str], design: Design, seed: int,
            replications: int, max_problems: int = 20) -> Sweep:
    """Check the scenario of every point (keeping none of them); SweepError listing the
    points that are invalid."""
    variants = Variants(path)
    scenario = variants.load(overrides)
    problems = []
    for i in range(len(design)):
        try:
            variants.load([*overrides, *design.overrides(i)])
        except ScenarioError as exc:
            values = ", ".join(design.overrides(i))
            problems += [f"sweep point {i} ({values}): {issue.path}: {issue.message}"
                         for issue in exc.issues]
    if problems:
        more = len(problems) - max_problems
        tail = [f"... and {more} more; narrow the --vary ranges"] if more > 0 else []
        raise SweepError(problems[:max_problems] + tail)
    return Sweep(scenario, design, seed, replications, variants, tuple(overrides))


def point_chunk(seed: int, item: tuple[int, Scenario, int, int]) -> tuple[int, Totals]:
    """Replications start..stop-1 of one design point, reduced to totals (on a worker)."""
    index, scenario, start, stop = item
    cols = matrix(select(scenario, POINT_MEASURES), run_chunk(scenario, seed, start, stop).values)
    totals = Totals(len(POINT_MEASURES))
    totals.add(cols)
    return index, totals


def row(sweep: Sweep, i: int, totals: Totals) -> str:
    """Point i's line of points.csv: its values, then each measure's mean, low, high."""
    cells = [str(i), *sweep.design.cells(i)]
    for j, m in enumerate(select(sweep.scenario, POINT_MEASURES)):
        cells += [f"{x:.6g}" for x in totals.interval(j, m)]
    return ",".join(cells) + "\n"


def finished_rows(sweep: Sweep, path: Path) -> tuple[int, int]:
    """(points done, bytes to keep): the complete rows of `path` that match the design."""
    data = path.read_bytes()
    header = sweep.header().encode()
    if not data.startswith(header):
        raise SweepError([f"{path} does not hold this sweep's points (its header differs); "
                          "use --fresh to start over"])
    keep, done = len(header), 0
    width = 1 + len(sweep.design.factors) + 3 * len(POINT_MEASURES)
    for line in data[len(header):].split(b"\n")[:-1]:  # the last piece has no newline
        cells = line.decode(errors="replace").split(",")
        if (done >= len(sweep.design) or len(cells) != width or cells[0] != str(done)
                or cells[1:1 + len(sweep.design.factors)] != sweep.design.cells(done)):
            break
        keep += len(line) + 1
        done += 1
    return done, keep


def _existing(sweep: Sweep, directory: Path) -> tuple[int, int]:
    """How much of an earlier run of this sweep can be kept; SweepError if it is another."""
    manifest, points = directory / "manifest.json", directory / "points.csv"
    if manifest.exists():
        try:
            old = json.loads(read_text(manifest, RESULTS_BYTES)).get("identity", {})
        except (OSError, ValueError, AttributeError):
            old = {}
        new = sweep.identity()
        if old != new:
            what = ", ".join(k for k in new if old.get(k) != new[k]) or "its settings"
            raise SweepError([f"{directory} holds a different sweep (differs in: {what}); "
                              "rerun with --fresh to replace it, or choose another --out"])
    elif points.exists():
        raise SweepError([f"{directory} holds points.csv but no manifest.json; rerun with "
                          "--fresh to replace it, or choose another --out"])
    return finished_rows(sweep, points) if points.exists() else (0, 0)


def _items(sweep: Sweep, first: int, size: int) -> Iterator[tuple[int, Scenario, int, int]]:
    """Every chunk of every point still to run, each point's scenario built when reached."""
    for i in range(first, len(sweep.design)):
        scenario = sweep.point(i)
        for start, stop in chunk_bounds(sweep.replications, size):
            yield i, scenario, start, stop


def run_points(sweep: Sweep, directory: Path, executor: Executor | None = None, *,
               fresh: bool = False, progress: Callable[[int], None] | None = None,
               force: bool = False) -> int:
    """Run every design point not yet in points.csv; return how many were already done.

    The directory is written in place, so that a sweep can resume; it must be absent,
    empty or hold trucesim's results (NotOurs otherwise, unless `force`).
    """
    executor = executor or SerialExecutor()
    prepare_directory(directory, force)
    if fresh:
        remove_files(directory, FILES)
    done, keep = _existing(sweep, directory)
    if done and progress is not None:
        progress(done)
    write_text_atomic(directory / "manifest.json", manifest(sweep, "running"))
    size = default_chunk_size(sweep.replications, executor.workers)
    per_point = chunk_count(sweep.replications, size)
    task = partial(point_chunk, sweep.seed)
    with LineLog(directory / "points.csv", sweep.header(), keep) as log:
        current: Totals | None = None
        chunks = 0
        for index, totals in executor.map(task, _items(sweep, done, size)):
            if current is None:
                current = totals
            else:
                current.merge(totals)
            chunks += 1
            if chunks == per_point:
                log.write(row(sweep, index, current))
                current, chunks = None, 0
                if progress is not None:
                    progress(1)
    return done


def manifest(sweep: Sweep, status: str) -> str:
    """manifest.json: the sweep's identity and status (no times: the files are exact)."""
    return dumps(manifests.sweep(sweep.identity(), status))
