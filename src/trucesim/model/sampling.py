"""Samplers the actors share: a Poisson count and a geometric delay from one uniform each.

Drawing by inversion from a uniform drawn in advance keeps every process's random
numbers in a fixed shape (:mod:`.streams`), so two scenarios compared with the same seed
meet the same luck day by day, however their counts differ.
"""

from __future__ import annotations

import math
from statistics import NormalDist

_NORMAL = NormalDist()
MIN_HANDOVERS = 8  # per-handover draws are padded to this many, so schedules share numbers


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
