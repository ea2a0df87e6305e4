"""Handovers spread over several days: a total agreed over days ``day`` to ``through_day``
without a split between them ("50 over the first four days"; Release.through_day).

Each person of such a handover is equally likely to come out on any of its days, so
the split is multinomial, drawn per replication. A spread handover is one handover of
the schedule (:mod:`.handovers`): its first part falls due on its day (and can slip,
wait out a crisis or a condition as any handover can), and each later part the day
after the one before it, until the last, which releases what is left. Only the first
part can be disputed. If a condition changes what the handover releases, the drawn
shares apply to the new total. The handover is done, and on time if that was by
``through_day``, when its last part is out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trucesim.model.state import Mask, TruceState
from trucesim.scenario.schema import Scenario


@dataclass(frozen=True, slots=True)
class Split:
    """A spread handover's draw: how many of the scheduled living and bodies are out by
    the end of each of its days, (replication, day of the spread)."""

    living: np.ndarray
    bodies: np.ndarray


def draw(s: Scenario, g: np.random.Generator, n: int) -> tuple[Split | None, ...]:
    """Each handover's split over its days (None for a one-day handover). Drawn after
    the stream's other numbers, and only for a scenario that spreads a handover, so the
    numbers of every other scenario are unchanged."""
    out: list[Split | None] = []
    for r in s.releases:
        if r.days == 1:
            out.append(None)
            continue
        even = np.full(r.days, 1.0 / r.days)
        out.append(Split(g.multinomial(r.living, even, size=n).cumsum(axis=1),
                         g.multinomial(r.bodies, even, size=n).cumsum(axis=1)))
    return tuple(out)


@dataclass(slots=True)
class Parts:
    """Where the spread handovers stand, (handover, replication): the part due next,
    and what they have released so far."""

    next: np.ndarray
    living: np.ndarray
    bodies: np.ndarray


def start(s: Scenario, n: int) -> Parts | None:
    if all(r.days == 1 for r in s.releases):
        return None
    shape = (len(s.releases), n)
    return Parts(*(np.zeros(shape, dtype=np.int64) for _ in range(3)))


@dataclass(frozen=True, slots=True)
class Part:
    """Today's part of spread handover j, over the block."""

    living: np.ndarray
    bodies: np.ndarray
    first: Mask  # it is the handover's first part
    last: Mask  # and its last: the handover is then done
    due: np.ndarray  # the day this part was due (its day, then one more day for each)


def today(st: TruceState, j: int, mask: Mask, split: Split, totals: tuple[np.ndarray,
          np.ndarray]) -> Part:
    """The part of handover j that comes out today where `mask` holds, out of `totals`
    (what the handover releases in all: living, bodies), no more than is still held."""
    parts: Parts = st.parts.handovers.parts
    r = st.scenario.releases[j]
    k = np.minimum(parts.next[j], r.days - 1)  # (where `mask` does not hold: any part)
    last = k == r.days - 1
    out = []
    for drawn, scheduled, total, so_far, held in (
            (split.living, r.living, totals[0], parts.living[j], st.living_held),
            (split.bodies, r.bodies, totals[1], parts.bodies[j], st.bodies_held)):
        by_now = np.take_along_axis(drawn, k[:, None], axis=1)[:, 0]
        if scheduled:  # the drawn shares of the total (exact when it is the schedule's)
            by_now = (by_now * total + scheduled // 2) // scheduled
        else:  # nothing scheduled (a condition added some): all with the last part
            by_now = np.where(last, total, 0)
        part = np.minimum(np.maximum(by_now - so_far, 0), held)
        so_far[mask] += part[mask]
        out.append(part)
    parts.next[j, mask] += 1
    return Part(out[0], out[1], k == 0, last, r.day + k)
