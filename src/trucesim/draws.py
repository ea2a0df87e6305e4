"""Each process's random numbers, drawn in fixed shapes for a block of replications.

A process draws its numbers from its own stream before the simulation starts: one row
per day for daily processes, one entry per handover for the schedule (padded to at least
:data:`MIN_HANDOVERS`, so schedules of different lengths share their numbers). Shapes
depend only on the window and schedule, so day *d* of a process always uses row *d*,
whatever happened earlier in the run, and two scenarios compared with the same seed meet
the same luck day by day. Numbers are drawn for a whole block of replications at once
(:mod:`trucesim.streams`), which is far cheaper than drawing replication by replication.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from statistics import NormalDist

import numpy as np

from trucesim.schema import Scenario
from trucesim.streams import BLOCK, block_of, generator

_NORMAL = NormalDist()
MIN_HANDOVERS = 8


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
    incidents: tuple[list[float], list[float]]  # per side, per day: how many incidents
    fatalities: tuple[list[float], list[float]]  # per side, per day: how many deaths
    fatality_scale: tuple[list[float], list[float]]  # per side, per day: gamma, mean 1
    mediation_effect: list[float]  # per day: multiplier of mediators' drain
    collapse: list[float]  # per day of crisis
    talks: list[float]  # per day: standard normal shock
    extension: float
    war: Callable[[], tuple[list[int], list[int]]]  # per day after a collapse: deaths of
    # Palestinians, of Israelis; drawn on demand


def draw(s: Scenario, root_seed: int, replication: int) -> Draws:
    """The numbers of one replication (its whole block is drawn; use draw_block for many)."""
    block, row = block_of(replication)
    return draw_block(s, root_seed, block)[row]


def draw_block(s: Scenario, root_seed: int, block: int) -> list[Draws]:
    """The numbers of every replication of a block, stream by stream."""
    days, b = s.truce.window_days + 1, BLOCK
    width = max(len(s.releases), MIN_HANDOVERS)
    g = generator(root_seed, block, "releases")
    slip, slip_delay, dispute = (a.tolist() for a in g.random((3, b, width)))
    h = s.handovers
    recovery: list[list[int]] = [[] for _ in range(b)]
    recovery_u: list[list[list[float]]] = [[] for _ in range(b)]
    if h.bodies_mode == "as_recovered":
        shape = (b, s.bodies_scheduled)
        recovery = np.ceil(g.gamma(h.recovery_shape, h.recovery_mean_days / h.recovery_shape,
                                   shape)).astype(np.int64).tolist()
        recovery_u = g.random((*shape, 3)).tolist()
    g = generator(root_seed, block, "exchange")
    withhold, withhold_days = (a.tolist() for a in g.random((2, b, width)))
    g = generator(root_seed, block, "aid")
    aid = s.aid
    m, sd = aid.delivery_ratio_mean, aid.delivery_ratio_sd
    k = m * (1 - m) / sd**2 - 1
    possible = min(aid.trucks_per_day_agreed, aid.crossing_capacity_trucks_per_day)
    trucks = np.floor(possible * g.beta(m * k, (1 - m) * k, (b, days)) + 0.5)
    closure, halt = (a.tolist() for a in g.random((2, b, days)))
    g = generator(root_seed, block, "violations")
    inc0, inc1, fat0, fat1 = (a.tolist() for a in g.random((4, b, days)))
    scale0, scale1 = (g.gamma(side.fatality_dispersion, 1 / side.fatality_dispersion,
                              (b, days)).tolist()
                      for side in (s.violations.israeli_forces, s.violations.palestinian_groups))
    g = generator(root_seed, block, "mediation")
    spread = s.mediation.effectiveness_spread
    effect = (1 + spread * (2 * g.random((b, days)) - 1)).tolist()
    collapse = g.random((b, days)).tolist()
    g = generator(root_seed, block, "negotiations")
    talks = g.standard_normal((b, days)).tolist()
    extension = g.random(b).tolist()
    war = _WarBlock(s, root_seed, block)
    trucks_l = trucks.astype(np.int64).tolist()
    return [
        Draws(slip[r], slip_delay[r], dispute[r], recovery[r], recovery_u[r], withhold[r],
              withhold_days[r], trucks_l[r], closure[r], halt[r], (inc0[r], inc1[r]),
              (fat0[r], fat1[r]), (scale0[r], scale1[r]), effect[r], collapse[r], talks[r],
              extension[r], partial(war.row, r))
        for r in range(b)
    ]


class _WarBlock:
    """Deaths per day at war for a block, drawn the first time a replication needs them.

    The war stream is its own generator, so drawing it late changes no other number.
    """

    def __init__(self, s: Scenario, root_seed: int, block: int) -> None:
        self.s, self.root_seed, self.block = s, root_seed, block
        self.deaths: np.ndarray | None = None  # (side, replication, day)

    def row(self, r: int) -> tuple[list[int], list[int]]:
        if self.deaths is None:
            g = generator(self.root_seed, self.block, "war")
            cf = self.s.counterfactual
            shape, k = (BLOCK, self.s.truce.window_days + 1), cf.daily_dispersion
            self.deaths = np.stack([g.poisson(mean * g.gamma(k, 1 / k, shape)) for mean in
                                    (cf.deaths_per_day_palestinians,
                                     cf.deaths_per_day_israelis)])
        return self.deaths[0, r].tolist(), self.deaths[1, r].tolist()


def poisson(mean: float, u: float, p0: float = -1.0) -> int:
    """The Poisson(mean) count at cumulative probability u (inversion, one uniform).

    `p0`, if given, is exp(-mean), already computed by the caller.
    """
    if mean <= 0.0:
        return 0
    if mean > 30.0:  # normal approximation, accurate to a count or two here
        z = _NORMAL.inv_cdf(min(max(u, 1e-12), 1 - 1e-12))
        return max(0, int(mean + math.sqrt(mean) * z + 0.5))
    p = p0 if p0 >= 0.0 else math.exp(-mean)
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
