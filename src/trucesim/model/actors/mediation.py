"""Mediation and crisis: tension, mediators who drain it, crises and collapse (DESIGN.md §2).

Tension is the common currency: incidents, deaths, late or disputed handovers, withheld
tranches and aid halts raise it; it fades on its own, and faster once mediators (the
scenario's [names]) act, after a response delay and with an effect that varies from day to
day. Tension above a threshold starts a crisis, in which handovers, exchanges and the
withdrawal wait; a crisis not resolved in time (or by bad luck on any of its days)
collapses the truce.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from trucesim import fmt
from trucesim.model.declare import TENTHS, Actor, Outcome, Series, scaled
from trucesim.model.events import Line, Narration
from trucesim.model.state import MEDIATION, Mask, Proc, TruceState, add, at, ints, put
from trucesim.scenario.schema import Scenario

NAME = "mediation"


@dataclass(frozen=True, slots=True)
class Draws:
    """The block's numbers from the 'mediation' stream: (replication, day)."""

    effect: np.ndarray  # multiplier of the mediators' drain
    collapse: np.ndarray  # does a day of crisis end in collapse?


def draw(s: Scenario, g: np.random.Generator, n: int) -> Draws:
    days, spread = s.truce.window_days + 1, s.mediation.effectiveness_spread
    effect = 1 + spread * (2 * g.random((n, days)) - 1)
    return Draws(effect, g.random((n, days)))


# events -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Engaged:
    day: int
    tension: float

    def lines(self, n: Narration) -> list[Line]:
        m = n.scenario.mediation
        when = ("and act at once" if m.response_delay_days == 0 else
                f"and act from day {self.day + m.response_delay_days} if it stays high")
        return [("mediation", f"With tension at {self.tension:.1f} (threshold "
                 f"{m.engage_threshold:g}), {n.scenario.names.the_mediators} engage {when}.")]


@dataclass(frozen=True, slots=True)
class Drained:
    """The mediators' drain kept tension below the crisis threshold today."""

    day: int
    before: float  # tension at the end of the day without the drain
    after: float

    def lines(self, n: Narration) -> list[Line]:
        who = fmt.capital(n.scenario.names.the_mediators)
        return [("mediation", f"{who} bring tension down by "
                 f"{self.before - self.after:.1f} (from {self.before:.1f} to {self.after:.1f}), "
                 f"below the {n.scenario.crisis.threshold:g} at which a crisis starts.")]


@dataclass(frozen=True, slots=True)
class CrisisStarted:
    day: int
    tension: float

    def lines(self, n: Narration) -> list[Line]:
        c = n.scenario.crisis
        return [("crisis", f"Tension reaches {self.tension:.1f}, above {c.threshold:g}: a "
                 "crisis begins. Handovers, releases and the withdrawal wait; each day of "
                 f"crisis carries a {c.collapse_hazard_per_day:.0%} chance of collapse, and a "
                 f"crisis unresolved after {fmt.count(c.max_days, 'day')} collapses the truce.")]


@dataclass(frozen=True, slots=True)
class Resolved:
    day: int
    days: int
    tension: float

    def lines(self, n: Narration) -> list[Line]:
        return [("mediation", f"The crisis is resolved after {fmt.count(self.days, 'day')}: "
                 f"tension is down to {self.tension:.1f} (below "
                 f"{n.scenario.crisis.resolve_below:g}).")]


@dataclass(frozen=True, slots=True)
class Collapsed:
    day: int
    days_in_crisis: int  # days since the crisis began
    tension: float

    def lines(self, n: Narration) -> list[Line]:
        s = n.scenario
        cf = s.counterfactual
        days = self.days_in_crisis
        why = (f"unresolved after {fmt.count(s.crisis.max_days, 'day')}"
               if days >= s.crisis.max_days else
               f"by chance: each day of crisis carries a {s.crisis.collapse_hazard_per_day:.0%} "
               "risk of collapse")
        return [("crisis", f"The truce collapses on day {days + 1} of the crisis ({why}). In "
                 f"the model, war resumes the next day at the scenario's no-truce rates "
                 f"({s.names.daily(cf.deaths_per_day_palestinians, cf.deaths_per_day_israelis)}"
                 " on average), the army "
                 f"returns to holding {fmt.percent(s.withdrawal.share_after_collapse)} of "
                 f"{s.names.territory}, "
                 f"and aid falls to {s.aid.trucks_per_day_after_collapse:,.0f} trucks a day.")]


