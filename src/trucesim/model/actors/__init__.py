"""The registry of the truce's actors: one line each (DESIGN.md §2 and docs/extending.md).

The order matters and is fixed: processes start in this order (handovers before the
withdrawal that waits for them), the outcome record lists each actor's outcomes in this
order (how the truce ended first, then every count, then every milestone), and the
recorder's daily series follow it too. Each actor draws from its own named stream, so
adding one changes no other actor's random numbers.
"""

from __future__ import annotations

from trucesim.model.actors import (
    aid,
    conditions,
    exchange,
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
from trucesim.model.declare import Actor

ACTORS: tuple[Actor, ...] = (
    conditions.ACTOR,  # terms tying steps to the state of the truce (first: others ask it)
    handovers.ACTOR,  # scheduled releases of living hostages and bodies
    recovery.ACTOR,  # bodies handed over as they are recovered (if the deal says so)
    exchange.ACTOR,  # prisoners, detainees and bodies freed in return
    withdrawal.ACTOR,  # the army's lines, stage by stage
    aid.ACTOR,  # trucks agreed against delivered
    violence.ACTOR,  # incidents, deaths, retaliation
    war.ACTOR,  # war after a collapse; the counterfactual
    mediation.ACTOR,  # tension, mediators, crises, collapse
    negotiations.ACTOR,  # talks toward a permanent ceasefire
    phase.ACTOR,  # how the agreed phase ends: verdict, extensions, lapse or war
    recorder.ACTOR,  # the daily snapshot (last: it records what the others did)
)
