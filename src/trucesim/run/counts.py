"""Exact counts of integers in numbered groups (an outcome's values, a day's values of a
daily series), and exact sums, for the streaming aggregates of :mod:`.stats`."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

_SHIFT = 54  # a (group, value) pair is counted under the key group << 54 | value + 2**53
_OFFSET = 1 << (_SHIFT - 1)
MAX_GROUPS = 1 << (63 - _SHIFT)  # groups 0..511: fields of the record, or days
LIMIT = _OFFSET  # stored values must lie within +-2**53 (checked: ModelRangeError)


class ModelRangeError(ArithmeticError):
    """An outcome outside the range the aggregates count exactly (+-2**53)."""


def exact_sum(values: np.ndarray, axis: int = 0, largest: int | None = None) -> np.ndarray:
    """Sum of integers along `axis`, exact: int64 when it cannot overflow, else Python ints.
    `largest`, if the caller knows it, is the largest magnitude among the values."""
    if not values.size:
        return np.asarray(values.sum(axis=axis, dtype=np.int64))
    if (largest_magnitude(values) if largest is None else largest) * values.shape[axis] < 1 << 62:
        return np.asarray(values.sum(axis=axis, dtype=np.int64))
    return np.asarray(values.astype(object).sum(axis=axis))


def largest_magnitude(values: np.ndarray) -> int:
    """The largest magnitude among integers (without an array of magnitudes)."""
    return max(int(values.max()), -int(values.min()))


def exact_add(total: np.ndarray, part: np.ndarray) -> np.ndarray:
    """total + part, exact: moves to Python ints once int64 could overflow."""
    if total.dtype != object and part.dtype != object and max(
            int(np.abs(total).max(initial=0)), int(np.abs(part).max(initial=0))) < 1 << 61:
        return np.asarray(total + part)
    return np.asarray(total.astype(object) + part.astype(object))


@dataclass
class Counts:
    """Exact counts of integer values in numbered groups (one group per field or day).

    Kept as two arrays, the sorted distinct keys (group << 54 | value + 2**53) and their
    counts, so that adding a chunk and merging two aggregates are a few numpy calls.
    """

    keys: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    counts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def add(self, groups: np.ndarray, values: np.ndarray) -> None:
        """Count (group, value) pairs, by sorting their keys (:meth:`add_rows` counts a
        table of narrow rows faster)."""
        if values.size and largest_magnitude(values) >= LIMIT:
            raise ModelRangeError(f"a value of {largest_magnitude(values):,} is beyond the "
                                  "range counted exactly (2**53)")
        groups, values = groups.astype(np.int64).ravel(), values.astype(np.int64).ravel()
        uniq, cnt = np.unique((groups << _SHIFT) + (values + _OFFSET), return_counts=True)
        self._absorb(uniq, cnt.astype(np.int64))

    def add_rows(self, table: np.ndarray, skip: tuple[np.ndarray, int] | None = None) -> None:
        """Count the values of a table whose row g holds values of group g: what
        :meth:`add` counts for them, except that in the rows `skip[0]` selects the value
        `skip[1]` is not counted (a milestone not reached).

        A row whose values span a narrow range is counted by one bincount over the narrow
        rows' ranges laid end to end (each row's range taken along the row: a contiguous
        table is fastest); a wide row (an outcome in hundredths over a wide range) by
        sorting its values, which costs less than a bincount over its range."""
        if not table.size:
            return
        lo, hi = table.min(axis=1), table.max(axis=1)
        worst = max(int(hi.max()), -int(lo.min()))
        if worst >= LIMIT:
            raise ModelRangeError(f"a value of {worst:,} is beyond the range counted exactly "
                                  "(2**53)")
        skipped, value = (np.zeros(len(table), dtype=bool), 0) if skip is None else skip
        span = hi - lo + 1
        narrow = span <= 8 * table.shape[1] + 256
        for wide in np.flatnonzero(~narrow).tolist():  # the wide rows, by sorting
            row = table[wide][table[wide] != value] if skipped[wide] else table[wide]
            self.add(np.full(row.shape, wide), row)
        rows = np.flatnonzero(narrow)
        if not rows.size:
            return
        if rows.size < len(table):
            table, lo, span, skipped = table[rows], lo[rows], span[rows], skipped[rows]
        start = np.cumsum(span) - span
        counts = np.bincount((start[:, None] + (table - lo[:, None])).ravel(),
                             minlength=int(span.sum()))
        if skip is not None:
            uncounted = skipped & (lo <= value) & (value < lo + span)
            counts[start[uncounted] + (value - lo[uncounted])] = 0
        at = np.flatnonzero(counts)
        g = np.searchsorted(start + span, at, side="right")
        self._absorb((rows[g].astype(np.int64) << _SHIFT) + (at - start[g] + lo[g] + _OFFSET),
                     counts[at].astype(np.int64))

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
