"""The outcome registry: the outcome record and daily series of a block of replications,
assembled from what each actor of a registry declares
(:class:`~trucesim.model.declare.Outcome`, :class:`~trucesim.model.declare.Series`).

The record lists how the truce ended first, then every count, then every milestone, each
group in registry order. Every outcome is stored as an integer in a fixed unit (a share
as basis points, an amount in hundredths): sums and histograms of integers are exact, so
summaries do not depend on how replications were split into chunks or ordered, and equal
seeds give byte-identical files. A milestone that never happened is stored as -1 and
written empty.

The functions take the registry (a sequence of actors) as an argument; the registry the
model runs, and the record of its actors, are in :mod:`trucesim.model.record`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from trucesim.model.declare import MISSING, Actor, Outcome, Series
from trucesim.model.state import TruceState
from trucesim.scenario.schema import Scenario

__all__ = ["MISSING", "Outcome", "Series", "category", "csv_header", "csv_rows",
           "fields_of", "read", "series_of"]


def fields_of(s: Scenario, registry: Sequence[Actor]) -> tuple[Outcome, ...]:
    """The outcome record's fields for this scenario, in file order."""
    declared = [o for actor in registry for o in actor.outcomes(s)]
    verdict = [o for o in declared if o.verdict]
    counts = [o for o in declared if not o.verdict and o.kind != "milestone"]
    milestones = [o for o in declared if not o.verdict and o.kind == "milestone"]
    return (*verdict, *counts, *milestones)


def series_of(registry: Sequence[Actor]) -> tuple[Series, ...]:
    """The daily series, in registry order."""
    return tuple(x for actor in registry for x in actor.series)


def category(fields_: Sequence[Outcome]) -> tuple[int, Outcome]:
    """The record's category field (how the truce ended) and its position."""
    return next((k, f) for k, f in enumerate(fields_) if f.kind == "category")


def read(fields_: Sequence[Outcome], st: TruceState) -> np.ndarray:
    """The stored (integer) outcome records of a finished block: (replication, field)."""
    out = np.empty((st.n, len(fields_)), dtype=np.int64)
    for k, f in enumerate(fields_):
        out[:, k] = f.read(st)
    return out


def csv_header(fields_: Sequence[Outcome]) -> str:
    return ",".join(["replication", *(f.name for f in fields_)]) + "\n"


def csv_rows(fields_: Sequence[Outcome], start: int, values: np.ndarray) -> str:
    """replications.csv rows for stored records `values` (n, fields) from index `start`."""
    if not len(values):
        return ""
    forms, columns = ["%d"], [list(range(start, start + len(values)))]
    for k, f in enumerate(fields_):
        form, cells = f.cells(values[:, k])
        forms.append(form)
        columns += cells
    row = ",".join(forms)
    return "\n".join([row % cells for cells in zip(*columns, strict=True)]) + "\n"
