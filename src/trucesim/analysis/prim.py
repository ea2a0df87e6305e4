"""Scenario discovery: the states of the world in which a draft of a deal fails, as a box.

PRIM, the patient rule induction method (Friedman and Fisher 1999, "Bump hunting in
high-dimensional data", Statistics and Computing 9:123), as used in robust decision
making (Bryant and Lempert 2010, "Thinking inside the box", Technological Forecasting and
Social Change 77:34): start from a box holding every state; repeatedly cut away the slice
(a share `alpha` of the points in the box, from the low or the high end of one
uncertainty) whose removal raises the share of failures in the box the most; stop when
the box holds fewer than `min_mass` of the points. Each step is a box on the *peeling
trajectory*, with its **coverage** (the share of all failures it holds) and **density**
(the share of its points that fail). The box reported is the densest one that still covers
at least `min_coverage` of the failures; then the limits that do not significantly raise
its share of failures are dropped (:func:`simplify`), so that the sentence a user reads
names the few uncertainties that drive the failures.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Box:
    """Limits (low, high) on each uncertainty; -inf/inf where it is not restricted."""

    low: np.ndarray
    high: np.ndarray
    coverage: float
    density: float
    mass: float  # share of all states inside

    def inside(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(np.all((x >= self.low) & (x <= self.high), axis=1))

    def restricted(self) -> list[int]:
        return [j for j in range(len(self.low))
                if np.isfinite(self.low[j]) or np.isfinite(self.high[j])]


def _stats(inside: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    n_in = int(inside.sum())
    fails = int(y.sum())
    hit = int((inside & y).sum())
    return (hit / fails if fails else 0.0, hit / n_in if n_in else 0.0, n_in / len(y))


def peel(x: np.ndarray, y: np.ndarray, alpha: float = 0.05,
         min_mass: float = 0.05) -> list[Box]:
    """The peeling trajectory over points x (states, uncertainties) with failures y."""
    y = np.asarray(y, dtype=bool)
    d = x.shape[1]
    low, high = np.full(d, -np.inf), np.full(d, np.inf)
    inside = np.ones(len(y), dtype=bool)
    boxes = [Box(low.copy(), high.copy(), *_stats(inside, y))]
    while inside.sum() > max(min_mass * len(y), 1):
        best: tuple[float, int, str, float] | None = None
        pts = x[inside]
        for j in range(d):
            column = pts[:, j]
            if np.ptp(column) == 0:
                continue
            for side in ("low", "high"):
                cut = float(np.quantile(column, alpha if side == "low" else 1 - alpha))
                keep = column > cut if side == "low" else column < cut
                if keep.all() or not keep.any():
                    continue  # ties: this cut removes nothing, or everything
                density = float(y[inside][keep].mean())
                if best is None or density > best[0]:
                    best = (density, j, side, cut)
        if best is None:
            break
        _, j, side, cut = best
        if side == "low":
            low[j] = np.nextafter(cut, np.inf)
        else:
            high[j] = np.nextafter(cut, -np.inf)
        new = inside & (x[:, j] >= low[j]) & (x[:, j] <= high[j])
        if new.sum() < max(min_mass * len(y), 1) or new.sum() == inside.sum():
            break
        inside = new
        boxes.append(Box(low.copy(), high.copy(), *_stats(inside, y)))
    return boxes


def choose(boxes: Sequence[Box], min_coverage: float = 0.5) -> Box:
    """The densest box on the trajectory that covers at least `min_coverage`."""
    eligible = [b for b in boxes if b.coverage >= min_coverage] or [boxes[0]]
    return max(eligible, key=lambda b: (b.density, b.coverage))


def simplify(box: Box, x: np.ndarray, y: np.ndarray, alpha: float = 0.15) -> Box:
    """The box without the limits that do not matter: a limit is kept if the box's share of
    failures is significantly above that of the box without it (a one-sided binomial
    test, the "quasi-p-value" of Bryant and Lempert's PRIM, at level `alpha`); the limit
    with the largest p-value above it is dropped, one at a time. The level is loose (0.15)
    because a box holds few states: at 0.05 a box of 100 states keeps only a limit that
    raises its share of failures by about a sixth, and the sentence loses uncertainties
    that matter (checked on the shipped example's 200 states)."""
    from scipy.stats import binom

    y = np.asarray(y, dtype=bool)
    low, high = box.low.copy(), box.high.copy()
    while True:
        inside = Box(low, high, 0, 0, 0).inside(x)
        n, k = int(inside.sum()), int((inside & y).sum())
        worst: tuple[float, int] | None = None
        for j in Box(low, high, 0, 0, 0).restricted():
            lo, hi = low.copy(), high.copy()
            lo[j], hi[j] = -np.inf, np.inf
            wider = Box(lo, hi, 0, 0, 0).inside(x)
            rate = float((wider & y).sum()) / max(int(wider.sum()), 1)
            p = float(binom.sf(k - 1, n, rate))  # P(k or more failures of n at that rate)
            if p > alpha and (worst is None or p > worst[0]):
                worst = (p, j)
        if worst is None:
            return Box(low, high, *_stats(inside, y))
        low[worst[1]], high[worst[1]] = -np.inf, np.inf


def min_failures(points: int) -> int:
    """The failures PRIM needs to say where they concentrate: 10, or 5% of the points."""
    return max(10, math.ceil(0.05 * points))


def find(x: np.ndarray, y: np.ndarray, alpha: float = 0.05, min_mass: float = 0.05,
         min_coverage: float = 0.5) -> Box | None:
    """The box of failures to report, or None if nothing (or everything) fails."""
    y = np.asarray(y, dtype=bool)
    if not y.any() or y.all():
        return None
    return simplify(choose(peel(x, y, alpha, min_mass), min_coverage), x, y)


def describe(box: Box, names: Sequence[str]) -> list[str]:
    """Each limit of the box in words: 'mediation.response_delay_days >= 3.1'."""
    out = []
    for j in box.restricted():
        lo, hi = box.low[j], box.high[j]
        if np.isfinite(lo) and np.isfinite(hi):
            out.append(f"{names[j]} between {lo:.3g} and {hi:.3g}")
        elif np.isfinite(lo):
            out.append(f"{names[j]} >= {lo:.3g}")
        else:
            out.append(f"{names[j]} <= {hi:.3g}")
    return out
