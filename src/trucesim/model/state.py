"""The state a block of replications shares, and the clock's conventions.

One time unit is one day; day 0 is when the truce takes effect. Within a day, things
happen in a fixed order, given by the fraction of the day they are scheduled at:
handovers in the morning, then releases of prisoners, withdrawal moves, incidents, aid,
the mediators' day, the talks, the end of the window, and at night a snapshot of the day.

The state is a blackboard for a *block* of replications that one simpy environment
steps together: every quantity is a numpy array with one entry per replication, under a
name that says what it counts and for which side. Each actor
(:mod:`trucesim.model.actors`) reads and writes the quantities it shares with others
here, and keeps its own bookkeeping in ``parts.<actor name>``. The truce's status
changes only through the transitions below, which act on the replications a mask
selects and keep the flags that actors test (``in_force``, ``truce_holds``,
``in_crisis``) consistent with it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from enum import IntEnum
from types import SimpleNamespace
from typing import Any, Final

import numpy as np
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
FLARE_UP = 0.55  # after the day's incidents, before mediators weigh the day's tension
MISSING = -1  # a milestone not reached (written empty)
NEVER = 1 << 40  # a day that never comes: a step with nothing scheduled

Proc = Generator[simpy.Event, Any, None]
Mask = np.ndarray  # bool, one entry per replication of the block
# reactions to a change of status: (state, replications concerned, day)
Reaction = Callable[["TruceState", Mask, int], None]


def ints(n: int, value: int = 0) -> np.ndarray:
    return np.full(n, value, dtype=np.int64)


def floats(n: int, value: float = 0.0) -> np.ndarray:
    return np.full(n, value, dtype=np.float64)


def flags(n: int, value: bool = False) -> np.ndarray:
    return np.full(n, value, dtype=bool)


@dataclass(eq=False)
class TruceState:
    """Everything the processes of one block of `n` replications share."""

    env: simpy.Environment
    scenario: Scenario
    n: int
    draws: dict[str, Any]  # each actor's random numbers for the block, by actor name
    log: list[list[Any]] | None  # per replication, the typed events of the run (if told)
    status: np.ndarray = field(init=False)
    in_force: np.ndarray = field(init=False)  # holding or in crisis: not collapsed, not ended
    truce_holds: np.ndarray = field(init=False)  # not collapsed (an ended truce still holds)
    in_crisis: np.ndarray = field(init=False)
    in_flare_up: np.ndarray = field(init=False)  # days of a flare-up (model.actors.flare_ups)
    tension: np.ndarray = field(init=False)
    max_tension: np.ndarray = field(init=False)
    # hostages (handovers)
    living_held: np.ndarray = field(init=False)
    bodies_held: np.ndarray = field(init=False)
    living_released: np.ndarray = field(init=False)
    bodies_released: np.ndarray = field(init=False)
    outside_released: np.ndarray = field(init=False)  # released outside the agreement
    release_done: np.ndarray = field(init=False)  # (scheduled handover, replication)
    # what the other side frees in return (exchange)
    detainees_freed: np.ndarray = field(init=False)  # (category, replication)
    detainees_total: np.ndarray = field(init=False)
    bodies_returned: np.ndarray = field(init=False)
    # territory (withdrawal), aid
    share_held: np.ndarray = field(init=False)
    aid_delivered: np.ndarray = field(init=False)
    aid_halt_days: np.ndarray = field(init=False)
    aid_closed_days: np.ndarray = field(init=False)
    # violence: incidents by the side they are attributed to, deaths by the victims' side
    attacks_today: np.ndarray = field(init=False)  # by Palestinian armed groups, today
    incidents_by_israeli_forces: np.ndarray = field(init=False)
    incidents_by_palestinian_groups: np.ndarray = field(init=False)
    incidents_total: np.ndarray = field(init=False)
    deaths_palestinians_truce: np.ndarray = field(init=False)
    deaths_israelis_truce: np.ndarray = field(init=False)
    deaths_palestinians: np.ndarray = field(init=False)  # over the whole window, war too
    deaths_israelis: np.ndarray = field(init=False)
    # mediation and crisis
    crises: np.ndarray = field(init=False)
    crisis_days: np.ndarray = field(init=False)
    crisis_start: np.ndarray = field(init=False)
    # talks and how the agreed phase ends
    phase_end: np.ndarray = field(init=False)  # the day it ends, extensions included
    progress: np.ndarray = field(init=False)
    agreed: np.ndarray = field(init=False)
    phase_expired: np.ndarray = field(init=False)  # ended without agreement or extension
    end_state: np.ndarray = field(init=False)  # code of how it ended (phase.END_STATES)
    end_day: np.ndarray = field(init=False)
    milestones: dict[str, np.ndarray] = field(default_factory=dict)
    parts: SimpleNamespace = field(default_factory=SimpleNamespace)  # actors' own state
    agendas: dict[float, Any] = field(default_factory=dict)  # model.agenda, by time of day
    on_calm: list[Reaction] = field(default_factory=list)  # a crisis resolved
    on_collapse: list[Reaction] = field(default_factory=list)  # war resumes (first day)
    tickets: int = 0  # when each wait for a time of day was made (see model.agenda)
    series: tuple[Any, ...] = ()  # the daily series the recorder keeps (model.declare)
    stored_daily: bool = True  # ... in their stored units (else as the values were)

    def __post_init__(self) -> None:
        n, s = self.n, self.scenario
        self.status = np.zeros(n, dtype=np.int8)
        self.in_force, self.truce_holds, self.in_crisis = flags(n, True), flags(n, True), \
            flags(n)
        self.in_flare_up = flags(n)
        self.tension, self.max_tension = floats(n), floats(n)
        for name in ("living_held", "bodies_held", "living_released", "bodies_released",
                     "outside_released", "detainees_total", "bodies_returned",
                     "aid_delivered", "aid_halt_days", "aid_closed_days", "attacks_today",
                     "incidents_by_israeli_forces", "incidents_by_palestinian_groups",
                     "incidents_total", "deaths_palestinians_truce", "deaths_israelis_truce",
                     "deaths_palestinians", "deaths_israelis", "crises", "crisis_days",
                     "phase_end"):
            setattr(self, name, ints(n))
        self.release_done = np.zeros((len(s.releases), n), dtype=bool)
        self.detainees_freed = np.zeros((len(s.exchange.prisoners_per_living_hostage), n),
                                        dtype=np.int64)
        self.share_held, self.progress = floats(n), floats(n)
        self.agreed, self.phase_expired = flags(n), flags(n)
        self.end_state = np.full(n, -1, dtype=np.int8)
        self.crisis_start, self.end_day = ints(n, MISSING), ints(n, MISSING)

    @property
    def day(self) -> int:
        return int(self.env.now)

    def ticket(self) -> int:
        """A number larger than every one given before: the order waits were made in."""
        self.tickets += 1
        return self.tickets

    def by_day(self, name: str, *fields: str) -> tuple[np.ndarray, ...]:
        """Fields of an actor's (replication, day) draws laid out (day, replication), each
        day contiguous, for a process that reads them day by day. The actor's entry
        leaves `draws`, and each field's first layout is let go as soon as it is copied,
        so that the block does not hold both layouts of all (its peak of memory)."""
        left = self.drawn_fields(name)
        return tuple(left.pop(f).T.copy() for f in fields)

    def drawn_fields(self, name: str) -> dict[str, np.ndarray]:
        """An actor's draws taken out of `draws`, as a dict of its fields (from which the
        actor takes each, so that nothing else holds it)."""
        drawn = self.draws.pop(name)
        return {f.name: getattr(drawn, f.name) for f in dataclasses.fields(drawn)}

    def milestone(self, name: str) -> np.ndarray:
        """The day each replication reached `name` (MISSING if not)."""
        if name not in self.milestones:
            self.milestones[name] = ints(self.n, MISSING)
        return self.milestones[name]

    def first(self, name: str, mask: Mask, day: int | np.ndarray) -> None:
        """Record `day` as the milestone `name` where `mask` holds and it is not yet set."""
        reached = self.milestone(name)
        put(reached, day, mask & (reached == MISSING))

    def note(self, mask: Mask, event: Callable[[int], Any]) -> None:
        """Log `event(r)` for each replication r that `mask` selects, if the run is told."""
        if self.log is not None:
            for r in np.flatnonzero(mask).tolist():
                self.log[r].append(event(r))

    # transitions of the truce's status -------------------------------------------------
    def start_crisis(self, mask: Mask, day: int) -> None:
        put(self.status, CRISIS, mask)
        put(self.in_crisis, True, mask)
        put(self.crisis_start, day, mask)
        add(self.crises, 1, mask)
        add(self.crisis_days, 1, mask)
        self.first("first_crisis", mask, day)

    def resolve_crisis(self, mask: Mask, day: int) -> None:
        """The crisis ends: whatever waited for calm resumes the next day."""
        put(self.status, HOLDING, mask)
        put(self.in_crisis, False, mask)
        for react in self.on_calm:
            react(self, mask, day)

    def collapse(self, mask: Mask, day: int) -> None:
        """The truce breaks down in a crisis: war resumes the next day."""
        put(self.milestone("collapse"), day, mask)
        self.return_to_war(mask, day + 1)

    def return_to_war(self, mask: Mask, first_day: int) -> None:
        """Fighting resumes on `first_day`: whatever waited for calm is cancelled, and every
        actor that registered in ``on_collapse`` reacts (the army returns to its lines, war
        deaths follow the counterfactual rates)."""
        put(self.status, COLLAPSED, mask)
        for state in (self.in_force, self.truce_holds, self.in_crisis, self.in_flare_up):
            put(state, False, mask)
        if first_day <= self.scenario.truce.window_days:
            put(self.milestone("war_resumed"), first_day, mask)
        for react in self.on_collapse:
            react(self, mask, first_day)

    def end(self, mask: Mask) -> None:
        """The agreed period is over (the window's last day)."""
        put(self.status, ENDED, mask)
        for state in (self.in_force, self.in_crisis, self.in_flare_up):
            put(state, False, mask)


def add(x: np.ndarray, value: np.ndarray | float, where: Mask) -> None:
    """x += value where `where` holds (`value` one number, or an array over the block):
    what ``x[where] += value[where]`` gives, without gathering and scattering, which at a
    block of thousands costs several times more when few replications are concerned."""
    np.add(x, value, out=x, where=where)


def put(x: np.ndarray, value: np.ndarray | float, where: Mask) -> None:
    """x = value where `where` holds, cast as ``x[where] = value[where]`` casts."""
    np.copyto(x, value, where=where, casting="unsafe")


def at(env: simpy.Environment, day: int, phase: float) -> simpy.Timeout:
    """A timeout that fires at `phase` of `day` (immediately if that is past)."""
    return env.timeout(max(0.0, day + phase - env.now))

