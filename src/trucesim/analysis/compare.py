"""Scenarios compared: one pipeline for `trucesim compare` and for reports of several runs.

Scenarios run with the same root seed share their random history replication by
replication (common random numbers, :mod:`trucesim.model.streams`), so replication *i*
of one is paired with replication *i* of the other and they differ only by what their
assumptions change. For each measure the comparison keeps each scenario's exact totals
and the totals of the per-replication differences to the first scenario,
d_i = x_i(B) - x_i(A); the 95% interval of a difference is the Student-t interval on the
d_i (for a yes/no measure, on differences of 0/1 indicators: a difference in
probability). Shared luck cancels in d_i, so this interval is usually far narrower than
one from independent runs. Runs with other seeds or counts are compared as independent
samples (Welch's interval), and say so.

The same totals come from a fresh run (:func:`run`), from the runs' results directories
(:func:`from_runs`, reading replications.csv back into stored values), or from a compare
directory's differences.csv (:func:`from_directory`). All totals are exact integers, so
a comparison is the same for any worker count.
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial

import numpy as np

from trucesim.model import actors
from trucesim.run import assumptions
from trucesim.run.engine import default_chunk_size, run_chunk
from trucesim.run.executors import Executor, SerialExecutor
from trucesim.run.measures import Measure, Totals, matrix, measures, select, stored
from trucesim.run.results import ResultsError, RunFiles
from trucesim.run.stats import t_quantile
from trucesim.scenario.schema import Scenario

Triple = tuple[float, float, float]  # a value and its 95% interval


@dataclass(frozen=True)
class Difference:
    """One measure's difference of scenario B to the baseline A, with both levels."""

    measure: Measure
    baseline: str
    scenario: str
    a: Triple  # A's mean (or probability) and its 95% interval
    b: Triple
    diff: Triple  # mean of B - A: paired t-interval, or Welch's for independent runs
    sd_diff: float  # sd of the per-replication differences (NaN if not paired)
    independent_half_width: float  # half-width had A and B been run with independent seeds
    paired: bool = True
    spread: tuple[float, float] | None = None  # of the difference, over the assumptions


@dataclass(frozen=True)
class Comparison:
    """Scenarios compared with the first; differences per (scenario after the first, measure)."""

    names: tuple[str, ...]
    titles: tuple[str, ...]
    measures: tuple[Measure, ...]
    seed: int
    replications: int
    levels: tuple[tuple[Triple, ...], ...]  # per scenario, per measure
    differences: tuple[Difference, ...]
    parameter_sets: int = 0  # the parameter sets each difference has a spread over (0: none)

    @property
    def uncertain(self) -> bool:
        """Whether the differences carry a spread over uncertain assumptions."""
        return any(d.spread is not None for d in self.differences)

    def level(self, s: int, j: int) -> Triple:
        return self.levels[s][j]

    def difference(self, s: int, j: int) -> Difference:
        """Scenario s (>= 1) against the first, for measure j."""
        return self.differences[(s - 1) * len(self.measures) + j]

    def title(self, name: str) -> str:
        return self.titles[self.names.index(name)] if name in self.names else name

    @property
    def paired(self) -> dict[str, bool]:
        """Per compared scenario: whether it shares the reference's random numbers."""
        return {d.scenario: d.paired for d in self.differences}


def _welch(a: Totals, b: Totals, j: int, scale: int) -> Triple:
    """Mean of B - A with Welch's 95% interval, for independent samples."""
    va, vb = (t.sd(j, scale) ** 2 / t.n if t.n > 1 else math.nan for t in (a, b))
    mean = b.mean(j, scale) - a.mean(j, scale)
    se = math.sqrt(va + vb)
    df = ((va + vb) ** 2 / (va * va / (a.n - 1) + vb * vb / (b.n - 1)) if va + vb > 0
          else float(a.n + b.n - 2))
    half = t_quantile(df) * se
    return mean, mean - half, mean + half  # NaN bounds when there are too few runs


def _difference(m: Measure, j: int, names: tuple[str, str], a: Totals, b: Totals,
                d: Totals | None) -> Difference:
    n, scale = a.n, m.scale
    independent = (t_quantile(a.n + b.n - 2) * math.sqrt((a.sd(j, scale) ** 2
                   + b.sd(j, scale) ** 2) / n) if n > 1 else math.nan)
    if d is None:
        return Difference(m, *names, a.interval(j, m), b.interval(j, m), _welch(a, b, j, scale),
                          math.nan, independent, paired=False)
    return Difference(m, *names, a.interval(j, m), b.interval(j, m), d.t_interval(j, scale),
                      d.sd(j, scale), independent)


def _assemble(names: Sequence[str], titles: Sequence[str], chosen: tuple[Measure, ...],
              seed: int, n: int, levels: Sequence[Totals],
              diffs: Sequence[Totals | None]) -> Comparison:
    out = [_difference(m, j, (names[0], names[s]), levels[0], levels[s], diffs[s - 1])
           for s in range(1, len(names)) for j, m in enumerate(chosen)]
    per_scenario = tuple(tuple(t.interval(j, m) for j, m in enumerate(chosen)) for t in levels)
    return Comparison(tuple(names), tuple(titles), chosen, seed, n, per_scenario, tuple(out))


@dataclass
class PairedTotals:
    """Totals of each scenario's measures, and of their differences to the first."""

    levels: list[Totals]  # one per scenario
    diffs: list[Totals]  # one per scenario after the first

    def merge(self, other: PairedTotals) -> None:
        for mine, theirs in zip([*self.levels, *self.diffs], [*other.levels, *other.diffs],
                                strict=True):
            mine.merge(theirs)


