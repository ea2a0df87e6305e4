"""Conditions: the terms that tie one step of the deal to the state of the truce.

Each [[conditions]] table of a scenario governs one step (a handover, the exchange, a
withdrawal stage, the aid level, the talks): the step waits until its condition holds,
or is paused or changed while it holds. This module compiles the conditions (written in
the language of :mod:`trucesim.scenario.expressions`) into functions of the state that
answer for every replication of a block at once (a yes/no or a number each), once per
scenario, and gives every actor the same two calls, so no actor special-cases a
condition: :func:`blocking` (the rule that holds a step back today, if any) and
:func:`active` (the rule in force for a step today, for its size or rate). It logs when a
condition holds a step back, and when it changes a step, for the story.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from trucesim import fmt
from trucesim.model.declare import Actor
from trucesim.model.events import Line, Narration
from trucesim.model.state import MISSING, Mask, TruceState
from trucesim.scenario.expressions import Expr
from trucesim.scenario.schema import Scenario
from trucesim.scenario.steps import expression, step_key

NAME = "conditions"
Test = Callable[[TruceState], Any]  # an array over the block, or a number for all
NO_RULE = -1


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
    aid_levels: tuple[float, ...]  # the truck counts some condition counts days of


NONE: tuple[Rule, ...] = ()
NO_RULES = Rules({}, ())
_COMPILED: list[tuple[Scenario, Rules]] = []


def compiled(s: Scenario) -> Rules:
    """The scenario's rules, compiled once (remembered for the scenario at hand)."""
    if _COMPILED and _COMPILED[0][0] is s:
        return _COMPILED[0][1]
    by_step: dict[str, list[Rule]] = {}
    levels: set[float] = set()
    for c in s.conditions:
        expr = expression(s, c)
        levels |= _levels(expr)
        step = step_key(s, c.applies_to)
        assert step is not None  # validated when the scenario was loaded
        by_step.setdefault(step, []).append(
            Rule(c.name, bool(c.wait_until), compile_test(expr), c.pause, c.effects()))
    rules = Rules({k: tuple(v) for k, v in by_step.items()}, tuple(sorted(levels)))
    _COMPILED[:] = [(s, rules)]
    return rules


def _levels(e: Expr) -> set[float]:
    if e[0] == "call" and e[1] == "aid_days_at_least":
        return {float(str(e[2]))}
    return {x for part in e[1:] if isinstance(part, tuple) for x in _levels(part)}


def compile_test(e: Expr) -> Test:
    """An expression as a function of the state (elementwise over the block)."""
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
        return lambda st: np.logical_not(inner(st))
    if kind in ("and", "or"):
        a, b = compile_test(_sub(e, 1)), compile_test(_sub(e, 2))
        if kind == "and":
            return lambda st: np.logical_and(a(st), b(st))
        return lambda st: np.logical_or(a(st), b(st))
    op, left, right = e[1], compile_test(_sub(e, 2)), compile_test(_sub(e, 3))
    return _COMPARE[str(op)](left, right)


def _sub(e: Expr, k: int) -> Expr:
    part = e[k]
    assert isinstance(part, tuple)
    return part


_COMPARE: dict[str, Callable[[Test, Test], Test]] = {
    "<": lambda a, b: lambda st: np.less(a(st), b(st)),
    "<=": lambda a, b: lambda st: np.less_equal(a(st), b(st)),
    ">": lambda a, b: lambda st: np.greater(a(st), b(st)),
    ">=": lambda a, b: lambda st: np.greater_equal(a(st), b(st)),
    "==": lambda a, b: lambda st: np.equal(a(st), b(st)),
    "!=": lambda a, b: lambda st: np.not_equal(a(st), b(st)),
}
_QUANTITIES: dict[str, Test] = {
    "day": lambda st: st.day,
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
        return lambda st: st.release_done[j]
    if fn == "on_time":
        j = int(str(arg))
        return lambda st: st.parts.handovers.on_time[j] == 1
    if fn == "reached":
        key = f"withdrawal_{arg}"
        return lambda st: st.milestone(key) != MISSING
    level = float(str(arg))
    return lambda st: st.parts.aid.streaks[level]


# events -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class HeldBack:
    day: int
    step: str  # what waits, in words
    condition: str

    def lines(self, n: Narration) -> list[Line]:
        return [("crisis", f"{fmt.capital(self.step)} is held back: it waits for the condition "
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


def _holds(st: TruceState, rule: Rule, mask: Mask) -> np.ndarray:
    holds = np.broadcast_to(np.asarray(rule.test(st), dtype=bool), mask.shape)
    both: np.ndarray = np.logical_and(holds, mask)
    return both


def blocking(st: TruceState, rules: tuple[Rule, ...], mask: Mask) -> np.ndarray:
    """For each replication `mask` selects, the index of the first rule that stops the step
    today (a wait not yet met, or a pause in force), or NO_RULE."""
    out = np.full(st.n, NO_RULE, dtype=np.int64)
    for k, rule in enumerate(rules):
        if rule.waits or rule.pause:
            holds = _holds(st, rule, mask)
            stops = (mask & ~holds) if rule.waits else holds
            out[stops & (out == NO_RULE)] = k
    return out


def active(st: TruceState, rules: tuple[Rule, ...], key: str, mask: Mask) -> np.ndarray:
    """For each replication, the index of the first 'while' rule setting `key` (or
    pausing) whose condition holds now, or NO_RULE."""
    out = np.full(st.n, NO_RULE, dtype=np.int64)
    for k, rule in enumerate(rules):
        if not rule.waits and (rule.pause or key in rule.effects):
            out[_holds(st, rule, mask) & (out == NO_RULE)] = k
    return out


def effect(rules: tuple[Rule, ...], which: np.ndarray, key: str,
           otherwise: np.ndarray | float) -> np.ndarray:
    """The value of `key` under the rule each replication has in force (`which`, from
    :func:`active`), or `otherwise` where none sets it."""
    out = np.array(np.broadcast_to(otherwise, which.shape), dtype=np.float64)
    for k, rule in enumerate(rules):
        if key in rule.effects:
            out[which == k] = rule.effects[key]
    return out


def held_back(st: TruceState, rules: tuple[Rule, ...], mask: Mask, held: np.ndarray,
              words: Callable[[int], str]) -> Mask:
    """The replications of `mask` a condition holds back today; the first rule that held
    each is remembered in `held` (and told once, with `words(r)` naming the step)."""
    which = blocking(st, rules, mask)
    stopped = which != NO_RULE
    first = stopped & (held == NO_RULE)
    held[first] = which[first]
    st.note(first, lambda r: HeldBack(st.day, words(r), rules[int(which[r])].name))
    return np.asarray(stopped)


ACTOR = Actor(NAME, start, events=(HeldBack, Changed))
