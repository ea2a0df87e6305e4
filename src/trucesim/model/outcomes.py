"""The outcome registry: the outcome record and daily series of a replication, assembled
from what each actor declares (:class:`~trucesim.model.declare.Outcome`,
:class:`~trucesim.model.declare.Series`).

The record lists how the truce ended first, then every count, then every milestone, each
group in registry order (:data:`trucesim.model.actors.ACTORS`). Every outcome is stored
as an integer in a fixed unit (a share as basis points, an amount in hundredths): sums
and histograms of integers are exact, so summaries do not depend on how replications
were split into chunks or ordered, and equal seeds give byte-identical files. A
milestone that never happened is stored as -1 and written empty.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import attrgetter

import numpy as np

from trucesim.model import actors
from trucesim.model.declare import MISSING, Actor, Outcome, Series
from trucesim.model.state import TruceState
from trucesim.scenario.schema import Scenario

__all__ = ["MISSING", "Outcome", "Series", "by_name", "category", "csv_header", "csv_rows",
           "fields", "row", "series"]


def fields(s: Scenario) -> tuple[Outcome, ...]:
    """The outcome record's fields for this scenario, in file order."""
    declared = [o for actor in actors.ACTORS for o in actor.outcomes(s)]
    verdict = [o for o in declared if o.verdict]
    counts = [o for o in declared if not o.verdict and o.kind != "milestone"]
    milestones = [o for o in declared if not o.verdict and o.kind == "milestone"]
    return (*verdict, *counts, *milestones)


def by_name(s: Scenario) -> dict[str, Outcome]:
    return {o.name: o for o in fields(s)}


def category(fields_: Sequence[Outcome]) -> tuple[int, Outcome]:
    """The record's category field (how the truce ended) and its position."""
    return next((k, f) for k, f in enumerate(fields_) if f.kind == "category")


def series() -> tuple[Series, ...]:
    """The daily series, in registry order."""
    return _for_registry()[0]


def snapshot() -> attrgetter[tuple[float, ...]]:
    """Reads every daily series from a state at once (the recorder's nightly snapshot)."""
    return _for_registry()[1]


_CACHE: list[tuple[tuple[Actor, ...], tuple[Series, ...], attrgetter[tuple[float, ...]]]] = []


def _for_registry() -> tuple[tuple[Series, ...], attrgetter[tuple[float, ...]]]:
    """The series and snapshot of the current registry, remembered by identity (this is
    asked once per replication; the registry changes only in tests)."""
    registry = actors.ACTORS
    if not _CACHE or _CACHE[0][0] is not registry:
        found = tuple(x for actor in registry for x in actor.series)
        _CACHE[:] = [(registry, found, attrgetter(*(x.attribute for x in found)))]
    return _CACHE[0][1], _CACHE[0][2]


def row(fields_: Sequence[Outcome], st: TruceState) -> list[int]:
    """The stored (integer) outcome record of a finished replication, in field order."""
    return [f.read(st) for f in fields_]


def reader(fields_: Sequence[Outcome]) -> Callable[[TruceState], list[int]]:
    """row() for many replications: the fields' reading functions looked up once."""
    reads = [f.read for f in fields_]
    return lambda st: [read(st) for read in reads]


def csv_header(fields_: Sequence[Outcome]) -> str:
    return ",".join(["replication", *(f.name for f in fields_)]) + "\n"


def csv_rows(fields_: Sequence[Outcome], start: int, values: np.ndarray) -> str:
    """replications.csv rows for stored records `values` (n, fields) from index `start`."""
    if not len(values):
        return ""
    columns = [list(map(str, range(start, start + len(values))))]
    columns += [f.column(col) for f, col in zip(fields_, values.T.tolist(), strict=True)]
    return "\n".join(map(",".join, zip(*columns, strict=True))) + "\n"
