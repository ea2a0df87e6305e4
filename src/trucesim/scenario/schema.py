"""The scenario's vocabulary: the whole scenario, one section per table of the file.

The sections are declared in :mod:`~trucesim.scenario.deal` (the terms of the deal) and
:mod:`~trucesim.scenario.behaviour` (the parties' assumed behaviour); together they are
the single table of defaults (DESIGN.md §5.4). Validation of types, bounds and unknown
keys comes from pydantic; rules across keys live in :mod:`~trucesim.scenario.rules`.
The objects are frozen: the model never sees a dict.

To give a new actor parameters, declare its Section here (or beside the others) and add
one field for it to :class:`Scenario` (docs/extending.md).
"""

from __future__ import annotations

from functools import cached_property

from pydantic import Field

from trucesim.scenario.behaviour import (
    Counterfactual,
    Crisis,
    FlareUps,
    Mediation,
    Negotiations,
    Side,
    Tension,
    Violations,
)
from trucesim.scenario.deal import (
    MAX_RELEASES,
    Aid,
    Exchange,
    Truce,
    Withdrawal,
    WithdrawalStage,
)
from trucesim.scenario.distributions import Uncertain
from trucesim.scenario.hostages import Handovers, Hostages, Release
from trucesim.scenario.mechanics import Condition, Extensions, PhaseEnd
from trucesim.scenario.names import Names
from trucesim.scenario.section import Confidence, Label, Name, Prose, Section, param

__all__ = ["Aid", "Condition", "Confidence", "Counterfactual", "Crisis", "Exchange",
           "Extensions", "FlareUps", "Handovers", "Hostages", "Mediation", "Names", "Negotiations",
           "PhaseEnd",
           "Release", "Scenario", "Section", "Side", "Tension", "Truce", "Violations",
           "Withdrawal", "WithdrawalStage", "param"]


class Scenario(Section):
    """A whole scenario: the deal's terms and the parties' assumed behaviour."""

    name: Name = param("scenario", "text", "Short name; results go to results/<name>/ "
                       "(letters, digits, '_', '-', '.'; not starting with '.').")
    title: Label = param("", "text", "One-line title for reports.")
    description: Prose = param("", "text", "What this scenario represents.")
    names: Names = Field(default_factory=Names)
    truce: Truce = Field(default_factory=Truce)
    hostages: Hostages = Field(default_factory=Hostages)
    releases: tuple[Release, ...] = Field(
        ..., description="The handover schedule ([[releases]] tables), in any order.",
        strict=False, max_length=MAX_RELEASES,
    )
    handovers: Handovers = Field(default_factory=Handovers)
    exchange: Exchange = Field(default_factory=Exchange)
    withdrawal: Withdrawal = Field(default_factory=Withdrawal)
    aid: Aid = Field(default_factory=Aid)
    violations: Violations = Field(default_factory=Violations)
    tension: Tension = Field(default_factory=Tension)
    mediation: Mediation = Field(default_factory=Mediation)
    crisis: Crisis = Field(default_factory=Crisis)
    flare_ups: FlareUps = Field(default_factory=FlareUps)
    negotiations: Negotiations = Field(default_factory=Negotiations)
    counterfactual: Counterfactual = Field(default_factory=Counterfactual)
    conditions: tuple[Condition, ...] = Field(
        (), description="Conditions tying steps of the deal to the state of the truce "
        "([[conditions]] tables).", strict=False)
    extensions: Extensions = Field(default_factory=Extensions)
    phase_end: PhaseEnd = Field(default_factory=PhaseEnd)
    uncertain: tuple[Uncertain, ...] = Field(
        (), description="The parameters given as distributions, in place of values (set by "
        "the loader, not written as a key).", strict=False)

    @cached_property
    def concerns_hostages(self) -> bool:
        """Whether the deal concerns hostages at all (some held, or a handover scheduled):
        a truce without them is told, and tabled, without them."""
        held = (self.hostages.living_held, self.hostages.bodies_held)  # arrays in a mixed block
        return bool(self.releases) or any(bool(x.any()) if hasattr(x, "any") else bool(x)
                                          for x in held)

    @cached_property
    def living_scheduled(self) -> int:
        return sum(r.living for r in self.releases)

    @cached_property
    def bodies_scheduled(self) -> int:
        return sum(r.bodies for r in self.releases)

    def label(self, j: int) -> str:
        """The name a handover goes by in stories and conditions."""
        return self.releases[j].label or f"handover {j + 1}"
