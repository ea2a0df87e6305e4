"""A design search end to end: the search, its checks out of sample, and its files.

1. The search (:mod:`.dealsearch`) on K states of the world, resumable.
2. Re-evaluation: the Pareto set (and the starting draft, regret's reference) on fresh
   states (another seed, ``check.states`` of them); Spearman's rank correlation between
   each objective's values in and out of sample shows whether the ranking holds or was
   fitted to the sampled states.
3. Scenario discovery for one candidate (by default the Pareto set's best on the first
   objective): run on ``check.explore_states`` fresh states; a state *fails* when the
   candidate breaks a constraint there (its value in that state against the bound) or
   misses a satisficing objective's threshold, or, with neither, when it falls in the
   worst quarter of the first objective; PRIM (:mod:`.prim`) finds the box of
   uncertainties where failures concentrate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from trucesim.analysis import prim
from trucesim.analysis.checkpoint import Evaluator, Progress, check_resumable, read_log
from trucesim.analysis.dealsearch import pareto_set, rescore, search, spearman
from trucesim.analysis.designfile import (
    Constraint,
    Design,
    Objective,
    Scalar,
    constraint_direction,
)
from trucesim.analysis.drafts import Candidate, SearchError, identity, label, start_levers
from trucesim.analysis.evaluate import States, sample, state_means
from trucesim.analysis.robustness import minimised, shortfall
from trucesim.run import manifest as manifests
from trucesim.run.executors import Executor, SerialExecutor
from trucesim.run.output import LineLog, dumps, prepare_directory, remove_files, write_text_atomic

REEVALUATION_SEED, DISCOVERY_SEED = 1, 2  # added to the design's seed


@dataclass
class Failures:
    """Where one candidate fails: the rule, the share of states failing, the PRIM box."""

    candidate: Candidate
    rule: str
    states: int
    failed: int
    limits: list[str]
    coverage: float | None
    density: float | None


@dataclass
class Result:
    design: Design
    states: States
    baseline: Candidate
    candidates: list[Candidate]
    pareto: list[Candidate]
    generations: list[dict[str, Any]]
    fresh: list[Candidate]  # the Pareto set on fresh states, in the same order
    fresh_baseline: Candidate
    rho: dict[str, float | None]
    failures: Failures | None
    resumed: int
    ran: int


def baseline(design: Design, states: States) -> Candidate:
    """The starting draft on these states (regret's reference)."""
    _, means = state_means(states, design.outcomes, (0, design.scenario))
    if isinstance(means, str):
        raise SearchError([f"{design.scenario_path}: the starting scenario cannot run in "
                           f"the states of the uncertainties: {means}"])
    return Candidate(start_levers(design), means)


def run(design: Design, directory: Path, executor: Executor | None = None, *,
        fresh: bool = False, warm: Sequence[tuple[Scalar, ...]] = (),
        explain: int | None = None, progress: Progress | None = None,
        force: bool = False) -> Result:
    """Search, check and write ``directory`` (resuming a search found there)."""
    from trucesim.analysis import designout

    executor = executor or SerialExecutor()
    prepare_directory(directory, force)
    if fresh:
        remove_files(directory, designout.FILES)
        designout.remove_drafts(directory)
    ident = identity(design)
    check_resumable(directory, ident)
    r = design.raw
    known, keep = read_log(directory / "evaluations.jsonl", design, r.states)
    resumed = len(known)
    write_text_atomic(directory / "manifest.json",
                      dumps(manifests.design(ident, "running")))
    states = sample(design.uncertainties, r.seed, r.states, r.replications)
    start = baseline(design, states)
    with LineLog(directory / "evaluations.jsonl", "", keep) as log:
        evaluator = Evaluator(design, states, executor, log, known)
        candidates, generations = search(design, evaluator, start, warm, progress)
    first = r.objectives[0]
    pareto = sorted(pareto_set(design, candidates, start), key=lambda c: (
        minimised(first, first.direction, c.scores[label(first)]), c.key))
    fresh_states = sample(design.uncertainties, r.seed + REEVALUATION_SEED, r.check.states,
                          r.replications)
    again = Evaluator(design, fresh_states, executor, None, {})
    fresh_start = baseline(design, fresh_states)
    checked = again.evaluate([c.levers for c in pareto], 0)
    rescore(design, checked, fresh_start)
    rho = {label(o): spearman([c.scores[label(o)] for c in pareto],
                              [c.scores[label(o)] for c in checked])
           for o in r.objectives}
    failures = discover(design, pareto, executor, explain) if pareto else None
    result = Result(design, states, start, candidates, pareto, generations, checked,
                    fresh_start, rho, failures, resumed, evaluator.fresh)
    designout.write(result, directory)
    write_text_atomic(directory / "manifest.json",
                      dumps(manifests.design(ident, "complete")))
    return result


def chosen(design: Design, pareto: Sequence[Candidate], explain: int | None) -> Candidate:
    """The candidate to explain: Pareto member `explain` (1-based, in the table's order),
    or the best on the first objective."""
    if explain is not None:
        if not 1 <= explain <= len(pareto):
            raise SearchError([f"--explain {explain}: the Pareto set has {len(pareto)} "
                               "candidates (1 to {len(pareto)})"])
        return pareto[explain - 1]
    first = design.raw.objectives[0]
    key = label(first)
    return min(pareto, key=lambda c: minimised(first, first.direction, c.scores[key]))


def failing(design: Design, means: np.ndarray, reference: np.ndarray) -> tuple[np.ndarray, str]:
    """Which states a candidate fails in (see the module's docstring), and the rule in
    words; `reference` is the starting draft's means in the same states (for regret)."""
    column = {name: j for j, name in enumerate(design.outcomes)}
    r = design.raw
    rules: list[Objective | Constraint] = [
        *r.constraints, *(o for o in r.objectives if o.robustness == "satisficing")]
    if rules:
        fails = np.zeros(len(means), dtype=bool)
        for item in rules:
            j = column[item.outcome]
            fails |= ~state_meets(item, means[:, j], reference[:, j])
        return fails, " or ".join(in_words(item) for item in rules)
    obj = r.objectives[0]
    x = means[:, column[obj.outcome]]
    worse_high = obj.direction == "min"
    cut = float(np.percentile(x, 75 if worse_high else 25))
    return (x > cut if worse_high else x < cut), (
        f"{obj.outcome} in its worst quarter of states ({'above' if worse_high else 'below'} "
        f"{cut:.3g})")


def state_meets(item: Objective | Constraint, x: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Whether each state meets a constraint (its bound applied to the state's value, or to
    the state's shortfall against the starting draft for regret) or a satisficing
    objective's threshold."""
    direction = item.direction if isinstance(item, Objective) else constraint_direction(item)
    if item.robustness == "satisficing":
        assert item.threshold is not None
        return np.asarray(x >= item.threshold if direction == "max" else x <= item.threshold)
    value = shortfall(x, ref, direction) if item.robustness == "regret" else x
    ok = np.ones(len(x), dtype=bool)
    if isinstance(item, Constraint):
        if item.at_most is not None:
            ok &= value <= item.at_most
        if item.at_least is not None:
            ok &= value >= item.at_least
    return ok


def in_words(item: Objective | Constraint) -> str:
    """What failing means for a constraint or a satisficing objective, in a state."""
    what = (f"{item.outcome} worse than the starting draft's by"
            if item.robustness == "regret" else item.outcome)
    if item.robustness == "satisficing":
        direction = item.direction if isinstance(item, Objective) else \
            constraint_direction(item)
        return f"{item.outcome} {'below' if direction == 'max' else 'above'} {item.threshold:g}"
    parts = []
    if isinstance(item, Constraint) and item.at_most is not None:
        parts.append(f"{what} more than {item.at_most:g}" if item.robustness == "regret"
                     else f"{what} above {item.at_most:g}")
    if isinstance(item, Constraint) and item.at_least is not None:
        parts.append(f"{what} below {item.at_least:g}")
    return " or ".join(parts)


def discover(design: Design, pareto: Sequence[Candidate], executor: Executor,
             explain: int | None) -> Failures:
    """Scenario discovery for the chosen candidate on fresh states."""
    c = chosen(design, pareto, explain)
    r = design.raw
    states = sample(design.uncertainties, r.seed + DISCOVERY_SEED, r.check.explore_states,
                    r.replications)
    found = Evaluator(design, states, executor, None, {}).evaluate([c.levers], 0)[0]
    if found.means is None:
        return Failures(c, found.problem, len(states), 0, [], None, None)
    reference = baseline(design, states).means
    assert reference is not None
    fails, rule = failing(design, found.means, reference)
    enough = prim.min_failures(len(states)) <= fails.sum() and states.keys
    box = prim.find(states.values, fails) if enough else None
    limits = prim.describe(box, states.keys) if box is not None else []
    return Failures(c, rule, len(states), int(fails.sum()), limits,
                    box.coverage if box else None, box.density if box else None)
