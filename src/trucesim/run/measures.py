"""Quantities compared across scenarios and design points, with exact running totals.

A *measure* is one column derived from the outcome record: a number (living hostages
released, deaths), or a yes/no indicator (the truce collapsed; a milestone was reached)
whose mean is a probability. :class:`Totals` keeps, per measure, the count, the sum and
the sum of squares of stored integers as Python ints, so totals merged from chunks in any
order and on any number of workers are exactly the same, as in :mod:`trucesim.stats`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from trucesim.model import actors
from trucesim.model.declare import MISSING, Outcome
from trucesim.run.stats import t_quantile, wilson
from trucesim.scenario.schema import Scenario

Kind = Literal["number", "probability"]


@dataclass(frozen=True)
class Measure:
    """One compared quantity: column `column` of the stored record, or an indicator."""

    name: str
    kind: Kind
    unit: str  # of the number; "probability" for indicators
    label: str  # for tables: the outcome's own label, else its description
    column: int
    code: int | None = None  # end-state code for end-state indicators
    scale: int = 1  # stored value = value * scale
    headline: bool = False  # among the outcomes shown first (console, report)

    @property
    def shown_unit(self) -> str:
        """The unit numbers are shown in: probabilities as shares."""
        return "share" if self.kind == "probability" else self.unit


def from_fields(fields: Sequence[Outcome]) -> tuple[Measure, ...]:
    """Every measure of an outcome record, in record order."""
    out: list[Measure] = []
    for k, f in enumerate(fields):
        if f.kind == "category":
            out += [Measure(f"p_{state}", "probability", "probability",
                            f"P(truce {state})", k, code, headline=True)
                    for code, state in enumerate(f.categories)]
        elif f.kind == "milestone":
            out.append(Measure(f"reached_{f.name.removeprefix('day_')}", "probability",
                               "probability",
                               f.label or f"P({f.description.removeprefix('Day ')})", k,
                               headline=f.headline))
        else:
            out.append(Measure(f.name, "number", f.unit, f.label or f.description, k,
                               scale=f.scale, headline=f.headline))
    return tuple(out)


def measures(scenario: Scenario) -> tuple[Measure, ...]:
    """Every measure of this scenario's outcome record, in record order."""
    return from_fields(actors.fields(scenario))


def select(scenario: Scenario, names: Sequence[str]) -> tuple[Measure, ...]:
    """This scenario's measures called `names`, in that order (KeyError if one is absent)."""
    by_name = {m.name: m for m in measures(scenario)}
    return tuple(by_name[name] for name in names)


def matrix(chosen: Sequence[Measure], values: np.ndarray) -> np.ndarray:
    """Stored records (n, fields) -> the measures' stored integers (n, measures)."""
    out = np.empty((values.shape[0], len(chosen)), dtype=np.int64)
    for j, m in enumerate(chosen):
        col = values[:, m.column]
        if m.code is not None:
            out[:, j] = col == m.code
        elif m.kind == "probability":
            out[:, j] = col != MISSING
        else:
            out[:, j] = col
    return out


def stored(fields: Sequence[Outcome], rows: Sequence[dict[str, str]]) -> np.ndarray:
    """replications.csv rows (text cells) back to stored records (n, fields), in the
    replications' order; ValueError or KeyError if a cell does not parse."""
    ordered = sorted(rows, key=lambda r: int(r["replication"]))
    return np.array([[f.parse(r[f.name]) for f in fields] for r in ordered],
                    dtype=np.int64).reshape(len(ordered), len(fields))


@dataclass
class Totals:
    """Exact running count, sums and sums of squares of `width` integer columns."""

    width: int
    n: int = 0
    sums: list[int] = field(default_factory=list)
    squares: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.sums = self.sums or [0] * self.width
        self.squares = self.squares or [0] * self.width

    def add(self, columns: np.ndarray) -> None:
        self.n += columns.shape[0]
        for j in range(self.width):
            col = columns[:, j]
            self.sums[j] += int(col.sum(dtype=np.int64))
            self.squares[j] += int(np.square(col, dtype=np.int64).sum(dtype=np.int64))

    def merge(self, other: Totals) -> None:
        self.n += other.n
        for j in range(self.width):
            self.sums[j] += other.sums[j]
            self.squares[j] += other.squares[j]

    def mean(self, j: int, scale: int = 1) -> float:
        return self.sums[j] / self.n / scale if self.n else math.nan

    def sd(self, j: int, scale: int = 1) -> float:
        """Sample standard deviation (n - 1 in the denominator)."""
        n = self.n
        if n < 2:
            return math.nan
        var = (n * self.squares[j] - self.sums[j] ** 2) / (n * (n - 1))
        return math.sqrt(max(var, 0.0)) / scale

    def t_interval(self, j: int, scale: int = 1) -> tuple[float, float, float]:
        """(mean, low, high): the mean with its 95% Student-t interval."""
        mean = self.mean(j, scale)
        if self.n < 2:
            return (mean, math.nan, math.nan)
        half = t_quantile(self.n - 1) * self.sd(j, scale) / math.sqrt(self.n)
        return (mean, mean - half, mean + half)

    def interval(self, j: int, m: Measure) -> tuple[float, float, float]:
        """(mean, low, high) for measure m: Wilson for a probability, t for a number."""
        if m.kind == "probability":
            return (self.mean(j), *wilson(self.sums[j], self.n))
        return self.t_interval(j, m.scale)
