"""The exchange: what the other side frees in return for each handover (DESIGN.md §2).

Prisoners and detainees are freed by category for living hostages, and Palestinian
bodies are returned for hostages' bodies, after a verification lag. Freed counts are
rounded cumulatively, so a schedule's totals match the agreed ratios exactly (125 +
1,111 for 10 living hostages in the May 2025 text). A handover can carry its own ratios
for some categories (Jan 2025: 50 prisoners per female soldier instead of 30 per
civilian). After a disputed handover the tranche may be withheld for some days, as on
22 Feb 2025; during a crisis it waits for calm.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from trucesim import fmt
from trucesim.model.actors import conditions
from trucesim.model.declare import Actor, Outcome, Series
from trucesim.model.events import Line, Narration
from trucesim.model.sampling import MIN_HANDOVERS, geometric_days
from trucesim.model.state import CRISIS, EXCHANGE, Proc, TruceState, at, wait_for_calm
from trucesim.scenario.schema import Scenario

NAME = "exchange"


@dataclass(frozen=True, slots=True)
class Draws:
    """One replication's numbers from the 'exchange' stream, one per scheduled handover."""

    withhold: list[float]  # is the tranche withheld if its handover is disputed?
    withhold_days: list[float]  # for how long


def draw(s: Scenario, g: np.random.Generator, n: int) -> list[Draws]:
    width = max(len(s.releases), MIN_HANDOVERS)
    withhold, withhold_days = (a.tolist() for a in g.random((2, n, width)))
    return [Draws(withhold[r], withhold_days[r]) for r in range(n)]


@dataclass(slots=True)
class Ledger:
    """Running totals behind the cumulative rounding of what is freed."""

    bodies: int = 0  # hostages' bodies whose tranche has been set
    due_prisoners: int = 0  # prisoners and detainees due in the tranches set so far
    due_bodies: int = 0  # Palestinian bodies due in them
    # per category: living tranched at the exchange's ratio, and the prisoners due for
    # living tranched at a handover's own ratios (Release.prisoners_per_living)
    at_default: list[int] = field(default_factory=list)
    extra: list[float] = field(default_factory=list)


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


# processes ----------------------------------------------------------------------------
def start(st: TruceState) -> None:
    categories = len(st.scenario.exchange.prisoners_per_living_hostage)
    st.detainees_freed = [0] * categories
    st.parts.exchange = Ledger(0, 0, 0, [0] * categories, [0.0] * categories)


def answer(st: TruceState, label: str, living: int, bodies: int, disputed: bool, j: int,
           u: tuple[float, float] | None, ratios: Mapping[str, float]) -> None:
    """Set the tranche that answers a handover in motion (scheduled handover j, or the
    uniforms `u` drawn for bodies handed over as recovered)."""
    if u is None:
        d: Draws = st.draws[NAME]
        u = (d.withhold[j], d.withhold_days[j])
    ledger: Ledger = st.parts.exchange
    freed = _freed(st, living, ratios)
    x = st.scenario.exchange
    returned = _share(x.bodies_returned_per_body, ledger.bodies, ledger.bodies + bodies)
    ledger.bodies += bodies
    ledger.due_prisoners += sum(freed)
    ledger.due_bodies += returned
    st.start(tranche(st, label, living, bodies, disputed, u[0], u[1], freed, returned))


def _share(ratio: float, before: int, after: int) -> int:
    """Freed for this tranche, rounding cumulatively so totals match the agreed ratio."""
    return math.floor(ratio * after + 0.5) - math.floor(ratio * before + 0.5)


def _freed(st: TruceState, living: int, ratios: Mapping[str, float]) -> list[int]:
    """Prisoners due, by category, for `living` hostages handed over.

    Each category's running total is rounded, not each tranche, so totals match the
    ratios: due = ratio x living tranched at the exchange's ratio + what handovers with
    their own ratio (`ratios`) added. With no such handover the extra term is 0.0 and
    this is exactly the exchange's ratio times the living tranched.
    """
    ledger: Ledger = st.parts.exchange
    out = []
    table = st.scenario.exchange.prisoners_per_living_hostage
    for k, (name, ratio) in enumerate(table.items()):
        count, extra = ledger.at_default[k], ledger.extra[k]
        before = math.floor(ratio * count + extra + 0.5)
        if name in ratios:
            extra += ratios[name] * living
            ledger.extra[k] = extra
        else:
            count += living
            ledger.at_default[k] = count
        out.append(math.floor(ratio * count + extra + 0.5) - before)
    return out


def tranche(st: TruceState, label: str, living: int, bodies: int, disputed: bool,
            u_withhold: float, u_days: float, freed: list[int], returned: int) -> Proc:
    """The other side's part of a handover: prisoners, detainees and bodies freed."""
    s, env = st.scenario, st.env
    x = s.exchange
    yield at(env, int(env.now) + x.verification_lag_days, EXCHANGE)
    if disputed and u_withhold < x.withhold_probability_if_disputed:
        days = geometric_days(x.withhold_mean_days, u_days)
        st.tension += s.tension.per_withheld_tranche
        if st.log is not None:
            st.log.append(Withheld(int(env.now), days, sum(freed), label,
                                   not living and not bodies))
        yield at(env, int(env.now) + days, EXCHANGE)
    if x.withheld_in_crisis and st.status == CRISIS:
        yield from wait_for_calm(st, Paused)
    rules = conditions.for_step(st, "exchange")
    if rules:
        yield from conditions.hold(st, "exchange", f"exchange for the {label}", EXCHANGE)
        rule = conditions.active(st, rules, "prisoners_factor")
        if rule is not None and "prisoners_factor" in rule.effects:  # the rest stays owed
            freed = [math.floor(n * rule.effects["prisoners_factor"]) for n in freed]
    if not st.in_force:
        return
    for k, n in enumerate(freed):
        st.detainees_freed[k] += n
    st.detainees_total += sum(freed)
    st.bodies_returned += returned
    if st.log is not None:
        names = list(x.prisoners_per_living_hostage)
        st.log.append(Tranche(int(env.now), tuple(zip(names, freed, strict=True)), returned,
                              label))


# what it reports ----------------------------------------------------------------------
def outcomes(s: Scenario) -> tuple[Outcome, ...]:
    return (
        *(Outcome(f"detainees_freed_{c}", "number", "persons",
                  f"Freed in exchange: {c.replace('_', ' ')}", _category(k))
          for k, c in enumerate(s.exchange.prisoners_per_living_hostage)),
        Outcome("detainees_freed_total", "number", "persons", "Prisoners and detainees freed, "
                "all categories", lambda st: sum(st.detainees_freed),
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


def _category(k: int) -> Callable[[TruceState], int]:
    return lambda st: st.detainees_freed[k]


ACTOR = Actor(
    NAME, start, stream="exchange", draw=draw, outcomes=outcomes,
    series=(Series("detainees_freed", "persons", "detainees_total"),
            Series("bodies_returned", "bodies", "bodies_returned")),
    events=(Withheld, Paused, Tranche),
)
