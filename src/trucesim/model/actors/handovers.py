"""Handovers: the scheduled releases of living hostages and bodies (DESIGN.md §2, releases).

A handover can slip (a geometric delay), wait out a crisis or a condition, or be
disputed; a disputed handover may see the other side withhold its tranche
(:mod:`.exchange`). Bodies can instead be handed over as each is recovered
(:mod:`.recovery`). A handover can also release hostages outside the agreement (the 5
Thai nationals of 30 Jan 2025), who free no one in exchange. What the deal has made due
and not delivered by the horizon is reported as owed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from trucesim import fmt
from trucesim.model.actors import conditions, exchange
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


def draw(s: Scenario, g: np.random.Generator, n: int) -> list[Draws]:
    width = max(len(s.releases), MIN_HANDOVERS)
    slip, slip_delay, dispute = (a.tolist() for a in g.random((3, n, width)))
    return [Draws(slip[r], slip_delay[r], dispute[r]) for r in range(n)]


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
    kind: str  # scheduled, recovered (bodies as recovered) or extension (bought by one)
    living_held: int  # still held in Gaza afterwards
    bodies_held: int
    held: str = ""  # a condition that held it back

    @property
    def as_recovered(self) -> bool:
        return self.kind == "recovered"

    def lines(self, n: Narration) -> list[Line]:
        if self.late == 0:
            timing = "on time"
        else:
            reasons = []
            if self.slipped:
                reasons.append(f"it slipped {fmt.count(self.slipped, 'day')}")
            if self.waited:
                reasons.append("it waited for the crisis to end")
            if self.held:
                reasons.append(f"it waited for the condition '{self.held}'")
            why = f" ({' and '.join(reasons)})" if reasons else ""
            timing = f"{fmt.count(self.late, 'day')} late{why}"
        who = fmt.people(self.living, self.bodies)
        still = f"Still held in Gaza: {fmt.people(self.living_held, self.bodies_held)}."
        if self.kind == "recovered":  # no schedule to meet
            when = "" if self.late == 0 else f", {timing}"
            text = f"As they are recovered: {who} handed over{when}. {still}"
        elif self.kind == "extension":
            text = f"Under the extension, {who} handed over. {still}"
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
@dataclass(slots=True)
class Ledger:
    """What the deal has made due so far, and what of the schedule was released (the
    actor's own state: st.parts.handovers)."""

    due_living: int = 0  # due under the deal by now: scheduled, or bought by extensions
    due_bodies: int = 0
    scheduled_living: int = 0  # released under the schedule (not extensions)
    scheduled_bodies: int = 0
    on_time: list[bool | None] = field(default_factory=list)  # per scheduled handover


def start(st: TruceState) -> None:
    s = st.scenario
    st.living_held = s.hostages.living_held
    st.bodies_held = s.hostages.bodies_held
    st.parts.handovers = Ledger(on_time=[None] * len(s.releases))
    st.release_done = [st.env.event() for _ in s.releases]
    for j, release in enumerate(s.releases):
        st.start(handover(st, j, release))


def handover(st: TruceState, j: int, r: Release) -> Proc:
    """One scheduled handover: it can slip, wait out a crisis or a condition, be disputed."""
    env, h, t = st.env, st.scenario.handovers, st.scenario.tension
    d: Draws = st.draws[NAME]
    ledger: Ledger = st.parts.handovers
    label = st.scenario.label(j)
    yield at(env, r.day, HANDOVER)
    day = r.day
    if h.bodies_mode == "as_recovered" and not r.living and not r.living_outside_deal:
        # its bodies come as they are recovered: nobody is due on this day
        st.release_done[j].succeed()
        return
    step = f"releases[{j}]"
    rules = conditions.for_step(st, step)
    living, bodies = r.living, 0 if h.bodies_mode == "as_recovered" else r.bodies
    if rules:  # a condition may change what this handover releases
        rule = conditions.active(st, rules, "living")
        living = int(rule.effects.get("living", living)) if rule else living
        rule = conditions.active(st, rules, "bodies")
        bodies = int(rule.effects.get("bodies", bodies)) if rule else bodies
    ledger.due_living += living
    ledger.due_bodies += bodies
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
    held = (yield from conditions.hold(st, step, label, HANDOVER)) if rules else ""
    if not st.in_force:
        if st.log is not None:
            st.log.append(Cancelled(int(env.now), label))
        return
    day = int(env.now)
    disputed = d.dispute[j] < h.dispute_probability
    living = min(living, st.living_held)
    if r.living_outside_deal:
        outside = min(r.living_outside_deal, st.living_held - living)
        st.living_held -= outside
        st.outside_released += outside
        if st.log is not None:
            st.log.append(OutsideDeal(day, label, outside))
    ledger.on_time[j] = day == r.day
    hand_over(st, day, label, living, min(bodies, st.bodies_held), disputed, r.day,
              Terms(j=j, ratios=r.prisoners_per_living, slipped=slipped, waited=waited,
                    held=held))
    st.release_done[j].succeed()


@dataclass(frozen=True, slots=True)
class Terms:
    """How a handover came about, for its tranche and its story."""

    kind: str = "scheduled"  # scheduled, recovered (bodies as recovered), or extension
    j: int = -1  # index of a scheduled handover
    u: tuple[float, float] | None = None  # withholding uniforms, if not the schedule's
    ratios: Mapping[str, float] | None = None  # the handover's own exchange ratios
    slipped: int = 0
    waited: bool = False  # for a crisis to end
    held: str = ""  # the condition that held it back


def hand_over(st: TruceState, day: int, label: str, living: int, bodies: int, disputed: bool,
              due: int, terms: Terms) -> None:
    """Count a handover, and set the matching exchange tranche in motion."""
    st.living_held -= living
    st.bodies_held -= bodies
    st.living_released += living
    st.bodies_released += bodies
    s = st.scenario
    if disputed:
        st.tension += s.tension.per_dispute
    if st.log is not None:
        st.log.append(HandedOver(day, label, living, bodies, day - due, terms.slipped,
                                 terms.waited, disputed, terms.kind, st.living_held,
                                 st.bodies_held, terms.held))
    if terms.kind != "extension":
        ledger: Ledger = st.parts.handovers
        ledger.scheduled_living += living
        ledger.scheduled_bodies += bodies
        if living and ledger.scheduled_living == s.living_scheduled and \
                "schedule_living_complete" not in st.milestones:
            st.milestones["schedule_living_complete"] = day
        if bodies and ledger.scheduled_bodies == s.bodies_scheduled and \
                "schedule_bodies_complete" not in st.milestones:
            st.milestones["schedule_bodies_complete"] = day
    exchange.answer(st, label, living, bodies, disputed, terms.j, terms.u, terms.ratios or {})


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
        Outcome("owed_living_hostages", "number", "persons", "Living hostages due under the "
                "deal by the horizon but not released (late, held back, or cancelled)",
                lambda st: st.parts.handovers.due_living - st.living_released),
        Outcome("owed_hostage_bodies", "number", "bodies", "Hostages' bodies due under the deal "
                "by the horizon but not handed over",
                lambda st: st.parts.handovers.due_bodies - st.bodies_released),
    ]
    if any(r.living_outside_deal for r in s.releases):
        out.append(Outcome("living_released_outside_deal", "number", "persons",
                           "Living hostages released outside the agreement (no exchange)",
                           lambda st: st.outside_released))
    return (
        *out,
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
