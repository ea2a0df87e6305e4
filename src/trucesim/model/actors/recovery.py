"""Bodies handed over as each is recovered, rather than on the schedule's days (DESIGN.md
§2, releases: `handovers.bodies_mode = "as_recovered"`).

Each body of the schedule is recovered after a gamma-distributed time; the bodies
recovered by a day are handed over together that day (a dispute and a withheld tranche
are possible, as for any handover), unless a crisis holds them back.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trucesim.model.actors import handovers
from trucesim.model.declare import Actor
from trucesim.model.state import CRISIS, HANDOVER, Proc, TruceState, at, wait_for_calm
from trucesim.scenario.schema import Scenario

NAME = "recovery"


@dataclass(frozen=True, slots=True)
class Draws:
    """One replication's numbers from the 'recovery' stream."""

    recovery_days: list[int]  # per scheduled body: the day it is recovered
    recovery_u: list[list[float]]  # per body: dispute, withhold, withhold days


def draw(s: Scenario, g: np.random.Generator, n: int) -> list[Draws]:
    h = s.handovers
    if h.bodies_mode != "as_recovered":
        return [Draws([], []) for _ in range(n)]
    shape = (n, s.bodies_scheduled)
    days = np.ceil(g.gamma(h.recovery_shape, h.recovery_mean_days / h.recovery_shape,
                           shape)).astype(np.int64).tolist()
    u = g.random((*shape, 3)).tolist()
    return [Draws(days[r], u[r]) for r in range(n)]


def start(st: TruceState) -> None:
    if st.scenario.handovers.bodies_mode == "as_recovered":
        st.start(bodies_as_recovered(st))


def bodies_as_recovered(st: TruceState) -> Proc:
    """Bodies handed over as each is recovered, rather than on the schedule's days."""
    env, d = st.env, st.draws[NAME]
    assert isinstance(d, Draws)
    ledger: handovers.Ledger = st.parts.handovers
    window = st.scenario.truce.window_days
    days = sorted(d.recovery_days)
    i = 0
    while i < len(days) and days[i] <= window:
        day = max(days[i], 1)
        count = 0
        while i < len(days) and days[i] <= day:
            i, count = i + 1, count + 1
        yield at(env, day, HANDOVER)
        ledger.due_bodies += count
        waited = st.scenario.handovers.withheld_in_crisis and st.status == CRISIS
        if waited:
            yield from wait_for_calm(st, lambda today: handovers.Paused(today, "recovered "
                                                                         "bodies"))
        if not st.in_force:
            return
        u_dispute, u_withhold, u_days = d.recovery_u[i - 1]
        disputed = u_dispute < st.scenario.handovers.dispute_probability
        handovers.hand_over(st, int(env.now), "recovered bodies", 0,
                            min(count, st.bodies_held), disputed, day,
                            handovers.Terms(kind="recovered", u=(u_withhold, u_days),
                                            waited=waited))


ACTOR = Actor(NAME, start, stream="recovery", draw=draw)
