"""The exchange: what the other side frees in return for each handover (DESIGN.md §2).

Prisoners and detainees are freed by category for living hostages, and Palestinian
bodies are returned for hostages' bodies, after a verification lag. Freed counts are
rounded cumulatively, so a schedule's totals match the agreed ratios exactly (125 +
1,111 for 10 living hostages in the May 2025 text). A handover can carry its own ratios
for some categories (Jan 2025: 50 prisoners per female soldier instead of 30 per
civilian). After a disputed handover the tranche may be withheld for some days, as on
22 Feb 2025; during a crisis it waits for calm.

Each tranche on its way is a row of the agenda of the exchange's time of day
(:mod:`trucesim.model.agenda`): a pool of rows, each holding one tranche of each
replication, reused once its tranche is done.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from trucesim import fmt
from trucesim.model import agenda
from trucesim.model.actors import conditions
from trucesim.model.declare import Actor, Outcome, Series
from trucesim.model.events import Line, Narration
from trucesim.model.sampling import MIN_HANDOVERS, geometric_days
from trucesim.model.state import EXCHANGE, Mask, TruceState, ints
from trucesim.scenario.schema import Scenario

NAME = "exchange"
FREE, NEW, WITHHELD, CALM, HELD = range(5)  # where a tranche of the pool stands


@dataclass(frozen=True, slots=True)
class Draws:
    """The block's numbers from the 'exchange' stream: (replication, handover)."""

    withhold: np.ndarray  # is the tranche withheld if its handover is disputed?
    withhold_days: np.ndarray  # for how long


def draw(s: Scenario, g: np.random.Generator, n: int) -> Draws:
    width = max(len(s.releases), MIN_HANDOVERS)
    withhold, withhold_days = g.random((2, n, width))
    return Draws(withhold, withhold_days)


# events -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Withheld:
    day: int
    days: int
    total: int  # prisoners and detainees held back
    answers: str  # label of the handover
    nothing_due: bool  # the handover released no one

    def lines(self, n: Narration) -> list[Line]:
        if self.nothing_due:
            what = "nothing was due under it"
        elif self.total:
            what = f"the release of {fmt.count(self.total, *fmt.PRISONERS)}"
        else:
            what = "the return of Palestinian bodies"
        return [("exchange", f"Over the dispute, Israel withholds its part of the exchange for "
                 f"the {self.answers} ({what}) for {fmt.count(self.days, 'day')} (tension "
                 f"+{n.scenario.tension.per_withheld_tranche:g}).")]


@dataclass(frozen=True, slots=True)
class Paused:
    day: int

    def lines(self, n: Narration) -> list[Line]:
        return [("crisis", "A release of prisoners and detainees waits while the crisis lasts.")]


@dataclass(frozen=True, slots=True)
class Tranche:
    day: int
    freed: tuple[tuple[str, int], ...]  # (category, persons)
    bodies_returned: int
    answers: str  # label of the handover

    def lines(self, n: Narration) -> list[Line]:
        total = sum(k for _, k in self.freed)
        if not total and not self.bodies_returned:
            return []
        parts = []
        if total:
            detail = ", ".join(fmt.freed(k, name) for name, k in self.freed if k)
            parts.append(f"frees {fmt.count(total, *fmt.PRISONERS)} ({detail})")
        if self.bodies_returned:
            parts.append("returns " + fmt.count(self.bodies_returned, "Palestinian body",
                                                "Palestinian bodies"))
        return [("exchange", f"In return for the {self.answers}, Israel "
                 f"{' and '.join(parts)}.")]


