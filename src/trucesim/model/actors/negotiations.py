"""Negotiations toward a permanent ceasefire, and how the agreed phase ends (DESIGN.md §2).

Talks progress from 0 (none) to 1 (agreement) with a daily drift and noise, and lose
ground to incidents (:mod:`.violence`) and on each day of crisis. At day-end of the agreed
phase the truce ends in a permanent agreement (the talks concluded), an extension (talks
serious enough, and the parties agree to extend), or expiry. When the phase is shorter
than the window (Jan 2025: 42 days), the remaining days run on: a later collapse is
recorded as day_collapse, and aid is held back if the phase expired.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trucesim.model.declare import MISSING, SHARE, Actor, Outcome, Series, scaled
from trucesim.model.events import Line, Narration
from trucesim.model.state import CRISIS, TALKS, WINDOW_END, Proc, TruceState, at
from trucesim.scenario.schema import Scenario

NAME = "negotiations"
END_STATES = ("permanent", "extended", "expired", "collapsed")


@dataclass(frozen=True, slots=True)
class Draws:
    """One replication's numbers from the 'negotiations' stream."""

    shocks: list[float]  # per day: a standard normal shock to the talks
    extension: float  # do serious but unfinished talks lead to an extension?


def draw(s: Scenario, g: np.random.Generator, n: int) -> list[Draws]:
    shocks = g.standard_normal((n, s.truce.window_days + 1)).tolist()
    extension = g.random(n).tolist()
    return [Draws(shocks[r], extension[r]) for r in range(n)]


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


@dataclass(frozen=True, slots=True)
class PhaseEnded:
    day: int
    state: str  # permanent, extended or expired
    progress: float

    def lines(self, n: Narration) -> list[Line]:
        talks = n.scenario.negotiations
        window = f"The {n.scenario.truce.window_days}-day window ends"
        serious = talks.extension_threshold
        if self.state == "permanent":
            text = f"{window}: with the agreement reached, the truce becomes a permanent ceasefire."
        elif self.state == "extended":
            text = (f"{window}. The talks have come {self.progress:.0%} of the way to an "
                    f"agreement ({serious:.0%} counts as serious): the truce is extended.")
        elif self.progress >= serious:
            text = (f"{window}. The talks have come {self.progress:.0%} of the way, enough to "
                    "count as serious, but no extension is agreed: the truce expires.")
        else:
            text = (f"{window}. The talks have come {self.progress:.0%} of the way to an "
                    f"agreement, short of the {serious:.0%} that counts as serious: the truce "
                    "expires.")
        return [("end", text)]


# processes ----------------------------------------------------------------------------
def start(st: TruceState) -> None:
    st.start(talks(st))
    st.start(phase_end(st))


def talks(st: TruceState) -> Proc:
    """Progress toward a permanent ceasefire: drift, noise, and setbacks in a crisis."""
    s, env = st.scenario, st.env
    d: Draws = st.draws[NAME]
    n = s.negotiations
    drift, volatility, setback, shocks = (n.drift_per_day, n.volatility_per_day,
                                          n.setback_per_crisis_day, d.shocks)
    yield at(env, n.start_day, TALKS)
    if st.log is not None:
        st.log.append(TalksStarted(n.start_day))
    for day in range(n.start_day, s.truce.phase_end + 1):
        if not st.in_force:
            return
        if not st.agreed:
            if st.status == CRISIS:
                progress = st.progress - setback
            else:
                progress = st.progress + drift + volatility * shocks[day]
            if progress >= 1.0:
                st.progress, st.agreed = 1.0, True
                st.milestones["agreement"] = day
                if st.log is not None:
                    st.log.append(Agreement(day))
            else:
                st.progress = 0.0 if progress < 0.0 else progress
        yield env.timeout(1)


def phase_end(st: TruceState) -> Proc:
    """Day-end of the agreed phase: a permanent agreement, an extension, or expiry."""
    s, env = st.scenario, st.env
    end = s.truce.phase_end
    yield at(env, end, WINDOW_END)
    if not st.truce_holds:
        st.end_state, st.end_day = "collapsed", st.milestones["collapse"]
        return
    n = s.negotiations
    d: Draws = st.draws[NAME]
    if st.agreed:
        st.end_state = "permanent"
    elif st.progress >= n.extension_threshold and d.extension < n.extension_probability:
        st.end_state = "extended"
    else:
        st.end_state = "expired"
    st.end_day = end
    if end == s.truce.window_days:
        st.end()
    else:
        st.phase_expired = st.end_state == "expired"
    if st.log is not None:
        st.log.append(PhaseEnded(end, st.end_state, round(st.progress, 2)))


# what it reports ----------------------------------------------------------------------
def outcomes(s: Scenario) -> tuple[Outcome, ...]:
    ended = ("Day the truce ended (collapse, or the end of the window)" if not s.truce.phase_days
             else "Day the agreed phase ended (collapse, or its last day; the window runs on "
             "after it)")
    return (
        Outcome("end_state", "category", "", "How the truce ended: " + ", ".join(END_STATES),
                _end_state, categories=END_STATES, verdict=True),
        Outcome("end_day", "number", "day", ended, lambda st: st.end_day,
                label="day the truce ended", verdict=True),
        Outcome("talks_progress_end", "number", "share", "Progress of the talks at the end "
                "(1 = agreement)", lambda st: scaled(st.progress, SHARE), SHARE),
        Outcome("day_agreement", "milestone", "day", "Day the talks reached a permanent "
                "agreement", lambda st: st.milestones.get("agreement", MISSING)),
        Outcome("day_collapse", "milestone", "day", "Day the truce collapsed",
                lambda st: st.milestones.get("collapse", MISSING)),
    )


def _end_state(st: TruceState) -> int:
    return END_STATES.index(st.end_state)


ACTOR = Actor(
    NAME, start, stream="negotiations", draw=draw, outcomes=outcomes,
    series=(Series("talks_progress", "share", "progress", SHARE),),
    events=(TalksStarted, Agreement, PhaseEnded),
)
