"""Withdrawal: the share of territory the army holds, moving back in stages (DESIGN.md §2).

Each stage is tied to a day or to a handover (July 2025: the north after the day-1
release, the south on day 7), pauses during a crisis, and is undone by a collapse, when
the army returns to its earlier lines. Each replication of the block is at its own
stage; every day at the withdrawal's time, the stages due move on.

A stage may be late (a chance, and a geometric number of days after its due day, from
the 'withdrawal' stream drawn before the run) and partial (a share of its pull-back not
made, where a condition holds on the day it is reached): the positions kept stay held
to the horizon, and are reported as the share held beyond the agreed line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from trucesim import fmt
from trucesim.model.actors import conditions
from trucesim.model.declare import SHARE, Actor, Outcome, Series, scaled
from trucesim.model.events import Line, Narration
from trucesim.model.sampling import geometric_days, of
from trucesim.model.state import NEVER, WITHDRAWAL, Mask, Proc, TruceState, at, ints
from trucesim.scenario.expressions import parse
from trucesim.scenario.schema import Scenario
from trucesim.scenario.steps import refs

NAME = "withdrawal"
TRIGGER, DUE, CALM, HELD = range(4)  # waiting for its handover, for its day, for calm


@dataclass(frozen=True, slots=True)
class StageReached:
    day: int
    name: str
    share: float  # held afterwards
    before: float  # held before

    def lines(self, n: Narration) -> list[Line]:
        return [("withdrawal", f"The army pulls back to {fmt.line(self.name)}: it now holds "
                 f"{fmt.percent(self.share)} of {n.scenario.names.territory} (it held "
                 f"{fmt.percent(self.before)}).")]


@dataclass(frozen=True, slots=True)
class Paused:
    day: int
    name: str

    def lines(self, n: Narration) -> list[Line]:
        return [("crisis", f"The withdrawal to {fmt.line(self.name)} waits while the "
                 "crisis lasts.")]


@dataclass(frozen=True, slots=True)
class Late:
    day: int
    name: str
    days: int

    def lines(self, n: Narration) -> list[Line]:
        return [("withdrawal", f"The withdrawal to {fmt.line(self.name)} is late: the army "
                 f"stays on its lines {fmt.count(self.days, 'more day')}.")]


@dataclass(frozen=True, slots=True)
class Kept:
    day: int
    name: str
    kept: float  # share of the territory held beyond the agreed line

    def lines(self, n: Narration) -> list[Line]:
        return [("withdrawal", f"The army keeps positions past {fmt.line(self.name)}: "
                 f"{fmt.percent(self.kept)} of {n.scenario.names.territory} beyond the agreed "
                 "line.")]


def uses_terms(s: Scenario) -> bool:
    """Whether a stage can be late or partial (otherwise nothing is drawn or reported)."""
    return any(stage.late_probability > 0 or stage.kept_share > 0
               for stage in s.withdrawal.stages)


def draw(s: Scenario, g: np.random.Generator, n: int) -> np.ndarray:
    """(replication, stage, 2): whether the stage is late, and by how many days."""
    stages = len(s.withdrawal.stages) if uses_terms(s) else 0
    return g.random((n, stages, 2))


@dataclass(slots=True)
class Lines:
    """The actor's own state (st.parts.withdrawal), over the block."""

    stage: np.ndarray  # index of the next stage (len(stages) once all are reached)
    step: np.ndarray  # TRIGGER, DUE, CALM or HELD
    reached_on: np.ndarray  # the day the previous stage was reached (0 at the start)
    due: np.ndarray  # the day the next stage is due (NEVER until known)
    held: np.ndarray  # the condition that first held it back
    kept: np.ndarray  # share held beyond the agreed line of the stages reached
    judged: np.ndarray  # whether the next stage, due, has been found late or not
    keep_if: tuple[conditions.Test | None, ...]  # per stage: when positions are kept


def start(st: TruceState) -> None:
    w, n = st.scenario.withdrawal, st.n
    st.share_held[:] = w.initial_share
    st.on_collapse.append(back_to_earlier_lines)
    if w.stages:
        tests = tuple(conditions.compile_test(parse(stage.kept_if, refs(st.scenario)))
                      if stage.kept_if.strip() else None for stage in w.stages)
        st.parts.withdrawal = Lines(ints(n), np.zeros(n, dtype=np.int8), ints(n),
                                    ints(n, NEVER), ints(n, conditions.NO_RULE),
                                    np.zeros(n), np.zeros(n, dtype=bool), tests)
        st.on_calm.append(resume)
        st.env.process(withdrawal(st))


def back_to_earlier_lines(st: TruceState, mask: Mask, first_war_day: int) -> None:
    st.share_held[mask] = of(st.scenario.withdrawal.share_after_collapse, mask)
    if st.scenario.withdrawal.stages:  # the agreed lines no longer apply
        st.parts.withdrawal.kept[mask] = 0.0


def resume(st: TruceState, mask: Mask, day: int) -> None:
    """A crisis resolved on `day`: a stage waiting for calm moves on the next day."""
    lines: Lines = st.parts.withdrawal
    calm = mask & (lines.step == CALM)
    lines.step[calm], lines.due[calm] = HELD, day + 1  # then it checks its conditions


def withdrawal(st: TruceState) -> Proc:
    """The army's lines move back stage by stage, pausing during a crisis."""
    env, window = st.env, st.scenario.truce.window_days
    for day in range(window + 1):
        yield at(env, day, WITHDRAWAL)
        for k in range(len(st.scenario.withdrawal.stages)):
            advance(st, k, day)


