"""What an actor of the truce declares: its random draws, its processes, the outcome
fields and daily series it reports, and the events it logs (DESIGN.md §5.14: a component
owns its processes and its results).

Every reported value is declared once (DESIGN.md §5.13): its name, unit, label, meaning
and how it is read from the final state. The outcome record, the CSV header and rows, the
daily series, the console table and the report's labels are all built from these
declarations (:mod:`trucesim.model.outcomes`), never from lists kept in step by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, Literal

import numpy as np

from trucesim.model.state import MISSING, TruceState

__all__ = ["MISSING", "Actor", "Outcome", "RangeError", "Series", "scaled"]
from trucesim.scenario.schema import Scenario

# verdict: how the truce ended (listed first); count: a number; milestone: the day
# something happened, or missing
Kind = Literal["category", "number", "milestone"]
SHARE, HUNDREDTHS, TENTHS = 10_000, 100, 10  # stored = round(value * scale)
LIMIT = float(1 << 53)  # stored values must stay within this to be counted exactly


class RangeError(ArithmeticError):
    """A value beyond the range stored exactly (|stored| < 2**53)."""


def scaled(value: np.ndarray | float, scale: int) -> np.ndarray:
    """Values in their stored unit (integers, so sums are exact), elementwise."""
    stored = np.floor(np.asarray(value, dtype=np.float64) * scale + 0.5)
    if not (np.abs(stored) < LIMIT).all():  # NaN too
        raise RangeError("a value is beyond the range counted exactly (2**53)")
    return stored.astype(np.int64)


@dataclass(frozen=True)
class Outcome:
    """One field of the outcome record of a replication."""

    name: str
    kind: Kind
    unit: str
    description: str
    read: Callable[[TruceState], np.ndarray]  # stored values, from the block's final state
    scale: int = 1  # stored value = round(value * scale)
    label: str = ""  # short label for tables; set for the headline outcomes
    categories: tuple[str, ...] = ()  # for a category: the names of its codes
    verdict: bool = False  # part of how the truce ended: listed before everything else

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled (sent between processes in an aggregate) without its reading function,
        which may be a closure: the copy describes the field but cannot read a state."""
        return (_described, (self.name, self.kind, self.unit, self.description, self.scale,
                             self.label, self.categories, self.verdict))

    @property
    def headline(self) -> bool:
        """Shown in the console table, at the top of summary.md and in comparisons."""
        return bool(self.label)

    def decode(self, stored: int) -> float | int | str | None:
        if self.kind == "category":
            return self.categories[stored]
        if self.kind == "milestone":
            return None if stored == MISSING else stored
        return stored if self.scale == 1 else stored / self.scale

    def cells(self, stored: np.ndarray) -> tuple[str, list[list[Any]]]:
        """How a column of stored values is written in replications.csv: a %-format for
        one cell and the columns of values it takes (whole numbers as they are; a number
        in hundredths, say, as its sign, whole part and remainder, which gives the exact
        decimal text of the stored integer)."""
        if self.kind == "category":
            return "%s", [_looked_up(self.categories, stored)]
        if self.kind == "milestone":  # a day, or empty if not reached (MISSING, -1)
            days = ["", *map(str, range(int(stored.max(initial=0)) + 1))]
            return "%s", [_looked_up(days, stored - MISSING)]
        if self.scale == 1:
            return "%d", [stored.tolist()]
        digits = len(str(self.scale)) - 1
        magnitude = np.abs(stored)
        return f"%s%d.%0{digits}d", [np.where(stored < 0, "-", "").tolist(),
                                     (magnitude // self.scale).tolist(),
                                     (magnitude % self.scale).tolist()]

    def parse(self, text: str) -> int:
        """A cell of replications.csv back to its stored value (ValueError if malformed)."""
        if self.kind == "category":
            return self.categories.index(text)
        if self.kind == "milestone" and text == "":
            return MISSING
        if self.scale == 1:
            return int(text)
        return round(float(text) * self.scale)


def _looked_up(table: Sequence[str], index: np.ndarray) -> list[str]:
    """table[i] for each i of `index` (at C speed: itemgetter of many keys gives a tuple)."""
    if len(index) == 1:
        return [table[int(index[0])]]
    return list(itemgetter(*index.tolist())(table)) if len(index) else []


def _unreadable(st: TruceState) -> np.ndarray:
    raise RuntimeError("this outcome was copied from another process and reads no state")


def _described(name: str, kind: Kind, unit: str, description: str, scale: int, label: str,
               categories: tuple[str, ...], verdict: bool) -> Outcome:
    return Outcome(name, kind, unit, description, _unreadable, scale, label, categories,
                   verdict)


@dataclass(frozen=True)
class Series:
    """One daily series: a state attribute recorded at the end of every day."""

    name: str
    unit: str
    attribute: str  # of TruceState (or a dotted path), read by the recorder
    scale: int = 1  # stored = round(value * scale) in the aggregates
    band: int = 0  # > 0: keep 5-95% bands, with histogram bins this wide (stored units)


Draw = Callable[[Scenario, np.random.Generator, int], Any]


def _none(s: Scenario) -> tuple[Outcome, ...]:
    return ()


@dataclass(frozen=True)
class Actor:
    """One actor or activity of the truce, as the registry (:mod:`.actors`) lists it.

    `start(st)` sets up the actor's part of the state of a block of replications and
    starts its processes; `draw` gives, for a draw block of `n` replications, their
    random numbers from the actor's own named stream (`stream`): arrays whose first axis
    is the replication (or a dataclass of them), which reach it as ``st.draws[name]``.
    """

    name: str
    start: Callable[[TruceState], None]
    stream: str = ""
    draw: Draw | None = None
    outcomes: Callable[[Scenario], tuple[Outcome, ...]] = _none
    series: tuple[Series, ...] = ()
    events: tuple[type, ...] = ()
