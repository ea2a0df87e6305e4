"""The class's locked predictions, kept for the lecturer's view: no names, bounded,
safe to use from every session's thread at once.

A question is one version of the deal (its scenario's digest): the predictions locked
for it are counted on the lecturer's view beside the model's answer for that version.
Each session is one anonymous token, so a student who locks again for the same version
replaces their earlier guess rather than counting twice. At most `questions` versions
are kept (the one locked longest ago forgotten first) and at most `per_question`
guesses each (the oldest dropped).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from trucesim.scenario.load import digest
from trucesim.scenario.schema import Scenario


@dataclass(frozen=True)
class Guess:
    collapse: float  # out of 100 runs, how many collapse
    second: float  # the answer to the second question (:func:`second`)


@dataclass(frozen=True)
class Second:
    """The class's second question, after the chance of collapse: what the deal is
    mostly about. Living hostages released, where the deal concerns hostages; else the
    deaths the model counts on the other side (in the scenario's names)."""

    name: str  # the outcome it asks about
    question: str  # as the student page asks it
    told: str  # after the number, once locked: "living hostages released on average"
    title: str  # of the lecturer's chart
    axis: str  # of the lecturer's chart
    high: int  # the largest guess allowed
    per_whole: bool  # the lecturer's bins: one per whole number (else ten over the range)


def second(s: Scenario) -> Second:
    """The second question for a version of the deal."""
    if s.concerns_hostages:
        return Second("living_released", "On average, how many living hostages are released "
                      f"(the schedule names {s.living_scheduled})?",
                      "living hostages released on average",
                      "Living hostages released, on average", "living hostages guessed",
                      max(s.hostages.living_held, 1), True)
    deaths = f"{s.names.groups_death}s"
    return Second("deaths_palestinians", f"On average, how many {deaths} does the model "
                  "count over the window?", f"{deaths} on average",
                  f"{deaths[:1].upper()}{deaths[1:]}, on average", f"{deaths} guessed",
                  1_000_000, False)


@dataclass(frozen=True)
class Question:
    key: str  # the version's scenario digest
    label: str  # what the version changes, in words
    scenario: Scenario
    count: int  # predictions locked for it


class Board:
    """Locked predictions by question and anonymous session token."""

    def __init__(self, questions: int = 50, per_question: int = 500) -> None:
        self.max_questions, self.per_question = max(1, questions), max(1, per_question)
        self._lock = threading.Lock()
        self._guesses: OrderedDict[str, OrderedDict[str, Guess]] = OrderedDict()
        self._about: dict[str, tuple[str, Scenario]] = {}

    def lock(self, scenario: Scenario, label: str, token: str, guess: Guess) -> None:
        """Record `token`'s guess for the version `scenario` (replacing its earlier one)."""
        key = digest(scenario)
        with self._lock:
            guesses = self._guesses.setdefault(key, OrderedDict())
            self._guesses.move_to_end(key)  # the question locked most recently is last
            self._about[key] = (label, scenario)
            guesses.pop(token, None)
            guesses[token] = guess
            while len(guesses) > self.per_question:
                guesses.popitem(last=False)
            while len(self._guesses) > self.max_questions:
                old, _ = self._guesses.popitem(last=False)
                del self._about[old]

    def questions(self) -> list[Question]:
        """Every kept question, the one locked most recently first."""
        with self._lock:
            return [Question(key, *self._about[key], len(guesses))
                    for key, guesses in reversed(self._guesses.items())]

    def guesses(self, key: str) -> list[Guess]:
        """The predictions locked for question `key` (none if it is not kept)."""
        with self._lock:
            return list(self._guesses.get(key, {}).values())


def changes(reference: Scenario, version: Scenario) -> str:
    """What `version` changes from `reference`, as 'key = value' pairs (or 'the
    reference')."""
    before, after = flat(reference.model_dump()), flat(version.model_dump())
    moved = [f"{k} = {after[k]}" for k in sorted(after)
             if after[k] != before.get(k) and k not in ("name", "title")]
    return ", ".join(moved) if moved else "the reference"


def flat(tree: object, prefix: str = "") -> dict[str, object]:
    if isinstance(tree, dict):
        out: dict[str, object] = {}
        for k, v in tree.items():
            out.update(flat(v, f"{prefix}{k}."))
        return out
    return {prefix.rstrip("."): tree}
