"""The agenda of one time of day: the scheduled steps of a block of replications (DESIGN.md
§4, the batched engine).

A step of the deal that is not daily (a handover, the tranche that answers it, a body
recovered, an extension's release, a return to war) falls due on a day that differs
between replications: a handover slips, waits out a crisis or a condition. Each kind of
step is a *row* of the agenda of its time of day, with, for every replication of the
block, the day it is next due (or :data:`~trucesim.model.state.NEVER`). The agenda wakes
at its time each day and, on the days some replication has a step due, calls each due
row's action once with the mask of the replications concerned (`due_today`).

Within one time of day the steps of a replication act in the order their waits were made
(a *ticket*: :meth:`TruceState.ticket`), as simpy runs events that fall at the same time:
a handover scheduled from the start comes before one that slipped to the same day, and
the steps that waited out a crisis resume the day after it, in the order they began to
wait. When several steps of one replication fall due at once, the agenda takes them in
rounds, each round the earliest ticket of every replication, so that a step sees what an
earlier one did that morning. A step that waits for calm is woken by the mediators'
resolution of the crisis (the next day) or by a return to war (at once: it is cancelled).

Steps created as the run goes (the tranche that answers each handover) hold rows of a
:class:`Pool`: each replication takes a free row, and frees it when its step is done.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from trucesim.model.state import NEVER, Mask, Proc, TruceState, at, put

# the action of a row: (row, replications due now, day)
Act = Callable[[int, Mask, int], None]
_LAST = np.iinfo(np.int64).max


def of(st: TruceState, phase: float) -> Agenda:
    """The agenda of `phase` of the day, made the first time an actor asks for it (the
    run starts the process of every agenda its actors made)."""
    if phase not in st.agendas:
        st.agendas[phase] = Agenda(st, phase)
    agenda: Agenda = st.agendas[phase]
    return agenda


class Agenda:
    """The steps that act at one time of day (`phase`), row by row."""

    def __init__(self, st: TruceState, phase: float) -> None:
        self.st, self.phase = st, phase
        self.acts: list[Act] = []
        n = st.n
        self.due = np.zeros((0, n), dtype=np.int64)
        self.ticket = np.zeros((0, n), dtype=np.int64)
        self.calm = np.zeros((0, n), dtype=bool)  # waiting for the crisis to end
        self.soonest = NEVER  # no row is due before this day
        self.running = False
        st.on_calm.append(self._resume)
        st.on_collapse.append(self._cancel)

    def rows(self, count: int, act: Act) -> int:
        """Add `count` rows acting through `act`; the index of the first."""
        first = len(self.acts)
        self.acts += [act] * count
        shape = (count, self.st.n)
        self.due = np.vstack([self.due, np.full(shape, NEVER, dtype=np.int64)])
        self.ticket = np.vstack([self.ticket, np.zeros(shape, dtype=np.int64)])
        self.calm = np.vstack([self.calm, np.zeros(shape, dtype=bool)])
        return first

    def at(self, row: int, mask: Mask, day: int | np.ndarray) -> None:
        """Row `row` falls due on `day` (this agenda's time) where `mask` holds."""
        put(self.due[row], day, mask)
        put(self.ticket[row], self.st.ticket(), mask)
        if mask.any():
            soonest = day if np.ndim(day) == 0 else np.min(day, initial=NEVER, where=mask)
            self.soonest = min(self.soonest, int(soonest))

    def wait_for_calm(self, row: int, mask: Mask) -> None:
        """Row `row` waits where `mask` holds until the crisis ends (or the truce does)."""
        put(self.calm[row], True, mask)
        put(self.due[row], NEVER, mask)
        put(self.ticket[row], self.st.ticket(), mask)  # the order the waits began in

    def _wake(self, waiting: np.ndarray, day: int) -> None:
        """Steps waiting for calm fall due on `day`, in the order they began to wait."""
        began = self.ticket[waiting]
        rank = np.empty(began.size, dtype=np.int64)
        rank[np.argsort(began, kind="stable")] = np.arange(began.size)
        self.ticket[waiting] = self.st.tickets + 1 + rank
        self.st.tickets += began.size
        self.due[waiting] = day
        self.calm[waiting] = False
        self.soonest = min(self.soonest, day)

    def _resume(self, st: TruceState, mask: Mask, day: int) -> None:
        waiting = self.calm & mask
        if waiting.any():
            self._wake(waiting, day + 1)

    def _cancel(self, st: TruceState, mask: Mask, first_day: int) -> None:
        """War resumes: what waited for calm wakes now (and, finding the truce over,
        ends); if this agenda is not acting at this moment, at once."""
        waiting = self.calm & mask
        if not waiting.any():
            return
        self._wake(waiting, st.day)
        if not self.running:
            self.process(st.day, only=waiting)

    def process(self, day: int, only: np.ndarray | None = None) -> None:
        """Every step due on `day`, in rounds of the earliest ticket of each replication."""
        self.running = True
        try:
            while True:
                now = self.due == day
                if only is not None:
                    now &= only
                columns = np.flatnonzero(now.any(axis=0))  # the replications with a step due
                if not columns.size:
                    return
                # each one's earliest ticket among its steps due
                first = np.where(now[:, columns], self.ticket[:, columns], _LAST).argmin(axis=0)
                for row in np.unique(first).tolist():
                    due_today = np.zeros(self.st.n, dtype=bool)
                    due_today[columns[first == row]] = True
                    put(self.due[row], NEVER, due_today)  # its action schedules what follows
                    self.acts[row](row, due_today, day)
        finally:
            self.running = False

    def run(self) -> Proc:
        """Wake at this agenda's time each day; act on the days something is due."""
        env, window = self.st.env, self.st.scenario.truce.window_days
        for day in range(window + 1):
            yield at(env, day, self.phase)
            if self.soonest <= day:
                self.process(day)
                self.soonest = int(self.due.min()) if self.due.size else NEVER


class Pool:
    """Rows of an agenda for steps created as the run goes: a replication takes a free row
    for each new step and frees it when the step is done, so the pool grows only to the
    most steps one replication has on their way at once. Each row carries the step's
    data, one array per name of `columns` ((extra dimensions, dtype, value when free)),
    laid out (row, *extra, replication)."""

    def __init__(self, agenda: Agenda, act: Act,
                 columns: dict[str, tuple[tuple[int, ...], type, object]]) -> None:
        self.agenda, self.act, self.columns = agenda, act, columns
        self.first = len(agenda.acts)
        n = agenda.st.n
        self.busy = np.zeros((0, n), dtype=bool)
        self.data: dict[str, np.ndarray] = {name: np.zeros((0, *extra, n), dtype=kind)
                     for name, (extra, kind, _) in columns.items()}

    def take(self, mask: Mask) -> np.ndarray:
        """A free row for each replication `mask` selects (-1 elsewhere), now busy."""
        lacking = mask & self.busy.all(axis=0)
        if lacking.any() or not len(self.busy):
            self._grow(max(2, len(self.busy) // 2))
        where = np.flatnonzero(mask)
        rows = np.full(mask.shape, -1, dtype=np.int64)
        rows[where] = (~self.busy[:, where]).argmax(axis=0)  # each one's first free row
        self.busy[rows[where], where] = True
        return rows

    def free(self, k: int, mask: Mask) -> None:
        put(self.busy[k], False, mask)

    def _grow(self, k: int) -> None:
        n = self.agenda.st.n
        self.agenda.rows(k, self.act)
        self.busy = np.vstack([self.busy, np.zeros((k, n), dtype=bool)])
        for name, (extra, kind, value) in self.columns.items():
            self.data[name] = np.concatenate(
                [self.data[name], np.full((k, *extra, n), value, dtype=kind)])
