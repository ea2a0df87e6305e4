"""The outcome record of one replication: stable field names, units and meanings.

Every outcome is stored as an integer in a fixed unit (a share as basis points, an
amount in hundredths): sums and histograms of integers are exact, so summaries do not
depend on how replications were split into chunks or ordered, and equal seeds give
byte-identical files. A milestone that never happened is stored as -1 and written empty.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from trucesim.model import DAILY_SERIES, END_STATES, TruceState
from trucesim.schema import Scenario

Kind = Literal["number", "milestone", "category"]
MISSING = -1


@dataclass(frozen=True, slots=True)
class Outcome:
    """One field of the outcome record."""

    name: str
    kind: Kind
    unit: str
    description: str
    scale: int = 1  # stored value = round(value * scale)

    def decode(self, stored: int) -> float | int | str | None:
        if self.kind == "category":
            return END_STATES[stored]
        if self.kind == "milestone":
            return None if stored == MISSING else stored
        return stored if self.scale == 1 else stored / self.scale

    def column(self, stored: list[int]) -> list[str]:
        """How a column of stored values is written in replications.csv."""
        if self.kind == "category":
            return [END_STATES[v] for v in stored]
        if self.kind == "milestone":
            return ["" if v == MISSING else str(v) for v in stored]
        if self.scale == 1:
            return list(map(str, stored))
        digits = len(str(self.scale)) - 1  # exact decimal text from the stored integer
        return [f"{'-' if v < 0 else ''}{abs(v) // self.scale}.{abs(v) % self.scale:0{digits}d}"
                for v in stored]


SHARE, HUNDREDTHS, TENTHS = 10_000, 100, 10


def _n(name: str, unit: str, description: str, scale: int = 1) -> Outcome:
    return Outcome(name, "number", unit, description, scale)


def _m(name: str, description: str) -> Outcome:
    return Outcome(name, "milestone", "day", description)


def fields(s: Scenario) -> tuple[Outcome, ...]:
    """The outcome record's fields for this scenario, in file order."""
    categories = list(s.exchange.prisoners_per_living_hostage)
    outside = (_n("living_released_outside_deal", "persons",
                  "Living hostages released outside the agreement (no exchange)"),
               ) if any(r.living_outside_deal for r in s.releases) else ()
    return (
        Outcome("end_state", "category", "", "How the truce ended: " + ", ".join(END_STATES)),
        _n("end_day", "day", "Day the truce ended (collapse, or the end of the window)"
           if not s.truce.phase_days else "Day the agreed phase ended (collapse, or its last "
           "day; the window runs on after it)"),
        _n("living_released", "persons", "Living hostages released"),
        _n("bodies_released", "bodies", "Hostages' bodies released"),
        _n("living_still_held", "persons", "Living hostages still held at the end"),
        _n("bodies_still_held", "bodies", "Bodies still held at the end"),
        *outside,
        *(_n(f"detainees_freed_{c}", "persons", f"Freed in exchange: {c.replace('_', ' ')}")
          for c in categories),
        _n("detainees_freed_total", "persons", "Prisoners and detainees freed, all categories"),
        _n("bodies_returned", "bodies", "Palestinian bodies returned"),
        _n("territory_share_end", "share", "Share of Gaza held by the army at the end", SHARE),
        _n("aid_trucks_delivered", "trucks", "Aid trucks that entered during the window"),
        _n("aid_trucks_agreed", "trucks", "Aid trucks the agreement provides for in the window"),
        _n("aid_share_of_agreed", "share", "Trucks delivered over trucks agreed", SHARE),
        _n("aid_halt_days", "days", "Days aid was halted as leverage"),
        _n("aid_closed_days", "days", "Days crossings were closed after an attack"),
        _n("incidents_israeli_forces", "incidents", "Incidents initiated by Israeli forces"),
        _n("incidents_palestinian_groups", "incidents",
           "Incidents initiated by Palestinian armed groups"),
        _n("deaths_palestinians_truce", "deaths", "Palestinian deaths while the truce held"),
        _n("deaths_israelis_truce", "deaths", "Israeli deaths while the truce held"),
        _n("deaths_palestinians", "deaths", "Palestinian deaths over the whole window"),
        _n("deaths_israelis", "deaths", "Israeli deaths over the whole window"),
        _n("deaths_averted", "deaths", "Counterfactual (no-truce) deaths minus deaths, "
           "both sides, over the window", HUNDREDTHS),
        _n("crises", "crises", "Crises the truce went through"),
        _n("crisis_days", "days", "Days spent in crisis"),
        _n("max_tension", "tension", "Highest tension reached", TENTHS),
        _n("talks_progress_end", "share", "Progress of the talks at the end (1 = agreement)",
           SHARE),
        _m("day_schedule_living_complete", "Day all living hostages in the schedule were out"),
        _m("day_schedule_bodies_complete", "Day all bodies in the schedule were returned"),
        *(_m(f"day_withdrawal_{st.name}", f"Day the army reached the '{st.name}' line "
             f"({st.share:.0%} held)") for st in s.withdrawal.stages),
        _m("day_first_crisis", "Day the first crisis started"),
        _m("day_agreement", "Day the talks reached a permanent agreement"),
        _m("day_collapse", "Day the truce collapsed"),
    )


