"""The steps of a deal that conditions govern, and the checks on [[conditions]]: each
refers to a step that exists, is written in the condition language, sets only keys that
make sense for its step, and no steps wait for each other in a circle.

A step's key is `aid`, `talks`, `exchange`, `releases[i]` or `withdrawal.<stage>`; a
condition may also name a handover by its label.
"""

from __future__ import annotations

from trucesim.scenario.expressions import (
    Expr,
    ExpressionError,
    Refs,
    handovers_named,
    names_in,
    parse,
    stages_named,
)
from trucesim.scenario.mechanics import EFFECTS, Condition
from trucesim.scenario.schema import Scenario
from trucesim.scenario.toml import KeyPath

Problem = tuple[KeyPath, str] | tuple[KeyPath, str, tuple[KeyPath, ...]]
# what each quantity of the language is produced by (a waiting step depends on it)
PRODUCED_BY = {"living_held": "living", "bodies_held": "bodies", "living_owed": "living",
               "bodies_owed": "bodies", "prisoners_owed": "exchange",
               "palestinian_bodies_owed": "exchange", "share_held": "withdrawal",
               "aid_days_at_least": "aid"}


def refs(s: Scenario) -> Refs:
    return Refs(tuple(s.label(j) for j in range(len(s.releases))),
                tuple(stage.name for stage in s.withdrawal.stages))


def step_key(s: Scenario, text: str) -> str | None:
    """The canonical key of the step `text` names, or None if there is no such step."""
    text = text.strip()
    if text in ("aid", "talks", "exchange"):
        return text
    labels = refs(s).labels
    if text.startswith("releases[") and text.endswith("]"):
        index = text[len("releases["):-1]
        return text if index.isdigit() and int(index) < len(labels) else None
    if text in labels:
        return f"releases[{labels.index(text)}]"
    if text.startswith("withdrawal."):
        return text if text.removeprefix("withdrawal.") in refs(s).stages else None
    return None


def expression(s: Scenario, c: Condition) -> Expr:
    """The condition's expression, parsed (ExpressionError if it cannot be)."""
    return parse(c.wait_until or c.while_, refs(s))


def check_conditions(s: Scenario) -> list[Problem]:
    out: list[Problem] = []
    waits: dict[str, set[str]] = {}  # step -> steps it waits for
    for i, c in enumerate(s.conditions):
        at: KeyPath = ("conditions", i)
        step = step_key(s, c.applies_to)
        if step is None:
            out.append(((*at, "applies_to"), f"no step {c.applies_to!r}: use aid, talks, "
                        "exchange, releases[i] (or a handover's label) or "
                        "withdrawal.<stage name>"))
            continue
        if bool(c.wait_until) == bool(c.while_):
            out.append((at, "give exactly one of 'wait_until' or 'while'"))
            continue
        key = "wait_until" if c.wait_until else "while"
        try:
            expr = expression(s, c)
        except ExpressionError as exc:
            out.append(((*at, key), str(exc)))
            continue
        out += _check_effects(c, step, at)
        if c.wait_until or c.pause:
            waits.setdefault(step, set()).update(_depends(s, expr))
    cycle = _cycle(s, waits)
    if cycle:
        out.append((("conditions",), "these steps would wait for each other for ever: "
                    + " -> ".join(cycle)))
    return out


def _check_effects(c: Condition, step: str, at: KeyPath) -> list[Problem]:
    kind = step.split("[")[0].split(".")[0]
    allowed = EFFECTS[kind]
    out: list[Problem] = []
    for name in c.effects():
        if name not in allowed:
            out.append(((*at, name), f"{name} does not apply to {step} (it takes: "
                        f"{', '.join(allowed)}, or pause)"))
    if c.wait_until and (c.effects() or c.pause):
        out.append((at, "a 'wait_until' condition only delays its step; to change or pause "
                    "it, use 'while'"))
    if c.while_ and not c.effects() and not c.pause:
        out.append((at, f"say what happens while it holds: pause = true, or one of "
                    f"{', '.join(allowed)}"))
    return out


def _depends(s: Scenario, expr: Expr) -> set[str]:
    """The steps whose progress can make `expr` change."""
    found = {f"releases[{j}]" for j in handovers_named(expr)}
    found |= {f"withdrawal.{name}" for name in stages_named(expr)}
    for quantity in names_in(expr):
        kind = PRODUCED_BY.get(quantity)
        if kind in ("living", "bodies"):  # the handovers that release them
            found |= {f"releases[{j}]" for j, r in enumerate(s.releases)
                      if (r.living if kind == "living" else r.bodies)}
        elif kind == "withdrawal":
            found |= {f"withdrawal.{stage.name}" for stage in s.withdrawal.stages}
        elif kind is not None:
            found.add(kind)
    return found


def _cycle(s: Scenario, waits: dict[str, set[str]]) -> list[str]:
    """A circle of steps waiting for each other, if there is one (depth-first search)."""
    edges = {k: set(v) for k, v in waits.items()}
    for stage in s.withdrawal.stages:  # a stage tied to a handover waits for it
        if stage.after_release is not None:
            edges.setdefault(f"withdrawal.{stage.name}", set()).add(
                f"releases[{stage.after_release}]")
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return []

    for node in sorted(edges):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return []
