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

Every draft is evaluated once (:mod:`.checkpoint`), so a search stopped and run again
gives what an uninterrupted one gives.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from trucesim.analysis.checkpoint import Evaluator, Progress
from trucesim.analysis.designfile import (
    Design,
    Scalar,
)
from trucesim.analysis.drafts import Candidate, feasible_candidate, repair, score


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

    decoded: dict[bytes, tuple[Scalar, ...]] = {}  # duplicate checks decode each x often

    def decode(x: np.ndarray) -> tuple[Scalar, ...]:
        key = np.asarray(x, dtype=np.float64).tobytes()
        if key not in decoded:
            decoded[key] = repair(design, tuple(lv.decode(u)
                                                for lv, u in zip(levers, x, strict=True)))
        return decoded[key]

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
        every = [(c, score(design, c, baseline.means)) for c in order.values()]  # type: ignore[arg-type]
        feasible = [c for c, (_, g) in every if c.means is not None and max(g) <= 0]
        front = np.array([fg[0] for c, fg in every if c.means is not None and max(fg[1]) <= 0])
        if ideal is None and len(front):
            ideal, nadir = front.min(axis=0), front.max(axis=0)
        hv = hypervolume(pareto_f(front), ideal, nadir) if ideal is not None else 0.0  # type: ignore[arg-type]
        rows.append({"generation": generation, "evaluations": len(order),
                     "feasible": len(feasible), "hypervolume": hv})
    return list(order.values()), rows


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

