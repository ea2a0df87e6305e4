"""The state every process of one replication shares, and the clock's conventions.

One time unit is one day; day 0 is when the truce takes effect. Within a day, things
happen in a fixed order, given by the fraction of the day they are scheduled at:
handovers in the morning, then releases of prisoners, withdrawal moves, incidents, aid,
the mediators' day, the talks, the end of the window, and at night a snapshot of the day.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import simpy

from trucesim.draws import Draws
from trucesim.schema import Scenario

HOLDING, CRISIS, COLLAPSED, ENDED = range(4)
END_STATES = ("permanent", "extended", "expired", "collapsed")

# fraction of the day at which each activity happens
HANDOVER, EXCHANGE, WITHDRAWAL, VIOLENCE, AID, MEDIATION, TALKS, WINDOW_END, RECORD = (
    0.0, 0.1, 0.2, 0.5, 0.6, 0.8, 0.9, 0.95, 0.99)

Proc = Generator[simpy.Event, Any, None]


@dataclass(frozen=True, slots=True)
class Event:
    """One line of a run's log: what happened, on which day, by which process."""

    day: int
    actor: str
    kind: str
    data: dict[str, Any]


@dataclass(slots=True)
class TruceState:
    """Everything the processes share during one replication."""

    env: simpy.Environment
    scenario: Scenario
    draws: Draws
    log: list[Event] | None
    status: int = HOLDING
    tension: float = 0.0
    max_tension: float = 0.0
    living_held: int = 0
    bodies_held: int = 0
    living_released: int = 0
    bodies_released: int = 0
    living_tranched: int = 0  # living hostages whose exchange tranche has been set
    bodies_tranched: int = 0
    # per category: living tranched at the exchange's ratio, and the prisoners due for
    # living tranched at a handover's own ratios (Release.prisoners_per_living)
    tranched_at_default: list[int] = field(default_factory=list)
    tranched_extra: list[float] = field(default_factory=list)
    outside_released: int = 0  # living hostages released outside the agreement
    phase_expired: bool = False  # the agreed phase ended without agreement or extension
    detainees_freed: list[int] = field(default_factory=list)
    detainees_total: int = 0
    bodies_returned: int = 0
    share_held: float = 0.0
    aid_delivered: int = 0
    aid_halt_days: int = 0
    aid_closed_days: int = 0
    attacks_today: int = 0
    incidents: list[int] = field(default_factory=lambda: [0, 0])
    deaths_truce: list[int] = field(default_factory=lambda: [0, 0])
    deaths: list[int] = field(default_factory=lambda: [0, 0])
    crises: int = 0
    crisis_days: int = 0
    crisis_start: int = -1
    calm: simpy.Event | None = None
    progress: float = 0.0
    agreed: bool = False
    milestones: dict[str, int] = field(default_factory=dict)
    release_done: list[simpy.Event] = field(default_factory=list)
    end_state: str = ""
    end_day: int = -1
    daily: list[float] = field(default_factory=list)
    processes: list[Proc] = field(default_factory=list)  # DAILY_SERIES per day, flattened

    def start(self, process: Proc) -> None:
        """Run `process` on the environment, and remember it to close it at the end."""
        self.processes.append(process)
        self.env.process(process)

    def finish(self) -> None:
        """Close every process and let the environment run dry.

        Processes still waiting at the end of the window (a handover that slipped past it,
        a withdrawal stage whose handover never came) would otherwise keep the state, the
        environment and their events in reference cycles that only the garbage collector
        can free; closed, they hold nothing, and each replication's memory is returned at
        once.
        """
        for process in self.processes:
            process.close()
        self.env.run()  # what is still scheduled wakes closed processes, which just end

    def note(self, day: int, actor: str, kind: str, **data: Any) -> None:
        if self.log is not None:
            self.log.append(Event(day, actor, kind, data))


def at(env: simpy.Environment, day: int, phase: float) -> simpy.Timeout:
    """A timeout that fires at `phase` of `day` (immediately if that is past)."""
    return env.timeout(max(0.0, day + phase - env.now))


def wait_for_calm(st: TruceState, actor: str, what: str) -> Proc:
    """Hold an activity while a crisis lasts; resume the next day at the same phase."""
    phase = st.env.now % 1.0
    while st.status == CRISIS and st.calm is not None:
        st.note(int(st.env.now), actor, "paused", what=what)
        yield st.calm
        if st.status == COLLAPSED:
            return
        yield at(st.env, int(st.env.now) + 1, phase)
