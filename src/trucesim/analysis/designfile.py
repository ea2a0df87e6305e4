"""Design files: a deal-design search written as TOML (`trucesim design DESIGN.toml`).

A design names the scenario it starts from, the *levers* the negotiators control (any
key of it, over a range, a range of whole numbers, or a list of choices), rules between
levers (a sum bounded, keys in order), the *objectives* (outcomes of the registry, each
with a direction and a robustness measure over the states of the world), optional
*constraints* on outcomes, and the *uncertainties*: a scenario with distributions (such as
base-uncertain.toml) whose parameters are sampled as K states of the world.

:mod:`.designload` reads and checks a design file into a :class:`Design`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from trucesim.run.measures import Measure
from trucesim.scenario.load import Issue, resolved
from trucesim.scenario.schema import Scenario
from trucesim.scenario.section import Label, Name, Prose

Robustness = Literal["mean", "percentile", "regret", "satisficing"]
Scalar = bool | int | float | str
MAX_LEVERS, MAX_OBJECTIVES = 50, 8
DEFAULT_REGRET_PERCENTILE = 90.0


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class LeverEntry(_Strict):
    """A key of the scenario the negotiators control, and the values it may take."""

    key: Label = Field(description="Scenario key, e.g. releases[0].day.")
    range: list[float] | None = Field(
        None, min_length=2, max_length=2,
        description="[low, high]: whole numbers for a whole-number key.")
    choices: list[Scalar] | None = Field(None, min_length=2, max_length=100,
                                         description="The values it may take.")


class LeverRule(_Strict):
    """A rule between levers: a sum bounded, or keys in order (non-decreasing)."""

    sum: list[Label] | None = Field(None, min_length=2, max_length=MAX_LEVERS)
    ordered: list[Label] | None = Field(None, min_length=2, max_length=MAX_LEVERS)
    at_most: float | None = None
    at_least: float | None = None


class Measured(_Strict):
    """An outcome and how it is summarised over the states of the world."""

    outcome: Label = Field(description="An outcome of the registry, e.g. living_released.")
    robustness: Robustness = "mean"
    percentile: float | None = Field(None, ge=0, le=100, description=(
        "percentile: which percentile of the states' values; regret: of the shortfall "
        f"(default {DEFAULT_REGRET_PERCENTILE:g})."))
    threshold: float | None = Field(None, description=(
        "satisficing: a state meets the objective when its value is at least this (max) or "
        "at most this (min)."))


class Objective(Measured):
    direction: Literal["max", "min"]


class Constraint(Measured):
    at_most: float | None = None
    at_least: float | None = None
    direction: Literal["max", "min"] | None = Field(None, description=(
        "For regret and satisficing: which way is better (default: min when at_most is "
        "given, max when at_least is)."))


class Search(_Strict):
    """The optimiser's settings."""

    algorithm: Literal["nsga2"] = "nsga2"
    population: int = Field(40, ge=4, le=2000)
    generations: int = Field(25, ge=1, le=10_000)


class Check(_Strict):
    """The out-of-sample checks: the Pareto set on fresh states, one candidate's failures."""

    states: int = Field(40, ge=2, le=100_000, description="Fresh states for re-evaluation.")
    explore_states: int = Field(200, ge=20, le=100_000,
                                description="States for scenario discovery (PRIM).")


class DesignFile(_Strict):
    """A design file as written."""

    name: Name | None = None
    title: Label = ""
    description: Prose = ""
    scenario: Label = Field(description="The starting scenario, relative to this file.")
    uncertainties: Label | None = Field(None, description=(
        "A scenario with distributions, relative to this file (default: the starting "
        "scenario's own)."))
    states: int = Field(20, ge=1, le=10_000)
    replications: int = Field(50, ge=2, le=100_000, description="Replications per state.")
    seed: int = Field(2025, ge=0, le=2**63 - 1)
    search: Search = Search()
    check: Check = Check()
    levers: list[LeverEntry] = Field(min_length=1, max_length=MAX_LEVERS)
    lever_rules: list[LeverRule] = Field(default_factory=list, max_length=100)
    objectives: list[Objective] = Field(min_length=1, max_length=MAX_OBJECTIVES)
    constraints: list[Constraint] = Field(default_factory=list, max_length=20)


@dataclass(frozen=True)
class Lever:
    """A checked lever: its key, kind and values; decodes a number in [0, 1)."""

    key: str
    kind: Literal["real", "integer", "choice"]
    low: float = 0.0
    high: float = 0.0
    choices: tuple[Scalar, ...] = ()

    def decode(self, u: float) -> Scalar:
        """The lever's value at u in [0, 1]: evenly spread over its range or choices."""
        u = min(max(float(u), 0.0), 1.0)
        if self.kind == "real":
            return float(f"{self.low + u * (self.high - self.low):.6g}")
        count = len(self.choices) if self.kind == "choice" else int(self.high - self.low) + 1
        i = min(int(u * count), count - 1)
        return self.choices[i] if self.kind == "choice" else int(self.low) + i

    def encode(self, value: Scalar) -> float:
        """The middle of the u that decode to `value` (ValueError if it cannot)."""
        if self.kind == "choice":
            if value not in self.choices:
                raise ValueError(f"{value!r} is not one of its choices")
            return (self.choices.index(value) + 0.5) / len(self.choices)
        x = float(value)
        if not self.low <= x <= self.high:
            raise ValueError(f"{x:g} is outside {self.low:g} to {self.high:g}")
        if self.kind == "real":
            return (x - self.low) / (self.high - self.low)
        return (x - self.low + 0.5) / (self.high - self.low + 1)

    @property
    def span(self) -> tuple[float, float]:
        """The smallest and largest value (for rules over levers)."""
        if self.kind == "choice":
            numbers = [float(c) for c in self.choices if not isinstance(c, str)]
            return (min(numbers), max(numbers)) if numbers else (math.nan, math.nan)
        return self.low, self.high


@dataclass(frozen=True)
class Design:
    """A checked design: the files it names, loaded, and its parts."""

    file: Path
    raw: DesignFile
    name: str
    scenario_path: Path
    scenario: Scenario
    uncertainties: Scenario
    levers: tuple[Lever, ...]
    measures: tuple[Measure, ...]  # every outcome the objectives and constraints use

    @property
    def outcomes(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.measures)

    @cached_property
    def data(self) -> dict[str, Any]:
        """The starting scenario as plain data (read by the lever rules)."""
        return resolved(self.scenario)


class DesignError(Exception):
    """A design that cannot be used; `issues` lists every problem found."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))


def constraint_direction(c: Constraint) -> Literal["max", "min"]:
    """Which way is better for a constraint's outcome."""
    if c.direction is not None:
        return c.direction
    return "min" if c.at_most is not None else "max"
