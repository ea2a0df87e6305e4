"""Conditions: the terms that tie one step of the deal to the state of the truce.

Each [[conditions]] table of a scenario governs one step (a handover, the exchange, a
withdrawal stage, the aid level, the talks): the step waits until its condition holds,
or is paused or changed while it holds. This module compiles the conditions (written in
the language of :mod:`trucesim.scenario.expressions`) into functions of the state, once
per scenario, and gives every actor the same two calls, so no actor special-cases a
condition: :func:`hold` (a step waits, checked each day at its own time) and
:func:`active` (the rule in force for a step today, for its size or rate). It logs when a
condition holds a step back, and when it changes a step, for the story.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import simpy

from trucesim.model.declare import Actor
from trucesim.model.events import Line, Narration
from trucesim.model.state import TruceState, at
from trucesim.scenario.expressions import Expr, names_in
from trucesim.scenario.schema import Scenario
from trucesim.scenario.steps import expression, step_key

NAME = "conditions"
Test = Callable[[TruceState], Any]
Held = Generator[simpy.Event, Any, str]  # a wait whose value names what held it


@dataclass(frozen=True)
class Rule:
    """A compiled condition on one step."""

    name: str
    waits: bool  # wait_until (True) or while (False)
    test: Test
    pause: bool
    effects: dict[str, float]


@dataclass(frozen=True)
class Rules:
    by_step: dict[str, tuple[Rule, ...]]
    aid_history: bool  # some condition counts days of aid


NONE: tuple[Rule, ...] = ()
NO_RULES = Rules({}, False)
_COMPILED: list[tuple[Scenario, Rules]] = []


def compiled(s: Scenario) -> Rules:
    """The scenario's rules, compiled once (remembered for the scenario at hand)."""
    if _COMPILED and _COMPILED[0][0] is s:
        return _COMPILED[0][1]
    by_step: dict[str, list[Rule]] = {}
    history = False
    for c in s.conditions:
        expr = expression(s, c)
        history |= "aid_days_at_least" in names_in(expr)
        step = step_key(s, c.applies_to)
        assert step is not None  # validated when the scenario was loaded
        by_step.setdefault(step, []).append(
            Rule(c.name, bool(c.wait_until), compile_test(expr), c.pause, c.effects()))
    rules = Rules({k: tuple(v) for k, v in by_step.items()}, history)
    _COMPILED[:] = [(s, rules)]
    return rules


def compile_test(e: Expr) -> Test:
    """An expression as a function of the state."""
    kind = e[0]
    if kind == "number":
        value = e[1]
        return lambda st: value
    if kind == "name":
        return _QUANTITIES[str(e[1])]
    if kind == "call":
        return _call(str(e[1]), e[2])
    if kind == "not":
        inner = compile_test(_sub(e, 1))
        return lambda st: not inner(st)
    if kind in ("and", "or"):
        a, b = compile_test(_sub(e, 1)), compile_test(_sub(e, 2))
        if kind == "and":
            return lambda st: a(st) and b(st)
        return lambda st: a(st) or b(st)
    op, left, right = e[1], compile_test(_sub(e, 2)), compile_test(_sub(e, 3))
    return _COMPARE[str(op)](left, right)


def _sub(e: Expr, k: int) -> Expr:
    part = e[k]
    assert isinstance(part, tuple)
    return part


_COMPARE: dict[str, Callable[[Test, Test], Test]] = {
    "<": lambda a, b: lambda st: a(st) < b(st),
    "<=": lambda a, b: lambda st: a(st) <= b(st),
    ">": lambda a, b: lambda st: a(st) > b(st),
    ">=": lambda a, b: lambda st: a(st) >= b(st),
    "==": lambda a, b: lambda st: a(st) == b(st),
    "!=": lambda a, b: lambda st: a(st) != b(st),
}
_QUANTITIES: dict[str, Test] = {
    "day": lambda st: int(st.env.now),
    "living_held": lambda st: st.living_held,
    "bodies_held": lambda st: st.bodies_held,
    "living_owed": lambda st: st.parts.handovers.due_living - st.living_released,
    "bodies_owed": lambda st: st.parts.handovers.due_bodies - st.bodies_released,
    "prisoners_owed": lambda st: st.parts.exchange.due_prisoners - st.detainees_total,
    "palestinian_bodies_owed": lambda st: st.parts.exchange.due_bodies - st.bodies_returned,
    "tension": lambda st: st.tension,
    "share_held": lambda st: st.share_held,
    "crisis": lambda st: st.in_crisis,
}


def _call(fn: str, arg: object) -> Test:
    if fn == "done":
        j = int(str(arg))
        return lambda st: st.release_done[j].triggered
    if fn == "on_time":
        j = int(str(arg))
        return lambda st: st.parts.handovers.on_time[j] is True
    if fn == "reached":
        key = f"withdrawal_{arg}"
        return lambda st: key in st.milestones
    level = float(str(arg))
    return lambda st: _streak(st.parts.aid.history, level)


def _streak(history: list[int], level: float) -> int:
    """Consecutive days, up to the last one recorded, with at least `level` trucks."""
    n = 0
    for trucks in reversed(history):
        if trucks < level:
            break
        n += 1
    return n


# events -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class HeldBack:
    day: int
    step: str  # what waits, in words
    condition: str

    def lines(self, n: Narration) -> list[Line]:
        return [("crisis", f"The {self.step} is held back: it waits for the condition "
                 f"'{self.condition}'.")]


@dataclass(frozen=True, slots=True)
class Changed:
    day: int
    step: str
    condition: str  # the rule now in force ("" when the step returns to its terms)
    what: str  # what the step does meanwhile, in words

    def lines(self, n: Narration) -> list[Line]:
        if not self.condition:
            return [("aid" if self.step == "aid" else "talks",
                     f"The {self.step} returns to the agreed terms: {self.what}.")]
        return [("aid" if self.step == "aid" else "talks",
                 f"Under the condition '{self.condition}', the {self.step} changes: "
                 f"{self.what}.")]


# the calls every actor makes --------------------------------------------------------------
def start(st: TruceState) -> None:
    st.parts.conditions = compiled(st.scenario) if st.scenario.conditions else NO_RULES


def for_step(st: TruceState, step: str) -> tuple[Rule, ...]:
    rules: Rules = st.parts.conditions
    return rules.by_step.get(step, NONE)


def blocking(st: TruceState, rules: tuple[Rule, ...]) -> Rule | None:
    """The first rule that stops the step today: a wait not yet met, or a pause in force."""
    for rule in rules:
        if rule.waits:
            if not rule.test(st):
                return rule
        elif rule.pause and rule.test(st):
            return rule
    return None


def hold(st: TruceState, step: str, words: str, phase: float) -> Held:
    """Wait, day by day at `phase`, while a condition holds `step` back. Its value (via
    ``yield from``) is the name of the condition that held it, or ''."""
    rules = for_step(st, step)
    held = ""
    while rules and st.in_force:
        rule = blocking(st, rules)
        if rule is None:
            break
        if not held:
            held = rule.name
            if st.log is not None:
                st.log.append(HeldBack(int(st.env.now), words, rule.name))
        yield at(st.env, int(st.env.now) + 1, phase)
    return held


def active(st: TruceState, rules: tuple[Rule, ...], key: str) -> Rule | None:
    """The first 'while' rule setting `key` (or pausing) whose condition holds now."""
    for rule in rules:
        if not rule.waits and (rule.pause or key in rule.effects) and rule.test(st):
            return rule
    return None


ACTOR = Actor(NAME, start, events=(HeldBack, Changed))
