"""The deal-design search: NSGA-II over a design's levers, every candidate judged by the
robustness of its outcomes over the same states of the world.

Why NSGA-II (pymoo): a design has two to five objectives, where NSGA-II's crowding keeps
a well-spread Pareto front without the reference directions NSGA-III needs for many
objectives; pymoo is maintained, installs from wheels, and its ask-and-tell interface
lets trucesim evaluate candidates on its own executors (a process pool, Dask). EMA
Workbench's epsilon-NSGA-II would also do, but brings Platypus, pandas and its own
evaluators.

Levers are searched as numbers in [0, 1], each decoded to its range, whole numbers or
choices (:meth:`~trucesim.analysis.designfile.Lever.decode`); two numbers that decode to
the same draft are the same candidate, evaluated once.

Checkpoints: every candidate's values in every state are appended to
``evaluations.jsonl`` as it finishes (one flushed line each, floats written exactly).
Run again, the search starts over from the design's seed and takes each candidate it
already evaluated from the file, so an interrupted search resumed gives exactly what an
uninterrupted one gives. A directory holding a different search (another design, seed
or trucesim version) is never resumed: the run stops, naming what differs, unless asked to
start afresh.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
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
from trucesim.analysis.evaluate import States, state_means
from trucesim.analysis.robustness import better, minimised, robustness
from trucesim.run.executors import Executor
from trucesim.run.output import LineLog
from trucesim.scenario.inputs import RESULTS_BYTES, read_text
from trucesim.scenario.load import ScenarioError, Variants, digest
from trucesim.scenario.schema import Scenario
from trucesim.scenario.toml import parse_path, toml_value

LOG = "evaluations.jsonl"
INFEASIBLE = 1e12  # an objective's value for a draft that breaks a rule (never compared)
Progress = Callable[[int, str], None]  # (evaluations just finished, what to show)


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
    data: Any = design.data
    out = []
    for lv in design.levers:
        node = data
        for part in parse_path(lv.key):
            node = node[part]
        out.append(node)
    return tuple(out)


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
    data: Any = design.data
    by_key = {lv.key: v for lv, v in zip(design.levers, levers, strict=True)}
    out = []
    for key in keys:
        if key in by_key:
            out.append(float(by_key[key]))
            continue
        node = data
        for part in parse_path(key):
            node = node[part]
        out.append(float(node))
    return out


def score(design: Design, c: Candidate, baseline: np.ndarray) -> tuple[list[float], list[float]]:
    """(objectives as the optimiser lowers them, constraint violations: <= 0 is met) of a
    candidate; fills in its robustness values as written."""
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


@dataclass
class Outcome:
    """What a search found."""

    states: States
    baseline: Candidate  # the starting draft
    candidates: list[Candidate]  # every distinct draft, in the order first proposed
    pareto: list[Candidate]
    generations: list[dict[str, Any]]
    resumed: int  # drafts taken from the checkpoint


def initial(design: Design, warm: Sequence[tuple[Scalar, ...]]) -> np.ndarray:
    """The first population: the warm-start drafts (encoded), then a Latin hypercube."""
    from scipy.stats import qmc

    size, d = design.raw.search.population, len(design.levers)
    rows = [[lv.encode(v) for lv, v in zip(design.levers, levers, strict=True)]
            for levers in warm][:size]
    rest = size - len(rows)
    if rest:
        lhs = qmc.LatinHypercube(d=d, rng=np.random.default_rng(design.raw.seed))
        rows += lhs.random(rest).tolist()
    return np.array(rows, dtype=np.float64)


def hypervolume(f: np.ndarray, ideal: np.ndarray, nadir: np.ndarray) -> float:
    """Hypervolume of the points (minimised) normalised by fixed ideal and nadir points,
    with the reference point 1.1 in each normalised objective, as a share of the largest
    possible (1.1 to the number of objectives): 0 to 1, higher is better."""
    from pymoo.indicators.hv import HV

    if not len(f):
        return 0.0
    m = f.shape[1]
    width = np.where(nadir > ideal, nadir - ideal, 1.0)
    return float(HV(ref_point=np.full(m, 1.1))((f - ideal) / width)) / float(1.1 ** m)


def search(design: Design, evaluator: Evaluator, baseline: Candidate,
           warm: Sequence[tuple[Scalar, ...]] = (),
           progress: Progress | None = None) -> tuple[list[Candidate], list[dict[str, Any]]]:
    """Run NSGA-II for the design's generations; every distinct candidate, and one row
    per generation (evaluations so far, feasible candidates, hypervolume)."""
    from pymoo.algorithms.moo.nsga2 import NSGA2
    from pymoo.core.duplicate import ElementwiseDuplicateElimination
    from pymoo.core.evaluator import Evaluator as PymooEvaluator
    from pymoo.core.problem import Problem
    from pymoo.problems.static import StaticProblem

    levers = design.levers

    def decode(x: np.ndarray) -> tuple[Scalar, ...]:
        return repair(design, tuple(lv.decode(u) for lv, u in zip(levers, x, strict=True)))

    class SameDraft(ElementwiseDuplicateElimination):  # type: ignore[misc]
        def is_equal(self, a: Any, b: Any) -> bool:
            return decode(a.X) == decode(b.X)

    n_obj = len(design.raw.objectives)
    n_con = 1 + len(design.raw.lever_rules) + len(design.raw.constraints)
    problem = Problem(n_var=len(levers), n_obj=n_obj, n_ieq_constr=n_con, xl=0.0, xu=1.0)
    algorithm = NSGA2(pop_size=design.raw.search.population, sampling=initial(design, warm),
                      eliminate_duplicates=SameDraft())
    total = design.raw.search.generations
    algorithm.setup(problem, termination=("n_gen", total), seed=design.raw.seed,
                    verbose=False)
    rows: list[dict[str, Any]] = []
    order: dict[str, Candidate] = {}
    ideal = nadir = None
    generation = 0
    while algorithm.has_next():
        generation += 1
        pop = algorithm.ask()
        drafts = [decode(x) for x in pop.get("X")]
        shown = f"gen {generation}/{total}"
        if rows:
            shown += f" hv {rows[-1]['hypervolume']:.3f}"
        found = evaluator.evaluate(drafts, generation, progress, shown)
        scored = [score(design, c, baseline.means) for c in found]  # type: ignore[arg-type]
        f = np.array([s[0] for s in scored])
        g = np.array([s[1] for s in scored])
        PymooEvaluator().eval(StaticProblem(problem, F=f, G=g), pop)
        algorithm.tell(infills=pop)
        for c in found:
            order.setdefault(c.key, c)
        feasible = [c for c in order.values() if feasible_candidate(design, c)]
        front = np.array([score(design, c, baseline.means)[0] for c in feasible])  # type: ignore[arg-type]
        if ideal is None and len(front):
            ideal, nadir = front.min(axis=0), front.max(axis=0)
        hv = hypervolume(pareto_f(front), ideal, nadir) if ideal is not None else 0.0  # type: ignore[arg-type]
        rows.append({"generation": generation, "evaluations": len(order),
                     "feasible": len(feasible), "hypervolume": hv})
    return list(order.values()), rows


def feasible_candidate(design: Design, c: Candidate) -> bool:
    """Evaluated, meeting every lever rule and every constraint."""
    if c.means is None:
        return False
    if any(v > 0 for v in rule_violation(design, c.levers)):
        return False
    return all(constraint_met(con, c.scores[label(con)]) for con in design.raw.constraints)


def pareto_f(f: np.ndarray) -> np.ndarray:
    """The non-dominated rows of f (minimised)."""
    return f[pareto_rows(f)] if len(f) else f


def pareto_rows(f: np.ndarray) -> list[int]:
    from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

    if not len(f):
        return []
    return sorted(int(i) for i in NonDominatedSorting().do(f, only_non_dominated_front=True))


def pareto_set(design: Design, candidates: Sequence[Candidate],
               baseline: Candidate) -> list[Candidate]:
    """The feasible candidates no other feasible candidate beats on every objective; of
    drafts with exactly the same objective values (levers that change nothing in these
    states), the first proposed stands for the others (counted in `equivalents`)."""
    feasible = [c for c in candidates if feasible_candidate(design, c)]
    f = np.array([score(design, c, baseline.means)[0] for c in feasible])  # type: ignore[arg-type]
    first: dict[tuple[float, ...], Candidate] = {}
    for i in pareto_rows(f):  # drafts with the same values as an earlier one: counted
        c = first.setdefault(tuple(f[i]), feasible[i])
        if c is not feasible[i]:
            c.equivalents += 1
    return list(first.values())


def rescore(design: Design, found: Sequence[Candidate], baseline: Candidate) -> None:
    """Fill in the robustness values of candidates evaluated on other states."""
    for c in found:
        if c.means is not None:
            score(design, c, baseline.means)  # type: ignore[arg-type]


def spearman(a: Sequence[float], b: Sequence[float]) -> float | None:
    """Spearman's rank correlation, or None if it is undefined (fewer than 3 values, or
    one side constant)."""
    from scipy.stats import spearmanr

    if len(a) < 3 or np.ptp(np.asarray(a)) == 0 or np.ptp(np.asarray(b)) == 0:
        return None
    rho = float(spearmanr(a, b).statistic)
    return None if math.isnan(rho) else rho


def directions(design: Design) -> dict[str, str]:
    """Each objective's and constraint's column and which way is better."""
    out: dict[str, str] = {label(o): better(o, o.direction) for o in design.raw.objectives}
    out |= {label(c): better(c, constraint_direction(c)) for c in design.raw.constraints}
    return out
