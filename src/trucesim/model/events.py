"""What a run's typed events share: a day, and the neutral sentences that tell them.

Each actor module declares the events it logs (frozen dataclasses) next to the process
that emits them, and each event carries everything its sentence needs, so the story
(:mod:`trucesim.teaching.story`) never repeats the model's bookkeeping. An event tells
itself through ``lines(narration)``: a list of (tone, text) pairs, where the tone says
what the line is about (for colour). The narration gives what an event cannot know on its
own: the scenario, the tension at the end of a day, and a memo shared by the lines of one
story. Wording is neutral and attributes nothing to the real world: counts are the
model's, in this run.
"""

from __future__ import annotations

from typing import Any, Protocol

from trucesim.scenario.schema import Scenario

# what a line is about: release, exchange, withdrawal, violence, aid, mediation, crisis,
# talks, end, quiet
Line = tuple[str, str]
TONES = ("release", "exchange", "withdrawal", "violence", "aid", "mediation", "crisis",
         "talks", "end", "quiet")


class Narration(Protocol):
    """The story's side of telling an event."""

    @property
    def scenario(self) -> Scenario: ...

    @property
    def memo(self) -> dict[str, Any]: ...

    def tension(self, day: int) -> float:
        """Tension at the end of `day` in this run."""
        ...


class Event(Protocol):
    """A typed event of a run."""

    @property
    def day(self) -> int: ...

    def lines(self, n: Narration) -> list[Line]: ...