def paired_totals(cols: Sequence[np.ndarray]) -> PairedTotals:
    """Totals of measure columns (one (n, measures) array per scenario), paired."""
    width = cols[0].shape[1]
    levels, diffs = [Totals(width) for _ in cols], [Totals(width) for _ in cols[1:]]
    for total, c in zip(levels, cols, strict=True):
        total.add(c)
    for total, c in zip(diffs, cols[1:], strict=True):
        total.add(c - cols[0])
    return PairedTotals(levels, diffs)


def common_measures(scenarios: Sequence[Scenario]) -> tuple[str, ...]:
    """Names of the measures every scenario has, in the first scenario's order."""
    shared = set.intersection(*({m.name for m in measures(s)} for s in scenarios))
    return tuple(m.name for m in measures(scenarios[0]) if m.name in shared)


def compare_chunk(scenarios: Sequence[Scenario], names: Sequence[str], seed: int,
                  bounds: tuple[int, int]) -> PairedTotals:
    """Replications bounds[0]..bounds[1]-1 of every scenario, reduced to paired totals."""
    start, stop = bounds
    return paired_totals([matrix(select(s, names), run_chunk(s, seed, start, stop).values)
                          for s in scenarios])


def compare_set_chunk(sets: tuple[tuple[Scenario, ...], ...], names: Sequence[str], seed: int,
                      item: tuple[int, int, int]) -> tuple[int, PairedTotals]:
    """A chunk of parameter set k of every scenario (sets[i][k]), as paired totals."""
    k, start, stop = item
    return k, compare_chunk([per[k] for per in sets], names, seed, (start, stop))


def run(scenarios: Sequence[Scenario], seed: int, n: int, *,
        executor: Executor | None = None, chunk_size: int | None = None,
        progress: Callable[[int], None] | None = None,
        parameter_sets: int | None = None) -> Comparison:
    """Run n replications of every scenario with the same seed; return the comparison.

    If a scenario has uncertain parameters, every scenario's replications are split into
    the same parameter sets, and each difference also gets its spread over them."""
    executor = executor or SerialExecutor()
    names = common_measures(scenarios)
    size = chunk_size or default_chunk_size(n, executor.workers)
    starts, sets = assumptions.sets_for(list(scenarios), seed, n, parameter_sets)
    items = ((k, a, min(a + size, starts[k + 1])) for k in range(len(starts) - 1)
             for a in range(starts[k], starts[k + 1], size))
    task = partial(compare_set_chunk, tuple(sets), names, seed)
    total: PairedTotals | None = None
    per_set: dict[int, PairedTotals] = {}
    for k, part in executor.map(task, items):
        if progress is not None:
            progress(part.levels[0].n)
        if len(starts) > 2:
            if k in per_set:
                per_set[k].merge(copy.deepcopy(part))
            else:
                per_set[k] = copy.deepcopy(part)
        if total is None:
            total = part
        else:
            total.merge(part)
    assert total is not None
    chosen = select(scenarios[0], names)
    c = _assemble([s.name for s in scenarios], [s.title or s.name for s in scenarios],
                  chosen, seed, n, total.levels, total.diffs)
    return c if not per_set else _with_spreads(c, [per_set[k] for k in sorted(per_set)])


def _with_spreads(c: Comparison, per_set: list[PairedTotals]) -> Comparison:
    """Each difference with its spread over the parameter sets (net of noise)."""
    out = []
    for d in c.differences:
        s, j = c.names.index(d.scenario), c.measures.index(d.measure)
        sp = assumptions.spread([p.diffs[s - 1] for p in per_set], j, d.measure)
        out.append(replace(d, spread=(sp["p05"], sp["p95"])))
    return replace(c, differences=tuple(out), parameter_sets=len(per_set))


def _sets(run_: RunFiles) -> int:
    """The parameter sets an uncertain run was split into (1 if unreadable)."""
    u = run_.summary["uncertainty"]
    k = u.get("parameter_sets") if isinstance(u, dict) else None
    return k if isinstance(k, int) and 1 <= k <= run_.replications else 1


def paired(a: RunFiles, b: RunFiles) -> bool:
    """Whether replication i of `a` and of `b` share their random numbers."""
    return a.seed == b.seed and a.replications == b.replications


def from_runs(runs: Sequence[RunFiles]) -> Comparison:
    """The runs' results directories compared with the first (the reference)."""
    scenarios = [r.scenario() for r in runs]
    names = common_measures(scenarios)
    columns = []
    for run_, s in zip(runs, scenarios, strict=True):
        rows = run_.replication_rows()
        if len(rows) != run_.replications:
            raise ResultsError([f"{run_.directory}: replications.csv has {len(rows)} rows, "
                                f"expected {run_.replications}"])
        try:
            values = stored(actors.fields(s), rows)
        except (KeyError, ValueError) as exc:
            raise ResultsError([f"{run_.directory / 'replications.csv'}: cannot read it "
                                f"({exc})"]) from None
        columns.append(matrix(select(s, names), values))
    totals = paired_totals(columns)
    diffs = [d if paired(runs[0], r) else None
             for r, d in zip(runs[1:], totals.diffs, strict=True)]
    c = _assemble([r.name for r in runs], [r.title for r in runs],
                  select(scenarios[0], names), runs[0].seed, runs[0].replications,
                  totals.levels, diffs)
    ks = {_sets(r) for r in runs if "uncertainty" in r.summary}
    if len(ks) != 1 or not all(paired(runs[0], r) for r in runs[1:]):
        return c  # no spread unless every uncertain run was split into the same sets
    k = ks.pop()
    if k < 2:
        return c
    starts = assumptions.split(runs[0].replications, k)
    return _with_spreads(c, [paired_totals([col[a:b] for col in columns])
                             for a, b in itertools.pairwise(starts)])
