"""A vectorised reference: a numpy day-step toy of a truce, of similar scope to trucesim's
base scenario, written to be fast. `trucesim bench` measures trucesim against it.

    python benchmarks/vectorised_reference.py [-n 200000]

All replications live in arrays and each day is a handful of numpy calls over all of
them: two self-exciting incident streams (a retaliation kernel decaying geometrically)
with gamma fatality multipliers, tension with a mediation drain after a response delay,
crisis start, resolution and collapse (a daily hazard and a deadline), five handovers
with slips (waiting out a crisis), aid with closures after attacks, talks progress, and
war deaths after a collapse, over 60 days. The parameters are base.toml's.

It is a yardstick for speed, not a model: it draws its random numbers as it goes (no
common random numbers between scenarios, no per-replication streams), keeps no event
log, no conditions, exchange, withdrawal or extensions, and writes nothing.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

DAYS = 60
HANDOVER_DAYS = np.array([1, 7, 30, 50, 60])
LIVING = np.array([8, 0, 0, 2, 0])
BODIES = np.array([0, 5, 5, 0, 8])


def simulate(n: int, seed: int) -> dict[str, np.ndarray]:
    """n replications of the toy truce; the outcomes as arrays."""
    rng = np.random.default_rng(seed)
    base = np.array([[1.0], [0.1]])  # incidents a day: Israeli forces, Palestinian groups
    keep = math.exp(-1 / 3.0)
    push = np.array([[0.2], [0.6]]) * (1 - keep)  # retaliation, by the side answering
    lethal = np.array([[2.5], [0.2]])
    excitation = np.zeros((2, n))
    deaths = np.zeros((2, n), dtype=np.int64)  # Palestinians, Israelis
    tension, engaged = np.zeros(n), np.full(n, -1)
    in_crisis, crisis_start = np.zeros(n, dtype=bool), np.zeros(n, dtype=np.int64)
    holds = np.ones(n, dtype=bool)
    due = HANDOVER_DAYS[:, None] + np.where(rng.random((5, n)) < 0.15,
                                            rng.geometric(0.5, (5, n)), 0)
    done = np.zeros((5, n), dtype=bool)
    living, bodies = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    aid, closed_until = np.zeros(n, dtype=np.int64), np.full(n, -1)
    progress, agreed = np.zeros(n), np.zeros(n, dtype=bool)
    for day in range(1, DAYS + 1):
        multiplier = np.where(in_crisis, 1.5, 1.0)
        incidents = rng.poisson(base * multiplier + excitation) * holds
        excitation = keep * excitation + push * incidents[::-1]
        scale = rng.gamma(0.5, 2.0, (2, n))
        killed = rng.poisson(incidents * lethal * scale)
        deaths += killed
        war = ~holds
        deaths[:, war] += rng.poisson(np.array([[67.0], [0.35]]) * rng.gamma(
            8.0, 1 / 8.0, (2, int(war.sum()))))
        tension += holds * (incidents.sum(axis=0) + 0.3 * killed.sum(axis=0))
        # handovers on their day (or later), unless a crisis holds them back
        now = (due <= day) & ~done & (holds & ~in_crisis)
        done |= now
        living += (now * LIVING[:, None]).sum(axis=0)
        bodies += (now * BODIES[:, None]).sum(axis=0)
        tension += holds * (now & (rng.random((5, n)) < 0.2)).sum(axis=0) * 4.0
        # aid: crossings close after attacks; halts in a crisis
        closes = (incidents[1] > 0) & (rng.random(n) < 0.1)
        closed_until = np.where(closes, day + 1, closed_until)
        trucks = np.floor(600 * rng.beta(9.4, 0.8, n) + 0.5).astype(np.int64)
        open_ = holds & (day > closed_until) & ~(in_crisis & (rng.random(n) < 0.3))
        aid += np.where(open_, trucks, 0)
        # mediation: tension fades, mediators drain it after a delay
        tension = np.where(holds, tension * 0.9, tension)
        high = holds & (tension >= 3.0)
        engaged = np.where(high, np.where(engaged < 0, day, engaged), -1)
        drain = high & (day - engaged >= 1)
        tension = np.where(drain, tension * np.maximum(
            0.0, 1 - 0.3 * (1 + 0.5 * (2 * rng.random(n) - 1))), tension)
        # crises: start, resolution, collapse
        starting = holds & ~in_crisis & (tension >= 12.0)
        crisis_start = np.where(starting, day, crisis_start)
        resolved = in_crisis & (tension < 6.0)
        collapse = in_crisis & ~resolved & ((day - crisis_start >= 7)
                                            | (rng.random(n) < 0.05))
        in_crisis = (in_crisis | starting) & ~resolved & ~collapse
        holds &= ~collapse
        # talks
        step = np.where(in_crisis, -0.02, 0.012 + 0.05 * rng.standard_normal(n))
        progress = np.clip(progress + np.where(holds & ~agreed, step, 0.0)
                           - 0.003 * incidents.sum(axis=0), 0.0, 1.0)
        agreed |= progress >= 1.0
    return {"collapsed": ~holds, "agreed": agreed, "living": living, "bodies": bodies,
            "aid": aid, "deaths_palestinians": deaths[0], "deaths_israelis": deaths[1]}


def replications_per_second(n: int = 100_000, seed: int = 1, block: int = 20_000) -> float:
    """The toy's rate on one core, in blocks of `block` replications."""
    started = time.perf_counter()
    for start in range(0, n, block):
        simulate(min(block, n - start), seed + start)
    return n / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=100_000)
    args = parser.parse_args()
    out = simulate(10_000, 1)
    print(f"toy truce, 10,000 replications: collapsed {out['collapsed'].mean():.1%}, "
          f"living released {out['living'].mean():.1f}")
    print(f"{replications_per_second(args.n):,.0f} replications a second (one core)")


if __name__ == "__main__":
    main()
