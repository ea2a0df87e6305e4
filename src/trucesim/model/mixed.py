"""A block of several parameter sets: their scenarios as one, in which each parameter that
differs between the sets is an array over the block's replications (DESIGN.md, "The
batched engine").

The actors compute with a parameter as they compute with a quantity of the state, so an
array of values, one per replication, works wherever one number does; where an actor
derives something from a parameter in Python floats (``math.exp``, a power) it does so
once per distinct value (:func:`trucesim.model.sampling.each`), so that a replication
gets the same bits in a mixed block as in a block of its own set.

Some keys shape the run itself rather than a rate or a chance: the window, the agreed
phase, the day the talks start, the days an extension buys, the days the bodies come
after the prisoners (0 or not: one tranche or two), the aid agreed and the crossings'
capacity (the shares of aid are counted against them). Sets that differ in
one of them, or in anything that is not a number (a list of handovers, a label), cannot
share a block: :func:`stacked` raises :class:`Unmixable` and the caller runs them apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from pydantic import BaseModel

from trucesim.scenario.schema import Scenario

SEPARATE = frozenset({
    "truce.window_days", "truce.phase_days", "negotiations.start_day",
    "extensions.days_each", "exchange.bodies_delay_days", "aid.trucks_per_day_agreed",
    "aid.crossing_capacity_trucks_per_day",
    "flare_ups.chance_per_day",  # 0 or not decides whether flare-ups are recorded
})


class Unmixable(ValueError):
    """Parameter sets that cannot share a block (the message names the key)."""


def stacked(sets: Sequence[Scenario], sizes: Sequence[int]) -> Scenario:
    """One scenario for a block holding `sizes[k]` replications of `sets[k]`, in order:
    each number that differs between the sets an array over the block."""
    if len(sets) != len(sizes) or not sets:
        raise ValueError("one size per set")
    if len(sets) == 1:
        return sets[0]
    out = _stack(list(sets), np.asarray(sizes), "")
    assert isinstance(out, Scenario)
    return out


def _stack(values: list[Any], sizes: np.ndarray, key: str) -> Any:
    first = values[0]
    if isinstance(first, BaseModel):
        fields = {name: _stack([getattr(v, name) for v in values], sizes,
                               f"{key}.{name}" if key else name)
                  for name in type(first).model_fields}
        return type(first).model_construct(**fields)
    if all(v == first for v in values[1:]):
        return first
    if key in SEPARATE:
        raise Unmixable(f"{key} differs between the sets: it shapes the run")
    if isinstance(first, bool) or not all(isinstance(v, int | float) for v in values):
        raise Unmixable(f"{key} differs between the sets and is not a number")
    kind = np.int64 if all(isinstance(v, int) for v in values) else np.float64
    return np.repeat(np.asarray(values, dtype=kind), sizes)
