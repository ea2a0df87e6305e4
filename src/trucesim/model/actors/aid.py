"""Aid: trucks agreed against trucks delivered (DESIGN.md §2).

Each day the trucks that can enter are a beta-distributed share of what the agreement
and the crossings allow. Crossings close for some days after attacks attributed to
Palestinian armed groups; in a crisis, aid can be halted as leverage. After a collapse,
and after an agreed phase that expired, aid falls to the levels the scenario gives (on
2 Mar 2025, the day after phase 1 expired, all aid was halted); each such day below the
agreed rate counts as aid held back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from trucesim import fmt
from trucesim.model.actors import conditions
from trucesim.model.declare import MISSING, SHARE, Actor, Outcome, Series, scaled
from trucesim.model.events import Line, Narration
from trucesim.model.state import AID, CRISIS, HOLDING, Proc, TruceState, at
from trucesim.scenario.schema import Scenario

NAME = "aid"


@dataclass(frozen=True, slots=True)
class Draws:
    """One replication's numbers from the 'aid' stream, one per day."""

    trucks: list[int]  # trucks that enter on a normal day
    closure: list[float]  # does an attack close the crossings?
    halt: list[float]  # is aid halted on a day of crisis?


def draw(s: Scenario, g: np.random.Generator, n: int) -> list[Draws]:
    days, aid = s.truce.window_days + 1, s.aid
    m, sd = aid.delivery_ratio_mean, aid.delivery_ratio_sd
    k = m * (1 - m) / sd**2 - 1
    possible = min(aid.trucks_per_day_agreed, aid.crossing_capacity_trucks_per_day)
    trucks = np.floor(possible * g.beta(m * k, (1 - m) * k, (n, days)) + 0.5)
    closure, halt = (a.tolist() for a in g.random((2, n, days)))
    whole = trucks.astype(np.int64).tolist()
    return [Draws(whole[r], closure[r], halt[r]) for r in range(n)]


@dataclass(frozen=True, slots=True)
class Closure:
    day: int
    days: int

    def lines(self, n: Narration) -> list[Line]:
        return [("aid", f"After an attack, the crossings close for "
                 f"{fmt.count(self.days, 'day')}: no aid enters.")]


@dataclass(frozen=True, slots=True)
class Halt:
    day: int
    after_expiry: bool  # held back after the agreed phase expired, not in a crisis

    def lines(self, n: Narration) -> list[Line]:
        tension = f"(tension +{n.scenario.tension.per_aid_halt_day:g})"
        if self.after_expiry:
            trucks = n.scenario.aid.trucks_per_day_after_expiry
            return [("aid", f"From today aid is held back, the {n.scenario.truce.phase_name} "
                     f"having expired without an agreement: {trucks:,.0f} trucks a day "
                     f"{tension[:-1]} each day).")]
        return [("aid", f"Aid is halted as leverage during the crisis {tension}.")]


@dataclass(slots=True)
class AidLog:
    """The actor's own state (st.parts.aid)."""

    history: list[int] = field(default_factory=list)  # trucks a day, if a condition counts
    rule: str = ""  # the condition that set yesterday's aid ("" for the agreed terms)


def start(st: TruceState) -> None:
    st.parts.aid = AidLog()
    st.start(aid(st))


def by_condition(st: TruceState, rules: tuple[conditions.Rule, ...], planned: int,
                 possible: float, day: int) -> int:
    """An ordinary day's trucks under the conditions on aid (`planned` under the terms)."""
    rule = conditions.active(st, rules, "trucks_per_day")
    log: AidLog = st.parts.aid
    name = rule.name if rule is not None else ""
    if rule is None:
        target = st.scenario.aid.trucks_per_day_agreed
    elif rule.pause:
        target = 0.0
    else:
        target = min(rule.effects["trucks_per_day"], possible)
    if name != log.rule:
        log.rule = name
        if st.log is not None:
            what = ("no aid enters" if target == 0 else f"{target:,.0f} trucks a day"
                    + (" agreed" if rule is None else " at most"))
            st.log.append(conditions.Changed(day, "aid", name, what))
    if rule is None:
        return planned
    return math.floor(planned * target / possible + 0.5) if possible else 0


