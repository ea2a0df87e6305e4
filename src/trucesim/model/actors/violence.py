"""Violence: incidents attributed to each side's forces, their deaths, and the tension they
cause (DESIGN.md §2, violations).

A discrete-time self-exciting process: each side's incidents on a day are Poisson with a
base rate plus a retaliation term fed by the other side's incidents on earlier days,
decaying geometrically (mean lag `retaliation_decay_days`). Deaths per day are Poisson
around incidents x fatalities per incident x a gamma multiplier (mean 1) that makes some
days far deadlier than others. Incidents by Israeli forces cost Palestinian lives, and
the reverse. During a crisis base rates rise; incidents set the talks back.

Each side can also respond to its own losses: deaths on a side raise that side's rate in
the following days (`retaliation_per_own_death`) and can make the next day a
mass-casualty day of its incidents (`mass_casualty_probability`, `_multiplier`); each
side's deaths add their own tension. Both responses are off unless a scenario sets them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from trucesim import fmt
from trucesim.model.declare import Actor, Outcome, Series
from trucesim.model.events import Line, Narration
from trucesim.model.sampling import Number, each, poisson, powers
from trucesim.model.state import VIOLENCE, Mask, Proc, TruceState, add, at, put
from trucesim.scenario.schema import Scenario

NAME = "violence"


@dataclass(frozen=True, slots=True)
class Draws:
    """The block's numbers from the 'violations' stream: per side, (replication, day)."""

    incidents_israeli_forces: np.ndarray  # how many incidents
    incidents_palestinian_groups: np.ndarray
    deaths_palestinians: np.ndarray  # how many deaths, given the incidents
    deaths_israelis: np.ndarray
    scale_israeli_forces: np.ndarray  # the day's fatality multiplier (gamma, mean 1)
    scale_palestinian_groups: np.ndarray
    mass_israeli_forces: np.ndarray  # does the day follow own losses with mass casualties?
    mass_palestinian_groups: np.ndarray


def draw(s: Scenario, g: np.random.Generator, n: int) -> Draws:
    days = s.truce.window_days + 1
    inc0, inc1, fat0, fat1 = g.random((4, n, days))
    scale0, scale1 = (g.gamma(side.fatality_dispersion, 1 / side.fatality_dispersion, (n, days))
                      for side in (s.violations.israeli_forces, s.violations.palestinian_groups))
    # drawn last, and only if a side answers its own losses with mass-casualty days
    v = s.violations
    if v.israeli_forces.mass_casualty_probability or v.palestinian_groups.mass_casualty_probability:
        mass0, mass1 = g.random((2, n, days))
    else:  # never used: a chance of 0 is never met
        mass0 = mass1 = np.ones((n, days))
    return Draws(inc0, inc1, fat0, fat1, scale0, scale1, mass0, mass1)


@dataclass(frozen=True, slots=True)
class Incidents:
    """The day's incidents, by the side they are attributed to, and the deaths counted."""

    day: int
    by_israeli_forces: int
    deaths_palestinians: int
    by_palestinian_groups: int
    deaths_israelis: int
    mass_casualty: str = ""  # whose incidents were a mass-casualty response today
    # ("army" or "groups", the key of their name in [names]), if any

    def lines(self, n: Narration) -> list[Line]:
        t, names = n.scenario.tension, n.scenario.names
        parts, added = [], 0.0
        for who, victims, k, dead, per_death in (
                (names.army, names.groups_death, self.by_israeli_forces,
                 self.deaths_palestinians, t.per_palestinian_death),
                (names.groups, names.army_death, self.by_palestinian_groups,
                 self.deaths_israelis, t.per_israeli_death)):
            if not k:
                continue
            toll = f"the model counts {fmt.count(dead, victims)}" if dead else "no deaths"
            parts.append(f"{fmt.count(k, 'incident')} attributed to {who} ({toll})")
            added += t.per_incident * k + per_death * dead
        # the crisis test comes at the end of the day, after tension has faded a little
        now = n.tension(self.day)
        text = f"{'; '.join(parts)}. Tension +{added:.1f}; at the end of the day it is {now:.1f}"
        threshold = n.scenario.crisis.threshold
        if not n.memo.get("told_threshold") or now >= 0.75 * threshold:
            n.memo["told_threshold"] = True
            text += f" (a crisis starts at {threshold:g})"
        out = [("violence", text[0].upper() + text[1:] + ".")]
        if self.mass_casualty:
            out.append(("violence", f"In the model, the previous day's deaths made this a "
                        f"mass-casualty day of the incidents attributed to "
                        f"{getattr(names, self.mass_casualty)}."))
        return out


