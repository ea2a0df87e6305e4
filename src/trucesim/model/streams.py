"""Randomness: one root seed -> independent named random streams, in blocks of replications.

Each actor (:mod:`.actors`) draws its numbers from a stream of its own, before the
simulation starts, in shapes that depend only on the window and the schedule: one column
per day for daily processes, one per handover for the schedule (padded to at least
:data:`~trucesim.model.sampling.MIN_HANDOVERS`). So day *d* of a process always uses
column *d*, whatever happened earlier in the run.

Replications are grouped in draw blocks of :data:`BLOCK`; block *b* holds replications
``b * BLOCK`` to ``b * BLOCK + BLOCK - 1``. For each block and each named stream (one per
process of the model) there is one generator, seeded by
``SeedSequence(root, spawn_key=(b, k))`` with *k* the stream's fixed position in
:data:`STREAMS`. A block's numbers are drawn at once, vectorised, and replication *i*
takes row ``i % BLOCK`` of every array.

So replication *i* is the same whatever the chunking, the engine's block size, the
worker count or the executor, and two scenarios run with the same root seed meet the
same numbers, process by process and day by day (common random numbers), as long as the
shapes drawn agree (they depend only on the window and, padded, the schedule's length).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np

from trucesim.model.declare import Actor
from trucesim.scenario.schema import Scenario

BLOCK = 64
STREAMS: tuple[str, ...] = (
    "releases", "exchange", "withdrawal", "aid", "violations", "mediation",
    "negotiations", "war",
)
_INDEX = {name: k for k, name in enumerate(STREAMS)}


def index(stream: str) -> int:
    """The stream's position in the seed's spawn key: its place in :data:`STREAMS`, or, for
    the stream of an actor added later, a number derived from its name (so adding an
    actor changes no other stream)."""
    if stream in _INDEX:
        return _INDEX[stream]
    return len(STREAMS) + int.from_bytes(hashlib.sha256(stream.encode()).digest()[:8], "big")


def block_of(replication: int) -> tuple[int, int]:
    """(block, row within the block) of a replication."""
    return divmod(replication, BLOCK)


def generator(root_seed: int, block: int, stream: str) -> np.random.Generator:
    """The generator of one named stream for one block of replications."""
    seq = np.random.SeedSequence(root_seed, spawn_key=(block, index(stream)))
    return np.random.Generator(np.random.PCG64(seq))


Draws = dict[str, Any]  # the numbers of a block of replications: each actor's, by name


def rows(part: Any, lo: int, hi: int) -> Any:
    """Rows lo..hi-1 of an actor's draws: of every array field (first axis: replication),
    in dataclasses and tuples of them (None: nothing drawn)."""
    if isinstance(part, np.ndarray):
        return part[lo:hi]
    if part is None or isinstance(part, tuple):
        return part and tuple(rows(p, lo, hi) for p in part)
    if hasattr(part, "rows"):  # an actor's own (lazily drawn) numbers
        return part.rows(lo, hi)
    return dataclasses.replace(part, **{f.name: rows(getattr(part, f.name), lo, hi)
                                        for f in dataclasses.fields(part)})


def compact(part: Any) -> Any:
    """An actor's draws holding only their own rows: a copy of each array, so that rows
    taken from a draw block no longer keep the whole block alive."""
    if isinstance(part, np.ndarray):
        return part.copy()
    if part is None or isinstance(part, tuple):
        return part and tuple(compact(p) for p in part)
    if hasattr(part, "rows"):  # drawn lazily: holds no arrays yet
        return part
    return dataclasses.replace(part, **{f.name: compact(getattr(part, f.name))
                                        for f in dataclasses.fields(part)})


def joined(parts: Sequence[Any]) -> Any:
    """Draws of consecutive blocks as one (each array field concatenated by replication)."""
    first = parts[0]
    if len(parts) == 1:
        return first
    if isinstance(first, np.ndarray):
        return np.concatenate(parts)
    if first is None or isinstance(first, tuple):
        return first and tuple(joined([p[k] for p in parts]) for k in range(len(first)))
    if hasattr(first, "join"):
        return type(first).join(parts)
    return dataclasses.replace(first, **{f.name: joined([getattr(p, f.name) for p in parts])
                                         for f in dataclasses.fields(first)})


def draw(s: Scenario, root_seed: int, start: int, stop: int, actors: Sequence[Actor]) -> Draws:
    """The numbers of replications start..stop-1, each actor from its own stream."""
    blocks = range(start // BLOCK, (stop - 1) // BLOCK + 1)
    lo, hi = start - blocks[0] * BLOCK, stop - blocks[0] * BLOCK
    out: Draws = {}
    for a in actors:
        if a.draw is not None:
            parts = [a.draw(s, generator(root_seed, b, a.stream), BLOCK) for b in blocks]
            out[a.name] = rows(joined(parts), lo, hi)
    return out
