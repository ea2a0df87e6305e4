"""Uncertain parameters: a distribution written in place of a number.

Any numeric key of a scenario can be given as a distribution instead of a value, e.g.
``drain_per_day = { dist = "triangular", low = 0.2, mode = 0.3, high = 0.45 }``:

- ``uniform``: low, high;
- ``triangular``: low, mode, high;
- ``pert``: low, mode, high (a beta-PERT: more weight near the mode);
- ``beta``: mean and sd, or a and b, on [low, high] (default [0, 1]);
- ``lognormal``: median and sigma (the sd of the logarithm);
- ``choice``: values, and optional weights.

Draws come from scipy.stats (inverse cumulative distribution functions). A run samples
parameter sets from the distributions (:mod:`trucesim.run.assumptions`); anything that
runs a scenario without sampling (a story, one replication) uses each distribution's
mean. The loader (:mod:`.load`) takes the distributions out of the file, validates them,
checks that their whole range respects the key's bounds and the scenario's rules, and
keeps them in ``Scenario.uncertain``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import ConfigDict, Field, model_validator

from trucesim.scenario.section import Section

if TYPE_CHECKING:  # numpy is imported where a distribution is used, not when one loads
    import numpy as np

TAIL = 0.001  # an unbounded distribution must keep inside the key's bounds up to here


class _Dist(Section):
    def mean(self) -> float:
        raise NotImplementedError

    def frozen(self) -> Any:
        """The scipy.stats distribution."""
        raise NotImplementedError

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Values at cumulative probabilities `u` (each in (0, 1))."""
        import numpy as np

        return np.asarray(self.frozen().ppf(u), dtype=np.float64)

    def support(self) -> tuple[float, float]:
        """The range the draws can take (for unbounded ones, the 0.1% and 99.9% points)."""
        lo, hi = self.frozen().support()
        if not math.isfinite(lo):
            lo = float(self.frozen().ppf(TAIL))
        if not math.isfinite(hi):
            hi = float(self.frozen().ppf(1 - TAIL))
        return float(lo), float(hi)


class Uniform(_Dist):
    dist: Literal["uniform"]
    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if not self.low < self.high:
            raise ValueError("low must be below high")
        return self

    def mean(self) -> float:
        return (self.low + self.high) / 2

    def frozen(self) -> Any:
        from scipy.stats import uniform

        return uniform(loc=self.low, scale=self.high - self.low)

    def describe(self) -> str:
        return f"uniform({self.low:g} to {self.high:g})"


class Triangular(_Dist):
    dist: Literal["triangular"]
    low: float
    mode: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not (self.low <= self.mode <= self.high and self.low < self.high):
            raise ValueError("needs low <= mode <= high, low < high")
        return self

    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3

    def frozen(self) -> Any:
        from scipy.stats import triang

        width = self.high - self.low
        return triang((self.mode - self.low) / width, loc=self.low, scale=width)

    def describe(self) -> str:
        return f"triangular({self.low:g}, mode {self.mode:g}, {self.high:g})"


class Pert(Triangular):
    """The beta-PERT distribution of a low, most likely and high value: a beta on
    low..high with a = 1 + 4 (mode - low) / width, b = 1 + 4 (high - mode) / width (mean
    (low + 4 mode + high) / 6), the usual reading of an expert's three-point range. It
    keeps more weight near the mode than a triangular distribution."""

    dist: Literal["pert"]  # type: ignore[assignment]

    def shape(self) -> tuple[float, float]:
        width = self.high - self.low
        return 1 + 4 * (self.mode - self.low) / width, 1 + 4 * (self.high - self.mode) / width

    def mean(self) -> float:
        return (self.low + 4 * self.mode + self.high) / 6

    def frozen(self) -> Any:
        from scipy.stats import beta

        a, b = self.shape()
        return beta(a, b, loc=self.low, scale=self.high - self.low)

    def describe(self) -> str:
        return f"pert({self.low:g}, mode {self.mode:g}, {self.high:g})"


