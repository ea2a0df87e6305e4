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
from dataclasses import dataclass
from functools import partial

import numpy as np

from trucesim import fmt
from trucesim.model.actors import conditions
from trucesim.model.declare import SHARE, Actor, Outcome, Series, scaled
from trucesim.model.events import Line, Narration
from trucesim.model.sampling import Number, each, powers
from trucesim.model.state import AID, MISSING, Mask, Proc, TruceState, add, at, ints, put
from trucesim.scenario.schema import Scenario

NAME = "aid"


@dataclass(frozen=True, slots=True)
class Draws:
    """The block's numbers from the 'aid' stream: (replication, day)."""

    trucks: np.ndarray  # trucks that enter on a normal day
    closure: np.ndarray  # does an attack close the crossings?
    halt: np.ndarray  # is aid halted on a day of crisis?


def draw(s: Scenario, g: np.random.Generator, n: int) -> Draws:
    days, aid = s.truce.window_days + 1, s.aid
    m, sd = aid.delivery_ratio_mean, aid.delivery_ratio_sd
    k = m * (1 - m) / sd**2 - 1
    possible = min(aid.trucks_per_day_agreed, aid.crossing_capacity_trucks_per_day)
    trucks = np.floor(possible * g.beta(m * k, (1 - m) * k, (n, days)) + 0.5)
    closure, halt = g.random((2, n, days))
    return Draws(trucks.astype(np.int64), closure, halt)


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
    """The actor's own state (st.parts.aid), over the block."""

    closed_until: np.ndarray  # the last day the crossings stay closed
    rule: np.ndarray  # the condition that set yesterday's aid (NO_RULE: the agreed terms)
    streaks: dict[float, np.ndarray]  # days in a row, to yesterday, with at least N trucks


def start(st: TruceState) -> None:
    levels = st.parts.conditions.aid_levels
    st.parts.aid = AidLog(ints(st.n, -1), ints(st.n, conditions.NO_RULE),
                          {level: ints(st.n) for level in levels})
    st.env.process(aid(st))


def by_condition(st: TruceState, rules: tuple[conditions.Rule, ...], planned: np.ndarray,
                 possible: float, day: int) -> np.ndarray:
    """An ordinary day's trucks under the conditions on aid (`planned` under the terms)."""
    agreed = st.scenario.aid.trucks_per_day_agreed
    everyone = np.ones(st.n, dtype=bool)
    which = conditions.active(st, rules, "trucks_per_day", everyone)
    pause = np.array([rules[k].pause if k >= 0 else False for k in which.tolist()])
    target = np.minimum(conditions.effect(rules, which, "trucks_per_day", agreed), possible)
    target = np.where(which == conditions.NO_RULE, agreed, np.where(pause, 0.0, target))
    log: AidLog = st.parts.aid
    changed = which != log.rule
    if changed.any():
        log.rule[changed] = which[changed]

        def told(r: int) -> conditions.Changed:
            under = int(which[r]) >= 0
            what = ("no aid enters" if target[r] == 0 else f"{target[r]:,.0f} trucks a day"
                    + (" at most" if under else " agreed"))
            return conditions.Changed(day, "aid", rules[int(which[r])].name if under else "",
                                      what)

        st.note(changed, told)
    if not possible:
        return np.where(which == conditions.NO_RULE, planned, 0)
    scaled_down = np.floor(planned * target / possible + 0.5).astype(np.int64)
    return np.where(which == conditions.NO_RULE, planned, scaled_down)


def aid(st: TruceState) -> Proc:
    """Trucks that enter each day: closures after attacks, halts as leverage in a crisis."""
    s, env = st.scenario, st.env
    a, log = s.aid, st.parts.aid
    after_collapse = each(lambda x: math.floor(x + 0.5), a.trucks_per_day_after_collapse)
    after_expiry = each(lambda x: math.floor(x + 0.5), a.trucks_per_day_after_expiry)
    held_back = a.trucks_per_day_after_expiry < a.trucks_per_day_agreed
    stay_open = 1.0 - a.closure_probability_per_incident
    # aid the deal never agreed cannot be halted as leverage (issue 21, item 5)
    halt = a.halt_probability_per_crisis_day if a.trucks_per_day_agreed > 0 else 0.0
    per_halt_day = s.tension.per_aid_halt_day
    rules = conditions.for_step(st, "aid")
    possible = min(a.trucks_per_day_agreed, a.crossing_capacity_trucks_per_day)
    trucks, u_closure, u_halt = st.by_day(NAME, "trucks", "closure", "halt")
    for day in range(1, s.truce.window_days + 1):
        yield at(env, day, AID)
        before = st.aid_delivered.copy() if log.streaks else st.aid_delivered
        planned = by_condition(st, rules, trucks[day], possible, day) if rules else trucks[day]
        attacks, closed_until = st.attacks_today, log.closed_until
        ordinary = ((st.in_force & ~st.in_crisis) & (attacks == 0) & (day > closed_until)
                    & ~st.phase_expired)
        if ordinary.all():  # an ordinary day everywhere, the most common case
            st.aid_delivered += planned
        else:
            unusual(st, ~ordinary, day, planned, u_closure[day], u_halt[day], attacks,
                    Levels(after_collapse, after_expiry, held_back, stay_open, halt,
                           per_halt_day))
        for level, streak in log.streaks.items():
            full = (st.aid_delivered - before) >= level
            streak[:] = np.where(full, streak + 1, 0)


