"""Randomness: one root seed -> independent named random streams, in blocks of replications.

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

import numpy as np

BLOCK = 64
STREAMS: tuple[str, ...] = (
    "releases", "exchange", "withdrawal", "aid", "violations", "mediation",
    "negotiations", "war",
)
_INDEX = {name: k for k, name in enumerate(STREAMS)}


def block_of(replication: int) -> tuple[int, int]:
    """(block, row within the block) of a replication."""
    return divmod(replication, BLOCK)


def generator(root_seed: int, block: int, stream: str) -> np.random.Generator:
    """The generator of one named stream for one block of replications."""
    seq = np.random.SeedSequence(root_seed, spawn_key=(block, _INDEX[stream]))
    return np.random.Generator(np.random.PCG64(seq))
