"""Experimental designs over a scenario's assumptions: which values each sweep point uses.

A *factor* is one scenario key varied over a range (``--vary mediation.response_delay_days
=0:6``). A design is a list of points, each giving every factor a value:

- ``grid``: N evenly spaced levels per factor, every combination (N^k points);
- ``lhs``: N points of a Latin hypercube (scipy.stats.qmc): each factor's range cut into
  N slices, each slice used once;
- ``sobol``: Saltelli's scheme for Sobol' indices (SALib), N * (k + 2) points, N a power
  of 2;
- ``morris``: N Morris trajectories on 4 levels (SALib), N * (k + 1) points, each
  trajectory moving one factor at a time.

Integer keys get rounded values; other values keep six significant digits, so a point
is written, read back and re-applied exactly. Each point becomes a scenario through
`--set`-style overrides, so the usual validation applies to it.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from trucesim.scenario.toml import format_path, parse_path

Method = Literal["grid", "lhs", "sobol", "morris"]
METHODS: tuple[Method, ...] = ("grid", "lhs", "sobol", "morris")
MORRIS_LEVELS = 4
DEFAULT_SAMPLES = {"grid": 3, "lhs": 50, "sobol": 16, "morris": 10}
MAX_POINTS = 100_000  # design points of one sweep (each runs -n replications)


class DesignError(ValueError):
    """A --vary or --samples that cannot make a design; the message is one line."""


@dataclass(frozen=True)
class Factor:
    """One varied key and its range."""

    key: str
    low: float
    high: float
    integer: bool

    def apply(self, x: float) -> int | float:
        """The value the scenario gets for nominal value x."""
        return math.floor(x + 0.5) if self.integer else float(f"{x:.6g}")


def parse_vary(text: str, resolved: dict[str, Any]) -> Factor:
    """'KEY=LOW:HIGH' -> Factor, checked against the scenario's resolved values."""
    key, sep, bounds = text.partition("=")
    low_text, colon, high_text = bounds.partition(":")
    if not sep or not colon:
        raise DesignError(f"--vary {text}: expected KEY=LOW:HIGH, e.g. "
                          "mediation.response_delay_days=0:6")
    try:
        path = parse_path(key)
        low, high = float(low_text), float(high_text)
    except ValueError:
        raise DesignError(f"--vary {text}: expected KEY=LOW:HIGH with numbers") from None
    if not (math.isfinite(low) and math.isfinite(high)) or low >= high:
        raise DesignError(f"--vary {text}: LOW must be below HIGH")
    value: Any = resolved
    for part in path:
        ok = (isinstance(value, dict) and part in value) or (
            isinstance(value, list) and isinstance(part, int) and part < len(value))
        if not ok:
            raise DesignError(f"--vary {text}: the scenario has no key {format_path(path)}")
        value = value[part]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DesignError(f"--vary {text}: {format_path(path)} is not a number "
                          f"(it is {value!r})")
    return Factor(format_path(path), low, high, isinstance(value, int))


@dataclass(frozen=True)
class Design:
    """The points of a sweep: nominal values (points, factors) in the factors' units."""

    method: Method
    samples: int
    seed: int
    factors: tuple[Factor, ...]
    nominal: np.ndarray

    def __len__(self) -> int:
        return int(self.nominal.shape[0])

    def values(self, i: int) -> list[int | float]:
        return [f.apply(float(x)) for f, x in zip(self.factors, self.nominal[i], strict=True)]

    def cells(self, i: int) -> list[str]:
        """Point i's applied values as written in points.csv and in --set overrides."""
        return [repr(v) for v in self.values(i)]

    def overrides(self, i: int) -> list[str]:
        return [f"{f.key}={v}" for f, v in zip(self.factors, self.cells(i), strict=True)]

    def applied(self) -> np.ndarray:
        return np.array([self.values(i) for i in range(len(self))], dtype=np.float64)

    def digest(self) -> str:
        hashed = hashlib.sha256()
        for i in range(len(self)):
            hashed.update(("\n" if i else "").encode() + ",".join(self.cells(i)).encode())
        return hashed.hexdigest()


def problem(factors: Sequence[Factor]) -> dict[str, Any]:
    """The SALib problem definition."""
    return {"num_vars": len(factors), "names": [f.key for f in factors],
            "bounds": [[f.low, f.high] for f in factors]}


def build(method: Method, factors: Sequence[Factor], samples: int, seed: int) -> Design:
    """The design's points for `samples` (levels, points, base samples or trajectories)."""
    if not factors:
        raise DesignError("give at least one --vary KEY=LOW:HIGH")
    k = len(factors)
    points = {"grid": math.prod(_grid_size(f, samples) for f in factors), "lhs": samples,
              "sobol": samples * (k + 2), "morris": samples * (k + 1)}[method]
    if samples > 1 and points > MAX_POINTS:  # smaller --samples are refused below
        raise DesignError(f"--samples {samples:,} with {k} --vary key{'s' * (k > 1)} makes "
                          f"{points:,} design points for {method}; a sweep has at most "
                          f"{MAX_POINTS:,} (each runs -n replications)")
    if method == "grid":
        if samples < 2:
            raise DesignError("--samples for grid is the number of levels per key (>= 2)")
        levels = [_grid_levels(f, samples) for f in factors]
        nominal = np.array(list(itertools.product(*levels)), dtype=np.float64)
    elif method == "lhs":
        if samples < 2:
            raise DesignError("--samples for lhs is the number of points (>= 2)")
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=k, rng=np.random.default_rng(seed)).random(samples)
        nominal = qmc.scale(unit, [f.low for f in factors], [f.high for f in factors])
    else:
        nominal = _salib(method, factors, samples, seed)
    return Design(method, samples, seed, tuple(factors), np.asarray(nominal, np.float64))


def _integers(f: Factor) -> int:
    """How many integer values an integer factor's range rounds to."""
    return int(f.apply(f.high)) - int(f.apply(f.low)) + 1


def _grid_size(f: Factor, samples: int) -> int:
    """The number of levels of a factor in a grid (at most; rounding may merge some)."""
    return min(samples, _integers(f)) if f.integer else samples


def _grid_levels(f: Factor, samples: int) -> np.ndarray:
    """A factor's distinct levels: `samples` evenly spaced values, rounded as applied
    (for an integer factor with at least as many samples as integers: every integer)."""
    if f.integer and samples >= _integers(f):
        return np.arange(int(f.apply(f.low)), int(f.apply(f.high)) + 1)
    return np.unique([f.apply(x) for x in np.linspace(f.low, f.high, samples)])


def _salib(method: Method, factors: Sequence[Factor], samples: int, seed: int) -> np.ndarray:
    try:
        from SALib.sample import morris, sobol
    except ImportError:
        raise DesignError(f"--method {method} needs SALib: pip install "
                          "'trucesim[sensitivity]'") from None
    if method == "sobol":
        if samples < 2 or samples & (samples - 1):
            raise DesignError(f"--samples for sobol must be a power of 2 (got {samples})")
        return np.asarray(sobol.sample(problem(factors), samples, calc_second_order=False,
                                       seed=seed))
    if samples < 2:
        raise DesignError("--samples for morris is the number of trajectories (>= 2)")
    return np.asarray(morris.sample(problem(factors), samples, num_levels=MORRIS_LEVELS,
                                    seed=seed))
