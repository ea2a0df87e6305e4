"""Withdrawal: the share of territory the army holds, moving back in stages (DESIGN.md §2).

Each stage is tied to a day or to a handover (July 2025: the north after the day-1
release, the south on day 7), pauses during a crisis, and is undone by a collapse, when
the army returns to its earlier lines.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from trucesim import fmt
from trucesim.model.actors import conditions
from trucesim.model.declare import MISSING, SHARE, Actor, Outcome, Series, scaled
from trucesim.model.events import Line, Narration
from trucesim.model.state import CRISIS, WITHDRAWAL, Proc, TruceState, at, wait_for_calm
from trucesim.scenario.schema import Scenario

NAME = "withdrawal"


@dataclass(frozen=True, slots=True)
class StageReached:
    day: int
    name: str
    share: float  # held afterwards
    before: float  # held before

    def lines(self, n: Narration) -> list[Line]:
        return [("withdrawal", f"The army pulls back to the '{self.name}' line: it now holds "
                 f"{fmt.percent(self.share)} of Gaza (it held {fmt.percent(self.before)}).")]


@dataclass(frozen=True, slots=True)
class Paused:
    day: int
    name: str

    def lines(self, n: Narration) -> list[Line]:
        return [("crisis", f"The withdrawal to the '{self.name}' line waits while the crisis "
                 "lasts.")]


def start(st: TruceState) -> None:
    w = st.scenario.withdrawal
    st.share_held = w.initial_share
    st.on_collapse.append(back_to_earlier_lines)
    if w.stages:
        st.start(withdrawal(st))


def back_to_earlier_lines(st: TruceState, first_war_day: int) -> None:
    st.share_held = st.scenario.withdrawal.share_after_collapse


def withdrawal(st: TruceState) -> Proc:
    """The army's lines move back stage by stage, pausing during a crisis."""
    env = st.env
    for stage in st.scenario.withdrawal.stages:
        if stage.after_release is not None:
            yield st.release_done[stage.after_release]
            due = int(env.now) + stage.delay_days
        else:
            due = (stage.day or 0) + stage.delay_days
        yield at(env, due, WITHDRAWAL)
        if st.status == CRISIS:
            yield from wait_for_calm(st, partial(Paused, name=stage.name))
        step = f"withdrawal.{stage.name}"
        rules = conditions.for_step(st, step)
        share = stage.share
        if rules:
            yield from conditions.hold(st, step, f"withdrawal to the '{stage.name}' line",
                                       WITHDRAWAL)
            rule = conditions.active(st, rules, "share")
            share = rule.effects.get("share", share) if rule is not None else share
        if not st.in_force:
            return
        before, st.share_held = st.share_held, share
        st.milestones[f"withdrawal_{stage.name}"] = int(env.now)
        if st.log is not None:
            st.log.append(StageReached(int(env.now), stage.name, share, before))


def outcomes(s: Scenario) -> tuple[Outcome, ...]:
    return (
        Outcome("territory_share_end", "number", "share", "Share of Gaza held by the army at "
                "the end", lambda st: scaled(st.share_held, SHARE), SHARE,
                label="territory held at end"),
        *(Outcome(f"day_withdrawal_{stage.name}", "milestone", "day",
                  f"Day the army reached the '{stage.name}' line ({stage.share:.0%} held)",
                  _reached(stage.name)) for stage in s.withdrawal.stages),
    )


def _reached(name: str) -> Callable[[TruceState], int]:
    key = f"withdrawal_{name}"
    return lambda st: st.milestones.get(key, MISSING)


ACTOR = Actor(
    NAME, start, outcomes=outcomes,
    series=(Series("territory_share_held", "share", "share_held", SHARE, band=50),),
    events=(StageReached, Paused),
)
