"""The recorder: a snapshot of the truce at the end of every day, for the daily trajectories.

It reads each registered actor's daily series (:class:`~trucesim.model.declare.Series`,
``st.series``, set by the run) in registry order, then its own two: whether the truce
still holds (has not collapsed) and whether it is in crisis, for every replication of
the block at once: in its stored unit (``round(value * scale)``, an integer) for a run's
aggregates, or as each value was (for one replication told or charted).
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter

import numpy as np

from trucesim.model.declare import Actor, Series
from trucesim.model.state import RECORD, Proc, TruceState, at

NAME = "recorder"
TRUCE_SERIES = (Series("holding", "share of runs", "truce_holds"),
                Series("in_crisis", "share of runs", "in_crisis"))


_spare: list[np.ndarray] = []  # a block's snapshots, handed back once read (recycle)


def start(st: TruceState) -> None:
    days = st.scenario.truce.window_days + 1
    reads = tuple(attrgetter(x.attribute) for x in st.series)
    kind = np.int64 if st.stored_daily else np.float64
    shape = (days, len(reads), st.n)
    try:  # every cell is written, day by day: a spare of the same shape serves as it is
        spare = _spare.pop()
    except IndexError:
        spare = None
    fits = spare is not None and spare.shape == shape and spare.dtype == kind
    st.parts.daily = spare if fits else np.zeros(shape, dtype=kind)
    st.env.process(recorder(st, reads))


def recycle(snapshots: np.ndarray) -> None:
    """Hand back a block's snapshots (``st.parts.daily``) that nothing will read again, for
    the next block to write over: an array of a block of 8,192 (52 MB) is larger than
    malloc keeps for reuse (:mod:`trucesim.run.heap`), and fresh pages cost a tenth of
    the block's time. Only the engine's own summaries call this, once they have read the
    snapshots."""
    if snapshots.base is None and snapshots.flags.c_contiguous and snapshots.flags.writeable:
        _spare[:] = [snapshots]  # an array of its own, laid out as the recorder writes


def recorder(st: TruceState, reads: tuple[Callable[[TruceState], np.ndarray], ...]) -> Proc:
    """A snapshot at the end of each day: (day, series, replication)."""
    daily: np.ndarray = st.parts.daily
    scales = [x.scale for x in st.series]
    stored = daily.dtype == np.int64
    for day in range(st.scenario.truce.window_days + 1):
        yield at(st.env, day, RECORD)
        for k, read in enumerate(reads):
            value = read(st)
            if stored and value.dtype.kind == "f":
                value = np.floor(value * scales[k] + 0.5)
            elif stored and scales[k] != 1:
                value = value * scales[k]
            daily[day, k] = value


ACTOR = Actor(NAME, start, series=TRUCE_SERIES)
