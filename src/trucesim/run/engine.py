"""Replications: (scenario, root seed, index) -> outcome, and many of them in chunks.

No file I/O, no printing, no global state (DESIGN.md §5.1). A replication is fully
determined by its scenario, the run's root seed and its index, so chunks can run in any
order on any worker and still add up to the same summary.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from types import MappingProxyType
from typing import Any

import numpy as np

from trucesim.model import actors, mixed, outcomes
from trucesim.model.actors import recorder
from trucesim.model.declare import Outcome, RangeError
from trucesim.model.run import run as run_block
from trucesim.model.state import TruceState
from trucesim.model.streams import BLOCK, compact, draw, joined
from trucesim.run import measures
from trucesim.run.assumptions import Plan
from trucesim.run.executors import Executor, SerialExecutor
from trucesim.run.heap import keep_freed_memory
from trucesim.run.measures import Totals
from trucesim.run.stats import LIMIT, Aggregate, ModelRangeError
from trucesim.scenario.schema import Scenario

Value = int | float | str | None
BLOCK_SIZE = 8192  # replications one simpy environment steps at once (a multiple of BLOCK)
MIN_CHUNK = 2048  # the smallest chunk a run of more replications is cut into
COLLECT_FROM = 256  # blocks of this many replications or more are freed at once (run_chunk)


@dataclass(frozen=True)
class Replication:
    """One run of the truce: its outcome record, daily trajectory and (optional) log."""

    index: int
    record: Mapping[str, Value]
    daily: np.ndarray  # (days, series) in natural units; columns as actors.series()
    events: tuple[Any, ...]  # typed events (trucesim.model.events.Event), in order

    def column(self, name: str) -> np.ndarray:
        """One daily series, by name."""
        names = [s.name for s in actors.series()]
        return self.daily[:, names.index(name)]


def play(scenario: Scenario, seed: int, start: int, stop: int, log: bool = False,
         stored: bool = True) -> TruceState:
    """Run replications start..stop-1 of a run seeded with `seed` as one block; return
    the block's final state (daily series in stored units if `stored`)."""
    draws = draw(scenario, seed, start, stop, actors.ACTORS)
    return run_block(scenario, draws, stop - start, log, stored)


def simulate(scenario: Scenario, seed: int, index: int = 0, *, log: bool = False) -> Replication:
    """One replication (a block of one) as a flat, read-only record, with its day-by-day
    trajectory and, with `log`, its typed events."""
    st = play(scenario, seed, index, index + 1, log, stored=False)
    fields = actors.fields(scenario)
    stored = _stored(fields, st, index)[0].tolist()
    decoded = {f.name: f.decode(v) for f, v in zip(fields, stored, strict=True)}
    daily = st.parts.daily[:, :, 0].copy()
    return Replication(index, MappingProxyType(decoded), daily,
                       tuple(st.log[0]) if st.log else ())


def _stored(fields: tuple[Outcome, ...], st: TruceState, start: int) -> np.ndarray:
    try:
        return outcomes.read(fields, st)
    except RangeError:
        raise ModelRangeError(f"replications {start} to {start + st.n - 1}: an outcome is "
                              "beyond the range counted exactly (2**53)") from None


def _checked(daily: np.ndarray, start: int, n: int) -> np.ndarray:
    """A block's daily series in stored units, if all are counted exactly."""
    if daily.size and not -LIMIT < daily.min() <= daily.max() < LIMIT:
        raise ModelRangeError(f"replications {start} to {start + n - 1}: a daily value is "
                              "beyond the range counted exactly (2**53)")
    return daily


@dataclass(frozen=True)
class Chunk:
    """Stored outcome records of replications start..stop-1, in index order."""

    start: int
    values: np.ndarray  # (n, fields) int64
    daily: np.ndarray  # (n, days, series) int64, stored units (a view of a day-major array)

    @classmethod
    def joined(cls, chunks: Sequence[Chunk]) -> Chunk:
        """Consecutive chunks as one."""
        if len(chunks) == 1:
            return chunks[0]
        return cls(chunks[0].start, np.concatenate([c.values for c in chunks]),
                   np.concatenate([c.daily for c in chunks]))