# process ------------------------------------------------------------------------------
def start(st: TruceState) -> None:
    st.parts.mediation = ints(st.n, -1)  # the day mediators engaged (-1: not engaged)
    st.env.process(mediation(st))


def mediation(st: TruceState) -> Proc:
    """Tension fades, mediators drain it after a delay; crises start, end, or collapse."""
    s, env = st.scenario, st.env
    med = s.mediation
    fade = 1.0 - s.tension.decay_per_day
    engage, delay, drain = med.engage_threshold, med.response_delay_days, med.drain_per_day
    effect, u_collapse = st.by_day(NAME, "effect", "collapse")
    engaged_since: np.ndarray = st.parts.mediation
    for day in range(1, s.truce.window_days + 1):
        yield at(env, day, MEDIATION)
        going = st.in_force
        if not going.any():
            return
        tension = np.where(going, st.tension * fade, st.tension)
        high = going & (tension >= engage)
        engaging = high & (engaged_since < 0)
        if engaging.any():
            put(engaged_since, day, engaging)
            tell(st, engaging, Engaged, day, tension)
        acting = high & (day - engaged_since >= delay)
        undrained = tension.copy() if st.log is not None else tension
        np.multiply(tension, np.maximum(0.0, 1.0 - drain * effect[day]), out=tension, where=acting)
        if st.log is not None:  # a told run: say when the drain averted a crisis
            threshold = s.crisis.threshold
            averted = acting & ~st.in_crisis & (undrained >= threshold) & (tension < threshold)
            st.note(averted, partial(_drained, day, undrained, tension))
        put(engaged_since, -1, going & ~high)
        st.tension = tension
        np.maximum(st.max_tension, tension, out=st.max_tension, where=going)
        crises(st, going, day, tension, u_collapse[day])


def crises(st: TruceState, going: Mask, day: int, tension: np.ndarray,
           u_collapse: np.ndarray) -> None:
    """A crisis starts above the threshold (not during a flare-up, which mediators end on
    its own terms: :mod:`.flare_ups`); one in course is resolved below the lower one, or
    goes on a day, and may collapse the truce."""
    c = st.scenario.crisis
    holding = going & ~st.in_crisis & ~st.in_flare_up
    starting = holding & (tension >= c.threshold)
    in_crisis = going & st.in_crisis
    if starting.any():
        st.start_crisis(starting, day)
        tell(st, starting, CrisisStarted, day, tension)
    if not in_crisis.any():
        return
    resolved = in_crisis & (tension < c.resolve_below)
    if resolved.any():
        started = st.crisis_start.copy()
        st.note(resolved, lambda r: Resolved(day, day - int(started[r]),
                                             round(float(tension[r]), 1)))
        st.resolve_crisis(resolved, day)
    lasting = in_crisis & ~resolved
    add(st.crisis_days, 1, lasting)
    collapsing = lasting & ((day - st.crisis_start >= c.max_days)
                            | (u_collapse < c.collapse_hazard_per_day))
    if collapsing.any():
        st.note(collapsing, lambda r: Collapsed(day, day - int(st.crisis_start[r]),
                                                round(float(st.tension[r]), 1)))
        st.collapse(collapsing, day)


def tell(st: TruceState, mask: Mask, event: Callable[[int, float], Any], day: int,
         tension: np.ndarray) -> None:
    """Log `event(day, tension)` (tension to one decimal) where `mask` holds."""
    st.note(mask, lambda r: event(day, round(float(tension[r]), 1)))


def _drained(day: int, before: np.ndarray, after: np.ndarray, r: int) -> Drained:
    return Drained(day, round(float(before[r]), 1), round(float(after[r]), 1))


# what it reports ----------------------------------------------------------------------
def outcomes(s: Scenario) -> tuple[Outcome, ...]:
    return (
        Outcome("crises", "number", "crises", "Crises the truce went through",
                lambda st: st.crises),
        Outcome("crisis_days", "number", "days", "Days spent in crisis",
                lambda st: st.crisis_days),
        Outcome("max_tension", "number", "tension", "Highest tension reached",
                lambda st: scaled(st.max_tension, TENTHS), TENTHS),
        Outcome("day_first_crisis", "milestone", "day", "Day the first crisis started",
                lambda st: st.milestone("first_crisis")),
    )


ACTOR = Actor(
    NAME, start, stream="mediation", draw=draw, outcomes=outcomes,
    series=(Series("tension", "tension", "tension", 100),),
    events=(Engaged, Drained, CrisisStarted, Resolved, Collapsed),
)
