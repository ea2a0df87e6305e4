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
from trucesim.model.sampling import poisson
from trucesim.model.state import CRISIS, VIOLENCE, Proc, TruceState, at
from trucesim.scenario.schema import Scenario

NAME = "violence"


@dataclass(frozen=True, slots=True)
class Draws:
    """One replication's numbers from the 'violations' stream: per side, per day."""

    incidents_israeli_forces: list[float]  # how many incidents
    incidents_palestinian_groups: list[float]
    deaths_palestinians: list[float]  # how many deaths, given the incidents
    deaths_israelis: list[float]
    scale_israeli_forces: list[float]  # the day's fatality multiplier (gamma, mean 1)
    scale_palestinian_groups: list[float]
    mass_israeli_forces: list[float]  # does the day follow own losses with mass casualties?
    mass_palestinian_groups: list[float]


def draw(s: Scenario, g: np.random.Generator, n: int) -> list[Draws]:
    days = s.truce.window_days + 1
    inc0, inc1, fat0, fat1 = (a.tolist() for a in g.random((4, n, days)))
    scale0, scale1 = (g.gamma(side.fatality_dispersion, 1 / side.fatality_dispersion,
                              (n, days)).tolist()
                      for side in (s.violations.israeli_forces, s.violations.palestinian_groups))
    # drawn last, and only if a side answers its own losses with mass-casualty days
    v = s.violations
    if v.israeli_forces.mass_casualty_probability or v.palestinian_groups.mass_casualty_probability:
        mass0, mass1 = (a.tolist() for a in g.random((2, n, days)))
    else:
        mass0 = mass1 = [[] for _ in range(n)]
    return [Draws(inc0[r], inc1[r], fat0[r], fat1[r], scale0[r], scale1[r], mass0[r],
                  mass1[r]) for r in range(n)]


@dataclass(frozen=True, slots=True)
class Incidents:
    """The day's incidents, by the side they are attributed to, and the deaths counted."""

    day: int
    by_israeli_forces: int
    deaths_palestinians: int
    by_palestinian_groups: int
    deaths_israelis: int
    mass_casualty: str = ""  # whose incidents were a mass-casualty response today, if any

    def lines(self, n: Narration) -> list[Line]:
        t = n.scenario.tension
        parts, added = [], 0.0
        for who, victims, k, dead, per_death in (
                ("Israeli forces", "Palestinian", self.by_israeli_forces,
                 self.deaths_palestinians, t.per_palestinian_death),
                ("Palestinian armed groups", "Israeli", self.by_palestinian_groups,
                 self.deaths_israelis, t.per_israeli_death)):
            if not k:
                continue
            toll = f"the model counts {fmt.count(dead, f'{victims} death')}" if dead else \
                "no deaths"
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
                        f"{self.mass_casualty}."))
        return out


def start(st: TruceState) -> None:
    st.start(violence(st))


