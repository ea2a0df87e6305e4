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


def start(st: TruceState) -> None:
    days = st.scenario.truce.window_days + 1
    reads = tuple(attrgetter(x.attribute) for x in st.series)
    kind = np.int64 if st.stored_daily else np.float64
    st.parts.daily = np.zeros((days, len(reads), st.n), dtype=kind)
    st.env.process(recorder(st, reads))


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
