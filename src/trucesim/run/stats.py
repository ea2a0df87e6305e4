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


_SHIFT = 54  # a (group, value) pair is counted under the key group << 54 | value + 2**53
_OFFSET = 1 << (_SHIFT - 1)
MAX_GROUPS = 1 << (63 - _SHIFT)  # groups 0..511: fields of the record, or days
LIMIT = _OFFSET  # stored values must lie within +-2**53 (checked: ModelRangeError)


class ModelRangeError(ArithmeticError):
    """An outcome outside the range the aggregates count exactly (+-2**53)."""


def exact_sum(values: np.ndarray, axis: int = 0) -> np.ndarray:
    """Sum of integers along `axis`, exact: int64 when it cannot overflow, else Python ints."""
    if not values.size or int(np.abs(values).max()) * values.shape[axis] < 1 << 62:
        return np.asarray(values.sum(axis=axis, dtype=np.int64))
    return np.asarray(values.astype(object).sum(axis=axis))


def exact_add(total: np.ndarray, part: np.ndarray) -> np.ndarray:
    """total + part, exact: moves to Python ints once int64 could overflow."""
    if total.dtype != object and part.dtype != object and max(
            int(np.abs(total).max(initial=0)), int(np.abs(part).max(initial=0))) < 1 << 61:
        return np.asarray(total + part)
    return np.asarray(total.astype(object) + part.astype(object))


def _dense_counts(groups: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The sorted distinct keys of (group, value) pairs and their counts, by one bincount
    over each group's range of values laid end to end (what np.unique gives, without its
    sort: most outcomes and days span a few hundred values); None where the ranges are too
    wide for that to pay."""
    if not values.size:
        return None
    width = int(groups.max()) + 1
    lo = np.full(width, np.iinfo(np.int64).max)
    hi = np.full(width, np.iinfo(np.int64).min)
    np.minimum.at(lo, groups, values)
    np.maximum.at(hi, groups, values)
    span = np.where(hi >= lo, hi - lo + 1, 0)
    if int(span.sum()) > 4 * values.size + (1 << 16):
        return None
    start = np.cumsum(span) - span  # where each group's range begins
    counts = np.bincount(start[groups] + (values - lo[groups]), minlength=int(span.sum()))
    at = np.flatnonzero(counts)
    g = np.searchsorted(start + span, at, side="right")
    keys = (g.astype(np.int64) << _SHIFT) + (at - start[g] + lo[g] + _OFFSET)
    return keys, counts[at].astype(np.int64)


@dataclass
class Counts:
    """Exact counts of integer values in numbered groups (one group per field or day).

    Kept as two arrays, the sorted distinct keys (group << 54 | value + 2**53) and their
    counts, so that adding a chunk and merging two aggregates are a few numpy calls.
    """

    keys: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    counts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def add(self, groups: np.ndarray, values: np.ndarray) -> None:
        if values.size and int(np.abs(values).max()) >= LIMIT:
            raise ModelRangeError(f"a value of {int(np.abs(values).max()):,} is beyond the "
                                  "range counted exactly (2**53)")
        groups, values = groups.astype(np.int64).ravel(), values.astype(np.int64).ravel()
        counted = _dense_counts(groups, values)
        if counted is None:
            keys = (groups << _SHIFT) + (values + _OFFSET)
            uniq, cnt = np.unique(keys, return_counts=True)
            counted = uniq, cnt.astype(np.int64)
        self._absorb(*counted)

    def merge(self, other: Counts) -> None:
        self._absorb(other.keys, other.counts)

    def _absorb(self, keys: np.ndarray, counts: np.ndarray) -> None:
        if not len(self.keys):
            self.keys, self.counts = keys.copy(), counts.copy()
            return
        all_keys = np.concatenate([self.keys, keys])
        all_counts = np.concatenate([self.counts, counts])
        order = np.argsort(all_keys, kind="stable")
        all_keys, all_counts = all_keys[order], all_counts[order]
        starts = np.flatnonzero(np.r_[True, all_keys[1:] != all_keys[:-1]])
        self.keys, self.counts = all_keys[starts], np.add.reduceat(all_counts, starts)

    def group(self, g: int) -> tuple[np.ndarray, np.ndarray]:
        """Sorted distinct values of group g (as floats) and their counts."""
        lo, hi = np.searchsorted(self.keys, [g << _SHIFT, (g + 1) << _SHIFT])
        values = (self.keys[lo:hi] - (g << _SHIFT) - _OFFSET).astype(np.float64)
        return values, self.counts[lo:hi]

    def groups(self) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """Every group's sorted values and counts, in one pass."""
        bounds = np.flatnonzero(np.diff(self.keys >> _SHIFT)) + 1
        out = {}
        for ks, cs in zip(np.split(self.keys, bounds), np.split(self.counts, bounds),
                          strict=True):
            if len(ks):
                g = int(ks[0] >> _SHIFT)
                out[g] = ((ks - (g << _SHIFT) - _OFFSET).astype(np.float64), cs)
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
        large = kept.size and int(np.abs(kept).max()) >= 1 << 26  # squares could overflow
        squares = (np.square(kept.astype(object)) if large else np.square(kept))
        for k, (total, square, count) in enumerate(zip(
                exact_sum(kept).tolist(), exact_sum(squares).tolist(),
                present.sum(axis=0).tolist(), strict=True)):
            self.sums[k] += total
            self.squares[k] += square
            self.present[k] += count
        columns = np.broadcast_to(np.arange(values.shape[1]), values.shape)
        self.histograms.add(columns[present], values[present])
        self.daily_sums = exact_add(self.daily_sums, exact_sum(daily))
        days = np.broadcast_to(np.arange(self.days), (n, self.days))
        for s, x in enumerate(self.series):
            if x.band:
                binned = (daily[:, :, s] + x.band // 2) // x.band * x.band
                self.bands[x.name].add(days, binned)

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

