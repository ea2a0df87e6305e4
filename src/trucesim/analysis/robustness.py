"""Robustness: one number for a draft of a deal from its outcome in each state of the world.

The measures of McPhail et al. (2018, "Robustness metrics", Earth's Future 6:169) that
Rhodium offers, over a candidate's values in K states (each the mean over the state's
replications):

- ``mean``: the average over the states (each state weighs the same);
- ``percentile``: the P-th percentile over the states (say the 10th of living hostages
  released: what the draft gives in its bad states);
- ``satisficing``: the share of states in which the outcome meets a threshold (at least
  it for an objective to raise, at most it for one to lower);
- ``regret``: the P-th percentile (90th by default) over the states of the shortfall
  against a reference in the same state, 0 where the candidate does as well. During the
  search the reference is the starting draft, so that a candidate's value does not depend
  on which others were tried (regret from a baseline, McPhail's transform T2); the
  tables also give Savage's regret against the best candidate of the Pareto set in each
  state (:func:`savage`).

Every value here is oriented as the user wrote it; :func:`minimised` turns it into the
number the optimiser lowers.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from trucesim.analysis.designfile import DEFAULT_REGRET_PERCENTILE, Measured

Direction = Literal["max", "min"]


def shortfall(values: np.ndarray, reference: np.ndarray, direction: Direction) -> np.ndarray:
    """How much worse than `reference` each state is (0 where it is as good or better)."""
    gap = reference - values if direction == "max" else values - reference
    return np.asarray(np.maximum(gap, 0.0))


def robustness(item: Measured, direction: Direction, values: np.ndarray,
               reference: np.ndarray | None = None) -> float:
    """The robustness of one outcome over the states (values: one mean per state)."""
    if item.robustness == "mean":
        return float(values.mean())
    if item.robustness == "percentile":
        assert item.percentile is not None
        return float(np.percentile(values, item.percentile))
    if item.robustness == "satisficing":
        assert item.threshold is not None
        met = values >= item.threshold if direction == "max" else values <= item.threshold
        return float(met.mean())
    if reference is None:
        raise ValueError("regret needs the reference's values in each state")
    p = DEFAULT_REGRET_PERCENTILE if item.percentile is None else item.percentile
    return float(np.percentile(shortfall(values, reference, direction), p))


def better(item: Measured, direction: Direction) -> Direction:
    """Which way the robustness value is better: regret lower, a share of states meeting a
    threshold higher, a mean or a percentile as the outcome's direction."""
    if item.robustness == "regret":
        return "min"
    if item.robustness == "satisficing":
        return "max"
    return direction


def minimised(item: Measured, direction: Direction, value: float) -> float:
    """The value as the optimiser lowers it."""
    return -value if better(item, direction) == "max" else value


def savage(values: np.ndarray, direction: Direction, percentile: float = 100.0) -> np.ndarray:
    """Savage's regret of each candidate (rows) against the best candidate in each state
    (columns): the percentile over states of the shortfall (the largest, by default)."""
    best = values.max(axis=0) if direction == "max" else values.min(axis=0)
    return np.asarray(np.percentile(shortfall(values, best[None, :], direction), percentile,
                                    axis=1))