def advance(st: TruceState, k: int, day: int) -> None:
    """Stage k, where it is the next: triggered, due, held back, reached."""
    s, lines = st.scenario, st.parts.withdrawal
    stage = s.withdrawal.stages[k]
    here = (lines.stage == k) & st.truce_holds  # a collapse ends the withdrawal
    if not here.any():
        return
    waiting = here & (lines.step == TRIGGER)
    if waiting.any():
        if stage.after_release is not None:
            fired = waiting & st.release_done[stage.after_release]
            start_day = np.maximum(st.parts.handovers.done_day[stage.after_release],
                                   lines.reached_on)
        else:
            fired, start_day = waiting, np.full(st.n, stage.day or 0)
        lines.due[fired] = start_day[fired] + stage.delay_days
        lines.step[fired] = DUE
    due = here & (lines.step == DUE) & (lines.due <= day)
    if stage.late_probability > 0 and due.any():
        due &= ~late_by(st, k, due & ~lines.judged, day)
    if due.any() and st.in_crisis[due].any():
        calm = due & st.in_crisis
        lines.step[calm], lines.due[calm] = CALM, NEVER
        st.note(calm, lambda r: Paused(day, stage.name))
        due &= ~calm
    going = due | (here & (lines.step == HELD) & (lines.due <= day))
    step = f"withdrawal.{stage.name}"
    rules = conditions.for_step(st, step)
    share: np.ndarray | float = stage.share
    if rules and going.any():
        held = conditions.held_back(st, rules, going & st.in_force, lines.held,
                                    lambda r: f"the withdrawal to {fmt.line(stage.name)}")
        lines.step[held], lines.due[held] = HELD, day + 1
        going &= ~held
        which = conditions.active(st, rules, "share", going)
        share = conditions.effect(rules, which, "share", stage.share)
    reach(st, k, going & st.in_force, day, share)


def late_by(st: TruceState, k: int, due: Mask, day: int) -> Mask:
    """On its due day, where the stage is late, the day moves on by a geometric number of
    days (judged once per stage): the replications now late."""
    lines: Lines = st.parts.withdrawal
    stage = st.scenario.withdrawal.stages[k]
    lines.judged[due] = True
    u = st.draws[NAME][:, k]
    late: Mask = due & (u[:, 0] < of(stage.late_probability, np.arange(st.n)))
    if late.any():
        days = geometric_days(stage.late_mean_days, u[:, 1])
        lines.due[late] += days[late]
        st.note(late, lambda r: Late(day, stage.name, int(days[r])))
    return late


def reach(st: TruceState, k: int, mask: Mask, day: int, share: np.ndarray | float) -> None:
    lines: Lines = st.parts.withdrawal
    if not mask.any():
        return
    stage = st.scenario.withdrawal.stages[k]
    before = st.share_held.copy()
    line = np.broadcast_to(np.asarray(share, dtype=np.float64), mask.shape)
    st.share_held[mask] = line[mask]
    lines.kept[mask] = 0.0  # the line as agreed, unless positions are kept
    kept = keep(st, k, mask, before, line) if stage.kept_share > 0 else mask & False
    st.milestone(f"withdrawal_{stage.name}")[mask] = day
    st.note(mask, lambda r: StageReached(day, stage.name, float(st.share_held[r]),
                                         float(before[r])))
    st.note(kept, lambda r: Kept(day, stage.name, float(lines.kept[r])))
    lines.stage[mask] += 1
    lines.step[mask], lines.reached_on[mask], lines.due[mask] = TRIGGER, day, NEVER
    lines.held[mask] = conditions.NO_RULE
    lines.judged[mask] = False


def keep(st: TruceState, k: int, mask: Mask, before: np.ndarray, line: np.ndarray) -> Mask:
    """Where the stage's condition holds (or it has none), the army keeps a share of the
    pull-back: it holds that much beyond the agreed line to the horizon. Returns where."""
    lines: Lines = st.parts.withdrawal
    stage = st.scenario.withdrawal.stages[k]
    test = lines.keep_if[k]
    kept = mask if test is None else mask & np.broadcast_to(
        np.asarray(test(st), dtype=bool), mask.shape)
    if kept.any():
        extra = of(stage.kept_share, np.arange(st.n)) * np.maximum(before - line, 0.0)
        st.share_held[kept] = (line + extra)[kept]
        lines.kept[kept] = extra[kept]
    return np.asarray(kept)


def kept_share_end(st: TruceState) -> np.ndarray:
    """Share of the territory held beyond the agreed lines at the end (0 once the truce collapsed,
    or with no stage reached)."""
    return scaled(st.parts.withdrawal.kept, SHARE)


def outcomes(s: Scenario) -> tuple[Outcome, ...]:
    where = s.names.territory
    terms = (Outcome("withdrawal_kept_share_end", "number", "share", f"Share of {where} the "
                     "army holds beyond the agreed line of the stages reached, at the end "
                     "(positions kept; 0 after a collapse)", kept_share_end, SHARE),
             ) if uses_terms(s) else ()
    return (
        Outcome("territory_share_end", "number", "share", f"Share of {where} held by the army at "
                "the end", lambda st: scaled(st.share_held, SHARE), SHARE,
                label="territory held at end"),
        *(Outcome(f"day_withdrawal_{stage.name}", "milestone", "day",
                  f"Day the army reached the '{stage.name}' line ({stage.share:.0%} held)",
                  _reached(stage.name)) for stage in s.withdrawal.stages),
        *terms,
    )


def _reached(name: str) -> Callable[[TruceState], np.ndarray]:
    key = f"withdrawal_{name}"
    return lambda st: st.milestone(key)


ACTOR = Actor(
    NAME, start, stream=NAME, draw=draw, outcomes=outcomes,
    series=(Series("territory_share_held", "share", "share_held", SHARE, band=50),),
    events=(StageReached, Paused, Late, Kept),
)
