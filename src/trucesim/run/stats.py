"""Streaming, exact aggregation of outcome records over replications.

An :class:`Aggregate` keeps, per outcome, the count, the sum and the sum of squares of
its stored integers (exact: Python ints) and a histogram of values (exact counts). Two
aggregates merge by adding; the result does not depend on chunking or order, so a run
gives the same summary with any number of workers. Memory is bounded by the number of
distinct values, not the number of replications.

Reported: means with a 95% t-interval, the median and 5th/95th percentiles (numpy's
default 'linear' definition, computed from the histogram), proportions with 95% Wilson
intervals (scipy), the truce's survival curve, and daily mean trajectories with 5-95% bands.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from trucesim.model.declare import MISSING, Outcome, Series
from trucesim.run.counts import (
    LIMIT,
    MAX_GROUPS,
    Counts,
    ModelRangeError,
    exact_add,
    exact_sum,
    largest_magnitude,
)

__all__ = ["LIMIT", "Aggregate", "Counts", "ModelRangeError", "quantiles", "t_quantile",
           "wilson"]


@lru_cache(maxsize=4096)
def wilson(successes: int, n: int) -> tuple[float, float]:
    """95% Wilson score interval for a binomial proportion, without continuity
    correction: scipy's ``binomtest(k, n).proportion_ci(method="wilson")``, computed
    with the same operations in the same order (tests/test_stats.py checks it against
    scipy), from scipy.special, whose import costs a third of scipy.stats' (0.2 s of
    0.6 s here: a run of 1,000 replications spent more time importing scipy.stats than
    running). Remembered, as a run asks for the same counts day after day."""
    if n == 0:
        return (math.nan, math.nan)
    from scipy.special import ndtri

    p = successes / n
    z = ndtri(0.5 + 0.5 * 0.95)
    denom = 2 * (n + z**2)
    center = (2 * n * p + z**2) / denom
    delta = z / denom * math.sqrt(4 * n * p * (1 - p) + z**2)
    low = 0.0 if successes == 0 else center - delta
    high = 1.0 if successes == n else center + delta
    return (float(low), float(high))


def t_quantile(df: float) -> float:
    """Two-sided 95% quantile of Student's t with `df` degrees of freedom (what
    scipy.stats.t.ppf(0.975, df) computes, through scipy.special.stdtrit)."""
    from scipy.special import stdtrit

    return float(stdtrit(df, 0.975)) if df > 0 else math.nan


def quantiles(values: np.ndarray, counts: np.ndarray, probs: Sequence[float]) -> list[float]:
    """Quantiles of the data described by (sorted values, counts): numpy's 'linear' method."""
    n = int(counts.sum())
    cum = np.cumsum(counts)
    out = []
    for p in probs:
        h = (n - 1) * p
        lo = math.floor(h)
        x_lo = values[np.searchsorted(cum, lo + 1)]
        x_hi = values[np.searchsorted(cum, min(lo + 2, n))]
        out.append(float(x_lo + (h - lo) * (x_hi - x_lo)))
    return out


