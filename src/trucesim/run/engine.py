"""Replications: (scenario, root seed, index) -> outcome, and many of them in chunks.

No file I/O, no printing, no global state (DESIGN.md §5.1). A replication is fully
determined by its scenario, the run's root seed and its index, so chunks can run in any
order on any worker and still add up to the same summary.
"""

from __future__ import annotations

import gc
from array import array
from collections.abc import Callable, Generator, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from types import MappingProxyType
from typing import Any

import numpy as np

from trucesim.model import actors, outcomes
from trucesim.model.run import run as run_replication
from trucesim.model.state import TruceState
from trucesim.model.streams import BLOCK, Draws, block_of, draw, draw_block
from trucesim.run import measures
from trucesim.run.assumptions import Plan
from trucesim.run.executors import Executor, SerialExecutor
from trucesim.run.measures import Totals
from trucesim.run.stats import LIMIT, Aggregate, ModelRangeError
from trucesim.scenario.schema import Scenario

Value = int | float | str | None


@dataclass(frozen=True)
class Replication:
    """One run of the truce: its outcome record, daily trajectory and (optional) log."""

    index: int
    record: Mapping[str, Value]
    daily: np.ndarray  # (days, series) in natural units; columns as outcomes.series()
    events: tuple[Any, ...]  # typed events (trucesim.model.events.Event), in order

    def column(self, name: str) -> np.ndarray:
        """One daily series, by name."""
        names = [s.name for s in outcomes.series()]
        return self.daily[:, names.index(name)]


def play(scenario: Scenario, seed: int, index: int, log: bool = False,
         draws: Draws | None = None) -> TruceState:
    """Run replication `index` of a run seeded with `seed`; return its final state."""
    draws = draws or draw(scenario, seed, index, actors.ACTORS)
    return run_replication(scenario, draws, [] if log else None)


def simulate(scenario: Scenario, seed: int, index: int = 0, *, log: bool = False) -> Replication:
    """One replication as a flat, read-only record (plus its day-by-day trajectory)."""
    st = play(scenario, seed, index, log)
    fields = outcomes.fields(scenario)
    stored = outcomes.row(fields, st)
    record = {f.name: f.decode(v) for f, v in zip(fields, stored, strict=True)}
    daily = np.array(st.daily, dtype=np.float64).reshape(-1, len(outcomes.series()))
    return Replication(index, MappingProxyType(record), daily, tuple(st.log or ()))


@dataclass(frozen=True)
class Chunk:
    """Stored outcome records of replications start..stop-1, in index order."""

    start: int
    values: np.ndarray  # (n, fields) int64
    daily: np.ndarray  # (n, days, series) int64, stored units


def run_chunk(scenario: Scenario, seed: int, start: int, stop: int) -> Chunk:
    """Replications start..stop-1 as arrays of stored integers."""
    # flat C arrays rather than lists: they grow cheaply and the garbage collector, which
    # walks every list it tracks, has nothing to walk in them
    rows = array("q")
    notes = array("d")
    registered = actors.ACTORS
    fields = outcomes.fields(scenario)
    series = outcomes.series()
    row = outcomes.reader(fields)
    blocks: dict[int, list[Draws]] = {}
    with _collect_per_block() as collect:
        for index in range(start, stop):
            block, r = block_of(index)
            if block not in blocks:
                collect()
                blocks = {block: draw_block(scenario, seed, block, registered)}
            st = run_replication(scenario, blocks[block][r], None)
            try:
                rows.extend(row(st))
            except OverflowError:
                raise ModelRangeError(f"replication {index} has an outcome beyond 64-bit "
                                      "integers") from None
            notes.extend(st.daily)
    n, days = stop - start, scenario.truce.window_days + 1
    values = np.frombuffer(rows, dtype=np.int64).reshape(n, len(fields))
    daily = np.frombuffer(notes, dtype=np.float64).reshape(n, days, len(series))
    scale = np.array([x.scale for x in series], dtype=np.float64)
    stored = np.floor(daily * scale + 0.5)
    if stored.size and not np.abs(stored).max() < LIMIT:  # also catches NaN
        raise ModelRangeError(f"replications {start} to {stop - 1}: a daily value is beyond "
                              "the range counted exactly (2**53)")
    return Chunk(start, values, stored.astype(np.int64))


