"""Evaluating drafts once each, with a checkpoint.

Every draft's values in every state are appended to ``evaluations.jsonl`` as it finishes
(one flushed line each, floats written exactly). Run again, a search starts over from the
design's seed and takes each draft it already evaluated from the file, so an interrupted
search resumed gives exactly what an uninterrupted one gives. A directory holding a
different search (another design, seed or trucesim version) is never resumed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from trucesim.analysis.designfile import (
    Design,
    Scalar,
)
from trucesim.analysis.drafts import Candidate, SearchError, lever_key, overrides, rule_violation
from trucesim.analysis.evaluate import States, state_means
from trucesim.run.executors import Executor
from trucesim.run.output import LineLog
from trucesim.scenario.inputs import RESULTS_BYTES, read_text
from trucesim.scenario.load import ScenarioError, Variants
from trucesim.scenario.schema import Scenario

LOG = "evaluations.jsonl"

Progress = Callable[[int, str], None]  # (evaluations just finished, what to show)


class Evaluator:
    """Evaluates drafts on the design's states, each once: from the checkpoint if it was
    evaluated before, else on the executor, appending it to the checkpoint."""

    def __init__(self, design: Design, states: States, executor: Executor,
                 log: LineLog | None, known: dict[str, Candidate]) -> None:
        self.design, self.states, self.executor, self.log = design, states, executor, log
        self.known = known
        self.variants = Variants(design.scenario_path)
        self.fresh = 0  # drafts run (not taken from the checkpoint)

    def scenario(self, levers: Sequence[Scalar]) -> Scenario | str:
        try:
            return self.variants.load(overrides(self.design, levers))
        except ScenarioError as exc:
            first = exc.issues[0]
            return f"{first.path}: {first.message}"

    def evaluate(self, drafts: Sequence[tuple[Scalar, ...]], generation: int,
                 progress: Progress | None = None, shown: str = "") -> list[Candidate]:
        """The candidates of these drafts, in order (each distinct draft run once)."""
        todo: dict[str, Candidate] = {}
        for levers in drafts:
            key = lever_key(levers)
            if key in self.known or key in todo:
                continue
            c = Candidate(tuple(levers), generation=generation)
            broken = [i for i, v in enumerate(rule_violation(self.design, levers)) if v > 0]
            if broken:  # not run, not logged: checked again at once when resumed
                c.problem = f"breaks lever_rules[{broken[0]}]"
                self.known[key] = c
                continue
            todo[key] = c
        items: list[tuple[int, Scenario]] = []
        runnable: list[Candidate] = []
        for c in todo.values():
            s = self.scenario(c.levers)
            if isinstance(s, str):
                c.problem = s
                self._record(c)
            else:
                items.append((len(runnable), s))
                runnable.append(c)
        task = partial(state_means, self.states, self.design.outcomes)
        for i, result in self.executor.map(task, items):
            c = runnable[i]
            if isinstance(result, str):
                c.problem = result
            else:
                c.means = result
            self._record(c)
            self.fresh += 1
            if progress is not None:
                progress(1, shown)
        return [self.known[lever_key(levers)] for levers in drafts]

    def _record(self, c: Candidate) -> None:
        self.known[c.key] = c
        if self.log is not None:
            self.log.write(json.dumps({
                "levers": list(c.levers), "generation": c.generation, "problem": c.problem,
                "means": None if c.means is None else c.means.tolist()}) + "\n")


def read_log(path: Path, design: Design, states: int) -> tuple[dict[str, Candidate], int]:
    """The candidates of a checkpoint, and the bytes of it to keep (its complete lines)."""
    known: dict[str, Candidate] = {}
    if not path.exists():
        return known, 0
    data = path.read_bytes()
    keep = 0
    width = len(design.outcomes)
    for line in data.split(b"\n")[:-1]:  # the last piece has no newline
        try:
            entry = json.loads(line)
            levers = tuple(entry["levers"])
            means = entry["means"]
            array = None if means is None else np.array(means, dtype=np.float64)
            if (len(levers) != len(design.levers)
                    or (array is not None and array.shape != (states, width))):
                break
        except (ValueError, KeyError, TypeError):
            break
        c = Candidate(levers, array, str(entry.get("problem", "")),
                      int(entry.get("generation", 0)))
        known[c.key] = c
        keep += len(line) + 1
    return known, keep


def check_resumable(directory: Path, ident: dict[str, Any]) -> None:
    """SearchError if the directory holds a different search."""
    manifest = directory / "manifest.json"
    if manifest.exists():
        try:
            old = json.loads(read_text(manifest, RESULTS_BYTES)).get("identity", {})
        except (OSError, ValueError, AttributeError):
            old = {}
        if old != ident:
            what = ", ".join(k for k in ident if old.get(k) != ident[k]) or "its settings"
            raise SearchError([f"{directory} holds a different design search (differs in: "
                               f"{what}); rerun with --fresh to replace it, or choose "
                               "another --out"])
    elif (directory / LOG).exists():
        raise SearchError([f"{directory} holds {LOG} but no manifest.json; rerun with --fresh "
                           "to replace it, or choose another --out"])