def row(s: Scenario, st: TruceState) -> list[int]:
    """The stored (integer) outcome record of a finished replication, in field order."""
    cf = s.counterfactual
    window = s.truce.window_days
    counterfactual = window * (cf.deaths_per_day_palestinians + cf.deaths_per_day_israelis)
    agreed = round(s.aid.trucks_per_day_agreed * window)
    ms = st.milestones
    out = [
        END_STATES.index(st.end_state), st.end_day,
        st.living_released, st.bodies_released, st.living_held, st.bodies_held,
        *((st.outside_released,) if any(r.living_outside_deal for r in s.releases) else ()),
        *st.detainees_freed, sum(st.detainees_freed), st.bodies_returned,
        _scaled(st.share_held, SHARE),
        st.aid_delivered, agreed, _scaled(st.aid_delivered / agreed if agreed else 0.0, SHARE),
        st.aid_halt_days, st.aid_closed_days,
        st.incidents[0], st.incidents[1], st.deaths_truce[0], st.deaths_truce[1],
        st.deaths[0], st.deaths[1],
        _scaled(counterfactual - st.deaths[0] - st.deaths[1], HUNDREDTHS),
        st.crises, st.crisis_days, _scaled(st.max_tension, TENTHS),
        _scaled(st.progress, SHARE),
        ms.get("schedule_living_complete", MISSING), ms.get("schedule_bodies_complete", MISSING),
        *(ms.get(f"withdrawal_{stage.name}", MISSING) for stage in s.withdrawal.stages),
        ms.get("first_crisis", MISSING), ms.get("agreement", MISSING),
        ms.get("collapse", MISSING),
    ]
    return out


def _scaled(value: float, scale: int) -> int:
    return math.floor(value * scale + 0.5)


DAILY_SCALES = {"territory_share_held": SHARE, "tension": HUNDREDTHS, "talks_progress": SHARE}
DAILY_UNITS = {
    "living_released": "persons", "bodies_released": "bodies", "detainees_freed": "persons",
    "territory_share_held": "share", "aid_trucks_delivered": "trucks",
    "deaths_palestinians": "deaths", "deaths_israelis": "deaths", "incidents": "incidents",
    "tension": "tension", "talks_progress": "share", "holding": "share of runs",
    "in_crisis": "share of runs",
}
assert set(DAILY_UNITS) == set(DAILY_SERIES)


def csv_header(fields_: tuple[Outcome, ...]) -> str:
    return ",".join(["replication", *(f.name for f in fields_)]) + "\n"


def csv_rows(fields_: tuple[Outcome, ...], start: int, values: np.ndarray) -> str:
    """replications.csv rows for stored records `values` (n, fields) from index `start`."""
    if not len(values):
        return ""
    columns = [list(map(str, range(start, start + len(values))))]
    columns += [f.column(col) for f, col in zip(fields_, values.T.tolist(), strict=True)]
    return "\n".join(map(",".join, zip(*columns, strict=True))) + "\n"
