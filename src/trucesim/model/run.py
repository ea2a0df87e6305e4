"""One replication of the truce: every registered actor's processes on one simpy clock.

The truce as simpy processes, one or more per actor (:mod:`trucesim.model.actors`), all
sharing one :class:`~trucesim.model.state.TruceState`. The run ends at the end of the
window; every process is then closed (see :meth:`TruceState.finish`).
"""

from __future__ import annotations

import simpy

from trucesim.model import actors
from trucesim.model.state import TruceState
from trucesim.model.streams import Draws
from trucesim.scenario.schema import Scenario


def run(scenario: Scenario, draws: Draws, log: list[object] | None = None) -> TruceState:
    """Play one replication to the end of the window and return its final state."""
    env = simpy.Environment()
    st = TruceState(env, scenario, draws, log)
    for actor in actors.ACTORS:
        actor.start(st)
    env.run(until=scenario.truce.window_days + 1)
    st.finish()
    return st
