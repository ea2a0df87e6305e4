"""Which outcomes a comparison moved, beyond the headline ones: those whose 95% interval
of the difference to the first scenario excludes zero, largest standardised difference
first, so that a change outside the headline table is not lost among the other rows.

Standardised difference: the difference over its standard error, the half-width of its
95% interval over the t quantile with n - 1 degrees of freedom (for paired runs exactly
sd/sqrt(n) of the per-replication differences). A difference with no spread at all (the
same change in every replication, such as the trucks an agreement provides for) has an
infinite one and comes first.
"""

from __future__ import annotations

import math

from trucesim.analysis.compare import Comparison, Difference
from trucesim.run.stats import t_quantile

CAPTION = ("Other outcomes whose 95% interval excludes zero, largest standardised "
           "difference (difference / its standard error) first")


def excludes_zero(d: Difference) -> bool:
    """Whether the difference's 95% interval lies wholly above or below zero."""
    _, lo, hi = d.diff
    return lo > 0 or hi < 0


def standardised(d: Difference, replications: int) -> float:
    """|difference| / its standard error; inf if it has no spread, NaN if undefined."""
    mean, lo, hi = d.diff
    half = (hi - lo) / 2
    if math.isnan(mean) or math.isnan(half):
        return math.nan
    if half == 0:
        return math.inf if mean != 0 else 0.0
    return abs(mean) / (half / t_quantile(replications - 1))


def moved(c: Comparison) -> list[int]:
    """Indices of the measures outside the headline ones whose difference to the first
    scenario excludes zero (for any scenario), largest standardised difference first."""
    scores: dict[int, float] = {}
    for j, m in enumerate(c.measures):
        if m.headline:
            continue
        shifts = [c.difference(s, j) for s in range(1, len(c.names))]
        z = [standardised(d, c.replications) for d in shifts if excludes_zero(d)]
        if z:
            scores[j] = max(z)
    return sorted(scores, key=lambda j: -scores[j])


def label(c: Comparison, j: int) -> str:
    """A measure's name as a console row shows it: words, so that it wraps at spaces."""
    return c.measures[j].name.replace("_", " ")
