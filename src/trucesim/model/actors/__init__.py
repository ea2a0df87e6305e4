"""The registry of the truce's actors: one line each (DESIGN.md §2 and docs/extending.md).

The order matters and is fixed: processes start in this order (handovers before the
withdrawal that waits for them), the outcome record lists each actor's outcomes in this
order (how the truce ended first, then every count, then every milestone), and the
recorder's daily series follow it too. Each actor draws from its own named stream, so
adding one changes no other actor's random numbers. :func:`fields` and :func:`series` are
the outcome record and daily series of the registered actors.
"""

from __future__ import annotations

from trucesim.model import outcomes
from trucesim.model.actors import (
    aid,
    conditions,
    exchange,
    flare_ups,
    handovers,
    mediation,
    negotiations,
    phase,
    recorder,
    recovery,
    violence,
    war,
    withdrawal,
)
from trucesim.model.declare import Actor, Outcome, Series
from trucesim.scenario.schema import Scenario

ACTORS: tuple[Actor, ...] = (
    conditions.ACTOR,  # terms tying steps to the state of the truce (first: others ask it)
    handovers.ACTOR,  # scheduled releases of living hostages and bodies
    recovery.ACTOR,  # bodies handed over as they are recovered (if the deal says so)
    exchange.ACTOR,  # prisoners, detainees and bodies freed in return
    withdrawal.ACTOR,  # the army's lines, stage by stage
    aid.ACTOR,  # trucks agreed against delivered
    violence.ACTOR,  # incidents, deaths, retaliation
    flare_ups.ACTOR,  # days of mass-casualty strikes while the truce holds (if set)
    war.ACTOR,  # war after a collapse; the counterfactual
    mediation.ACTOR,  # tension, mediators, crises, collapse
    negotiations.ACTOR,  # talks toward a permanent ceasefire
    phase.ACTOR,  # how the agreed phase ends: verdict, extensions, lapse or war
    recorder.ACTOR,  # the daily snapshot (last: it records what the others did)
)


def fields(s: Scenario) -> tuple[Outcome, ...]:
    """The outcome record's fields of the registered actors for this scenario, in file
    order (:func:`trucesim.model.outcomes.fields_of`)."""
    return outcomes.fields_of(s, ACTORS)


def by_name(s: Scenario) -> dict[str, Outcome]:
    return {o.name: o for o in fields(s)}


def series() -> tuple[Series, ...]:
    """The daily series of the registered actors, in registry order."""
    return outcomes.series_of(ACTORS)
