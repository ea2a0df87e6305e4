"""Bodies handed over as each is recovered, rather than on the schedule's days (DESIGN.md
§2, releases: `handovers.bodies_mode = "as_recovered"`).

Each body of the schedule is recovered after a gamma-distributed time; the bodies
recovered by a day are handed over together that day (a dispute and a withheld tranche
are possible, as for any handover), unless a crisis holds them back. The next
recoveries are one row of the morning's agenda (:mod:`trucesim.model.agenda`).

Some bodies may be located already (`handovers.located_bodies`): each is recovered on a
day drawn evenly within the deadline (`located_within_days`), the others searched for
as above. With `unrecovered_owed`, every scheduled body is due from day 0, so a body not
yet recovered is owed; otherwise a body becomes due when it is recovered.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trucesim.model import agenda
from trucesim.model.actors import handovers, release
from trucesim.model.declare import Actor
from trucesim.model.state import HANDOVER, Mask, TruceState, ints
from trucesim.scenario.schema import Scenario

NAME = "recovery"
LABEL = "recovered bodies"
WAIT, CALM, DONE = range(3)  # where the next recovered bodies stand


@dataclass(frozen=True, slots=True)
class Draws:
    """The block's numbers from the 'recovery' stream."""

    recovery_days: np.ndarray  # (replication, scheduled body): the day it is recovered
    recovery_u: np.ndarray  # (replication, body, 3): dispute, withhold, withhold days


def draw(s: Scenario, g: np.random.Generator, n: int) -> Draws:
    h = s.handovers
    if h.bodies_mode != "as_recovered":
        return Draws(np.zeros((n, 0), dtype=np.int64), np.zeros((n, 0, 3)))
    shape = (n, s.bodies_scheduled)
    days = np.ceil(g.gamma(h.recovery_shape, h.recovery_mean_days / h.recovery_shape,
                           shape)).astype(np.int64)
    u = g.random((*shape, 3))
    if h.located_bodies:  # drawn after the others, which stay as they were
        located = g.random((n, h.located_bodies))
        days[:, :h.located_bodies] = 1 + np.floor(located * h.located_within_days).astype(
            np.int64)
    return Draws(days, u)


@dataclass(slots=True)
class Recoveries:
    """The actor's own state (st.parts.recovery), over the block."""

    days: np.ndarray  # (replication, body): recovery days, sorted
    next: np.ndarray  # index of the first body not yet counted
    day: np.ndarray  # the day the next bodies are due
    count: np.ndarray  # how many
    stage: np.ndarray  # WAIT, CALM or DONE
    waited: np.ndarray  # the bodies at hand waited for a crisis to end
    row: int = 0


def start(st: TruceState) -> None:
    if st.scenario.handovers.bodies_mode != "as_recovered":
        return
    d: Draws = st.draws[NAME]
    n = st.n
    morning = agenda.of(st, HANDOVER)
    row = morning.rows(1, lambda row, mask, day: recovered(st, mask, day))
    st.parts.recovery = Recoveries(np.sort(d.recovery_days, axis=1), ints(n), ints(n),
                                   ints(n), np.zeros(n, dtype=np.int8),
                                   np.zeros(n, dtype=bool), row)
    if st.scenario.handovers.unrecovered_owed:  # due from the start, recovered or not
        ledger: handovers.Ledger = st.parts.handovers
        ledger.due_bodies += st.scenario.bodies_scheduled
    following(st, np.ones(n, dtype=bool), 0)


def following(st: TruceState, mask: Mask, today: int) -> None:
    """The next bodies due where `mask` holds: those recovered by the next recovery day
    (at least day 1), due then, or today if that day is past."""
    rec: Recoveries = st.parts.recovery
    bodies = rec.days.shape[1]
    index = np.minimum(rec.next, max(bodies - 1, 0))
    first = rec.days[np.arange(st.n), index] if bodies else rec.next
    more = mask & (rec.next < bodies) & (first <= st.scenario.truce.window_days)
    rec.stage[mask & ~more] = DONE
    if not more.any():
        return
    day = np.maximum(first, 1)
    upto = (rec.days <= day[:, None]).sum(axis=1)
    rec.count[more] = (upto - rec.next)[more]
    rec.next[more], rec.day[more] = upto[more], day[more]
    rec.stage[more] = WAIT
    agenda.of(st, HANDOVER).at(rec.row, more, np.maximum(day, today))


def recovered(st: TruceState, due_today: Mask, day: int) -> None:
    """The bodies recovered by their day are handed over, unless a crisis holds them."""
    s, rec = st.scenario, st.parts.recovery
    ledger: handovers.Ledger = st.parts.handovers
    arriving = due_today & (rec.stage == WAIT)
    resumed = due_today & (rec.stage == CALM)
    if not s.handovers.unrecovered_owed:
        ledger.due_bodies[arriving] += rec.count[arriving]
    waits = arriving & st.in_crisis if s.handovers.withheld_in_crisis else arriving & False
    rec.waited[arriving] = waits[arriving]
    if waits.any():
        rec.stage[waits] = CALM
        agenda.of(st, HANDOVER).wait_for_calm(rec.row, waits)
        st.note(waits, lambda r: handovers.Paused(day, LABEL))
    going = (arriving & ~waits) | resumed
    rec.stage[going & ~st.in_force] = DONE
    ok = going & st.in_force
    if not ok.any():
        return
    d: Draws = st.draws[NAME]
    u = d.recovery_u[np.arange(st.n), np.maximum(rec.next - 1, 0)]  # the last body's
    disputed = u[:, 0] < s.handovers.dispute_probability
    release.hand_over(st, ok, day, LABEL, np.zeros(st.n, dtype=np.int64),
                        np.minimum(rec.count, st.bodies_held), disputed, rec.day,
                        release.Terms(kind="recovered", u=(u[:, 1], u[:, 2]),
                                        waited=rec.waited))
    following(st, ok, day)


ACTOR = Actor(NAME, start, stream="recovery", draw=draw)