def violence(st: TruceState) -> Proc:
    """Incidents by each side, their deaths, and the tension they cause."""
    s, env = st.scenario, st.env
    d: Draws = st.draws[NAME]
    v, t, talks = s.violations, s.tension, s.negotiations
    base0, base1 = v.israeli_forces.incidents_per_day, v.palestinian_groups.incidents_per_day
    lethal0 = v.israeli_forces.fatalities_per_incident
    lethal1 = v.palestinian_groups.fatalities_per_incident
    keep = math.exp(-1.0 / v.retaliation_decay_days)
    # push: a side's rate added the next day by one incident of the other side; the
    # kernel push * keep**(lag - 1) sums to `retaliation` incidents over all later days
    push0 = v.israeli_forces.retaliation * (1 - keep)
    push1 = v.palestinian_groups.retaliation * (1 - keep)
    per_incident, death0, death1 = t.per_incident, t.per_palestinian_death, t.per_israeli_death
    talks_start, setback = talks.start_day, talks.setback_per_incident
    multiplier = s.crisis.incident_multiplier
    inc0, inc1 = d.incidents_israeli_forces, d.incidents_palestinian_groups
    fat0, fat1 = d.deaths_palestinians, d.deaths_israelis
    scale0, scale1 = d.scale_israeli_forces, d.scale_palestinian_groups
    # each side's response to its own losses (Israeli forces to Israeli deaths, k1)
    own0 = v.israeli_forces.retaliation_per_own_death * (1 - keep)
    own1 = v.palestinian_groups.retaliation_per_own_death * (1 - keep)
    spare0 = 1.0 - v.israeli_forces.mass_casualty_probability
    spare1 = 1.0 - v.palestinian_groups.mass_casualty_probability
    mass0, mass1 = d.mass_israeli_forces, d.mass_palestinian_groups
    boost0, boost1 = (v.israeli_forces.mass_casualty_multiplier,
                      v.palestinian_groups.mass_casualty_multiplier)
    responds = own0 > 0 or own1 > 0 or spare0 < 1 or spare1 < 1
    exp = math.exp
    excitation0 = excitation1 = 0.0
    heavy0 = heavy1 = False  # today is a mass-casualty day of this side's incidents
    yield at(env, 1, VIOLENCE)
    for day in range(1, s.truce.window_days + 1):
        if not st.in_force:
            return
        m = multiplier if st.status == CRISIS else 1.0
        rate0, rate1 = base0 * m + excitation0, base1 * m + excitation1
        # most days are quiet: P(no incident) = exp(-rate), checked before inverting
        u, p = inc0[day], exp(-rate0)
        n0 = 0 if u < p else poisson(rate0, u, p)
        u, p = inc1[day], exp(-rate1)
        n1 = 0 if u < p else poisson(rate1, u, p)
        excitation0 = keep * excitation0 + push0 * n1
        excitation1 = keep * excitation1 + push1 * n0
        st.attacks_today = n1
        if n0 or n1:
            # incidents by Israeli forces cost Palestinian lives, and the reverse
            k0 = poisson(n0 * lethal0 * scale0[day] * (boost0 if heavy0 else 1.0),
                         fat0[day]) if n0 else 0
            k1 = poisson(n1 * lethal1 * scale1[day] * (boost1 if heavy1 else 1.0),
                         fat1[day]) if n1 else 0
            st.incidents_by_israeli_forces += n0
            st.incidents_by_palestinian_groups += n1
            st.incidents_total += n0 + n1
            st.deaths_palestinians_truce += k0
            st.deaths_israelis_truce += k1
            st.deaths_palestinians += k0
            st.deaths_israelis += k1
            st.tension += per_incident * (n0 + n1) + death0 * k0 + death1 * k1
            if day >= talks_start and not st.agreed:
                st.progress = max(0.0, st.progress - setback * (n0 + n1))
            if st.log is not None:
                heavy = ("Israeli forces" if heavy0 and n0 else
                         "Palestinian armed groups" if heavy1 and n1 else "")
                st.log.append(Incidents(day, n0, k0, n1, k1, heavy))
            if responds:  # each side's response to its own losses, from tomorrow
                excitation0 += own0 * k1
                excitation1 += own1 * k0
                heavy0 = k1 > 0 and spare0 < 1 and mass0[day] < 1.0 - spare0**k1
                heavy1 = k0 > 0 and spare1 < 1 and mass1[day] < 1.0 - spare1**k0
                yield env.timeout(1)
                continue
        heavy0 = heavy1 = False
        yield env.timeout(1)


def outcomes(s: Scenario) -> tuple[Outcome, ...]:
    return (
        Outcome("incidents_israeli_forces", "number", "incidents",
                "Incidents attributed to Israeli forces",
                lambda st: st.incidents_by_israeli_forces),
        Outcome("incidents_palestinian_groups", "number", "incidents",
                "Incidents attributed to Palestinian armed groups",
                lambda st: st.incidents_by_palestinian_groups),
        Outcome("deaths_palestinians_truce", "number", "deaths",
                "Palestinian deaths while the truce held", lambda st: st.deaths_palestinians_truce),
        Outcome("deaths_israelis_truce", "number", "deaths", "Israeli deaths while the truce held",
                lambda st: st.deaths_israelis_truce),
        Outcome("deaths_palestinians", "number", "deaths", "Palestinian deaths over the whole "
                "window", lambda st: st.deaths_palestinians, label="Palestinian deaths"),
        Outcome("deaths_israelis", "number", "deaths", "Israeli deaths over the whole window",
                lambda st: st.deaths_israelis, label="Israeli deaths"),
    )


ACTOR = Actor(
    NAME, start, stream="violations", draw=draw, outcomes=outcomes,
    series=(Series("deaths_palestinians", "deaths", "deaths_palestinians", band=5),
            Series("deaths_israelis", "deaths", "deaths_israelis"),
            Series("incidents", "incidents", "incidents_total")),
    events=(Incidents,),
)
