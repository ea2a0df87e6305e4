"""How an agreed phase ends (DESIGN.md §2, deal mechanics).

At day-end of the agreed phase the truce becomes permanent (the talks concluded), is
extended, or expires. An extension can be bought by releases (a pause extended a day, or
N days, at a time, for hostages on each of its days or all at once), whose chance
falls with tension and is nil once too few hostages are held to pay for it; or, when the
talks are serious but unfinished, granted under the talks' clause. A phase that expires
is followed by a quiet lapse or, after a delay, a return to war at the counterfactual
rates. An open-ended ceasefire has no verdict at its phase's end: the talks go on and the
state at the horizon is reported. A collapse in a crisis ends everything earlier.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trucesim.model import agenda
from trucesim.model.actors import release
from trucesim.model.actors.endings import Extended, PhaseEnded, WarResumes
from trucesim.model.declare import Actor, Outcome
from trucesim.model.sampling import geometric_days
from trucesim.model.state import HANDOVER, WINDOW_END, Mask, Proc, TruceState, at, ints
from trucesim.scenario.schema import Scenario

NAME = "phase"
END_STATES = ("permanent", "extended", "expired", "collapsed", "ongoing")
MAX_DECISIONS = 64  # extension decisions drawn per replication (a fixed shape)


@dataclass(frozen=True, slots=True)
class Draws:
    """The block's numbers from the 'phase' stream, by replication."""

    talks: np.ndarray  # is the truce extended under the talks' clause?
    war: np.ndarray  # does fighting resume after an expiry?
    war_delay: np.ndarray  # after how long?
    extend: np.ndarray  # (replication, decision): each extension decision


def draw(s: Scenario, g: np.random.Generator, n: int) -> Draws:
    talks, war, delay = g.random((3, n))
    # drawn last, and only if the deal provides for extensions bought by releases
    extend = g.random((n, MAX_DECISIONS)) if s.extensions.days_each else np.ones((n, 0))
    return Draws(talks, war, delay, extend)


@dataclass(slots=True)
class Extensions:
    """The actor's own state (st.parts.phase), over the block."""

    days: np.ndarray  # added by extensions
    decisions: np.ndarray
    decided: np.ndarray  # the verdict is in (or the phase ran past the horizon)
    releases_row: int  # the morning's agenda: an extension's releases
    war_row: int  # the morning's agenda: fighting resumes after an expiry
    first: np.ndarray  # the days of the extension at hand
    last: np.ndarray
    war_delay: np.ndarray


# processes ----------------------------------------------------------------------------
def start(st: TruceState) -> None:
    n = st.n
    st.phase_end[:] = st.scenario.truce.phase_end
    morning = agenda.of(st, HANDOVER)
    releases = morning.rows(1, lambda row, mask, day: extension_releases(st, mask, day))
    war = morning.rows(1, lambda row, mask, day: war_returns(st, mask, day))
    st.parts.phase = Extensions(ints(n), ints(n), np.zeros(n, dtype=bool), releases, war,
                                ints(n), ints(n), ints(n))
    st.env.process(phase_end(st))


def extension_chance(st: TruceState) -> np.ndarray:
    """The chance the parties extend now: nil if too few are held to pay for it."""
    x = st.scenario.extensions
    chance = x.probability * np.power(0.5, st.tension / x.tension_halving)
    return np.where(too_few(st), 0.0, chance)


def too_few(st: TruceState) -> np.ndarray:
    """Too few hostages held to pay for another extension: living (of those the deal
    covers, if it names how many) or bodies."""
    x = st.scenario.extensions
    living, eligible = st.living_held, x.eligible_living  # 0: all (an array in a mixed block)
    if isinstance(eligible, np.ndarray) or eligible:  # those released under it were covered
        living = np.where(eligible > 0, np.minimum(living, eligible - st.living_released),
                          living)
    return np.asarray((living < x.living_each) | (st.bodies_held < x.bodies_each))


def phase_end(st: TruceState) -> Proc:
    """Day-end of the agreed phase: the verdict, extensions, and what follows an expiry."""
    s, env = st.scenario, st.env
    window, ext = s.truce.window_days, st.parts.phase
    if s.truce.open_ended:
        yield at(env, window, WINDOW_END)
        holds = st.truce_holds
        verdict(st, holds & st.agreed, "permanent", window)
        verdict(st, holds & ~st.agreed, "ongoing", window)
        collapsed(st, ~holds)
        return
    for day in range(s.truce.phase_end, window + 1):
        yield at(env, day, WINDOW_END)
        ending = ~ext.decided & (st.phase_end == day)
        if ending.any():
            decide(st, ending, day)
        if ext.decided.all():
            return


def collapsed(st: TruceState, mask: Mask) -> None:
    st.end_state[mask] = END_STATES.index("collapsed")
    st.end_day[mask] = st.milestone("collapse")[mask]
    st.parts.phase.decided[mask] = True


