"""Samplers the actors share, for a block of replications at once: a Poisson count and a
geometric delay, each from one uniform drawn in advance.

Drawing by inversion from a uniform drawn in advance keeps every process's random
numbers in a fixed shape (:mod:`.streams`), so two scenarios compared with the same seed
meet the same luck day by day, however their counts differ.

The arithmetic is that of the one-replication samplers this engine replaced, operation
for operation, so a count is the same whatever the block. One difference cannot be
avoided: numpy's ``exp``, ``log`` and ``power`` may differ from the C library's in the
last bit (on this project's machines, for about one input in twenty). A count or a day
changes only if its uniform falls within that last bit of a boundary, a chance of about
one in 10**16 per draw; docs/performance.md says how the engine was checked against the
one it replaced.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from statistics import NormalDist

import numpy as np

_NORMAL = NormalDist()
MIN_HANDOVERS = 8  # per-handover draws are padded to this many, so schedules share numbers
_NORMAL_ABOVE = 30.0  # a Poisson mean above this uses the normal approximation
_MAX_COUNT = 200  # the inversion stops here (a mean this high takes the approximation)
_FEW = 48  # counts still climbing below which the inversion goes on one at a time
_FIRST = 3  # steps of the inversion taken for every count at once


Number = float | np.ndarray  # a parameter: one value, or one per replication of a block


def each(fn: Callable[[float], float], x: Number) -> Number:
    """`fn` of a parameter that is one number, or an array over a block holding several
    parameter sets: computed once per distinct value in Python floats, so that each
    replication gets the bits a block of its own set gives it."""
    if isinstance(x, np.ndarray):
        values, where = np.unique(x, return_inverse=True)
        return np.asarray([fn(float(v)) for v in values.tolist()])[where]
    return fn(x)


def of(x: Number, which: np.ndarray) -> Number:
    """A parameter for the replications `which` selects (a mask or indices)."""
    return x[which] if isinstance(x, np.ndarray) else x


def powers(base: Number, k: np.ndarray) -> np.ndarray:
    """base ** k for whole k >= 0, as Python computes it (the C library's pow); `base` is
    one number or one per replication."""
    if not isinstance(base, np.ndarray):
        top = int(k.max(initial=0))
        return np.asarray(_power_table(float(base), 1 << top.bit_length())[k])
    bases, which_base = np.unique(base, return_inverse=True)
    ks, which_k = np.unique(k, return_inverse=True)
    pairs, where = np.unique(which_base * ks.size + which_k, return_inverse=True)
    b, x = bases.tolist(), ks.tolist()
    return np.asarray([b[p // ks.size] ** x[p % ks.size] for p in pairs.tolist()])[where]


@functools.lru_cache(maxsize=64)
def _power_table(base: float, size: int) -> np.ndarray:
    """base ** x for x = 0..size-1, each by Python's pow (a day's counts index it)."""
    table = np.array([base ** x for x in range(size)])
    table.flags.writeable = False
    return table


def poisson(mean: np.ndarray, u: np.ndarray, p0: np.ndarray | None = None,
            where: np.ndarray | None = None) -> np.ndarray:
    """Poisson(mean) counts at cumulative probabilities u (inversion, one uniform each), of
    one-dimensional arrays; 0 where `where` (if given) does not hold.

    `p0`, if given, is exp(-mean), already computed by the caller. Every count still
    climbing takes the same step k at once (p_k = p_(k-1) * (mean / k), added to the
    cumulative probability). The first :data:`_FIRST` steps run for all at once, keeping
    each step's cumulative probability, since most counts end within them; then the
    loop runs on the shrinking set of those whose uniform lies beyond; the last few
    finish one at a time, by the same arithmetic.
    """
    mean = np.asarray(mean, dtype=np.float64)
    count = np.zeros(mean.shape, dtype=np.int64)
    counted = (mean > 0.0) if where is None else where & (mean > 0.0)
    small = np.flatnonzero(counted & (mean <= _NORMAL_ABOVE))
    if small.size:
        m, v = mean[small], u[small]
        p = np.exp(-m) if p0 is None else p0[small]
        cumulative = np.empty((_FIRST + 1, small.size))  # row k: P(count <= k)
        cumulative[0] = p
        for k in range(1, _FIRST + 1):
            p = p * (m / k)
            cumulative[k] = cumulative[k - 1] + p
        steps = (v > cumulative).sum(axis=0)  # the first k at which v <= P(count <= k)
        count[small] = steps
        on = np.flatnonzero(steps > _FIRST)
        # those still climbing, one row each of: where, mean, uniform, p_k, P(<= k)
        # (where is exact as a float), so that dropping those done is one step
        rows = np.stack((small[on].astype(np.float64), m[on], v[on], p[on],
                         cumulative[_FIRST, on]))
        k = _FIRST
        while rows.shape[1] > _FEW and k < _MAX_COUNT:
            k += 1
            rows[3] *= rows[1] / k
            rows[4] += rows[3]
            climbing = rows[2] > rows[4]
            if not climbing.all():
                count[rows[0, ~climbing].astype(np.int64)] = k
                rows = rows[:, climbing]
        for i, mi, vi, pi, ci in zip(*rows.tolist(), strict=True):
            count[int(i)] = _climb(mi, vi, pi, ci, k)
    # rare: a mean far from a day's rates
    for i in np.flatnonzero(counted & (mean > _NORMAL_ABOVE)).tolist():
        count.flat[i] = _normal_count(float(mean.flat[i]), float(u.flat[i]))
    return count


def _climb(mean: float, u: float, p: float, cumulative: float, k: int) -> int:
    """The rest of one inversion from step k, in Python floats (the same IEEE arithmetic
    as the vector steps)."""
    while u > cumulative and k < _MAX_COUNT:
        k += 1
        p *= mean / k
        cumulative += p
    return k


def _normal_count(mean: float, u: float) -> int:
    """A Poisson count of a large mean, by the normal approximation (a count or two off)."""
    z = _NORMAL.inv_cdf(min(max(u, 1e-12), 1 - 1e-12))
    return max(0, int(mean + math.sqrt(mean) * z + 0.5))


def geometric_days(mean: float | np.ndarray, u: np.ndarray) -> np.ndarray:
    """Delays of at least one day with the given mean (geometric, by inversion)."""
    mean = np.broadcast_to(np.asarray(mean, dtype=np.float64), np.shape(u))
    out = np.ones(np.shape(u), dtype=np.int64)
    long = mean > 1.0
    if long.any():
        ratio = np.log(1.0 - u[long]) / np.log(1.0 - 1.0 / mean[long])
        out[long] = 1 + ratio.astype(np.int64)
    return out