def aid(st: TruceState) -> Proc:
    """Trucks that enter each day: closures after attacks, halts as leverage in a crisis."""
    s, env = st.scenario, st.env
    d: Draws = st.draws[NAME]
    a = s.aid
    after_collapse = math.floor(a.trucks_per_day_after_collapse + 0.5)
    after_expiry = math.floor(a.trucks_per_day_after_expiry + 0.5)
    held_back = a.trucks_per_day_after_expiry < a.trucks_per_day_agreed
    stay_open, closure_days = 1.0 - a.closure_probability_per_incident, a.closure_days
    halt, per_halt_day = a.halt_probability_per_crisis_day, s.tension.per_aid_halt_day
    rules = conditions.for_step(st, "aid")
    trucks = list(d.trucks) if rules else d.trucks  # the day's trucks under the terms
    u_closure, u_halt = d.closure, d.halt
    possible = min(a.trucks_per_day_agreed, a.crossing_capacity_trucks_per_day)
    history = st.parts.aid.history if st.parts.conditions.aid_history else None
    closed_until = -1
    yield at(env, 1, AID)
    for day in range(1, s.truce.window_days + 1):
        status, attacks = st.status, st.attacks_today
        before = st.aid_delivered
        if rules:
            trucks[day] = by_condition(st, rules, d.trucks[day], possible, day)
        if status == HOLDING and not attacks and day > closed_until and not st.phase_expired:
            st.aid_delivered += trucks[day]  # an ordinary day, the most common case
        elif not st.in_force:  # collapsed
            st.aid_delivered += after_collapse
        elif st.phase_expired:
            st.aid_delivered += after_expiry
            if held_back:
                st.aid_halt_days += 1
                st.tension += per_halt_day
                if "aid_held_back" not in st.milestones:  # told once: it lasts
                    st.milestones["aid_held_back"] = day
                    if st.log is not None:
                        st.log.append(Halt(day, True))
        elif attacks and u_closure[day] < 1.0 - stay_open**attacks:
            closed_until = day + closure_days - 1
            st.aid_closed_days += 1
            if st.log is not None:
                st.log.append(Closure(day, closure_days))
        elif day <= closed_until:
            st.aid_closed_days += 1
        elif status == CRISIS and u_halt[day] < halt:
            st.aid_halt_days += 1
            st.tension += per_halt_day
            if st.log is not None:
                st.log.append(Halt(day, False))
        else:
            st.aid_delivered += trucks[day]
        if history is not None:
            history.append(st.aid_delivered - before)
        yield env.timeout(1)


def outcomes(s: Scenario) -> tuple[Outcome, ...]:
    agreed = round(s.aid.trucks_per_day_agreed * s.truce.window_days)
    return (
        Outcome("aid_trucks_delivered", "number", "trucks", "Aid trucks that entered during "
                "the window", lambda st: st.aid_delivered),
        Outcome("aid_trucks_agreed", "number", "trucks", "Aid trucks the agreement provides for "
                "in the window", lambda st: agreed),
        Outcome("aid_share_of_agreed", "number", "share", "Trucks delivered over trucks agreed",
                lambda st: scaled(st.aid_delivered / agreed if agreed else 0.0, SHARE), SHARE,
                label="aid delivered / agreed"),
        Outcome("aid_halt_days", "number", "days", "Days aid was halted as leverage",
                lambda st: st.aid_halt_days),
        Outcome("aid_closed_days", "number", "days", "Days crossings were closed after an "
                "attack", lambda st: st.aid_closed_days),
        Outcome("day_aid_held_back", "milestone", "day", "First day aid was held back after "
                "the agreed phase expired", lambda st: st.milestones.get("aid_held_back",
                                                                         MISSING)),
    )


ACTOR = Actor(
    NAME, start, stream="aid", draw=draw, outcomes=outcomes,
    series=(Series("aid_trucks_delivered", "trucks", "aid_delivered", band=50),),
    events=(Closure, Halt),
)