def decide(st: TruceState, ending: Mask, day: int) -> None:
    """The agreed phase ends where `ending` holds: a collapse already decided it; an
    agreement makes it permanent; an extension bought by releases moves its end; failing
    that, the talks' clause may extend it, or it expires."""
    s, ext, x = st.scenario, st.parts.phase, st.scenario.extensions
    d: Draws = st.draws[NAME]
    collapsed(st, ending & ~st.truce_holds)
    ending = ending & st.truce_holds
    permanent = ending & st.agreed
    rest = ending & ~st.agreed
    if x.days_each:
        can = rest & (ext.days + x.days_each <= x.max_days) & (ext.decisions < MAX_DECISIONS)
        u = d.extend[np.arange(st.n), np.minimum(ext.decisions, MAX_DECISIONS - 1)]
        extending = can & (u < extension_chance(st))
        if extending.any():
            extend(st, extending, day)
        rest &= ~extending
    talks = s.negotiations
    clause = rest & (st.progress >= talks.extension_threshold) & (
        d.talks < talks.extension_probability)
    verdict(st, permanent, "permanent", day)
    verdict(st, clause, "extended", day)
    expired = rest & ~clause
    verdict(st, expired, "expired", day, _why_not_extended(st) if x.days_each else None)
    war = expired & (day < s.truce.window_days) & (d.war < s.phase_end.war_probability)
    if war.any():
        delay = geometric_days(s.phase_end.war_delay_mean_days, d.war_delay)
        ext.war_delay[war] = delay[war]
        agenda.of(st, HANDOVER).at(ext.war_row, war, day + delay)


def extend(st: TruceState, mask: Mask, day: int) -> None:
    """The parties extend the phase by days_each days, bought by releases."""
    x, ext = st.scenario.extensions, st.parts.phase
    ext.decisions[mask] += 1
    ext.days[mask] += x.days_each
    ext.first[mask], ext.last[mask] = day + 1, day + (1 if x.paid_at_once else x.days_each)
    st.phase_end[mask] = day + x.days_each
    agenda.of(st, HANDOVER).at(ext.releases_row, mask, day + 1)
    st.note(mask, lambda r: Extended(day, x.days_each, x.living_per_day * x.days_each,
                                     x.bodies_per_day * x.days_each, int(ext.days[r])))
    beyond = mask & (st.phase_end > st.scenario.truce.window_days)  # past the horizon
    st.end_state[beyond] = END_STATES.index("extended")
    st.end_day[beyond] = day
    ext.decided[beyond] = True


def _why_not_extended(st: TruceState) -> np.ndarray:
    """Why each replication's phase was not extended by releases (endings.NOT_EXTENDED)."""
    x, ext = st.scenario.extensions, st.parts.phase
    few = too_few(st)
    limit = (ext.days + x.days_each > x.max_days) | (ext.decisions >= MAX_DECISIONS)
    return np.where(limit, "limit", np.where(few, "few", "declined"))


def verdict(st: TruceState, mask: Mask, state: str, end: int,
            why: np.ndarray | None = None) -> None:
    if not mask.any():
        return
    st.end_state[mask], st.end_day[mask] = END_STATES.index(state), end
    st.parts.phase.decided[mask] = True
    if end == st.scenario.truce.window_days:
        st.end(mask)
    else:
        st.phase_expired[mask] = state == "expired"
    ext = st.parts.phase
    st.note(mask, lambda r: PhaseEnded(end, state, round(float(st.progress[r]), 2),
                                       int(ext.days[r]), "" if why is None else str(why[r])))


def extension_releases(st: TruceState, mask: Mask, day: int) -> None:
    """The releases an extension bought, on one of its days (or all at once)."""
    x, ledger, ext = st.scenario.extensions, st.parts.handovers, st.parts.phase
    ledger.due_living[mask] += x.living_each
    ledger.due_bodies[mask] += x.bodies_each
    ok = mask & st.in_force
    if not ok.any():
        return
    living = np.minimum(x.living_each, st.living_held)
    bodies = np.minimum(x.bodies_each, st.bodies_held)
    n = st.n
    release.hand_over(st, ok, day, f"extension's day-{day} release", living, bodies,
                        np.zeros(n, dtype=bool), day, release.Terms(
                            kind="extension", u=(np.ones(n), np.zeros(n))))
    agenda.of(st, HANDOVER).at(ext.releases_row, ok & (day < ext.last), day + 1)


def war_returns(st: TruceState, mask: Mask, day: int) -> None:
    """Fighting resumes after an expired phase, unless the truce has broken down first."""
    holds = mask & st.truce_holds
    if holds.any():
        delay = st.parts.phase.war_delay
        st.note(holds, lambda r: WarResumes(day, int(delay[r])))
        st.return_to_war(holds, day)


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
        Outcome("day_collapse", "milestone", "day", "Day the truce collapsed (crisis or flare-up)",
                lambda st: st.milestone("collapse")),
        Outcome("day_war_resumed", "milestone", "day", "Day fighting resumed (after a "
                "collapse, or after an expired phase)",
                lambda st: st.milestone("war_resumed")),
    )


def _end_state(st: TruceState) -> np.ndarray:
    return st.end_state.astype(np.int64)


ACTOR = Actor(NAME, start, stream="phase", draw=draw, outcomes=outcomes,
              events=(Extended, PhaseEnded, WarResumes))
