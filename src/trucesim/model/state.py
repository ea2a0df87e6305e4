"""The state every process of one replication shares, and the clock's conventions.

One time unit is one day; day 0 is when the truce takes effect. Within a day, things
happen in a fixed order, given by the fraction of the day they are scheduled at:
handovers in the morning, then releases of prisoners, withdrawal moves, incidents, aid,
the mediators' day, the talks, the end of the window, and at night a snapshot of the day.

The state is a blackboard: each actor (:mod:`trucesim.model.actors`) reads and writes
the quantities it shares with others here, under names that say what they count and for
which side. An actor's own bookkeeping goes in ``parts.<actor name>``, where the
recorder and the outcome declarations can read it too. The truce's
status changes only through the transitions below, which keep the flags that processes
test (``in_force``, ``truce_holds``, ``in_crisis``) consistent with it.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from enum import IntEnum
from types import SimpleNamespace
from typing import Any, Final

import simpy

from trucesim.scenario.schema import Scenario


class Status(IntEnum):
    """Where the truce stands."""

    HOLDING = 0  # in force, no crisis
    CRISIS = 1  # in force, in crisis: scheduled steps wait for calm
    COLLAPSED = 2  # broken down: war has resumed
    ENDED = 3  # the agreed period is over: a permanent agreement, an extension or expiry


HOLDING: Final = Status.HOLDING
CRISIS: Final = Status.CRISIS
COLLAPSED: Final = Status.COLLAPSED
ENDED: Final = Status.ENDED


# fraction of the day at which each activity happens
HANDOVER, EXCHANGE, WITHDRAWAL, VIOLENCE, AID, MEDIATION, TALKS, WINDOW_END, RECORD = (
    0.0, 0.1, 0.2, 0.5, 0.6, 0.8, 0.9, 0.95, 0.99)

Proc = Generator[simpy.Event, Any, None]


@dataclass(slots=True)
class TruceState:
    """Everything the processes of one replication share."""

    env: simpy.Environment
    scenario: Scenario
    draws: dict[str, Any]  # each actor's random numbers for this replication, by actor name
    log: list[Any] | None  # the typed events of the run, when it is told
    status: Status = HOLDING
    in_force: bool = True  # holding or in crisis: neither collapsed nor ended
    truce_holds: bool = True  # not collapsed (an ended truce still holds)
    in_crisis: bool = False
    tension: float = 0.0
    max_tension: float = 0.0
    # hostages (handovers)
    living_held: int = 0
    bodies_held: int = 0
    living_released: int = 0
    bodies_released: int = 0
    outside_released: int = 0  # living hostages released outside the agreement
    release_done: list[simpy.Event] = field(default_factory=list)  # per scheduled handover
    # what the other side frees in return (exchange)
    detainees_freed: list[int] = field(default_factory=list)  # per category
    detainees_total: int = 0
    bodies_returned: int = 0
    # territory (withdrawal), aid
    share_held: float = 0.0
    aid_delivered: int = 0
    aid_halt_days: int = 0
    aid_closed_days: int = 0
    # violence: incidents by the side they are attributed to, deaths by the victims' side
    attacks_today: int = 0  # incidents attributed to Palestinian armed groups today
    incidents_by_israeli_forces: int = 0
    incidents_by_palestinian_groups: int = 0
    incidents_total: int = 0
    deaths_palestinians_truce: int = 0
    deaths_israelis_truce: int = 0
    deaths_palestinians: int = 0  # over the whole window, war included
    deaths_israelis: int = 0
    # mediation and crisis
    crises: int = 0
    crisis_days: int = 0
    crisis_start: int = -1
    calm: simpy.Event | None = None
    # talks and how the agreed phase ends
    phase_end: int = 0  # the day the agreed phase ends, extensions included
    progress: float = 0.0
    agreed: bool = False
    phase_expired: bool = False  # the agreed phase ended without agreement or extension
    end_state: str = ""
    end_day: int = -1
    milestones: dict[str, int] = field(default_factory=dict)
    daily: list[float] = field(default_factory=list)  # the recorder's series, flattened
    parts: SimpleNamespace = field(default_factory=SimpleNamespace)  # actors' own state
    on_collapse: list[Callable[[TruceState, int], None]] = field(default_factory=list)
    processes: list[Proc] = field(default_factory=list)

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

    def note(self, event: Any) -> None:
        """Log a typed event (callers check ``log is not None`` first when it is costly)."""
        if self.log is not None:
            self.log.append(event)

    # transitions of the truce's status -------------------------------------------------
    def start_crisis(self, day: int) -> None:
        self.status, self.in_crisis = CRISIS, True
        self.crisis_start, self.calm = day, self.env.event()
        self.crises += 1
        self.crisis_days += 1
        self.milestones.setdefault("first_crisis", day)

    def resolve_crisis(self) -> None:
        self.status, self.in_crisis = HOLDING, False
        assert self.calm is not None
        self.calm.succeed()

    def collapse(self, day: int) -> None:
        """The truce breaks down in a crisis: war resumes the next day."""
        self.milestones["collapse"] = day
        self.return_to_war(day + 1)

    def return_to_war(self, first_day: int) -> None:
        """Fighting resumes on `first_day`: those waiting for calm wake up, and every actor
        that registered in ``on_collapse`` reacts (the army returns to its lines, war
        deaths follow the counterfactual rates)."""
        self.status, self.in_force, self.truce_holds, self.in_crisis = (
            COLLAPSED, False, False, False)
        if first_day <= self.scenario.truce.window_days:
            self.milestones["war_resumed"] = first_day
        if self.calm is not None and not self.calm.triggered:
            self.calm.succeed()
        for react in self.on_collapse:
            react(self, first_day)

    def end(self) -> None:
        """The agreed period is over (the window's last day)."""
        self.status, self.in_force, self.in_crisis = ENDED, False, False


def at(env: simpy.Environment, day: int, phase: float) -> simpy.Timeout:
    """A timeout that fires at `phase` of `day` (immediately if that is past)."""
    return env.timeout(max(0.0, day + phase - env.now))


def wait_for_calm(st: TruceState, paused: Callable[[int], Any]) -> Proc:
    """Hold an activity while a crisis lasts; resume the next day at the same phase.

    `paused(day)` makes the event logged for each day the activity waits.
    """
    phase = st.env.now % 1.0
    while st.status == CRISIS and st.calm is not None:
        if st.log is not None:
            st.log.append(paused(int(st.env.now)))
        yield st.calm
        if not st.truce_holds:  # the crisis ended in collapse
            return
        yield at(st.env, int(st.env.now) + 1, phase)
