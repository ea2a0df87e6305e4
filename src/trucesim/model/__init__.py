"""The truce as simpy processes, one per actor or activity (DESIGN.md §2).

All processes share one :class:`~trucesim.model.state.TruceState`. Tension is the common
currency: incidents, deaths, late or disputed handovers, withheld tranches and aid halts
raise it; it fades on its own and faster once mediators act. Tension above a threshold
starts a crisis, in which handovers, exchanges and withdrawal wait; a crisis not
resolved in time (or by bad luck on any of its days) collapses the truce, after which
war resumes at the counterfactual death rate, the army returns to its earlier lines and
aid falls to its post-collapse level. At the end of the window the talks' progress
decides whether the truce ends in a permanent agreement, an extension, or expires.
"""

from __future__ import annotations

from pathlib import Path

import simpy

from trucesim.draws import Draws
from trucesim.model import daily, schedule
from trucesim.model.daily import DAILY_SERIES
from trucesim.model.state import END_STATES, Event, TruceState
from trucesim.schema import Scenario

# whether the per-event modules run compiled (mypyc, at install) or as plain Python
COMPILED = daily.__file__ is not None and not daily.__file__.endswith(".py")


def _check_not_stale() -> None:
    """A compiled module older than its source would run old code: refuse, and say why."""
    for module in (daily, schedule):
        built = Path(module.__file__ or "")
        source = built.with_name(built.name.split(".")[0] + ".py")
        if source.exists() and source.stat().st_mtime > built.stat().st_mtime + 2:
            raise ImportError(f"{built.name} is older than {source.name}: rebuild with "
                              "`pip install -e .` (or install with TRUCESIM_PURE=1 to run "
                              "the model as plain Python)")


if COMPILED:
    _check_not_stale()

__all__ = ["COMPILED", "DAILY_SERIES", "END_STATES", "Event", "TruceState", "run"]


def run(scenario: Scenario, draws: Draws, log: list[Event] | None = None) -> TruceState:
    """Play one replication to the end of the window and return its final state."""
    env = simpy.Environment()
    st = TruceState(env, scenario, draws, log)
    st.living_held = scenario.hostages.living_held
    st.bodies_held = scenario.hostages.bodies_held
    st.share_held = scenario.withdrawal.initial_share
    categories = len(scenario.exchange.prisoners_per_living_hostage)
    st.detainees_freed = [0] * categories
    st.tranched_at_default = [0] * categories
    st.tranched_extra = [0.0] * categories
    st.release_done = [env.event() for _ in scenario.releases]
    for j, release in enumerate(scenario.releases):
        st.start(schedule.handover(st, j, release))
    if scenario.handovers.bodies_mode == "as_recovered":
        st.start(schedule.bodies_as_recovered(st))
    if scenario.withdrawal.stages:
        st.start(schedule.withdrawal(st))
    for actor in (daily.violence, daily.aid, daily.mediation, daily.talks, daily.window_end,
                  daily.recorder):
        st.start(actor(st))
    env.run(until=scenario.truce.window_days + 1)
    st.finish()
    return st
