"""A block of replications of the truce: every registered actor's processes on one simpy
clock, for all of them at once (DESIGN.md §4, the batched engine).

The actors (:mod:`trucesim.model.actors`) share one
:class:`~trucesim.model.state.TruceState` whose quantities are arrays over the block;
the agendas their scheduled steps joined (:mod:`trucesim.model.agenda`) run as
processes of their own. The run ends at the end of the window.
"""

from __future__ import annotations

from collections.abc import Sequence

import simpy

from trucesim.model import actors, outcomes
from trucesim.model.agenda import Agenda
from trucesim.model.declare import Actor
from trucesim.model.state import TruceState
from trucesim.model.streams import Draws
from trucesim.scenario.schema import Scenario


def run(scenario: Scenario, draws: Draws, n: int, log: bool = False, stored: bool = True,
        registry: Sequence[Actor] | None = None) -> TruceState:
    """Play a block of `n` replications (their `draws`) to the end of the window; with
    `log`, each keeps its typed events (``st.log[r]``). The recorder keeps the daily
    series in their stored units (integers) if `stored`, else as they were."""
    env = simpy.Environment()
    registry = actors.ACTORS if registry is None else registry
    st = TruceState(env, scenario, n, draws, [[] for _ in range(n)] if log else None,
                    series=outcomes.series_of(registry), stored_daily=stored)
    for actor in registry:
        actor.start(st)
    for agenda in st.agendas.values():
        assert isinstance(agenda, Agenda)
        env.process(agenda.run())
    env.run(until=scenario.truce.window_days + 1)
    return st
