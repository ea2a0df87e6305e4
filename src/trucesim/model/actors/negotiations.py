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
from trucesim.model.declare import SHARE, Actor, Outcome, Series, scaled
from trucesim.model.events import Line, Narration
from trucesim.model.state import TALKS, Mask, Proc, TruceState, at, ints, put
from trucesim.scenario.schema import Scenario

NAME = "negotiations"


@dataclass(frozen=True, slots=True)
class Draws:
    """The block's numbers from the 'negotiations' stream."""

    shocks: np.ndarray  # (replication, day): a standard normal shock to the talks


def draw(s: Scenario, g: np.random.Generator, n: int) -> Draws:
    return Draws(g.standard_normal((n, s.truce.window_days + 1)))


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
    # the condition that set yesterday's talks (NO_RULE: none)
    st.parts.talks_rule = ints(st.n, conditions.NO_RULE)
    st.env.process(talks(st))


def talks(st: TruceState) -> Proc:
    """Progress toward a permanent ceasefire: drift, noise, and setbacks in a crisis, each
    day from the talks' first day to the end of the agreed phase (extensions included)."""
    s, env = st.scenario, st.env
    n = s.negotiations
    drift, volatility, setback = (n.drift_per_day, n.volatility_per_day,
                                  n.setback_per_crisis_day)
    (shocks,) = st.by_day(NAME, "shocks")
    rules = conditions.for_step(st, "talks")
    open_ended, window = s.truce.open_ended, s.truce.window_days
    if n.start_day > window:
        return
    yield at(env, n.start_day, TALKS)
    st.note(np.ones(st.n, dtype=bool), lambda r: TalksStarted(n.start_day))
    talking = np.ones(st.n, dtype=bool)
    for day in range(n.start_day, window + 1):
        if day > n.start_day:
            yield at(env, day, TALKS)
        talking &= (day <= st.phase_end) if not open_ended else True
        talking &= st.in_force  # a collapse ends the talks
        if not talking.any():
            return
        going = talking & ~st.agreed
        paused: np.ndarray = np.zeros(st.n, dtype=bool)
        today: np.ndarray | float = drift
        if rules:
            paused, today = by_condition(st, rules, going, drift, day)
        crisis = going & ~paused & st.in_crisis
        moving = going & ~paused & ~st.in_crisis
        progress = st.progress.copy()
        np.subtract(progress, setback, out=progress, where=crisis)
        put(progress, progress + today + volatility * shocks[day], moving)
        done = (crisis | moving) & (progress >= 1.0)
        if done.any():
            put(progress, 1.0, done)
            agree(st, done, day)
        st.progress = np.where((crisis | moving) & ~done & (progress < 0.0), 0.0, progress)


def agree(st: TruceState, mask: Mask, day: int) -> None:
    st.agreed[mask] = True
    st.milestone("agreement")[mask] = day
    st.note(mask, lambda r: Agreement(day))


def by_condition(st: TruceState, rules: tuple[conditions.Rule, ...], going: np.ndarray,
                 drift: float, day: int) -> tuple[np.ndarray, np.ndarray]:
    """Whether the talks are paused today under their conditions, and today's drift,
    where they `going` on."""
    which = conditions.active(st, rules, "drift_per_day", going)
    pause = np.array([rules[k].pause if k >= 0 else False for k in which.tolist()])
    today = conditions.effect(rules, which, "drift_per_day", drift)
    changed = going & (which != st.parts.talks_rule)
    if changed.any():
        st.parts.talks_rule[changed] = which[changed]

        def told(r: int) -> conditions.Changed:
            k = int(which[r])
            what = ("the talks pause" if k >= 0 and rules[k].pause else
                    f"progress of {rules[k].effects['drift_per_day']:+.1%} a day on average"
                    if k >= 0 else "the agreed course")
            return conditions.Changed(day, "talks", rules[k].name if k >= 0 else "", what)

        st.note(changed, told)
    return pause, np.where(pause, drift, today)


# what it reports ----------------------------------------------------------------------
def outcomes(s: Scenario) -> tuple[Outcome, ...]:
    return (
        Outcome("talks_progress_end", "number", "share", "Progress of the talks at the end "
                "(1 = agreement)", lambda st: scaled(st.progress, SHARE), SHARE),
        Outcome("day_agreement", "milestone", "day", "Day the talks reached a permanent "
                "agreement", lambda st: st.milestone("agreement")),
    )


ACTOR = Actor(
    NAME, start, stream="negotiations", draw=draw, outcomes=outcomes,
    series=(Series("talks_progress", "share", "progress", SHARE),),
    events=(TalksStarted, Agreement),
)
