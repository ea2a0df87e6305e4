"""The recorder: a snapshot of the truce at the end of every day, for the daily trajectories.

It reads each registered actor's daily series (:class:`~trucesim.model.declare.Series`) in
registry order, then its own two: whether the truce still holds (has not collapsed) and
whether it is in crisis.
"""

from __future__ import annotations

from operator import attrgetter

from trucesim.model.declare import Actor, Series
from trucesim.model.state import RECORD, Proc, TruceState, at

NAME = "recorder"
TRUCE_SERIES = (Series("holding", "share of runs", "truce_holds"),
                Series("in_crisis", "share of runs", "in_crisis"))


def start(st: TruceState) -> None:
    from trucesim.model.outcomes import snapshot

    st.start(recorder(st, snapshot()))


def recorder(st: TruceState, snapshot: attrgetter[tuple[float, ...]]) -> Proc:
    """A snapshot at the end of each day, every series in registry order, flattened."""
    env, daily = st.env, st.daily
    yield at(env, 0, RECORD)
    for _ in range(st.scenario.truce.window_days + 1):
        daily.extend(snapshot(st))
        yield env.timeout(1)


ACTOR = Actor(NAME, start, series=TRUCE_SERIES)