@dataclass
class Aggregate:
    """Running totals over replications of one scenario."""

    fields: tuple[Outcome, ...]
    series: tuple[Series, ...]
    days: int
    n: int = 0
    sums: list[int] = field(default_factory=list)
    squares: list[int] = field(default_factory=list)
    present: list[int] = field(default_factory=list)  # replications with a value
    histograms: Counts = field(default_factory=Counts)  # group = field index
    daily_sums: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    bands: dict[str, Counts] = field(default_factory=dict)  # group = day

    def __post_init__(self) -> None:
        k = len(self.fields)
        if max(k, self.days) > MAX_GROUPS:
            raise ValueError(f"at most {MAX_GROUPS} outcome fields and days are counted")
        self.sums, self.squares, self.present = [0] * k, [0] * k, [0] * k
        self.daily_sums = np.zeros((self.days, len(self.series)), dtype=np.int64)
        self.bands = {x.name: Counts() for x in self.series if x.band}
        self._milestones = np.array([f.kind == "milestone" for f in self.fields])

    def add(self, values: np.ndarray, daily: np.ndarray) -> None:
        """Add a chunk: values (n, fields) and daily (n, days, series), stored integers."""
        n = values.shape[0]
        self.n += n
        present = ~(self._milestones & (values == MISSING))
        kept = np.where(present, values, 0)
        largest = largest_magnitude(kept) if kept.size else 0
        # squares of 2**26 or more could overflow
        squares = np.square(kept.astype(object)) if largest >= 1 << 26 else np.square(kept)
        for k, (total, square, count) in enumerate(zip(
                exact_sum(kept, largest=largest).tolist(),
                exact_sum(squares, largest=largest**2).tolist(),
                present.sum(axis=0).tolist(), strict=True)):
            self.sums[k] += total
            self.squares[k] += square
            self.present[k] += count
        self.histograms.add_rows(np.ascontiguousarray(values.T), (self._milestones, MISSING))
        # (day, series, replication): the engine's layout, each day's values contiguous
        by_day = daily.transpose(1, 2, 0)
        self.daily_sums = exact_add(self.daily_sums, exact_sum(by_day, axis=2))
        for s, x in enumerate(self.series):
            if x.band:
                day_values = by_day[:, s]  # binned to the nearest multiple of the band
                self.bands[x.name].add_rows(day_values if x.band == 1 else
                                            (day_values + x.band // 2) // x.band * x.band)

    def merge(self, other: Aggregate) -> None:
        self.n += other.n
        for k in range(len(self.fields)):
            self.sums[k] += other.sums[k]
            self.squares[k] += other.squares[k]
            self.present[k] += other.present[k]
        self.histograms.merge(other.histograms)
        self.daily_sums = exact_add(self.daily_sums, other.daily_sums)
        for name, counts in self.bands.items():
            counts.merge(other.bands[name])

    def describe(self, k: int) -> dict[str, Any]:
        """Mean (95% CI), sd, median, 5th/95th percentiles, min, max of field k."""
        f = self.fields[k]
        n = self.present[k]
        if n == 0:
            return {"n": 0}
        scale = f.scale
        mean = self.sums[k] / n / scale
        var = (n * self.squares[k] - self.sums[k] ** 2) / (n * (n - 1)) if n > 1 else 0.0
        sd = math.sqrt(max(var, 0.0)) / scale
        half = t_quantile(n - 1) * sd / math.sqrt(n) if n > 1 else math.nan
        values, counts = self.histograms.group(k)
        p05, median, p95 = (q / scale for q in quantiles(values, counts, (0.05, 0.5, 0.95)))
        return {"n": n, "mean": mean, "ci95_mean": [mean - half, mean + half], "sd": sd,
                "median": median, "p05": p05, "p95": p95,
                "min": float(values[0]) / scale, "max": float(values[-1]) / scale}

    def end_states(self) -> dict[str, dict[str, Any]]:
        k, field_ = next((i, f) for i, f in enumerate(self.fields) if f.kind == "category")
        values, counts = self.histograms.group(k)
        found = dict(zip(values.astype(int).tolist(), counts.tolist(), strict=True))
        out = {}
        for code, state in enumerate(field_.categories):
            c = found.get(code, 0)
            out[state] = {"count": c, "p": c / self.n if self.n else math.nan,
                          "ci95": list(wilson(c, self.n))}
        return out

    def milestone(self, k: int) -> dict[str, Any]:
        reached = self.present[k]
        out: dict[str, Any] = {"p": reached / self.n if self.n else math.nan,
                               "ci95": list(wilson(reached, self.n)), "count": reached}
        if reached:
            d = self.describe(k)
            out |= {"median_day": d["median"], "p05_day": d["p05"], "p95_day": d["p95"],
                    "mean_day": d["mean"]}
        return out

    def daily(self) -> list[dict[str, float]]:
        """Per day: survival with its Wilson interval, means, and 5/50/95% bands."""
        bands = {name: counts.groups() for name, counts in self.bands.items()}
        rows = []
        names = [x.name for x in self.series]
        holding, crisis = names.index("holding"), names.index("in_crisis")
        for d in range(self.days):
            sums = self.daily_sums[d]
            lo, hi = wilson(int(sums[holding]), self.n)
            row: dict[str, float] = {"day": d, "survival": sums[holding] / self.n,
                                     "survival_lo": lo, "survival_hi": hi,
                                     "in_crisis": sums[crisis] / self.n}
            for s, x in enumerate(self.series):
                if x.name not in ("holding", "in_crisis"):
                    row[f"{x.name}_mean"] = sums[s] / self.n / x.scale
            for x in self.series:
                if not x.band:
                    continue
                values, counts = bands[x.name][d]
                for label, q in zip(("p05", "p50", "p95"),
                                    quantiles(values, counts, (0.05, 0.5, 0.95)), strict=True):
                    row[f"{x.name}_{label}"] = q / x.scale
            rows.append(row)
        return rows

