"""Each process's random numbers for one replication, drawn in fixed shapes.

A process draws its whole block from its own stream before the simulation starts: one
row per day for daily processes, one entry per handover for the schedule. Shapes depend
only on the scenario's window and schedule, so day *d* of a process always uses row *d*,
whatever happened earlier in the run, and two scenarios compared with the same seed meet
the same luck day by day.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from statistics import NormalDist

import numpy as np

from trucesim.schema import Scenario
from trucesim.streams import Streams

_NORMAL = NormalDist()


@dataclass(frozen=True, slots=True)
class Draws:
    """Random numbers of one replication, as Python lists for fast scalar access."""

    slip: list[float]  # per handover: is it late?
    slip_delay: list[float]  # per handover: how late
    dispute: list[float]  # per handover: is it disputed?
    recovery_days: list[int]  # per scheduled body (as_recovered mode): day recovered
    recovery_u: list[list[float]]  # per body: dispute, withhold, withhold days
    withhold: list[float]  # per handover: is the tranche withheld if disputed?
    withhold_days: list[float]  # per handover: for how long
    aid_trucks: list[int]  # per day: trucks that enter on a normal day
    aid_closure: list[float]  # per day
    aid_halt: list[float]  # per day
    incidents: list[list[float]]  # per day, per side
    fatalities: list[list[float]]  # per day, per side
    fatality_scale: list[list[float]]  # per day, per side: gamma multiplier, mean 1
    mediation_effect: list[float]  # per day: multiplier of mediators' drain
    collapse: list[float]  # per day of crisis
    talks: list[float]  # per day: standard normal shock
    extension: float
    war: Callable[[], list[tuple[int, int]]]  # per day after a collapse, drawn on demand


def draw(s: Scenario, streams: Streams) -> Draws:
    """Draw every process's block, stream by stream, in a fixed order."""
    days = s.truce.window_days + 1
    n = len(s.releases)
    g = streams.get("releases")
    slip, slip_delay, dispute = g.random((3, n))
    bodies = s.bodies_scheduled
    h = s.handovers
    recovery: list[int] = []
    recovery_u: list[list[float]] = []
    if h.bodies_mode == "as_recovered":
        recovery = np.ceil(g.gamma(h.recovery_shape, h.recovery_mean_days / h.recovery_shape,
                                   bodies)).astype(np.int64).tolist()
        recovery_u = g.random((bodies, 3)).tolist()
    g = streams.get("exchange")
    withhold, withhold_days = g.random((2, n))
    g = streams.get("aid")
    aid = s.aid
    m, sd = aid.delivery_ratio_mean, aid.delivery_ratio_sd
    k = m * (1 - m) / sd**2 - 1
    ratio = g.beta(m * k, (1 - m) * k, days)
    possible = min(aid.trucks_per_day_agreed, aid.crossing_capacity_trucks_per_day)
    trucks = np.floor(possible * ratio + 0.5).astype(np.int64)
    closure, halt = g.random((2, days))
    g = streams.get("violations")
    sides = (s.violations.israeli_forces, s.violations.palestinian_groups)
    incidents, fatalities = g.random((2, days, 2))
    scale = np.column_stack([g.gamma(side.fatality_dispersion, 1 / side.fatality_dispersion,
                                     days) for side in sides])
    g = streams.get("mediation")
    spread = s.mediation.effectiveness_spread
    effect = 1 + spread * (2 * g.random(days) - 1)
    collapse = g.random(days)
    g = streams.get("negotiations")
    talks = g.standard_normal(days)
    extension = float(g.random())
    return Draws(
        slip.tolist(), slip_delay.tolist(), dispute.tolist(), recovery,
        recovery_u, withhold.tolist(), withhold_days.tolist(), trucks.tolist(),
        closure.tolist(), halt.tolist(), incidents.tolist(), fatalities.tolist(),
        scale.tolist(), effect.tolist(), collapse.tolist(), talks.tolist(), extension,
        partial(war_deaths, s, streams),
    )


def war_deaths(s: Scenario, streams: Streams) -> list[tuple[int, int]]:
    """Deaths per day (Palestinians, Israelis) at war, drawn only once a truce collapses.

    The war stream is drawn after every other stream has been drawn, so drawing it late
    changes no other number.
    """
    g = streams.get("war")
    cf = s.counterfactual
    days, k = s.truce.window_days + 1, cf.daily_dispersion
    palestinians, israelis = (g.poisson(mean * g.gamma(k, 1 / k, days)).tolist() for mean in
                              (cf.deaths_per_day_palestinians, cf.deaths_per_day_israelis))
    return list(zip(palestinians, israelis, strict=True))


def poisson(mean: float, u: float) -> int:
    """The Poisson(mean) count at cumulative probability u (inversion, one uniform)."""
    if mean <= 0.0:
        return 0
    if mean > 30.0:  # normal approximation, accurate to a count or two here
        z = _NORMAL.inv_cdf(min(max(u, 1e-12), 1 - 1e-12))
        return max(0, int(mean + math.sqrt(mean) * z + 0.5))
    p = math.exp(-mean)
    cumulative = p
    k = 0
    while u > cumulative and k < 200:
        k += 1
        p *= mean / k
        cumulative += p
    return k


def geometric_days(mean: float, u: float) -> int:
    """A delay of at least one day with the given mean (geometric, by inversion)."""
    if mean <= 1.0:
        return 1
    return 1 + int(math.log(1.0 - u) / math.log(1.0 - 1.0 / mean))