@contextmanager
def _collect_per_block() -> Iterator[Callable[[], object]]:
    """Collect cyclic garbage once per block of replications instead of continually.

    A replication leaves a few hundred objects in reference cycles (simpy's events and
    processes); Python's collector, left to itself, also walks every long-lived object
    again and again, which costs a tenth of the run. Paused here, it is run on the young
    objects once per block (a few MB at most), and restored as it was afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield lambda: gc.collect(0)
    finally:
        if enabled:
            gc.enable()


@dataclass
class ChunkResult:
    """What a worker sends back: the chunk's aggregate and its rows as CSV text; for a
    run over parameter sets, also its set and the totals of every measure."""

    start: int
    stop: int
    aggregate: Aggregate
    csv_rows: str
    set_index: int = 0
    totals: Totals | None = None


def summarise_chunk(scenario: Scenario, seed: int, bounds: tuple[int, int]) -> ChunkResult:
    """Run a chunk and reduce it to an aggregate and CSV text (runs on a worker)."""
    start, stop = bounds
    chunk = run_chunk(scenario, seed, start, stop)
    fields = outcomes.fields(scenario)
    agg = Aggregate(fields, outcomes.series(), scenario.truce.window_days + 1)
    agg.add(chunk.values, chunk.daily)
    return ChunkResult(start, stop, agg, outcomes.csv_rows(fields, chunk.start, chunk.values))


def summarise_set_chunk(sets: tuple[Scenario, ...], seed: int,
                        item: tuple[int, int, int]) -> ChunkResult:
    """A chunk of parameter set k: its aggregate, CSV rows, and every measure's totals."""
    k, start, stop = item
    chunk = run_chunk(sets[k], seed, start, stop)
    fields = outcomes.fields(sets[k])
    agg = Aggregate(fields, outcomes.series(), sets[k].truce.window_days + 1)
    agg.add(chunk.values, chunk.daily)
    chosen = measures.from_fields(fields)
    totals = Totals(len(chosen))
    totals.add(measures.matrix(chosen, chunk.values))
    return ChunkResult(start, stop, agg, outcomes.csv_rows(fields, chunk.start, chunk.values),
                       k, totals)


def chunk_bounds(n: int, size: int) -> Iterator[tuple[int, int]]:
    """(start, stop) of each chunk of n replications, generated lazily (memory does not
    grow with n)."""
    return ((a, min(a + size, n)) for a in range(0, n, size))


def chunk_count(n: int, size: int) -> int:
    return -(-n // size)


def default_chunk_size(n: int, workers: int) -> int:
    """Whole blocks of replications; enough chunks to balance workers and show progress."""
    blocks = -(-n // BLOCK)
    return BLOCK * max(1, min(16, blocks // max(1, 8 * workers)))


def replicate(scenario: Scenario, seed: int, n: int, *, executor: Executor | None = None,
              chunk_size: int | None = None,
              plan: Plan | None = None) -> Generator[ChunkResult, None, None]:
    """Run n replications in chunks; yield each chunk's result in index order. With a plan
    of several parameter sets, no chunk mixes two sets."""
    executor = executor or SerialExecutor()
    size = chunk_size or default_chunk_size(n, executor.workers)
    if plan is None or not plan.uncertain:
        task: Callable[[tuple[int, int]], ChunkResult] = partial(summarise_chunk, scenario,
                                                                 seed)
        yield from executor.map(task, chunk_bounds(n, size))
        return
    items = ((k, a, min(a + size, stop)) for k, start, stop in plan.spans()
             for a in range(start, stop, size))
    yield from executor.map(partial(summarise_set_chunk, plan.sets, seed), items)
