"""The exchange: what the other side frees in return for each handover (DESIGN.md §2).

Prisoners and detainees are freed by category for living hostages, and Palestinian
bodies are returned for hostages' bodies, after a verification lag (the bodies, if the
deal says so, after a lag of their own). Freed counts are
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
from trucesim.model.agenda import Pool
from trucesim.model.declare import Actor, Outcome, Series
from trucesim.model.events import Line, Narration
from trucesim.model.sampling import MIN_HANDOVERS, geometric_days, of
from trucesim.model.state import EXCHANGE, Mask, TruceState, add, ints, put
from trucesim.scenario.schema import Scenario

NAME = "exchange"
NEW, WITHHELD, CALM, HELD = range(4)  # where a tranche on its way stands


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
            what = f"the return of {n.scenario.names.groups_people} bodies"
        return [("exchange", f"Over the dispute, {n.scenario.names.army_party} withholds its "
                 "part of the exchange for "
                 f"{fmt.handover(self.answers)} ({what}) for {fmt.count(self.days, 'day')} "
                 f"(tension +{n.scenario.tension.per_withheld_tranche:g}).")]


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
            people = n.scenario.names.groups_people
            parts.append("returns " + fmt.count(self.bodies_returned, f"{people} body",
                                                f"{people} bodies"))
        return [("exchange", f"In return for {fmt.handover(self.answers)}, "
                 f"{n.scenario.names.army_party} "
                 f"{' and '.join(parts)}.")]


# the actor's own state ------------------------------------------------------------------
class Ledger:
    """Running totals behind the cumulative rounding of what is freed (arrays over the
    block), and the tranches on their way: a pool of rows of the exchange's agenda."""

    def __init__(self, st: TruceState) -> None:
        n, categories = st.n, len(st.scenario.exchange.prisoners_per_living_hostage)
        self.bodies = ints(n)  # hostages' bodies whose tranche has been set
        self.due_prisoners = ints(n)  # prisoners and detainees due in the tranches so far
        self.due_bodies = ints(n)  # Palestinian bodies due in them
        # per category: living tranched at the exchange's ratio, and the prisoners due for
        # living tranched at a handover's own ratios (Release.prisoners_per_living)
        self.at_default = np.zeros((categories, n), dtype=np.int64)
        self.extra = np.zeros((categories, n), dtype=np.float64)
        whole, share = np.int64, np.float64
        self.pool = Pool(agenda.of(st, EXCHANGE), lambda row, mask, day: tranche(
            st, row, mask, day), {
            "stage": ((), np.int8, NEW), "freed": ((categories,), whole, 0),
            "returned": ((), whole, 0), "living": ((), whole, 0), "bodies": ((), whole, 0),
            "disputed": ((), bool, False), "u_withhold": ((), share, 0.0),
            "u_days": ((), share, 0.0), "held": ((), whole, conditions.NO_RULE)})
        self.labels: dict[tuple[int, int], str] = {}  # (row, replication), a told run only


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
    add(ledger.bodies, bodies, mask)
    add(ledger.due_prisoners, freed.sum(axis=0), mask)
    add(ledger.due_bodies, returned, mask)
    tranche_ = {"freed": freed, "returned": returned, "living": living, "bodies": bodies,
                "disputed": disputed, "u_withhold": u[0], "u_days": u[1]}
    due = day + x.verification_lag_days
    if not x.bodies_delay_days:  # one tranche: prisoners, detainees and bodies together
        _send(st, mask, due, label, tranche_)
        return
    # the bodies later, on their own; a dispute holds back one tranche, not two: the
    # prisoners' where there are any, else the bodies'
    with_bodies = mask & (bodies > 0)
    _send(st, mask & ~(with_bodies & (living == 0)), due, label, tranche_ | {"returned": 0})
    _send(st, with_bodies, due + x.bodies_delay_days, label, tranche_ | {
        "freed": 0, "living": 0, "disputed": disputed & (living == 0)})


def _send(st: TruceState, mask: Mask, due: int, label: str,
          values: Mapping[str, np.ndarray | int]) -> None:
    """Tranches on their way where `mask` holds, each due on day `due`."""
    ledger: Ledger = st.parts.exchange
    pool = ledger.pool
    rows = pool.take(mask)
    for row in np.unique(rows[mask]).tolist():
        here = rows == row
        for name, value in (("stage", NEW), *values.items(), ("held", conditions.NO_RULE)):
            put(pool.data[name][row], value, here)
        if st.log is not None:
            for r in np.flatnonzero(here).tolist():
                ledger.labels[row, r] = label
        pool.agenda.at(pool.first + row, here, due)


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
            add(extra, ratios[name] * living, mask)
        else:
            add(count, living, mask)
        put(out[k], np.floor(ratio * count + extra + 0.5) - before, mask)
    return out


