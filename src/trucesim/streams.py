"""Randomness: one root seed -> a replication's named, independent random streams.

Replication *i* of a run seeded with *root* owns a PCG64 generator seeded by
``SeedSequence(root, spawn_key=(i,))``. Each named stream (one per process of the model)
is that generator advanced by ``(k + 1) * 2**96`` draws, *k* being the stream's fixed
position in :data:`STREAMS`: far enough apart never to overlap (PCG64's period is
2**128), and independent of what any other stream drew. So replication *i* is the same
whatever the worker count or executor, and two scenarios run with the same root seed
share their random history process by process (common random numbers).

Processes draw their whole block of numbers at once, at the start of a replication, in
fixed shapes (one row per day, one per handover); a change in one day's state therefore
never shifts the numbers another day uses.
"""

from __future__ import annotations

import numpy as np

STREAMS: tuple[str, ...] = (
    "releases", "exchange", "withdrawal", "aid", "violations", "mediation",
    "negotiations", "war",
)
_INDEX = {name: k for k, name in enumerate(STREAMS)}
_SPACING = 1 << 96


class Streams:
    """The named random streams of one replication."""

    __slots__ = ("_bitgen", "_generator", "_origin")

    def __init__(self, root_seed: int, replication: int) -> None:
        seq = np.random.SeedSequence(root_seed, spawn_key=(replication,))
        self._bitgen = np.random.PCG64(seq)
        self._generator = np.random.Generator(self._bitgen)
        self._origin = self._bitgen.state

    def get(self, name: str) -> np.random.Generator:
        """The generator positioned at the start of stream `name`.

        The returned generator is shared: draw everything the stream needs before asking
        for another stream.
        """
        self._bitgen.state = self._origin
        self._bitgen.advance((_INDEX[name] + 1) * _SPACING)
        return self._generator
