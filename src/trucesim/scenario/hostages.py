"""The hostages a deal concerns: how many are held, the handover schedule
(``[[releases]]``) and how handovers are carried out (``[handovers]``; DESIGN.md §2).

Every key is declared once with :func:`~trucesim.scenario.section.param`, as in
:mod:`.deal`, whose bounds it shares.
"""

from __future__ import annotations

from typing import Literal

from trucesim.scenario.deal import MAX_CATEGORIES, MAX_DAYS, MAX_PERSONS, Ratio
from trucesim.scenario.section import Label, Section, param


class Hostages(Section):
    living_held: int = param(
        20, "persons", "Living hostages held in Gaza when the truce starts.",
        source="~50 held, 20 alive, Jul-Aug 2025 (agreements.md, hostage stock)",
        confidence="reported", plausible=(0, 100), ge=0, le=MAX_PERSONS,
    )
    bodies_held: int = param(
        30, "bodies", "Bodies of hostages held in Gaza when the truce starts.",
        source="~50 held, 20 alive, Jul-Aug 2025 (agreements.md, hostage stock)",
        confidence="reported", plausible=(0, 100), ge=0, le=MAX_PERSONS,
    )


class Release(Section):
    """One scheduled handover of living hostages and/or bodies."""

    day: int = param(..., "day", "Day of the truce the handover is due.", ge=0, le=MAX_DAYS)
    through_day: int = param(
        0, "day", "A total agreed over several days without a split between them ('50 over "
        "the first four days': day = 1, through_day = 4): the handover's living hostages and "
        "bodies come out over days day to through_day, part of them each day. How many "
        "on each day is drawn in each run (each person equally likely on any of the days), "
        "so only the total is fixed, by through_day. 0: all on the handover's day.",
        off=True, ge=0, le=MAX_DAYS)
    living: int = param(0, "persons", "Living hostages handed over.", ge=0, le=MAX_PERSONS)
    bodies: int = param(0, "bodies", "Bodies handed over.", ge=0, le=MAX_PERSONS)
    label: Label = param("", "text", "Optional name of the handover, used in stories.")
    prisoners_per_living: dict[str, Ratio] = param(
        {}, "persons per living hostage",
        "Ratios for this handover's living hostages, by category, replacing those of "
        "exchange.prisoners_per_living_hostage for the categories given (Jan 2025: 50 per "
        "female soldier instead of 30 per civilian). Empty: the exchange's ratios apply.",
        max_length=MAX_CATEGORIES,
    )
    living_outside_deal: int = param(
        0, "persons", "Living hostages released with this handover outside the agreement "
        "(Jan 2025: 5 Thai nationals on 30 Jan): they leave hostages.living_held but "
        "count in no schedule and free no one in exchange.", ge=0, le=MAX_PERSONS,
    )

    @property
    def last_day(self) -> int:
        """The day by which everything agreed under this handover is due."""
        return max(self.through_day, self.day)

    @property
    def days(self) -> int:
        """Over how many days it comes out (1 unless spread with through_day)."""
        return self.last_day - self.day + 1


class Handovers(Section):
    """How handovers are carried out: slips, disputes, withholding."""

    slip_probability: float = param(
        0.15, "probability per handover", "Chance a handover is late.",
        source="assumption; Jan 2025: one of 9 handovers a day late (Bibas body) [S45][S47]",
        plausible=(0.0, 0.5), ge=0, le=1,
    )
    slip_mean_days: float = param(
        2.0, "days", "Mean delay of a late handover (at least one day).",
        plausible=(1, 10), ge=1, le=60,
    )
    dispute_probability: float = param(
        0.2, "probability per handover",
        "Chance a handover is disputed (identity of a body, ceremonies, lists).",
        source="Jan 2025: 2 of 9 handovers disputed [S45][S48] (inferred)",
        confidence="estimate", plausible=(0.0, 0.5), ge=0, le=1,
    )
    withheld_in_crisis: bool = param(
        True, "yes/no", "Whether a handover due during a crisis waits until the crisis ends.",
    )
    bodies_mode: Literal["scheduled", "as_recovered"] = param(
        "scheduled", "choice",
        "'scheduled': bodies are handed over on the releases' days; 'as_recovered': the "
        "scheduled total is handed over body by body as each is recovered.",
        source="July 2025 plan: bodies on the plan's days [S7]", confidence="agreed text",
    )
    recovery_mean_days: float = param(
        20.0, "days", "Mean time to recover a body (as_recovered mode).",
        plausible=(5, 60), ge=0.1, le=1000,
    )
    recovery_shape: float = param(
        2.0, "gamma shape", "Shape of the recovery-time distribution; higher is less spread.",
        plausible=(0.5, 10), ge=0.05, le=1000,
    )
    located_bodies: int = param(
        0, "bodies", "Of the scheduled bodies, how many are already located (as_recovered "
        "mode): each is recovered on a day drawn evenly from 1 to located_within_days; the "
        "others are searched for, taking the recovery time above.",
        plausible=(0, 30), ge=0, le=MAX_PERSONS, off=True,
    )
    located_within_days: int = param(
        3, "days", "Deadline for the located bodies: all are recovered within this many "
        "days (e.g. 'all within 72 hours' = 3).",
        plausible=(1, 14), ge=1, le=MAX_DAYS, off=True,
    )
    unrecovered_owed: bool = param(
        False, "yes/no", "as_recovered mode: every scheduled body is due from day 0, so a "
        "body not yet recovered counts as owed (bodies_owed, owed_hostage_bodies); false: a "
        "body is due only once it is recovered.", off=True,
    )
