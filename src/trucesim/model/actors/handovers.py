"""Handovers: the scheduled releases of living hostages and bodies (DESIGN.md §2, releases).

A handover can slip (a geometric delay), wait out a crisis, or be disputed; a disputed
handover may see the other side withhold its tranche (:mod:`.exchange`). Bodies can
instead be handed over one by one as each is recovered (a gamma recovery time). A
handover can also release hostages outside the agreement (the 5 Thai nationals of 30 Jan
2025), who free no one in exchange.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from trucesim import fmt
from trucesim.model.actors import exchange
from trucesim.model.declare import MISSING, Actor, Outcome, Series
from trucesim.model.events import Line, Narration
from trucesim.model.sampling import MIN_HANDOVERS, geometric_days
from trucesim.model.state import (
    CRISIS,
    HANDOVER,
    Proc,
    TruceState,
    at,
    wait_for_calm,
)
from trucesim.scenario.schema import Release, Scenario

NAME = "handovers"


@dataclass(frozen=True, slots=True)
class Draws:
    """One replication's numbers from the 'releases' stream."""

    slip: list[float]  # per handover: is it late?
    slip_delay: list[float]  # per handover: how late
    dispute: list[float]  # per handover: is it disputed?
    recovery_days: list[int]  # per scheduled body (as_recovered mode): day recovered
    recovery_u: list[list[float]]  # per body: dispute, withhold, withhold days


def draw(s: Scenario, g: np.random.Generator, n: int) -> list[Draws]:
    width = max(len(s.releases), MIN_HANDOVERS)
    slip, slip_delay, dispute = (a.tolist() for a in g.random((3, n, width)))
    h = s.handovers
    recovery: list[list[int]] = [[] for _ in range(n)]
    recovery_u: list[list[list[float]]] = [[] for _ in range(n)]
    if h.bodies_mode == "as_recovered":
        shape = (n, s.bodies_scheduled)
        recovery = np.ceil(g.gamma(h.recovery_shape, h.recovery_mean_days / h.recovery_shape,
                                   shape)).astype(np.int64).tolist()
        recovery_u = g.random((*shape, 3)).tolist()
    return [Draws(slip[r], slip_delay[r], dispute[r], recovery[r], recovery_u[r])
            for r in range(n)]


# events -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Slipped:
    day: int
    label: str
    delay: int

    def lines(self, n: Narration) -> list[Line]:
        return [("release", f"The {self.label} is late: it slips by "
                 f"{fmt.count(self.delay, 'day')} (tension "
                 f"+{n.scenario.tension.per_slipped_handover:g}).")]


@dataclass(frozen=True, slots=True)
class Paused:
    day: int
    label: str

    def lines(self, n: Narration) -> list[Line]:
        return [("crisis", f"The {self.label} waits while the crisis lasts.")]


@dataclass(frozen=True, slots=True)
class OutsideDeal:
    day: int
    label: str
    living: int

    def lines(self, n: Narration) -> list[Line]:
        return [("release", f"With the {self.label}, {fmt.count(self.living, 'living hostage')} "
                 "released outside the agreement: no one is freed in exchange for them.")]


@dataclass(frozen=True, slots=True)
class HandedOver:
    day: int
    label: str
    living: int
    bodies: int
    late: int  # days after it was due
    slipped: int  # days it slipped (0 if it did not)
    waited: bool  # it waited for a crisis to end
    disputed: bool
    as_recovered: bool  # bodies handed over as they are recovered, not on a schedule
    living_held: int  # still held in Gaza afterwards
    bodies_held: int

    def lines(self, n: Narration) -> list[Line]:
        if self.late == 0:
            timing = "on time"
        else:
            reasons = []
            if self.slipped:
                reasons.append(f"it slipped {fmt.count(self.slipped, 'day')}")
            if self.waited:
                reasons.append("it waited for the crisis to end")
            why = f" ({' and '.join(reasons)})" if reasons else ""
            timing = f"{fmt.count(self.late, 'day')} late{why}"
        who = fmt.people(self.living, self.bodies)
        still = f"Still held in Gaza: {fmt.people(self.living_held, self.bodies_held)}."
        if self.as_recovered:  # no schedule to meet
            when = "" if self.late == 0 else f", {timing}"
            text = f"As they are recovered: {who} handed over{when}. {still}"
        elif not self.living and not self.bodies:
            text = (f"The {self.label} is due, with no one to hand over (no one it names is "
                    "still held).")
        else:
            text = f"The {self.label}: {who} handed over, {timing}. {still}"
        out = [("release", text)]
        if self.disputed:
            out.append(("crisis", "The handover is disputed (in the model: over identities, "
                        f"ceremonies or lists); tension +{n.scenario.tension.per_dispute:g}."))
        return out


@dataclass(frozen=True, slots=True)
class Cancelled:
    day: int
    label: str

    def lines(self, n: Narration) -> list[Line]:
        return [("crisis", f"The {self.label} does not take place: the truce has collapsed.")]


# processes ----------------------------------------------------------------------------
def start(st: TruceState) -> None:
    s = st.scenario
    st.living_held = s.hostages.living_held
    st.bodies_held = s.hostages.bodies_held
    st.release_done = [st.env.event() for _ in s.releases]
    for j, release in enumerate(s.releases):
        st.start(handover(st, j, release))
    if s.handovers.bodies_mode == "as_recovered":
        st.start(bodies_as_recovered(st))


