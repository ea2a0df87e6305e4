"""What every handover does, whatever brought it about (the schedule, a body recovered,
an extension): count who is released, tell it, and set the matching exchange tranche in
motion (:mod:`.exchange`). The actors that hand over call :func:`hand_over`; the deal's
running counts (what it has made due, and what of the schedule was released) are the
handovers' (:class:`.handovers.Ledger`, ``st.parts.handovers``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from trucesim import fmt
from trucesim.model.actors import exchange
from trucesim.model.events import Line, Narration
from trucesim.model.state import COLLAPSED, Mask, TruceState, add


# events of the schedule's handovers (:mod:`.handovers`) ------------------------------
@dataclass(frozen=True, slots=True)
class Slipped:
    day: int
    label: str
    delay: int

    def lines(self, n: Narration) -> list[Line]:
        return [("release", f"{fmt.capital(fmt.handover(self.label))} is late: it slips by "
                 f"{fmt.count(self.delay, 'day')} (tension "
                 f"+{n.scenario.tension.per_slipped_handover:g}).")]


@dataclass(frozen=True, slots=True)
class Paused:
    day: int
    label: str

    def lines(self, n: Narration) -> list[Line]:
        return [("crisis", f"{fmt.capital(fmt.handover(self.label))} waits while the crisis "
                 "lasts.")]


@dataclass(frozen=True, slots=True)
class OutsideDeal:
    day: int
    label: str
    living: int

    def lines(self, n: Narration) -> list[Line]:
        return [("release", f"With {fmt.handover(self.label)}, "
                 f"{fmt.count(self.living, 'living hostage')} "
                 "released outside the agreement: no one is freed in exchange for them.")]


@dataclass(frozen=True, slots=True)
class HandedOver:
    day: int
    label: str
    living: int
    bodies: int
    late: int  # days after it was due
    slipped: int  # days it slipped (0 if it did not)
    waited: bool  # it waited for a crisis to end
    disputed: bool
    kind: str  # scheduled, recovered (bodies as recovered) or extension (bought by one)
    living_held: int  # still held afterwards
    bodies_held: int
    held: str = ""  # a condition that held it back

    @property
    def as_recovered(self) -> bool:
        return self.kind == "recovered"

    def lines(self, n: Narration) -> list[Line]:
        if self.late == 0:
            timing = "on time"
        else:
            reasons = []
            if self.slipped:
                reasons.append(f"it slipped {fmt.count(self.slipped, 'day')}")
            if self.waited:
                reasons.append("it waited for the crisis to end")
            if self.held:
                reasons.append(f"it waited for the condition '{self.held}'")
            why = f" ({' and '.join(reasons)})" if reasons else ""
            timing = f"{fmt.count(self.late, 'day')} late{why}"
        who = fmt.people(self.living, self.bodies)
        still = (f"Still held in {n.scenario.names.territory}: "
                 f"{fmt.people(self.living_held, self.bodies_held)}.")
        if self.kind == "recovered":  # no schedule to meet
            when = "" if self.late == 0 else f", {timing}"
            text = f"As they are recovered: {who} handed over{when}. {still}"
        elif self.kind == "extension":
            text = f"Under the extension, {who} handed over. {still}"
        elif not self.living and not self.bodies:
            text = (f"{fmt.capital(fmt.handover(self.label))} is due, with no one to hand "
                    "over (no one it names is still held).")
        else:
            text = f"{fmt.capital(fmt.handover(self.label))}: {who} handed over, {timing}. {still}"
        out = [("release", text)]
        if self.disputed:
            out.append(("crisis", "The handover is disputed (in the model: over identities, "
                        f"ceremonies or lists); tension +{n.scenario.tension.per_dispute:g}."))
        return out


@dataclass(frozen=True, slots=True)
class Cancelled:
    day: int
    label: str
    why: str  # collapsed (in a crisis), expired (fighting may have resumed since), ended
    fighting: bool = False  # fighting has resumed

    def lines(self, n: Narration) -> list[Line]:
        phase = n.scenario.truce.phase_name
        why = {"collapsed": "the truce has collapsed",
               "expired": f"the {phase} has expired"
                          + (" and fighting has resumed" if self.fighting else ""),
               "ended": f"the {phase} has ended"}[self.why]
        return [("crisis" if self.why == "collapsed" else "end",
                 f"{fmt.capital(fmt.handover(self.label))} does not take place: {why}.")]


def cancelled(st: TruceState, day: int, label: str, k: int) -> Cancelled:
    """Why a handover due on `day` does not take place in replication k."""
    fighting = bool(st.status[k] == COLLAPSED)
    if st.phase_expired[k]:
        return Cancelled(day, label, "expired", fighting)
    return Cancelled(day, label, "collapsed" if fighting else "ended", fighting)


@dataclass(frozen=True)
class Terms:
    """How a handover came about, for its tranche and its story (arrays over the block
    where they differ between replications)."""

    kind: str = "scheduled"  # scheduled, recovered (bodies as recovered), or extension
    j: int = -1  # index of a scheduled handover
    u: tuple[np.ndarray, np.ndarray] | None = None  # withholding uniforms, if not the
    # schedule's
    ratios: Mapping[str, float] | None = None  # the handover's own exchange ratios
    slipped: np.ndarray | int = 0
    waited: np.ndarray | bool = False  # for a crisis to end
    held: Callable[[int], str] = lambda k: ""  # the condition that held it back


def hand_over(st: TruceState, mask: Mask, day: int, label: str, living: np.ndarray,
              bodies: np.ndarray, disputed: np.ndarray, due: int | np.ndarray,
              terms: Terms) -> None:
    """Count a handover where `mask` holds, and set the matching exchange tranche in
    motion (`living`, `bodies`, `disputed` are arrays over the block)."""
    np.subtract(st.living_held, living, out=st.living_held, where=mask)
    np.subtract(st.bodies_held, bodies, out=st.bodies_held, where=mask)
    add(st.living_released, living, mask)
    add(st.bodies_released, bodies, mask)
    s = st.scenario
    add(st.tension, s.tension.per_dispute, mask & disputed)
    if st.log is not None:
        _tell(st, mask, day, label, living, bodies, disputed, due, terms)
    if terms.kind != "extension":
        ledger = st.parts.handovers  # handovers.Ledger
        add(ledger.scheduled_living, living, mask)
        add(ledger.scheduled_bodies, bodies, mask)
        st.first("schedule_living_complete",
                 mask & (living > 0) & (ledger.scheduled_living == s.living_scheduled), day)
        st.first("schedule_bodies_complete",
                 mask & (bodies > 0) & (ledger.scheduled_bodies == s.bodies_scheduled), day)
    exchange.answer(st, mask, day, label, living, bodies, disputed, terms.j, terms.u,
                    terms.ratios or {})


def _tell(st: TruceState, mask: Mask, day: int, label: str, living: np.ndarray,
          bodies: np.ndarray, disputed: np.ndarray, due: int | np.ndarray,
          terms: Terms) -> None:
    def at(value: np.ndarray | int | bool, k: int) -> int:
        return int(value if np.ndim(value) == 0 else np.asarray(value)[k])

    st.note(mask, lambda k: HandedOver(
        day, label, int(living[k]), int(bodies[k]), day - at(due, k), at(terms.slipped, k),
        bool(at(terms.waited, k)), bool(disputed[k]), terms.kind, int(st.living_held[k]),
        int(st.bodies_held[k]), terms.held(k)))