def tranche(st: TruceState, row: int, due_today: Mask, day: int) -> None:
    """The other side's part of a handover: prisoners, detainees and bodies freed."""
    s, ledger = st.scenario, st.parts.exchange
    x, pool = s.exchange, ledger.pool
    k = row - pool.first
    t = {name: column[k] for name, column in pool.data.items()}  # this row's tranches
    stage, agenda_ = t["stage"], pool.agenda

    def label(r: int) -> str:
        return str(ledger.labels.get((k, r), ""))

    new = due_today & (stage == NEW)
    going = due_today & (stage == WITHHELD)
    waiting = due_today & ((stage == CALM) | (stage == HELD))
    withheld = new & t["disputed"] & (t["u_withhold"] < x.withhold_probability_if_disputed)
    if withheld.any():
        days = np.zeros(st.n, dtype=np.int64)
        days[withheld] = geometric_days(of(x.withhold_mean_days, withheld), t["u_days"][withheld])
        add(st.tension, s.tension.per_withheld_tranche, withheld)
        total = t["freed"].sum(axis=0)
        nothing = (t["living"] == 0) & (t["bodies"] == 0)
        st.note(withheld, lambda r: Withheld(day, int(days[r]), int(total[r]), label(r),
                                             bool(nothing[r])))
        put(stage, WITHHELD, withheld)
        agenda_.at(row, withheld, day + days)
    going |= new & ~withheld
    if x.withheld_in_crisis:
        calm = going & st.in_crisis
        if calm.any():
            put(stage, CALM, calm)
            agenda_.wait_for_calm(row, calm)
            st.note(calm, lambda r: Paused(day))
        going &= ~calm
    going |= waiting
    rules = conditions.for_step(st, "exchange")
    freed = t["freed"]
    if rules and going.any():
        held = conditions.held_back(st, rules, going & st.in_force, t["held"],
                                    lambda r: f"the exchange for {fmt.handover(label(r))}")
        put(stage, HELD, held)
        agenda_.at(row, held, day + 1)
        going &= ~held
        which = conditions.active(st, rules, "prisoners_factor", going)
        factor = conditions.effect(rules, which, "prisoners_factor", 1.0)
        cut = going & (factor != 1.0)  # the rest stays owed
        if cut.any():
            freed = freed.copy()
            freed[:, cut] = np.floor(freed[:, cut] * factor[cut]).astype(np.int64)
    pool.free(k, going)
    ok = going & st.in_force  # freed where the truce is in force; done either way
    if ok.any():
        add(st.detainees_freed, freed, ok)
        add(st.detainees_total, freed.sum(axis=0), ok)
        add(st.bodies_returned, t["returned"], ok)
        names = list(s.exchange.prisoners_per_living_hostage)
        st.note(ok, lambda r: Tranche(day, tuple(zip(names, freed[:, r].tolist(),
                                                     strict=True)),
                                      int(t["returned"][r]), label(r)))


# what it reports ----------------------------------------------------------------------
def outcomes(s: Scenario) -> tuple[Outcome, ...]:
    people = s.names.groups_people
    return (
        *(Outcome(f"detainees_freed_{c}", "number", "persons",
                  f"Freed in exchange: {c.replace('_', ' ')}", _category(k))
          for k, c in enumerate(s.exchange.prisoners_per_living_hostage)),
        Outcome("detainees_freed_total", "number", "persons", "Prisoners and detainees freed, "
                "all categories", lambda st: st.detainees_freed.sum(axis=0),
                label="prisoners/detainees freed" if s.concerns_hostages else ""),
        Outcome("bodies_returned", "number", "bodies", f"{people} bodies returned",
                lambda st: st.bodies_returned),
        Outcome("owed_prisoners", "number", "persons", "Prisoners and detainees due in "
                "exchange for hostages released, not freed by the horizon",
                lambda st: st.parts.exchange.due_prisoners - st.detainees_total),
        Outcome("owed_palestinian_bodies", "number", "bodies", f"{people} bodies due in "
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
