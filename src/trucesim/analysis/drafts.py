"""Drafts of a deal in a design search: their lever values, the scenario overrides they
make, the lever rules (checked and repaired), and their scores: each objective's and
constraint's robustness over the states of the world, as the optimiser lowers them.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from trucesim import __version__
from trucesim.analysis.designfile import (
    DEFAULT_REGRET_PERCENTILE,
    Constraint,
    Design,
    Scalar,
    constraint_direction,
)
from trucesim.analysis.robustness import better, minimised, robustness
from trucesim.scenario.load import digest
from trucesim.scenario.toml import get, parse_path, toml_value

INFEASIBLE = 1e12  # an objective's value for a draft that breaks a rule (never compared)


class SearchError(Exception):
    """A search that cannot run; `lines` are the problems, one per line."""

    def __init__(self, lines: Sequence[str]) -> None:
        self.lines = list(lines)
        super().__init__("\n".join(self.lines))


@dataclass
class Candidate:
    """One draft: its lever values, and its outcomes' means in each state (or why it
    cannot run)."""

    levers: tuple[Scalar, ...]
    means: np.ndarray | None = None  # (states, outcomes)
    problem: str = ""
    generation: int = 0  # the first generation that proposed it
    scores: dict[str, float] = field(default_factory=dict)  # robustness, as written
    equivalents: int = 0  # other Pareto drafts with exactly these objective values
    scored: tuple[np.ndarray, list[float], list[float]] | None = field(default=None,
                                                                      repr=False)

    @property
    def key(self) -> str:
        return lever_key(self.levers)


def lever_key(levers: Sequence[Scalar]) -> str:
    return json.dumps(list(levers))


def overrides(design: Design, levers: Sequence[Scalar]) -> list[str]:
    return [f"{lv.key}={toml_value(v)}" for lv, v in zip(design.levers, levers, strict=True)]


def identity(design: Design) -> dict[str, Any]:
    """What makes two searches the same: the design as validated, the digests of its
    scenarios, and the version of trucesim."""
    return {"design": design.name,
            "design_file": json.loads(design.raw.model_dump_json()),
            "scenario_digest": digest(design.scenario),
            "uncertainties_digest": digest(design.uncertainties),
            "trucesim_version": __version__}


def start_levers(design: Design) -> tuple[Scalar, ...]:
    """The starting scenario's value of every lever."""
    return tuple(get(design.data, parse_path(lv.key)) for lv in design.levers)


def rule_violation(design: Design, levers: Sequence[Scalar]) -> list[float]:
    """How far the draft is from meeting each lever rule (0 where it meets it)."""
    out = []
    for rule in design.raw.lever_rules:
        xs = rule_values(design, levers, rule.sum or rule.ordered or [])
        if rule.sum is not None:
            total = sum(xs)
            gap = 0.0
            if rule.at_most is not None:
                gap += max(0.0, total - rule.at_most)
            if rule.at_least is not None:
                gap += max(0.0, rule.at_least - total)
            out.append(gap)
        else:
            out.append(sum(max(0.0, a - b) for a, b in itertools.pairwise(xs)))
    return out


def repair(design: Design, levers: Sequence[Scalar]) -> tuple[Scalar, ...]:
    """The draft moved, as little as the rules need, to meet its lever rules where it can:
    a sum above its bound lowers the rule's levers, the last listed first, one below it
    raises them; a key below the one before it in an ordered rule is raised to it (within
    its range). Evolutionary operators rarely hit a sum exactly; repaired drafts do."""
    out = list(levers)
    index = {lv.key: i for i, lv in enumerate(design.levers)}

    def fixed(key: str) -> float:
        return float(rule_values(design, out, [key])[0])

    for rule in design.raw.lever_rules:
        keys = rule.sum or rule.ordered or []
        numeric = [k for k in keys if k in index
                   and design.levers[index[k]].kind in ("integer", "real")]
        if rule.sum is not None:
            total = sum(fixed(k) for k in keys)
            target = total
            if rule.at_most is not None and total > rule.at_most:
                target = rule.at_most
            if rule.at_least is not None and total < rule.at_least:
                target = rule.at_least
            gap = target - total
            for k in reversed(numeric):
                if abs(gap) < 1e-12:
                    break
                lv, value = design.levers[index[k]], fixed(k)
                moved = min(max(value + gap, lv.low), lv.high)
                if lv.kind == "integer":
                    moved = float(math.floor(moved) if gap > 0 else math.ceil(moved))
                    moved = min(max(moved, lv.low), lv.high)
                gap -= moved - value
                out[index[k]] = int(moved) if lv.kind == "integer" else float(f"{moved:.6g}")
        else:
            floor = -math.inf
            for k in keys:
                value = fixed(k)
                if k in numeric and value < floor:
                    lv = design.levers[index[k]]
                    value = min(floor, lv.high)
                    out[index[k]] = math.ceil(value) if lv.kind == "integer" else value
                floor = max(floor, value)
    return tuple(out)


