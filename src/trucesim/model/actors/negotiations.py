"""Negotiations toward a permanent ceasefire (DESIGN.md §2).

Talks progress from 0 (none) to 1 (agreement) with a daily drift and noise, and lose
ground to incidents (:mod:`.violence`) and on each day of crisis. They run until the
agreed phase ends (extensions included), or to the horizon for an open-ended ceasefire;
how the phase ends is :mod:`.phase`'s. A condition on `talks` can pause them or change
their drift.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trucesim.model.actors import conditions
from trucesim.model.declare import MISSING, SHARE, Actor, Outcome, Series, scaled
from trucesim.model.events import Line, Narration
from trucesim.model.state import CRISIS, TALKS, Proc, TruceState, at
from trucesim.scenario.schema import Scenario

NAME = "negotiations"


@dataclass(frozen=True, slots=True)
class Draws:
    """One replication's numbers from the 'negotiations' stream."""

    shocks: list[float]  # per day: a standard normal shock to the talks


def draw(s: Scenario, g: np.random.Generator, n: int) -> list[Draws]:
    shocks = g.standard_normal((n, s.truce.window_days + 1)).tolist()
    return [Draws(shocks[r]) for r in range(n)]


# events -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class TalksStarted:
    day: int

    def lines(self, n: Narration) -> list[Line]:
        return [("talks", "Talks on a permanent ceasefire begin.")]


@dataclass(frozen=True, slots=True)
class Agreement:
    day: int

    def lines(self, n: Narration) -> list[Line]:
        return [("talks", "The talks reach agreement on a permanent ceasefire.")]


# processes ----------------------------------------------------------------------------
def start(st: TruceState) -> None:
    st.parts.talks_rule = ""  # the condition that set yesterday's talks ("" for none)
    st.start(talks(st))


def talks(st: TruceState) -> Proc:
    """Progress toward a permanent ceasefire: drift, noise, and setbacks in a crisis."""
    s, env = st.scenario, st.env
    d: Draws = st.draws[NAME]
    n = s.negotiations
    drift, volatility, setback, shocks = (n.drift_per_day, n.volatility_per_day,
                                          n.setback_per_crisis_day, d.shocks)
    rules = conditions.for_step(st, "talks")
    yield at(env, n.start_day, TALKS)
    if st.log is not None:
        st.log.append(TalksStarted(n.start_day))
    day = n.start_day
    open_ended, window = s.truce.open_ended, s.truce.window_days
    while day <= (window if open_ended else st.phase_end):
        if not st.in_force:
            return
        if not st.agreed:
            paused, today = (False, drift) if not rules else by_condition(st, rules, drift,
                                                                          day)
            if paused:
                progress = st.progress
            elif st.status == CRISIS:
                progress = st.progress - setback
            else:
                progress = st.progress + today + volatility * shocks[day]
            if progress >= 1.0:
                st.progress, st.agreed = 1.0, True
                st.milestones["agreement"] = day
                if st.log is not None:
                    st.log.append(Agreement(day))
            else:
                st.progress = 0.0 if progress < 0.0 else progress
        yield env.timeout(1)
        day += 1


def by_condition(st: TruceState, rules: tuple[conditions.Rule, ...], drift: float,
                 day: int) -> tuple[bool, float]:
    """Whether the talks are paused today under their conditions, and today's drift."""
    rule = conditions.active(st, rules, "drift_per_day")
    name = rule.name if rule is not None else ""
    if name != st.parts.talks_rule:
        st.parts.talks_rule = name
        if st.log is not None:
            what = ("the talks pause" if rule is not None and rule.pause else
                    f"progress of {rule.effects['drift_per_day']:+.1%} a day on average"
                    if rule is not None else "the agreed course")
            st.log.append(conditions.Changed(day, "talks", name, what))
    if rule is None:
        return False, drift
    return rule.pause, drift if rule.pause else rule.effects["drift_per_day"]


# what it reports ----------------------------------------------------------------------
def outcomes(s: Scenario) -> tuple[Outcome, ...]:
    return (
        Outcome("talks_progress_end", "number", "share", "Progress of the talks at the end "
                "(1 = agreement)", lambda st: scaled(st.progress, SHARE), SHARE),
        Outcome("day_agreement", "milestone", "day", "Day the talks reached a permanent "
                "agreement", lambda st: st.milestones.get("agreement", MISSING)),
    )


ACTOR = Actor(
    NAME, start, stream="negotiations", draw=draw, outcomes=outcomes,
    series=(Series("talks_progress", "share", "progress", SHARE),),
    events=(TalksStarted, Agreement),
)