def handover(st: TruceState, j: int, r: Release) -> Proc:
    """One scheduled handover: it can slip, wait out a crisis, and be disputed."""
    env, h, t = st.env, st.scenario.handovers, st.scenario.tension
    d: Draws = st.draws[NAME]
    label = r.label or f"handover {j + 1}"
    yield at(env, r.day, HANDOVER)
    day = r.day
    if h.bodies_mode == "as_recovered" and not r.living and not r.living_outside_deal:
        # its bodies come as they are recovered: nobody is due on this day
        st.release_done[j].succeed()
        return
    slipped = 0
    if st.in_force and d.slip[j] < h.slip_probability:
        slipped = geometric_days(h.slip_mean_days, d.slip_delay[j])
        st.tension += t.per_slipped_handover
        if st.log is not None:
            st.log.append(Slipped(day, label, slipped))
        day += slipped
        yield at(env, day, HANDOVER)
    waited = h.withheld_in_crisis and st.status == CRISIS
    if waited:
        yield from wait_for_calm(st, lambda today: Paused(today, label))
    if not st.in_force:
        if st.log is not None:
            st.log.append(Cancelled(int(env.now), label))
        return
    day = int(env.now)
    bodies = 0 if h.bodies_mode == "as_recovered" else r.bodies
    disputed = d.dispute[j] < h.dispute_probability
    living = min(r.living, st.living_held)
    if r.living_outside_deal:
        outside = min(r.living_outside_deal, st.living_held - living)
        st.living_held -= outside
        st.outside_released += outside
        if st.log is not None:
            st.log.append(OutsideDeal(day, label, outside))
    hand_over(st, day, label, living, min(bodies, st.bodies_held), disputed, r.day, j, None,
              r.prisoners_per_living, slipped, waited)
    st.release_done[j].succeed()


def bodies_as_recovered(st: TruceState) -> Proc:
    """Bodies handed over as each is recovered, rather than on the schedule's days."""
    env, d = st.env, st.draws[NAME]
    assert isinstance(d, Draws)
    window = st.scenario.truce.window_days
    days = sorted(d.recovery_days)
    i = 0
    while i < len(days) and days[i] <= window:
        day = max(days[i], 1)
        count = 0
        while i < len(days) and days[i] <= day:
            i, count = i + 1, count + 1
        yield at(env, day, HANDOVER)
        waited = st.scenario.handovers.withheld_in_crisis and st.status == CRISIS
        if waited:
            yield from wait_for_calm(st, lambda today: Paused(today, "recovered bodies"))
        if not st.in_force:
            return
        u_dispute, u_withhold, u_days = d.recovery_u[i - 1]
        disputed = u_dispute < st.scenario.handovers.dispute_probability
        hand_over(st, int(env.now), "recovered bodies", 0, min(count, st.bodies_held),
                  disputed, day, -1, (u_withhold, u_days), None, 0, waited)


def hand_over(st: TruceState, day: int, label: str, living: int, bodies: int, disputed: bool,
              due: int, j: int, u: tuple[float, float] | None,
              ratios: Mapping[str, float] | None, slipped: int, waited: bool) -> None:
    """Count a handover, and set the matching exchange tranche in motion."""
    st.living_held -= living
    st.bodies_held -= bodies
    st.living_released += living
    st.bodies_released += bodies
    s = st.scenario
    if disputed:
        st.tension += s.tension.per_dispute
    if st.log is not None:
        st.log.append(HandedOver(day, label, living, bodies, day - due, slipped, waited,
                                 disputed, j < 0, st.living_held, st.bodies_held))
    if st.living_released == s.living_scheduled and "schedule_living_complete" not in \
            st.milestones and living:
        st.milestones["schedule_living_complete"] = day
    if st.bodies_released == s.bodies_scheduled and "schedule_bodies_complete" not in \
            st.milestones and bodies:
        st.milestones["schedule_bodies_complete"] = day
    exchange.answer(st, label, living, bodies, disputed, j, u, ratios or {})


# what it reports ----------------------------------------------------------------------
def outcomes(s: Scenario) -> tuple[Outcome, ...]:
    out = [
        Outcome("living_released", "number", "persons", "Living hostages released",
                lambda st: st.living_released, label="living hostages released"),
        Outcome("bodies_released", "number", "bodies", "Hostages' bodies released",
                lambda st: st.bodies_released, label="hostages' bodies released"),
        Outcome("living_still_held", "number", "persons", "Living hostages still held at the "
                "end", lambda st: st.living_held),
        Outcome("bodies_still_held", "number", "bodies", "Bodies still held at the end",
                lambda st: st.bodies_held),
    ]
    if any(r.living_outside_deal for r in s.releases):
        out.append(Outcome("living_released_outside_deal", "number", "persons",
                           "Living hostages released outside the agreement (no exchange)",
                           lambda st: st.outside_released))
    return (*out, *_milestones())


def _milestones() -> Sequence[Outcome]:
    return (
        Outcome("day_schedule_living_complete", "milestone", "day", "Day all living hostages "
                "in the schedule were out",
                lambda st: st.milestones.get("schedule_living_complete", MISSING),
                label="P(all scheduled living out)"),
        Outcome("day_schedule_bodies_complete", "milestone", "day", "Day all bodies in the "
                "schedule were returned",
                lambda st: st.milestones.get("schedule_bodies_complete", MISSING)),
    )


ACTOR = Actor(
    NAME, start, stream="releases", draw=draw, outcomes=outcomes,
    series=(Series("living_released", "persons", "living_released", band=1),
            Series("bodies_released", "bodies", "bodies_released", band=1)),
    events=(Slipped, Paused, OutsideDeal, HandedOver, Cancelled),
)