def run_chunk(scenario: Scenario, seed: int, start: int, stop: int) -> Chunk:
    """Replications start..stop-1 as arrays of stored integers, in blocks of at most
    BLOCK_SIZE replications each stepped by one simpy environment.

    A block's state (tens of MB of arrays) is held in reference cycles by its simpy
    processes, and Python frees cycles of long-lived objects only in its rare full
    collections: without a collection after each block, a worker's memory grew to 830 MB
    over a long run (measured at -n 10**12, -w 2). A collection costs about 13 ms in a
    process that has imported the command line, under 1 ms where what the process held
    before is frozen out of the collections (a pool worker; a serial run's chunks, see
    executors._frozen), against 200 ms for a block of 2,048 replications; small blocks (a
    calibration's, a story's) hold little and make many objects, which trigger Python's
    own collections, so they skip it.
    """
    keep_freed_memory()
    fields = actors.fields(scenario)
    values, daily = [], []
    for a in range(start, stop, BLOCK_SIZE):
        b = min(a + BLOCK_SIZE, stop)
        st = play(scenario, seed, a, b)
        values.append(_stored(fields, st, a))
        stored = _checked(st.parts.daily, a, b - a)  # (day, series, replication)
        daily.append(stored)
        del st, stored
        if b - a >= COLLECT_FROM:
            gc.collect()  # see above
    by_day = daily[0] if len(daily) == 1 else np.concatenate(daily, axis=2)
    return Chunk(start, np.concatenate(values), by_day.transpose(2, 0, 1))


@dataclass(frozen=True)
class Piece:
    """Replications start..stop-1 of a run of `scenario` seeded with `seed`."""

    scenario: Scenario
    seed: int
    start: int
    stop: int


def run_mixed(pieces: Sequence[Piece]) -> list[Chunk]:
    """Pieces of several parameter sets (the sets of a run, the particles of a
    calibration), each as :func:`run_chunk` of the piece alone gives it, in blocks of at
    most BLOCK_SIZE replications that hold pieces of many sets.

    Each piece keeps its own random numbers; the parameters that differ between the pieces
    of a block are arrays over it (:mod:`trucesim.model.mixed`). Sets that cannot share
    a block (:class:`~trucesim.model.mixed.Unmixable`) run alone.
    """
    out: list[list[Chunk]] = [[] for _ in pieces]
    block: list[tuple[int, Piece]] = []
    room = BLOCK_SIZE
    for i, p in enumerate(pieces):
        a = p.start
        while a < p.stop:
            b = min(p.stop, a + room)
            block.append((i, Piece(p.scenario, p.seed, a, b)))
            room -= b - a
            a = b
            if not room:
                _run_block_of(block, out)
                block, room = [], BLOCK_SIZE
    if block:
        _run_block_of(block, out)
    return [Chunk.joined(parts) for parts in out]


def _run_block_of(block: list[tuple[int, Piece]], out: list[list[Chunk]]) -> None:
    keep_freed_memory()
    pieces = [p for _, p in block]
    try:
        scenario = mixed.stacked([p.scenario for p in pieces],
                                 [p.stop - p.start for p in pieces])
    except mixed.Unmixable:
        for i, p in block:
            out[i].append(run_chunk(p.scenario, p.seed, p.start, p.stop))
        return
    parts = [{name: compact(numbers) for name, numbers in
              draw(p.scenario, p.seed, p.start, p.stop, actors.ACTORS).items()}
             for p in pieces]
    draws = {name: joined([part[name] for part in parts]) for name in parts[0]}
    n = sum(p.stop - p.start for p in pieces)
    st = run_block(scenario, draws, n)
    values = _stored(actors.fields(scenario), st, pieces[0].start)
    daily = _checked(st.parts.daily, pieces[0].start, n)
    del st, draws, parts
    if n >= COLLECT_FROM:
        gc.collect()  # see run_chunk
    a = 0
    for i, p in block:
        b = a + p.stop - p.start
        out[i].append(Chunk(p.start, values[a:b], daily[:, :, a:b].transpose(2, 0, 1)))
        a = b