@dataclass(frozen=True)
class Levels:
    after_collapse: Number  # each a number, or one per replication (several sets)
    after_expiry: Number
    held_back: bool | np.ndarray  # aid after an expiry is below the agreed rate
    stay_open: Number  # chance one attack leaves the crossings open
    halt: Number
    per_halt_day: Number


def unusual(st: TruceState, rest: Mask, day: int, planned: np.ndarray, u_closure: np.ndarray,
            u_halt: np.ndarray, attacks: np.ndarray, x: Levels) -> None:
    """The day's aid where it is not an ordinary day, in order: collapsed, after an
    expiry, crossings closing after an attack or still closed, halted in a crisis."""
    log: AidLog = st.parts.aid
    deliver = ~rest
    collapsed = rest & ~st.in_force
    add(st.aid_delivered, x.after_collapse, collapsed)
    rest = rest & st.in_force
    expired = rest & st.phase_expired
    if expired.any():
        add(st.aid_delivered, x.after_expiry, expired)
        back = expired & x.held_back
        if back.any():
            add(st.aid_halt_days, 1, back)
            add(st.tension, x.per_halt_day, back)
            first = back & (st.milestone("aid_held_back") == MISSING)
            st.first("aid_held_back", first, day)  # told once: it lasts
            st.note(first, lambda r: Halt(day, True))
    rest = rest & ~st.phase_expired
    hit = rest & (attacks > 0)
    if hit.any():
        closing = hit & (u_closure < 1.0 - powers(x.stay_open, attacks))
        put(log.closed_until, day + st.scenario.aid.closure_days - 1, closing)
        add(st.aid_closed_days, 1, closing)
        closure_days = st.scenario.aid.closure_days
        st.note(closing, lambda r: Closure(day, closure_days))
        rest = rest & ~closing
    closed = rest & (day <= log.closed_until)
    add(st.aid_closed_days, 1, closed)
    rest = rest & ~closed
    halting = rest & st.in_crisis & (u_halt < x.halt)
    add(st.aid_halt_days, 1, halting)
    add(st.tension, x.per_halt_day, halting)
    st.note(halting, lambda r: Halt(day, False))
    deliver |= rest & ~halting
    add(st.aid_delivered, planned, deliver)


def outcomes(s: Scenario) -> tuple[Outcome, ...]:
    agreed = round(s.aid.trucks_per_day_agreed * s.truce.window_days)
    return (
        Outcome("aid_trucks_delivered", "number", "trucks", "Aid trucks that entered during "
                "the window", lambda st: st.aid_delivered),
        Outcome("aid_trucks_agreed", "number", "trucks", "Aid trucks the agreement provides for "
                "in the window", lambda st: np.full(st.n, agreed, dtype=np.int64)),
        Outcome("aid_share_of_agreed", "number", "share", "Trucks delivered over trucks agreed",
                lambda st: scaled(st.aid_delivered / agreed if agreed else
                                  np.zeros(st.n), SHARE), SHARE,
                label="aid delivered / agreed" if agreed else ""),  # none agreed: no share
        Outcome("aid_halt_days", "number", "days", "Days aid was halted as leverage",
                lambda st: st.aid_halt_days),
        Outcome("aid_closed_days", "number", "days", "Days crossings were closed after an "
                "attack", lambda st: st.aid_closed_days),
        Outcome("day_aid_held_back", "milestone", "day", "First day aid was held back after "
                "the agreed phase expired", lambda st: st.milestone("aid_held_back")),
        *(Outcome(f"aid_trucks_{name}", "number", "trucks", f"Aid trucks counted by {name} "
                  f"({share:g} of those that entered)", partial(counted, share))
          for name, share in s.aid.channels.items()),
    )


def counted(share: float, st: TruceState) -> np.ndarray:
    """The trucks a channel counts: its share of those that entered, to the nearest."""
    return np.floor(share * st.aid_delivered + 0.5).astype(np.int64)


ACTOR = Actor(
    NAME, start, stream="aid", draw=draw, outcomes=outcomes,
    series=(Series("aid_trucks_delivered", "trucks", "aid_delivered", band=50),),
    events=(Closure, Halt),
)
