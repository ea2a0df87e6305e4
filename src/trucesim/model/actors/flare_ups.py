"""Flare-ups: days of mass-casualty strikes and attacks while the truce formally holds.

On a day the truce holds, with no crisis and no flare-up under way, a flare-up starts
with the scenario's chance; it lasts a geometric number of days (at least one). Each of
its days adds Palestinian and Israeli deaths at the flare-up's rates (Poisson) to those
of the day's incidents, counted as deaths while the truce held, and their tension by the
scenario's weights per death. While it lasts no crisis starts (:mod:`.mediation`): the
flare-up is the crisis, and it ends on its own terms. On its last day mediators restore
the truce (tension back to ``crisis.resolve_below`` at most) with the scenario's chance;
otherwise the truce collapses and war resumes the next day. Off unless a scenario sets a
chance: every value is an assumption (``[flare_ups]`` in docs/scenario-format.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np

from trucesim import fmt
from trucesim.model.declare import Actor, Outcome
from trucesim.model.events import Line, Narration
from trucesim.model.sampling import geometric_days, of, poisson
from trucesim.model.state import FLARE_UP, Proc, TruceState, at, ints
from trucesim.scenario.schema import Scenario

NAME = "flare_ups"


def enabled(s: Scenario) -> bool:
    """Whether the scenario can have flare-ups (a chance above 0, or one it leaves
    uncertain): only then are they drawn, run and recorded."""
    return bool(np.any(np.asarray(s.flare_ups.chance_per_day) > 0)) or any(
        u.key.startswith("flare_ups.") for u in s.uncertain)


@dataclass(frozen=True, slots=True)
class Draws:
    """The block's numbers from the 'flare_ups' stream: (replication, day) each."""

    start: np.ndarray  # does a flare-up start today?
    length: np.ndarray  # how long one that starts today lasts
    deaths_palestinians: np.ndarray
    deaths_israelis: np.ndarray
    restore: np.ndarray  # is the truce restored when one ends today?


def draw(s: Scenario, g: np.random.Generator, n: int) -> Draws:
    days = s.truce.window_days + 1 if enabled(s) else 0  # off: nothing drawn
    return Draws(*g.random((5, n, days)))


# events -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class FlaredUp:
    day: int
    days: int  # how long it will last

    def lines(self, n: Narration) -> list[Line]:
        f, names = n.scenario.flare_ups, n.scenario.names
        return [("violence", f"A flare-up begins: strikes and attacks far deadlier than the "
                 f"truce's incidents, for {fmt.count(self.days, 'day')} (in the model, "
                 f"{names.daily(f.deaths_per_day_palestinians, f.deaths_per_day_israelis)} "
                 "on average, on top of "
                 "the incidents'). The truce formally holds; no crisis is declared while it "
                 "lasts.")]


@dataclass(frozen=True, slots=True)
class FlareUpEnded:
    day: int
    days: int
    deaths_palestinians: int  # the flare-up's own deaths, over its days
    deaths_israelis: int
    restored: bool

    def lines(self, n: Narration) -> list[Line]:
        names = n.scenario.names
        toll = (f"After {fmt.count(self.days, 'day')} of flare-up "
                f"({fmt.count(self.deaths_palestinians, names.groups_death)} and "
                f"{fmt.count(self.deaths_israelis, names.army_death)} in its strikes and "
                "attacks, in this run)")
        if self.restored:
            return [("mediation", f"{toll}, {names.the_mediators} restore the truce: tension "
                     f"is brought back to {n.scenario.crisis.resolve_below:g} or below.")]
        return [("crisis", f"{toll}, {names.the_mediators} fail to restore the truce: it "
                 "collapses, and "
                 "in the model war resumes the next day.")]


def _flared(day: int, until: np.ndarray, r: int) -> FlaredUp:
    return FlaredUp(day, int(until[r]) - day + 1)


# process ------------------------------------------------------------------------------
@dataclass
class FlareUps:
    """A block's flare-ups: each replication's current one, and the counts."""

    until: np.ndarray  # the last day of the flare-up under way (-1: none)
    began: np.ndarray  # the day it began
    count: np.ndarray
    days: np.ndarray
    deaths_palestinians: np.ndarray  # in flare-ups, over the window
    deaths_israelis: np.ndarray
    toll_palestinians: np.ndarray  # in the flare-up under way (for the story)
    toll_israelis: np.ndarray