@dataclass
class ChunkResult:
    """What a worker sends back: the chunk's aggregate and its rows as CSV text; for a
    run over parameter sets, also the totals of every measure in each set it holds."""

    start: int
    stop: int
    aggregate: Aggregate
    csv_rows: str
    sets: tuple[tuple[int, Totals], ...] = ()  # (set, its totals)


def summarise_chunk(scenario: Scenario, seed: int, bounds: tuple[int, int]) -> ChunkResult:
    """Run a chunk and reduce it to an aggregate and CSV text (runs on a worker)."""
    start, stop = bounds
    chunk = run_chunk(scenario, seed, start, stop)
    fields = actors.fields(scenario)
    agg = Aggregate(fields, actors.series(), scenario.truce.window_days + 1)
    agg.add(chunk.values, chunk.daily)
    rows = outcomes.csv_rows(fields, chunk.start, chunk.values)
    recycle(chunk)
    return ChunkResult(start, stop, agg, rows)


def recycle(chunk: Chunk) -> None:
    """A chunk read for the last time: its daily snapshots may serve the next block."""
    if isinstance(chunk.daily.base, np.ndarray):  # chunk.daily is a view of the snapshots
        recorder.recycle(chunk.daily.base)


def summarise_sets_chunk(plan: Plan, seed: int, bounds: tuple[int, int]) -> ChunkResult:
    """Replications start..stop-1 of a run over the plan's parameter sets (a chunk may
    hold several): the aggregate, CSV rows, and every measure's totals in each set."""
    owners = pieces_of(plan, seed, *bounds)
    chunks = run_mixed([p for _, p in owners])
    fields = actors.fields(plan.sets[0])
    agg = Aggregate(fields, actors.series(), plan.sets[0].truce.window_days + 1)
    rows, sets = [], []
    for (k, _), chunk in zip(owners, chunks, strict=True):
        own = actors.fields(plan.sets[k])
        agg.add(chunk.values, chunk.daily)
        rows.append(outcomes.csv_rows(own, chunk.start, chunk.values))
        chosen = measures.from_fields(own)
        totals = Totals(len(chosen))
        totals.add(measures.matrix(chosen, chunk.values))
        sets.append((k, totals))
    return ChunkResult(*bounds, agg, "".join(rows), tuple(sets))


def pieces_of(plan: Plan, seed: int, start: int, stop: int) -> list[tuple[int, Piece]]:
    """Replications start..stop-1 of a run over the plan's sets: (set, piece) for each
    set they fall in."""
    return [(k, Piece(plan.sets[k], seed, max(a, start), min(b, stop)))
            for k, a, b in plan.spans() if a < stop and b > start and a < b]


def chunk_bounds(n: int, size: int) -> Iterator[tuple[int, int]]:
    """(start, stop) of each chunk of n replications, generated lazily (memory does not
    grow with n)."""
    return ((a, min(a + size, n)) for a in range(0, n, size))


def chunk_count(n: int, size: int) -> int:
    return -(-n // size)


def default_chunk_size(n: int, workers: int) -> int:
    """Whole draw blocks of replications: one engine block (BLOCK_SIZE), or fewer (at least
    MIN_CHUNK) so that each worker has four chunks at least (to share the work out, and
    so that a run in one process shows its progress), or the whole of a smaller run."""
    per_chunk = -(-n // (4 * max(1, workers)))
    size = min(max(per_chunk, MIN_CHUNK), BLOCK_SIZE, n)
    return BLOCK * -(-size // BLOCK)


def replicate(scenario: Scenario, seed: int, n: int, *, executor: Executor | None = None,
              chunk_size: int | None = None,
              plan: Plan | None = None) -> Generator[ChunkResult, None, None]:
    """Run n replications in chunks; yield each chunk's result in index order. With a plan
    of several parameter sets, a chunk may hold replications of several."""
    executor = executor or SerialExecutor()
    size = chunk_size or default_chunk_size(n, executor.workers)
    if plan is None or not plan.uncertain:
        task: Callable[[tuple[int, int]], ChunkResult] = partial(summarise_chunk, scenario,
                                                                 seed)
        yield from executor.map(task, chunk_bounds(n, size))
        return
    yield from executor.map(partial(summarise_sets_chunk, plan, seed), chunk_bounds(n, size))
