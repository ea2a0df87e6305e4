"""Mediation and crisis: tension, mediators who drain it, crises and collapse (DESIGN.md §2).

Tension is the common currency: incidents, deaths, late or disputed handovers, withheld
tranches and aid halts raise it; it fades on its own, and faster once mediators (US,
Qatar, Egypt) act, after a response delay and with an effect that varies from day to
day. Tension above a threshold starts a crisis, in which handovers, exchanges and the
withdrawal wait; a crisis not resolved in time (or by bad luck on any of its days)
collapses the truce.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trucesim import fmt
from trucesim.model.declare import MISSING, TENTHS, Actor, Outcome, Series, scaled
from trucesim.model.events import Line, Narration
from trucesim.model.state import HOLDING, MEDIATION, Proc, TruceState, at
from trucesim.scenario.schema import Scenario

NAME = "mediation"
MEDIATORS = "mediators (US, Qatar, Egypt)"


@dataclass(frozen=True, slots=True)
class Draws:
    """One replication's numbers from the 'mediation' stream, one per day."""

    effect: list[float]  # multiplier of the mediators' drain
    collapse: list[float]  # does a day of crisis end in collapse?


def draw(s: Scenario, g: np.random.Generator, n: int) -> list[Draws]:
    days, spread = s.truce.window_days + 1, s.mediation.effectiveness_spread
    effect = (1 + spread * (2 * g.random((n, days)) - 1)).tolist()
    collapse = g.random((n, days)).tolist()
    return [Draws(effect[r], collapse[r]) for r in range(n)]


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
                 f"{m.engage_threshold:g}), {MEDIATORS} engage {when}.")]


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
                 f"({cf.deaths_per_day_palestinians:g} Palestinian and "
                 f"{cf.deaths_per_day_israelis:g} Israeli deaths a day on average), the army "
                 f"returns to holding {fmt.percent(s.withdrawal.share_after_collapse)} of Gaza, "
                 f"and aid falls to {s.aid.trucks_per_day_after_collapse:,.0f} trucks a day.")]


# process ------------------------------------------------------------------------------
def start(st: TruceState) -> None:
    st.start(mediation(st))


def mediation(st: TruceState) -> Proc:
    """Tension fades, mediators drain it after a delay; crises start, end, or collapse."""
    s, env = st.scenario, st.env
    d: Draws = st.draws[NAME]
    med, crisis = s.mediation, s.crisis
    fade = 1.0 - s.tension.decay_per_day
    engage, delay, drain = med.engage_threshold, med.response_delay_days, med.drain_per_day
    threshold, resolve, max_days = crisis.threshold, crisis.resolve_below, crisis.max_days
    hazard, effect, u_collapse = crisis.collapse_hazard_per_day, d.effect, d.collapse
    engaged_since = -1
    yield at(env, 1, MEDIATION)
    for day in range(1, s.truce.window_days + 1):
        if not st.in_force:
            return
        tension = st.tension * fade
        if tension >= engage:
            if engaged_since < 0:
                engaged_since = day
                if st.log is not None:
                    st.log.append(Engaged(day, round(tension, 1)))
            if day - engaged_since >= delay:
                tension *= max(0.0, 1.0 - drain * effect[day])
        else:
            engaged_since = -1
        st.tension = tension
        if tension > st.max_tension:
            st.max_tension = tension
        if st.status == HOLDING:
            if tension >= threshold:
                st.start_crisis(day)
                if st.log is not None:
                    st.log.append(CrisisStarted(day, round(tension, 1)))
        elif tension < resolve:
            if st.log is not None:
                st.log.append(Resolved(day, day - st.crisis_start, round(tension, 1)))
            st.resolve_crisis()
        else:
            st.crisis_days += 1
            if day - st.crisis_start >= max_days or u_collapse[day] < hazard:
                if st.log is not None:
                    st.log.append(Collapsed(day, day - st.crisis_start, round(st.tension, 1)))
                st.collapse(day)
        yield env.timeout(1)


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
                lambda st: st.milestones.get("first_crisis", MISSING)),
    )


ACTOR = Actor(
    NAME, start, stream="mediation", draw=draw, outcomes=outcomes,
    series=(Series("tension", "tension", "tension", 100),),
    events=(Engaged, CrisisStarted, Resolved, Collapsed),
)