def start(st: TruceState) -> None:
    n = st.n
    st.parts.flare_ups = FlareUps(ints(n, -1), ints(n, -1), *(ints(n) for _ in range(6)))
    if enabled(st.scenario):
        st.env.process(flare_ups(st))


def flare_ups(st: TruceState) -> Proc:
    """Flare-ups start, add their deaths and tension day by day, and end: restored, or
    collapsed."""
    s, env = st.scenario, st.env
    f, t = s.flare_ups, s.tension
    u_start, u_length, u_p, u_i, u_restore = st.by_day(
        NAME, "start", "length", "deaths_palestinians", "deaths_israelis", "restore")
    part: FlareUps = st.parts.flare_ups
    for day in range(1, s.truce.window_days + 1):
        yield at(env, day, FLARE_UP)
        going = st.in_force
        if not going.any():
            return
        starting = going & ~st.in_crisis & ~st.in_flare_up & (u_start[day] < f.chance_per_day)
        if starting.any():
            days = geometric_days(of(f.mean_days, starting), u_length[day][starting])
            part.until[starting], part.began[starting] = day + days - 1, day
            part.count[starting] += 1
            part.toll_palestinians[starting] = part.toll_israelis[starting] = 0
            st.in_flare_up[starting] = True
            st.first("first_flare_up", starting, day)
            st.note(starting, partial(_flared, day, part.until))
        flaring = going & st.in_flare_up
        if not flaring.any():
            continue
        hit = np.flatnonzero(flaring)
        k0, k1 = (poisson(np.broadcast_to(of(rate, hit), hit.shape), u[day][hit])
                  for rate, u in ((f.deaths_per_day_palestinians, u_p),
                                  (f.deaths_per_day_israelis, u_i)))
        for total in (st.deaths_palestinians, st.deaths_palestinians_truce,
                      part.deaths_palestinians, part.toll_palestinians):
            total[hit] += k0
        for total in (st.deaths_israelis, st.deaths_israelis_truce, part.deaths_israelis,
                      part.toll_israelis):
            total[hit] += k1
        part.days[hit] += 1
        st.tension[hit] += (of(t.per_palestinian_death, hit) * k0
                            + of(t.per_israeli_death, hit) * k1)
        np.maximum(st.max_tension, st.tension, out=st.max_tension, where=flaring)
        ending = flaring & (part.until == day)
        if ending.any():
            end(st, ending, day, u_restore[day])


def end(st: TruceState, ending: np.ndarray, day: int, u_restore: np.ndarray) -> None:
    """The flare-ups that end today: the truce restored, or collapsed."""
    s, part = st.scenario, st.parts.flare_ups
    restored = ending & (u_restore < s.flare_ups.restore_probability)
    np.minimum(st.tension, s.crisis.resolve_below, out=st.tension, where=restored)
    st.note(ending, lambda r: FlareUpEnded(
        day, day - int(part.began[r]) + 1, int(part.toll_palestinians[r]),
        int(part.toll_israelis[r]), bool(restored[r])))
    st.in_flare_up[ending] = False
    part.until[ending] = -1
    broken = ending & ~restored
    if broken.any():
        st.collapse(broken, day)


# what it reports ----------------------------------------------------------------------
def outcomes(s: Scenario) -> tuple[Outcome, ...]:
    if not enabled(s):
        return ()
    return (
        Outcome("flare_ups", "number", "flare-ups", "Flare-ups the truce went through",
                lambda st: st.parts.flare_ups.count),
        Outcome("flare_up_days", "number", "days", "Days of flare-up",
                lambda st: st.parts.flare_ups.days),
        Outcome("flare_up_deaths_palestinians", "number", "deaths",
                f"{s.names.groups_death}s in flare-ups (on top of those of the incidents)",
                lambda st: st.parts.flare_ups.deaths_palestinians),
        Outcome("flare_up_deaths_israelis", "number", "deaths",
                f"{s.names.army_death}s in flare-ups (on top of those of the incidents)",
                lambda st: st.parts.flare_ups.deaths_israelis),
        Outcome("day_first_flare_up", "milestone", "day", "Day the first flare-up began",
                lambda st: st.milestone("first_flare_up")),
    )


ACTOR = Actor(
    NAME, start, stream="flare_ups", draw=draw, outcomes=outcomes,
    events=(FlaredUp, FlareUpEnded),
)