# the actor's own state ------------------------------------------------------------------
class Ledger:
    """Running totals behind the cumulative rounding of what is freed (arrays over the
    block), and the pool of tranches on their way (rows of the exchange's agenda)."""

    def __init__(self, st: TruceState) -> None:
        n, categories = st.n, len(st.scenario.exchange.prisoners_per_living_hostage)
        self.bodies = ints(n)  # hostages' bodies whose tranche has been set
        self.due_prisoners = ints(n)  # prisoners and detainees due in the tranches so far
        self.due_bodies = ints(n)  # Palestinian bodies due in them
        # per category: living tranched at the exchange's ratio, and the prisoners due for
        # living tranched at a handover's own ratios (Release.prisoners_per_living)
        self.at_default = np.zeros((categories, n), dtype=np.int64)
        self.extra = np.zeros((categories, n), dtype=np.float64)
        self.agenda = agenda.of(st, EXCHANGE)
        self.first_row = len(self.agenda.acts)
        self.st, self.categories = st, categories
        pool = (0, n)
        self.stage = np.zeros(pool, dtype=np.int8)
        self.freed = np.zeros((0, categories, n), dtype=np.int64)
        self.returned, self.living, self.bodies_in = (np.zeros(pool, dtype=np.int64)
                                                      for _ in range(3))
        self.disputed = np.zeros(pool, dtype=bool)
        self.u_withhold, self.u_days = np.zeros(pool), np.zeros(pool)
        self.held = np.zeros(pool, dtype=np.int64)
        self.labels: list[list[str]] = []  # per row, per replication (a told run only)

    def take(self, mask: Mask) -> np.ndarray:
        """A free row of the pool for each replication `mask` selects (-1 elsewhere)."""
        free = self.stage == FREE
        lacking = mask & ~free.any(axis=0)
        if lacking.any():
            self._grow(max(2, len(self.stage) // 2))
            free = self.stage == FREE
        rows = np.where(mask, free.argmax(axis=0), -1)
        return rows

    def _grow(self, k: int) -> None:
        n = self.st.n
        self.agenda.rows(k, lambda row, mask, day: tranche(self.st, row, mask, day))
        self.stage = np.vstack([self.stage, np.zeros((k, n), dtype=np.int8)])
        self.freed = np.concatenate([self.freed, np.zeros((k, self.categories, n),
                                                          dtype=np.int64)])
        self.returned, self.living, self.bodies_in = (
            np.vstack([a, np.zeros((k, n), dtype=np.int64)])
            for a in (self.returned, self.living, self.bodies_in))
        self.disputed = np.vstack([self.disputed, np.zeros((k, n), dtype=bool)])
        self.u_withhold, self.u_days = (np.vstack([a, np.zeros((k, n))])
                                        for a in (self.u_withhold, self.u_days))
        self.held = np.vstack([self.held, np.full((k, n), conditions.NO_RULE)])
        self.labels += [[""] * n for _ in range(k)]


def start(st: TruceState) -> None:
    st.parts.exchange = Ledger(st)


def answer(st: TruceState, mask: Mask, day: int, label: str, living: np.ndarray,
           bodies: np.ndarray, disputed: np.ndarray, j: int,
           u: tuple[np.ndarray, np.ndarray] | None, ratios: Mapping[str, float]) -> None:
    """Set the tranche that answers a handover in motion where `mask` holds (scheduled
    handover j, or the uniforms `u` drawn for bodies handed over as recovered)."""
    if u is None:
        d: Draws = st.draws[NAME]
        u = (d.withhold[:, j], d.withhold_days[:, j])
    ledger: Ledger = st.parts.exchange
    freed = _freed(st, mask, living, ratios)
    x = st.scenario.exchange
    returned = _share(x.bodies_returned_per_body, ledger.bodies, ledger.bodies + bodies)
    ledger.bodies[mask] += bodies[mask]
    ledger.due_prisoners[mask] += freed.sum(axis=0)[mask]
    ledger.due_bodies[mask] += returned[mask]
    rows = ledger.take(mask)
    for row in np.unique(rows[mask]).tolist():
        here = rows == row
        ledger.stage[row, here] = NEW
        ledger.freed[row][:, here] = freed[:, here]
        ledger.returned[row, here] = returned[here]
        ledger.living[row, here], ledger.bodies_in[row, here] = living[here], bodies[here]
        ledger.disputed[row, here] = disputed[here]
        ledger.u_withhold[row, here], ledger.u_days[row, here] = u[0][here], u[1][here]
        ledger.held[row, here] = conditions.NO_RULE
        if st.log is not None:
            for k in np.flatnonzero(here).tolist():
                ledger.labels[row][k] = label
        ledger.agenda.at(ledger.first_row + row, here, day + x.verification_lag_days)


def _share(ratio: float, before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """Freed for this tranche, rounding cumulatively so totals match the agreed ratio."""
    return (np.floor(ratio * after + 0.5) - np.floor(ratio * before + 0.5)).astype(np.int64)


def _freed(st: TruceState, mask: Mask, living: np.ndarray,
           ratios: Mapping[str, float]) -> np.ndarray:
    """Prisoners due, by category, for `living` hostages handed over: (category, block).

    Each category's running total is rounded, not each tranche, so totals match the
    ratios: due = ratio x living tranched at the exchange's ratio + what handovers with
    their own ratio (`ratios`) added. With no such handover the extra term is 0.0 and
    this is exactly the exchange's ratio times the living tranched.
    """
    ledger: Ledger = st.parts.exchange
    table = st.scenario.exchange.prisoners_per_living_hostage
    out = np.zeros((len(table), st.n), dtype=np.int64)
    for k, (name, ratio) in enumerate(table.items()):
        count, extra = ledger.at_default[k], ledger.extra[k]
        before = np.floor(ratio * count + extra + 0.5)
        if name in ratios:
            extra[mask] += ratios[name] * living[mask]
        else:
            count[mask] += living[mask]
        out[k, mask] = (np.floor(ratio * count + extra + 0.5) - before)[mask]
    return out


def tranche(st: TruceState, row: int, due_today: Mask, day: int) -> None:
    """The other side's part of a handover: prisoners, detainees and bodies freed."""
    s, ledger = st.scenario, st.parts.exchange
    x, k = s.exchange, row - ledger.first_row
    stage = ledger.stage[k]
    new = due_today & (stage == NEW)
    going = due_today & (stage == WITHHELD)
    waiting = due_today & ((stage == CALM) | (stage == HELD))
    withheld = new & ledger.disputed[k] & (ledger.u_withhold[k] < x.withhold_probability_if_disputed)
    if withheld.any():
        days = np.zeros(st.n, dtype=np.int64)
        days[withheld] = geometric_days(x.withhold_mean_days, ledger.u_days[k, withheld])
        st.tension[withheld] += s.tension.per_withheld_tranche
        total = ledger.freed[k].sum(axis=0)
        nothing = (ledger.living[k] == 0) & (ledger.bodies_in[k] == 0)
        st.note(withheld, lambda r: Withheld(day, int(days[r]), int(total[r]),
                                             ledger.labels[k][r], bool(nothing[r])))
        ledger.stage[k, withheld] = WITHHELD
        ledger.agenda.at(row, withheld, day + days)
    going |= new & ~withheld
    if x.withheld_in_crisis:
        calm = going & st.in_crisis
        if calm.any():
            ledger.stage[k, calm] = CALM
            ledger.agenda.wait_for_calm(row, calm)
            st.note(calm, lambda r: Paused(day))
        going &= ~calm
    going |= waiting
    rules = conditions.for_step(st, "exchange")
    freed = ledger.freed[k]
    if rules and going.any():
        held = conditions.held_back(st, rules, going & st.in_force, ledger.held[k],
                                    lambda r: f"exchange for the {ledger.labels[k][r]}")
        ledger.stage[k, held] = HELD
        ledger.agenda.at(row, held, day + 1)
        going &= ~held
        which = conditions.active(st, rules, "prisoners_factor", going)
        factor = conditions.effect(rules, which, "prisoners_factor", 1.0)
        cut = going & (factor != 1.0)  # the rest stays owed
        if cut.any():
            freed = freed.copy()
            freed[:, cut] = np.floor(freed[:, cut] * factor[cut]).astype(np.int64)
    free(st, k, going, day, freed)


def free(st: TruceState, k: int, mask: Mask, day: int, freed: np.ndarray) -> None:
    """The tranche is freed where the truce is in force; it ends either way."""
    ledger: Ledger = st.parts.exchange
    ledger.stage[k, mask] = FREE
    ok = mask & st.in_force
    if not ok.any():
        return
    st.detainees_freed[:, ok] += freed[:, ok]
    st.detainees_total[ok] += freed[:, ok].sum(axis=0)
    st.bodies_returned[ok] += ledger.returned[k, ok]
    if st.log is not None:
        names = list(st.scenario.exchange.prisoners_per_living_hostage)
        st.note(ok, lambda r: Tranche(day, tuple(zip(names, freed[:, r].tolist(),
                                                     strict=True)),
                                      int(ledger.returned[k, r]), ledger.labels[k][r]))


# what it reports ----------------------------------------------------------------------
def outcomes(s: Scenario) -> tuple[Outcome, ...]:
    return (
        *(Outcome(f"detainees_freed_{c}", "number", "persons",
                  f"Freed in exchange: {c.replace('_', ' ')}", _category(k))
          for k, c in enumerate(s.exchange.prisoners_per_living_hostage)),
        Outcome("detainees_freed_total", "number", "persons", "Prisoners and detainees freed, "
                "all categories", lambda st: st.detainees_freed.sum(axis=0),
                label="prisoners/detainees freed"),
        Outcome("bodies_returned", "number", "bodies", "Palestinian bodies returned",
                lambda st: st.bodies_returned),
        Outcome("owed_prisoners", "number", "persons", "Prisoners and detainees due in "
                "exchange for hostages released, not freed by the horizon",
                lambda st: st.parts.exchange.due_prisoners - st.detainees_total),
        Outcome("owed_palestinian_bodies", "number", "bodies", "Palestinian bodies due in "
                "exchange for hostages' bodies, not returned by the horizon",
                lambda st: st.parts.exchange.due_bodies - st.bodies_returned),
    )


def _category(k: int) -> Callable[[TruceState], np.ndarray]:
    return lambda st: st.detainees_freed[k]


ACTOR = Actor(
    NAME, start, stream="exchange", draw=draw, outcomes=outcomes,
    series=(Series("detainees_freed", "persons", "detainees_total"),
            Series("bodies_returned", "bodies", "bodies_returned")),
    events=(Withheld, Paused, Tranche),
)
