"""How an agreed phase ends (DESIGN.md §2, deal mechanics).

At day-end of the agreed phase the truce becomes permanent (the talks concluded), is
extended, or expires. An extension can be bought by releases (a pause extended a day, or
N days, at a time, for more hostages on each extension day), a decision whose chance
falls with tension and is nil once too few hostages are held to pay for it; or, when the
talks are serious but unfinished, granted under the talks' clause. A phase that expires
is followed by a quiet lapse or, after a delay, a return to war at the counterfactual
rates. An open-ended ceasefire has no verdict at its phase's end: the talks go on and the
state at the horizon is reported. A collapse in a crisis ends everything earlier.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trucesim import fmt
from trucesim.model.actors import handovers
from trucesim.model.declare import MISSING, Actor, Outcome
from trucesim.model.events import Line, Narration
from trucesim.model.sampling import geometric_days
from trucesim.model.state import HANDOVER, WINDOW_END, Proc, TruceState, at
from trucesim.scenario.schema import Scenario

NAME = "phase"
END_STATES = ("permanent", "extended", "expired", "collapsed", "ongoing")
MAX_DECISIONS = 64  # extension decisions drawn per replication (a fixed shape)


@dataclass(frozen=True, slots=True)
class Draws:
    """One replication's numbers from the 'phase' stream."""

    talks: float  # is the truce extended under the talks' clause?
    war: float  # does fighting resume after an expiry?
    war_delay: float  # after how long?
    extend: list[float]  # each extension decision


def draw(s: Scenario, g: np.random.Generator, n: int) -> list[Draws]:
    talks, war, delay = g.random((3, n)).tolist()
    # drawn last, and only if the deal provides for extensions bought by releases
    extend = g.random((n, MAX_DECISIONS)).tolist() if s.extensions.days_each else [
        [] for _ in range(n)]
    return [Draws(talks[r], war[r], delay[r], extend[r]) for r in range(n)]


@dataclass(slots=True)
class Extensions:
    """The actor's own state (st.parts.phase)."""

    days: int = 0  # added by extensions
    decisions: int = 0


# events -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Extended:
    day: int
    days: int
    living: int  # what it buys, over its days
    bodies: int
    total_days: int  # added by extensions so far

    def lines(self, n: Narration) -> list[Line]:
        name = n.scenario.truce.phase_name
        return [("talks", f"The {name} is extended by {fmt.count(self.days, 'day')} in "
                 f"exchange for {fmt.people(self.living, self.bodies)} more (extensions so "
                 f"far: {fmt.count(self.total_days, 'day')}).")]


@dataclass(frozen=True, slots=True)
class PhaseEnded:
    day: int
    state: str  # permanent, extended, expired or ongoing
    progress: float
    extension_days: int

    def lines(self, n: Narration) -> list[Line]:
        s = n.scenario
        serious = s.negotiations.extension_threshold
        length = (s.truce.phase_days or s.truce.window_days) + self.extension_days
        head = f"The {length}-day {s.truce.phase_name} ends"
        if self.extension_days:
            head += " (extensions included)"
        way = f"The talks have come {self.progress:.0%} of the way"
        if self.state == "permanent":
            text = f"{head}: with the agreement reached, the truce becomes a permanent ceasefire."
        elif self.state == "ongoing":
            text = (f"The window ends with the open-ended truce still holding and no permanent "
                    f"agreement yet. {way} to one, and go on.")
        elif self.state == "extended":
            text = (f"{head}. {way} to an agreement ({serious:.0%} counts as serious): the "
                    "truce is extended.")
        elif self.progress >= serious:
            text = (f"{head}. {way}, enough to count as serious, but no extension is agreed: "
                    f"the {s.truce.phase_name} expires.")
        else:
            text = (f"{head}. {way} to an agreement, short of the {serious:.0%} that counts "
                    f"as serious: the {s.truce.phase_name} expires.")
        return [("end", text)]


@dataclass(frozen=True, slots=True)
class WarResumes:
    day: int
    after_days: int  # since the phase expired

    def lines(self, n: Narration) -> list[Line]:
        cf = n.scenario.counterfactual
        return [("crisis", f"{fmt.count(self.after_days, 'day')} after the "
                 f"{n.scenario.truce.phase_name} expired, fighting resumes: in the model, at "
                 f"the scenario's no-truce rates ({cf.deaths_per_day_palestinians:g} "
                 f"Palestinian and {cf.deaths_per_day_israelis:g} Israeli deaths a day on "
                 "average).")]


# processes ----------------------------------------------------------------------------
def start(st: TruceState) -> None:
    st.phase_end = st.scenario.truce.phase_end
    st.parts.phase = Extensions()
    st.start(phase_end(st))


def extension_chance(st: TruceState) -> float:
    """The chance the parties extend now: nil if too few are held to pay for it."""
    x = st.scenario.extensions
    if st.living_held < x.living_per_day or st.bodies_held < x.bodies_per_day:
        return 0.0
    return float(x.probability * 0.5 ** (st.tension / x.tension_halving))