class Beta(_Dist):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True,
                              populate_by_name=True)

    dist: Literal["beta"]
    mean_: float | None = Field(None, alias="mean")
    sd: float | None = Field(None, gt=0)
    a: float | None = Field(None, gt=0)
    b: float | None = Field(None, gt=0)
    low: float = 0.0
    high: float = 1.0

    @model_validator(mode="after")
    def _shape(self) -> Beta:
        if not self.low < self.high:
            raise ValueError("low must be below high")
        by_moments = self.mean_ is not None and self.sd is not None
        if by_moments == (self.a is not None and self.b is not None) or (
                not by_moments and (self.mean_ is not None or self.sd is not None)):
            raise ValueError("give mean and sd, or a and b")
        if by_moments:
            m, s = self._unit()
            if not 0 < m < 1 or s * s >= m * (1 - m):
                raise ValueError("mean must lie inside [low, high] and sd^2 < "
                                 "(mean - low) (high - mean)")
        return self

    def _unit(self) -> tuple[float, float]:
        width = self.high - self.low
        assert self.mean_ is not None and self.sd is not None
        return (self.mean_ - self.low) / width, self.sd / width

    def shape(self) -> tuple[float, float]:
        if self.a is not None and self.b is not None:
            return self.a, self.b
        m, s = self._unit()
        k = m * (1 - m) / (s * s) - 1
        return m * k, (1 - m) * k

    def mean(self) -> float:
        a, b = self.shape()
        return self.low + (self.high - self.low) * a / (a + b)

    def frozen(self) -> Any:
        from scipy.stats import beta

        a, b = self.shape()
        return beta(a, b, loc=self.low, scale=self.high - self.low)

    def describe(self) -> str:
        a, b = self.shape()
        return f"beta(a {a:.3g}, b {b:.3g} on {self.low:g} to {self.high:g})"


class Lognormal(_Dist):
    dist: Literal["lognormal"]
    median: float = Field(gt=0)
    sigma: float = Field(gt=0, le=5)

    def mean(self) -> float:
        return self.median * math.exp(self.sigma**2 / 2)

    def frozen(self) -> Any:
        from scipy.stats import lognorm

        return lognorm(self.sigma, scale=self.median)

    def describe(self) -> str:
        return f"lognormal(median {self.median:g}, sigma {self.sigma:g})"


class Choice(_Dist):
    dist: Literal["choice"]
    values: list[float] = Field(min_length=1)
    weights: list[float] = Field(default_factory=list)

    @model_validator(mode="after")
    def _weights(self) -> Choice:
        if self.weights and (len(self.weights) != len(self.values)
                             or min(self.weights) < 0 or sum(self.weights) <= 0):
            raise ValueError("weights: one non-negative weight per value, not all zero")
        if len(set(self.values)) != len(self.values):
            raise ValueError("values must be distinct")
        return self

    def probabilities(self) -> np.ndarray:
        import numpy as np

        w = np.asarray(self.weights or [1.0] * len(self.values), dtype=np.float64)
        return np.asarray(w / w.sum(), dtype=np.float64)

    def mean(self) -> float:
        return float(sum(v * p for v, p in zip(self.values, self.probabilities(), strict=True)))

    def frozen(self) -> Any:
        raise NotImplementedError("a choice has no continuous distribution")

    def ppf(self, u: np.ndarray) -> np.ndarray:
        import numpy as np

        order = np.argsort(self.values)
        values = np.asarray(self.values, dtype=np.float64)[order]
        cumulative = np.cumsum(self.probabilities()[order])
        index = np.minimum(np.searchsorted(cumulative, u, side="right"), len(values) - 1)
        return np.asarray(values[index], dtype=np.float64)

    def support(self) -> tuple[float, float]:
        return float(min(self.values)), float(max(self.values))

    def describe(self) -> str:
        return "one of " + ", ".join(f"{v:g}" for v in self.values)


Distribution = Annotated[Uniform | Triangular | Pert | Beta | Lognormal | Choice,
                         Field(discriminator="dist")]
KINDS = ("uniform", "triangular", "beta", "lognormal", "choice")


class Uncertain(Section):
    """One parameter given as a distribution: its key path and the distribution."""

    key: str
    dist: Distribution