@dataclass(slots=True)
class Sides:
    """The actor's own state (st.parts.violence): what excites each side's rate. Each
    array is (side, replication): row 0 Israeli forces, row 1 Palestinian armed groups,
    so that a day's arithmetic runs once for both."""

    excitation: np.ndarray  # a side's rate added by retaliation
    heavy: np.ndarray  # today is a mass-casualty day of this side's incidents
    keep: Number  # the share of excitation kept from one day to the next
    fatal: np.ndarray  # each side's fatalities per incident (pair)
    mass_multiplier: np.ndarray  # and its fatalities' multiplier on a mass-casualty day


def pair(a: Number, b: Number) -> np.ndarray:
    """A parameter of each side as one array: (2, 1), or (2, n) where one varies over the
    block (each row then holds that side's values, the bits of its own parameter)."""
    if not isinstance(a, np.ndarray) and not isinstance(b, np.ndarray):
        return np.array([[a], [b]], dtype=np.float64)
    return np.stack(np.broadcast_arrays(np.asarray(a, dtype=np.float64),
                                        np.asarray(b, dtype=np.float64)))


def start(st: TruceState) -> None:
    n = st.n
    v = st.scenario.violations
    st.parts.violence = Sides(
        np.zeros((2, n)), np.zeros((2, n), dtype=bool),
        each(lambda days: math.exp(-1.0 / days), v.retaliation_decay_days),
        pair(v.israeli_forces.fatalities_per_incident,
             v.palestinian_groups.fatalities_per_incident),
        pair(v.israeli_forces.mass_casualty_multiplier,
             v.palestinian_groups.mass_casualty_multiplier))
    st.env.process(violence(st))


def violence(st: TruceState) -> Proc:
    """Incidents by each side, their deaths, and the tension they cause, every day the
    truce is in force (where it is not, no incident is counted: the process has ended
    for that replication)."""
    s, env = st.scenario, st.env
    v = s.violations
    sides: Sides = st.parts.violence
    keep = sides.keep
    base = pair(v.israeli_forces.incidents_per_day, v.palestinian_groups.incidents_per_day)
    # push: a side's rate added the next day by one incident of the other side; the
    # kernel push * keep**(lag - 1) sums to `retaliation` incidents over all later days
    push = pair(v.israeli_forces.retaliation * (1 - keep),
                v.palestinian_groups.retaliation * (1 - keep))
    multiplier = s.crisis.incident_multiplier
    by_day = Daily.of(st.drawn_fields(NAME))  # the block keeps only the day-major layout
    for day in range(1, s.truce.window_days + 1):
        yield at(env, day, VIOLENCE)
        going = st.in_force
        if not going.any():
            return
        m = np.where(st.in_crisis, multiplier, 1.0)
        # most days are quiet: P(no incident) = exp(-rate), checked before inverting
        counts = _incidents(base * m + sides.excitation, by_day.incidents[day], going)
        sides.excitation = keep * sides.excitation + push * counts[::-1]
        st.attacks_today = counts[1]
        some = (counts[0] > 0) | (counts[1] > 0)
        if some.any():
            deaths(st, some, day, counts, by_day)
        sides.heavy &= some


@dataclass(frozen=True, slots=True)
class Daily:
    """The block's draws laid out day by day: (day, side, replication), each day's two
    rows contiguous (side 0: incidents by Israeli forces, and the Palestinian deaths
    they cost; side 1: the reverse)."""

    incidents: np.ndarray
    deaths: np.ndarray  # the deaths given the incidents
    scale: np.ndarray
    mass: np.ndarray

    @classmethod
    def of(cls, drawn: dict[str, np.ndarray]) -> Daily:
        """From the fields of the block's draws (TruceState.drawn_fields), each let go
        once copied, so that the block holds both layouts of one side's field at most."""
        def paired(a: str, b: str) -> np.ndarray:
            n, days = drawn[a].shape
            out = np.empty((days, 2, n), dtype=drawn[a].dtype)
            out[:, 0] = drawn.pop(a).T
            out[:, 1] = drawn.pop(b).T
            return out

        return cls(paired("incidents_israeli_forces", "incidents_palestinian_groups"),
                   paired("deaths_palestinians", "deaths_israelis"),
                   paired("scale_israeli_forces", "scale_palestinian_groups"),
                   paired("mass_israeli_forces", "mass_palestinian_groups"))


def _incidents(rate: np.ndarray, u: np.ndarray, going: Mask) -> np.ndarray:
    """A day's incidents of each side, (side, replication), where the truce is in force
    (0 elsewhere)."""
    p = np.exp(-rate)
    busy = (u >= p) & going
    return poisson(rate.ravel(), u.ravel(), p.ravel(), where=busy.ravel()).reshape(rate.shape)


