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
    exchange,
    handovers,
    mediation,
    negotiations,
    recorder,
    violence,
    war,
    withdrawal,
)
from trucesim.model.declare import Actor

ACTORS: tuple[Actor, ...] = (
    handovers.ACTOR,  # scheduled releases of living hostages and bodies
    exchange.ACTOR,  # prisoners, detainees and bodies freed in return
    withdrawal.ACTOR,  # the army's lines, stage by stage
    aid.ACTOR,  # trucks agreed against delivered
    violence.ACTOR,  # incidents, deaths, retaliation
    war.ACTOR,  # war after a collapse; the counterfactual
    mediation.ACTOR,  # tension, mediators, crises, collapse
    negotiations.ACTOR,  # talks, and how the agreed phase ends
    recorder.ACTOR,  # the daily snapshot (last: it records what the others did)
)
