"""Randomness: one root seed -> independent named random streams, in blocks of replications.

Each actor (:mod:`.actors`) draws its numbers from a stream of its own, before the
simulation starts, in shapes that depend only on the window and the schedule: one row
per day for daily processes, one entry per handover for the schedule (padded to at least
:data:`~trucesim.model.sampling.MIN_HANDOVERS`). So day *d* of a process always uses
row *d*, whatever happened earlier in the run.

Replications are grouped in blocks of :data:`BLOCK`; block *b* holds replications
``b * BLOCK`` to ``b * BLOCK + BLOCK - 1``. For each block and each named stream (one per
process of the model) there is one generator, seeded by
``SeedSequence(root, spawn_key=(b, k))`` with *k* the stream's fixed position in
:data:`STREAMS`. A block's numbers are drawn at once, vectorised, and replication *i*
takes row ``i % BLOCK`` of every array.

So replication *i* is the same whatever the chunking, worker count or executor, and two
scenarios run with the same root seed meet the same numbers, process by process and day
by day (common random numbers), as long as the shapes drawn agree (they depend only on
the window and, padded, the schedule's length).
"""

from __future__ import annotations

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


Draws = dict[str, Any]  # one replication's numbers: each actor's, by actor name


def draw_block(s: Scenario, root_seed: int, block: int,
               actors: Sequence[Actor]) -> list[Draws]:
    """The numbers of every replication of a block, each actor from its own stream."""
    per_actor = {a.name: a.draw(s, generator(root_seed, block, a.stream), BLOCK)
                 for a in actors if a.draw is not None}
    return [{name: rows[r] for name, rows in per_actor.items()} for r in range(BLOCK)]


def draw(s: Scenario, root_seed: int, replication: int, actors: Sequence[Actor]) -> Draws:
    """The numbers of one replication (its whole block is drawn; use draw_block for many)."""
    block, row = block_of(replication)
    return draw_block(s, root_seed, block, actors)[row]