def rule_values(design: Design, levers: Sequence[Scalar], keys: Sequence[str]) -> list[float]:
    """The values of these keys in the draft: a lever's own, else the scenario's."""
    by_key = {lv.key: v for lv, v in zip(design.levers, levers, strict=True)}
    return [float(by_key[key] if key in by_key else get(design.data, parse_path(key)))
            for key in keys]


def score(design: Design, c: Candidate, baseline: np.ndarray) -> tuple[list[float], list[float]]:
    """(objectives as the optimiser lowers them, constraint violations: <= 0 is met) of a
    candidate; fills in its robustness values as written. Kept on the candidate for this
    reference (a search scores its whole archive every generation)."""
    if c.scored is not None and c.scored[0] is baseline:
        return c.scored[1], c.scored[2]
    f, g = _score(design, c, baseline)
    c.scored = (baseline, f, g)
    return f, g


def _score(design: Design, c: Candidate, baseline: np.ndarray) -> tuple[list[float],
                                                                       list[float]]:
    rules = rule_violation(design, c.levers)
    n_obj, n_con = len(design.raw.objectives), len(design.raw.constraints)
    if c.means is None:
        broken = 1.0 if c.problem else 0.0
        return [INFEASIBLE] * n_obj, [broken, *rules, *([INFEASIBLE if broken else 0.0] * n_con)]
    column = {name: j for j, name in enumerate(design.outcomes)}
    f, g = [], [0.0, *rules]
    for obj in design.raw.objectives:
        j = column[obj.outcome]
        value = robustness(obj, obj.direction, c.means[:, j], baseline[:, j])
        c.scores[label(obj)] = value
        f.append(minimised(obj, obj.direction, value))
    for con in design.raw.constraints:
        j = column[con.outcome]
        value = robustness(con, constraint_direction(con), c.means[:, j], baseline[:, j])
        c.scores[label(con)] = value
        gap = 0.0
        if con.at_most is not None:
            gap = max(gap, value - con.at_most)
        if con.at_least is not None:
            gap = max(gap, con.at_least - value)
        g.append(gap)
    return f, g


def label(item: Any) -> str:
    """An objective's or constraint's column name: outcome and robustness measure."""
    p = item.percentile if item.percentile is not None else DEFAULT_REGRET_PERCENTILE
    if item.robustness == "percentile":
        return f"{item.outcome}_p{p:g}"
    if item.robustness == "regret":
        return f"{item.outcome}_regret_p{p:g}"
    if item.robustness == "satisficing":
        return f"{item.outcome}_share_meeting_{item.threshold:g}"
    return f"{item.outcome}_mean"


def constraint_met(con: Constraint, value: float) -> bool:
    return not ((con.at_most is not None and value > con.at_most)
                or (con.at_least is not None and value < con.at_least))


def feasible_candidate(design: Design, c: Candidate) -> bool:
    """Evaluated, meeting every lever rule and every constraint."""
    if c.means is None:
        return False
    if any(v > 0 for v in rule_violation(design, c.levers)):
        return False
    return all(constraint_met(con, c.scores[label(con)]) for con in design.raw.constraints)


def directions(design: Design) -> dict[str, str]:
    """Each objective's and constraint's column and which way is better."""
    out: dict[str, str] = {label(o): better(o, o.direction) for o in design.raw.objectives}
    out |= {label(c): better(c, constraint_direction(c)) for c in design.raw.constraints}
    return out