def phase_end(st: TruceState) -> Proc:
    """Day-end of the agreed phase: the verdict, extensions, and what follows an expiry."""
    s, env = st.scenario, st.env
    d: Draws = st.draws[NAME]
    x, window, ext = s.extensions, s.truce.window_days, st.parts.phase
    assert isinstance(ext, Extensions)
    if s.truce.open_ended:
        yield at(env, window, WINDOW_END)
        if st.truce_holds:
            verdict(st, "permanent" if st.agreed else "ongoing", window)
        else:
            st.end_state, st.end_day = "collapsed", st.milestones.get("collapse", MISSING)
        return
    while True:
        yield at(env, st.phase_end, WINDOW_END)
        if not st.truce_holds:
            st.end_state, st.end_day = "collapsed", st.milestones.get("collapse", MISSING)
            return
        if st.agreed:
            state = "permanent"
            break
        if (x.days_each and ext.days + x.days_each <= x.max_days
                and ext.decisions < MAX_DECISIONS
                and d.extend[ext.decisions] < extension_chance(st)):
            ext.decisions += 1
            ext.days += x.days_each
            first, st.phase_end = st.phase_end + 1, st.phase_end + x.days_each
            st.start(extension_releases(st, first, st.phase_end))
            if st.log is not None:
                st.log.append(Extended(first - 1, x.days_each, x.living_per_day * x.days_each,
                                       x.bodies_per_day * x.days_each, ext.days))
            if st.phase_end > window:  # it runs past the horizon
                st.end_state, st.end_day = "extended", first - 1
                return
            continue
        if st.progress >= s.negotiations.extension_threshold and \
                d.talks < s.negotiations.extension_probability:
            state = "extended"
        else:
            state = "expired"
        break
    end = st.phase_end
    verdict(st, state, end)
    if state == "expired" and end < window and d.war < s.phase_end.war_probability:
        delay = geometric_days(s.phase_end.war_delay_mean_days, d.war_delay)
        st.start(war_returns(st, end + delay, delay))


def verdict(st: TruceState, state: str, end: int) -> None:
    st.end_state, st.end_day = state, end
    if end == st.scenario.truce.window_days:
        st.end()
    else:
        st.phase_expired = state == "expired"
    if st.log is not None:
        st.log.append(PhaseEnded(end, state, round(st.progress, 2), st.parts.phase.days))


def extension_releases(st: TruceState, first: int, last: int) -> Proc:
    """The releases an extension bought, on each of its days."""
    x, ledger = st.scenario.extensions, st.parts.handovers
    for day in range(first, last + 1):
        yield at(st.env, day, HANDOVER)
        ledger.due_living += x.living_per_day
        ledger.due_bodies += x.bodies_per_day
        if not st.in_force:
            return
        living, bodies = min(x.living_per_day, st.living_held), min(x.bodies_per_day,
                                                                     st.bodies_held)
        handovers.hand_over(st, day, f"extension's day-{day} release", living, bodies, False,
                            day, handovers.Terms(kind="extension", u=(1.0, 0.0)))


def war_returns(st: TruceState, day: int, delay: int) -> Proc:
    """Fighting resumes after an expired phase, unless the truce has broken down first."""
    yield at(st.env, day, HANDOVER)
    if st.truce_holds:
        if st.log is not None:
            st.log.append(WarResumes(day, delay))
        st.return_to_war(day)


# what it reports ----------------------------------------------------------------------
def outcomes(s: Scenario) -> tuple[Outcome, ...]:
    ended = ("Day the agreed phase ended (collapse, or its last day, extensions included)"
             if s.truce.phase_days or s.extensions.days_each else
             "Day the truce ended (collapse, or the end of the window)")
    return (
        Outcome("end_state", "category", "", "How the agreed phase ended: "
                + ", ".join(END_STATES), _end_state, categories=END_STATES, verdict=True),
        Outcome("end_day", "number", "day", ended, lambda st: st.end_day,
                label="day the truce ended", verdict=True),
        Outcome("extension_days", "number", "days", "Days added to the agreed phase by "
                "extensions bought with releases", lambda st: st.parts.phase.days),
        Outcome("day_collapse", "milestone", "day", "Day the truce collapsed in a crisis",
                lambda st: st.milestones.get("collapse", MISSING)),
        Outcome("day_war_resumed", "milestone", "day", "Day fighting resumed (after a "
                "collapse, or after an expired phase)",
                lambda st: st.milestones.get("war_resumed", MISSING)),
    )


def _end_state(st: TruceState) -> int:
    return END_STATES.index(st.end_state)


ACTOR = Actor(NAME, start, stream="phase", draw=draw, outcomes=outcomes,
              events=(Extended, PhaseEnded, WarResumes))