def deaths(st: TruceState, some: Mask, day: int, counts: np.ndarray, by_day: Daily) -> None:
    """The deaths of a day with incidents, and what they set off: tension, setbacks to the
    talks, and each side's response to its own losses. Incidents by a side's forces
    cost the other side's lives: row 0 of the deaths is Palestinian, row 1 Israeli."""
    s, t = st.scenario, st.scenario.tension
    sides: Sides = st.parts.violence
    boost = np.where(sides.heavy, sides.mass_multiplier, 1.0)
    # a mean of 0 (no incident) gives no death
    mean = counts * sides.fatal * by_day.scale[day] * boost
    killed = poisson(mean.ravel(), by_day.deaths[day].ravel()).reshape(counts.shape)
    (n0, n1), (k0, k1) = counts, killed
    # every count below is 0 where nothing happened today
    st.incidents_by_israeli_forces += n0
    st.incidents_by_palestinian_groups += n1
    st.incidents_total += n0 + n1
    st.deaths_palestinians_truce += k0
    st.deaths_palestinians += k0
    st.deaths_israelis_truce += k1
    st.deaths_israelis += k1
    added = t.per_incident * (n0 + n1) + t.per_palestinian_death * k0 + t.per_israeli_death * k1
    np.add(st.tension, added, out=st.tension, where=some)
    talks = s.negotiations
    if day >= talks.start_day:
        back = some & ~st.agreed
        np.maximum(0.0, st.progress - talks.setback_per_incident * (n0 + n1),
                   out=st.progress, where=back)
    if st.log is not None:
        heavy = np.where(sides.heavy[0] & (n0 > 0), "army",
                         np.where(sides.heavy[1] & (n1 > 0), "groups", ""))
        st.note(some, lambda r: Incidents(day, int(n0[r]), int(k0[r]), int(n1[r]),
                                          int(k1[r]), str(heavy[r])))
    respond(st, some, day, killed, by_day)


def respond(st: TruceState, some: Mask, day: int, killed: np.ndarray, by_day: Daily) -> None:
    """Each side's response to its own losses, from tomorrow (if the scenario sets one):
    side 0 (Israeli forces) answers the Israeli deaths (row 1 of `killed`), side 1 the
    Palestinian deaths (row 0)."""
    v = st.scenario.violations
    sides: Sides = st.parts.violence
    keep = sides.keep
    own0 = v.israeli_forces.retaliation_per_own_death * (1 - keep)
    own1 = v.palestinian_groups.retaliation_per_own_death * (1 - keep)
    spare0 = 1.0 - v.israeli_forces.mass_casualty_probability
    spare1 = 1.0 - v.palestinian_groups.mass_casualty_probability
    if not (np.any(own0 > 0) or np.any(own1 > 0) or np.any(spare0 < 1)
            or np.any(spare1 < 1)):
        put(sides.heavy, False, some)
        return
    k0, k1 = killed
    add(sides.excitation[0], own0 * k1, some)
    add(sides.excitation[1], own1 * k0, some)
    heavy0 = (k1 > 0) & (spare0 < 1) & (by_day.mass[day, 0] < 1.0 - powers(spare0, k1))
    heavy1 = (k0 > 0) & (spare1 < 1) & (by_day.mass[day, 1] < 1.0 - powers(spare1, k0))
    put(sides.heavy[0], heavy0, some)
    put(sides.heavy[1], heavy1, some)


def outcomes(s: Scenario) -> tuple[Outcome, ...]:
    names = s.names
    pal, isr = f"{names.groups_death}s", f"{names.army_death}s"
    return (
        Outcome("incidents_israeli_forces", "number", "incidents",
                f"Incidents attributed to {names.army}",
                lambda st: st.incidents_by_israeli_forces),
        Outcome("incidents_palestinian_groups", "number", "incidents",
                f"Incidents attributed to {names.groups}",
                lambda st: st.incidents_by_palestinian_groups),
        Outcome("deaths_palestinians_truce", "number", "deaths",
                f"{pal} while the truce held", lambda st: st.deaths_palestinians_truce),
        Outcome("deaths_israelis_truce", "number", "deaths", f"{isr} while the truce held",
                lambda st: st.deaths_israelis_truce),
        Outcome("deaths_palestinians", "number", "deaths", f"{pal} over the whole window",
                lambda st: st.deaths_palestinians, label=pal),
        Outcome("deaths_israelis", "number", "deaths", f"{isr} over the whole window",
                lambda st: st.deaths_israelis, label=isr),
    )


ACTOR = Actor(
    NAME, start, stream="violations", draw=draw, outcomes=outcomes,
    series=(Series("deaths_palestinians", "deaths", "deaths_palestinians", band=5),
            Series("deaths_israelis", "deaths", "deaths_israelis"),
            Series("incidents", "incidents", "incidents_total")),
    events=(Incidents,),
)
