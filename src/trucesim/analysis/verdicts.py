"""How an observation fares against a historical scenario's replications: the median,
the 90% interval, the percentile of the observation (also among the runs in which the
truce still held on its day), whether it is inside, and the calibration summary.

Percentiles are those of the replications: the smallest value with at least that share
of runs at or below it; an observation's percentile is mid-rank (runs below it plus half
the runs equal to it), so discrete values are not pushed to one side. A milestone not
reached within the window counts as later than any day in it. An observation that gives
a range is inside when the interval meets it; one that had not come by a day ("later
than") when more than 5% of the runs have it later still. For how the phase ended, the
model's probability of what happened and its 90% prediction set.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from trucesim.analysis.observations import Quantity
from trucesim.model import actors
from trucesim.model.actors.phase import END_STATES

NEVER = math.inf


@dataclass(frozen=True)
class Result:
    quantity: Quantity
    median: float | str
    p05: float | None
    p95: float | None
    percentile: float | None  # of the observation among the replications (mid-rank), 0-1
    inside: bool
    verdict: str
    probabilities: dict[str, float] = field(default_factory=dict)
    prediction_set: tuple[str, ...] = ()  # categories: the model's 90% set
    # the same among the runs in which the truce still held on the observation's day
    holding_share: float | None = None
    percentile_holding: float | None = None
    inside_holding: bool | None = None


def quantile(xs: np.ndarray, q: float) -> float:
    """The smallest value with at least a share q of the sorted values at or below it."""
    return float(xs[max(0, math.ceil(q * len(xs)) - 1)])


def holding(q: Quantity, daily: np.ndarray) -> np.ndarray | None:
    """Which runs still held (had not collapsed or returned to war) on the observation's
    day; None where that does not apply (how the phase ended, war resumed)."""
    if q.read[0] == "category" or q.read[1] == "day_war_resumed" or q.day is None:
        return None
    names = [x.name for x in actors.series()]
    day = min(q.day, daily.shape[1] - 1)
    return np.asarray(daily[:, day, names.index("holding")] > 0)


def evaluate(q: Quantity, xs: np.ndarray, categories: tuple[str, ...] = END_STATES,
             held: np.ndarray | None = None) -> Result:
    """The observation against the runs (and against those still holding, if given)."""
    if q.read[0] == "category":
        return _categorical(q, xs, categories)
    result = _numeric(q, xs)
    if held is None or not held.any():
        return result
    among = _numeric(q, xs[held])
    return replace(result, holding_share=float(held.mean()),
                   percentile_holding=among.percentile, inside_holding=among.inside)


def _numeric(q: Quantity, xs: np.ndarray) -> Result:
    xs = np.sort(xs)
    observed = float(q.observed)
    p05, median, p95 = (quantile(xs, p) for p in (0.05, 0.5, 0.95))
    below, equal = np.sum(xs < observed), np.sum(xs == observed)
    percentile = float((below + 0.5 * equal) / len(xs))
    low, high = q.range or (observed, observed)
    if q.range:  # the interval meets the range
        inside = p05 <= high and low <= p95
    elif q.qualifier == "more than":
        inside = p95 >= observed
    elif q.qualifier == "later than":  # not by that day: some runs have it later still
        inside = p95 > observed
    else:
        inside = any(p05 <= v <= p95 for v in (q.reports or (observed,)))
    above = low > p95 or q.qualifier in ("more than", "later than")
    verdict = ("inside" if inside else "above the model's 95th percentile" if above
               else "below the model's 5th percentile")
    return Result(q, median, p05, p95, percentile, inside, verdict)


def _categorical(q: Quantity, codes: np.ndarray, categories: tuple[str, ...]) -> Result:
    """A category: its probability, and whether it is in the model's 90% prediction set
    (the most likely categories until together they reach 90%)."""
    n = len(codes)
    probs = {s: float(np.sum(codes == k) / n) for k, s in enumerate(categories)}
    ranked = sorted(probs, key=lambda s: -probs[s])
    chosen, total = [], 0.0
    for s in ranked:
        if total >= 0.9:
            break
        chosen.append(s)
        total += probs[s]
    inside = q.observed in chosen
    verdict = ("inside" if inside else
               f"outside the model's 90% set (P = {probs[str(q.observed)]:.1%})")
    return Result(q, ranked[0], None, None, None, inside, verdict, probs, tuple(chosen))


def calibration(results: Sequence[Result], not_compared: int = 0) -> dict[str, Any]:
    """Coverage of the 90% intervals, overall and by group (an observation not compared
    counts as a miss), and the mean distance of the observations from the model's median
    in percentile terms."""
    out: dict[str, Any] = {"inside": sum(r.inside for r in results),
                           "quantities": len(results) + not_compared,
                           "not_compared": not_compared,
                           "inside_only_with_collapsed_runs": sum(
                               r.inside and r.inside_holding is False for r in results)}
    for group in ("schedule", "dynamics"):
        mine = [r for r in results if r.quantity.group == group]
        out[group] = {"inside": sum(r.inside for r in mine), "quantities": len(mine)}
    pits = [r.percentile for r in results if r.percentile is not None]
    deviation = float(np.mean([abs(p - 0.5) for p in pits])) if pits else math.nan
    out["mean_abs_percentile_from_median"] = deviation
    out["in_outer_tenth"] = sum(p < 0.05 or p > 0.95 for p in pits)
    out["with_percentile"] = len(pits)
    out["words"] = _words(out)
    return out


def _words(c: dict[str, Any]) -> str:
    s, d = c["schedule"], c["dynamics"]
    missing = (f" ({c['not_compared']} could not be compared and count as misses)"
               if c["not_compared"] else "")
    collapsed = c["inside_only_with_collapsed_runs"]
    widened = (f" {collapsed} of those inside are inside only because runs that collapsed "
               "widen the interval: among the runs still holding on the day, they fall "
               "outside." if collapsed else " Every observation inside is also inside among "
               "the runs still holding on its day.")
    return (
        f"{c['inside']} of {c['quantities']} observed quantities{missing} fall inside the "
        f"model's 90% interval ({s['inside']} of {s['quantities']} for the schedule: releases, "
        f"prisoners freed, withdrawal; {d['inside']} of {d['quantities']} for the dynamics: "
        f"deaths, aid, how it ended). A calibrated model would cover about 90%, though these "
        f"quantities are not independent (cumulative counts share their errors). On average "
        f"an observation sits {100 * c['mean_abs_percentile_from_median']:.0f} percentile "
        f"points from the model's median (about 25 for a calibrated model, 50 at the "
        f"extremes); {c['in_outer_tenth']} of {c['with_percentile']} fall in the outer "
        f"tenth (below the 5th or above the 95th percentile).{widened}")


