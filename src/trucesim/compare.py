"""Paired comparison of scenarios under common random numbers.

Every scenario is run with the same root seed, so replication *i* of each meets the same
luck, process by process and day by day (see :mod:`trucesim.streams`); the scenarios
differ only by what their assumptions change. For each measure the comparison keeps each
scenario's totals and the totals of the per-replication differences to the first
scenario, d_i = x_i(B) - x_i(A). The 95% interval of a difference is the Student-t
interval on the d_i (for a yes/no measure, on the differences of 0/1 indicators, so it is
the difference in probability). Because shared luck cancels in d_i, this interval is
usually far narrower than one from independent runs.

All totals are exact integers, so the result is the same for any worker count.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from trucesim.engine import chunk_bounds, default_chunk_size, run_chunk
from trucesim.executors import Executor, SerialExecutor
from trucesim.measures import Measure, Totals, matrix, measures, select
from trucesim.output import ResultsDir
from trucesim.schema import Scenario
from trucesim.stats import t_quantile
from trucesim.summary import KEY_OUTCOMES, NOTE, fmt, interval


@dataclass
class PairedTotals:
    """Totals of each scenario's measures, and of their differences to the first."""

    levels: list[Totals]  # one per scenario
    diffs: list[Totals]  # one per scenario after the first

    def merge(self, other: PairedTotals) -> None:
        for mine, theirs in zip([*self.levels, *self.diffs], [*other.levels, *other.diffs],
                                strict=True):
            mine.merge(theirs)


def common_measures(scenarios: Sequence[Scenario]) -> tuple[str, ...]:
    """Names of the measures every scenario has, in the first scenario's order."""
    shared = set.intersection(*({m.name for m in measures(s)} for s in scenarios))
    return tuple(m.name for m in measures(scenarios[0]) if m.name in shared)


def compare_chunk(scenarios: Sequence[Scenario], names: Sequence[str], seed: int,
                  bounds: tuple[int, int]) -> PairedTotals:
    """Replications bounds[0]..bounds[1]-1 of every scenario, reduced to paired totals."""
    start, stop = bounds
    columns = [matrix(select(s, names), run_chunk(s, seed, start, stop).values)
               for s in scenarios]
    width = len(names)
    levels, diffs = [Totals(width) for _ in scenarios], [Totals(width) for _ in scenarios[1:]]
    for total, cols in zip(levels, columns, strict=True):
        total.add(cols)
    for total, cols in zip(diffs, columns[1:], strict=True):
        total.add(cols - columns[0])
    return PairedTotals(levels, diffs)


def run(scenarios: Sequence[Scenario], seed: int, n: int, *,
        executor: Executor | None = None, chunk_size: int | None = None,
        progress: Callable[[int], None] | None = None) -> Comparison:
    """Run n replications of every scenario with the same seed; return the comparison."""
    executor = executor or SerialExecutor()
    names = common_measures(scenarios)
    size = chunk_size or default_chunk_size(n, executor.workers)
    task = partial(compare_chunk, tuple(scenarios), names, seed)
    total: PairedTotals | None = None
    for part in executor.map(task, chunk_bounds(n, size)):
        if total is None:
            total = part
        else:
            total.merge(part)
        if progress is not None:
            progress(part.levels[0].n)
    assert total is not None
    return Comparison(tuple(scenarios), select(scenarios[0], names), seed, n, total)


@dataclass(frozen=True)
class Difference:
    """One measure's paired difference of scenario B to the baseline A."""

    measure: Measure
    baseline: str
    scenario: str
    a: tuple[float, float, float]  # A's mean, low, high
    b: tuple[float, float, float]
    diff: tuple[float, float, float]  # paired mean difference B - A with its 95% interval
    sd_diff: float  # sd of the per-replication differences
    independent_half_width: float  # half-width had A and B been run with independent seeds


@dataclass(frozen=True)
class Comparison:
    scenarios: tuple[Scenario, ...]
    measures: tuple[Measure, ...]
    seed: int
    replications: int
    totals: PairedTotals

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.scenarios]

    def level(self, s: int, j: int) -> tuple[float, float, float]:
        return self.totals.levels[s].interval(j, self.measures[j])

    def difference(self, s: int, j: int) -> Difference:
        """Scenario s (>= 1) against the first, for measure j."""
        m, scale = self.measures[j], self.measures[j].scale
        d = self.totals.diffs[s - 1]
        a, b = self.totals.levels[0], self.totals.levels[s]
        n = self.replications
        independent = (t_quantile(2 * n - 2) * math.sqrt((a.sd(j, scale) ** 2
                       + b.sd(j, scale) ** 2) / n) if n > 1 else math.nan)
        return Difference(m, self.names[0], self.names[s], self.level(0, j), self.level(s, j),
                          d.t_interval(j, scale), d.sd(j, scale), independent)

    def differences(self) -> list[Difference]:
        return [self.difference(s, j) for s in range(1, len(self.scenarios))
                for j in range(len(self.measures))]


def directory_name(names: Sequence[str]) -> str:
    """compare-A-vs-B[-vs-C...], shortened with a hash if very long."""
    text = "-vs-".join(names)
    if len(text) > 120:
        text = text[:100] + "-" + hashlib.sha256(text.encode()).hexdigest()[:12]
    return f"compare-{text}"


def _g(x: float) -> str:
    return "" if math.isnan(x) else f"{x:.6g}"


CSV_COLUMNS = ("outcome", "kind", "unit", "baseline", "scenario", "baseline_mean",
               "baseline_lo", "baseline_hi", "mean", "mean_lo", "mean_hi", "difference",
               "difference_lo", "difference_hi", "sd_difference", "independent_half_width",
               "replications")


def differences_csv(c: Comparison) -> str:
    """One row per (measure, scenario after the first): levels and paired difference."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for d in c.differences():
        writer.writerow([d.measure.name, d.measure.kind, d.measure.unit, d.baseline,
                         d.scenario, *map(_g, d.a), *map(_g, d.b), *map(_g, d.diff),
                         _g(d.sd_diff), _g(d.independent_half_width), c.replications])
    return buffer.getvalue()


KEY_MEASURES = ("p_permanent", "p_extended", "p_expired", "p_collapsed", *KEY_OUTCOMES,
                "reached_schedule_living_complete")


def _unit(m: Measure) -> str:
    return "share" if m.kind == "probability" else m.unit


def show_level(m: Measure, value: tuple[float, float, float]) -> str:
    """'14.2% [12.2% to 16.5%]' or '434 [388 to 481]'."""
    unit = _unit(m)
    return f"{fmt(value[0], unit)} [{interval(value[1:], unit)}]"


def signed(x: float, unit: str) -> str:
    """A difference with its sign: '+3.1 pp' for shares, '+12', '-0.05'."""
    if math.isnan(x):
        return "n/a"
    if unit == "share":
        return f"{x * 100:+.1f} pp"
    if abs(x) >= 100:
        return f"{x:+,.0f}"
    return f"{x:+.1f}" if abs(x) >= 1 else f"{x:+.2f}"


def show_diff(m: Measure, value: tuple[float, float, float]) -> str:
    """'+3.1 pp [+1.2 to +5.0]': the paired difference and its interval, unit once."""
    unit = _unit(m)
    bounds = [signed(x, unit).removesuffix(" pp") for x in value[1:]]
    return f"{signed(value[0], unit)} [{bounds[0]} to {bounds[1]}]"


LABELS = KEY_OUTCOMES | {"reached_schedule_living_complete": "P(all scheduled living out)"}


def letter(s: int) -> str:
    return chr(ord("A") + s) if s < 26 else f"S{s}"


def table(c: Comparison, key_only: bool,
          letters: bool = False) -> tuple[list[str], list[list[str]]]:
    """(header, rows): each scenario's level, then each paired difference to the first.

    With `letters`, columns are headed A, B, ... and B − A (for narrow consoles).
    """
    names = [letter(s) for s in range(len(c.names))] if letters else c.names
    header = ["outcome", *names, *(f"{b} − {names[0]}" for b in names[1:])]
    rows = []
    for j, m in enumerate(c.measures):
        if key_only and m.name not in KEY_MEASURES:
            continue
        label = LABELS.get(m.name, m.label) if key_only else m.name
        rows.append([label, *(show_level(m, c.level(s, j)) for s in range(len(names))),
                     *(show_diff(m, c.difference(s, j).diff) for s in range(1, len(names)))])
    if key_only:
        order = {name: k for k, name in enumerate(KEY_MEASURES)}
        keyed = [m.name for m in c.measures if m.name in KEY_MEASURES]
        rows = [row for _, row in sorted(zip(keyed, rows, strict=True),
                                         key=lambda pair: order[pair[0]])]
    return header, rows


def markdown(c: Comparison) -> str:
    """compare.md: what was compared, the key differences, then every measure."""
    titles = ", ".join(f"`{s.name}` ({s.title})" if s.title else f"`{s.name}`"
                       for s in c.scenarios)
    lines = [f"# Paired comparison: {' vs '.join(c.names)}", "",
             f"Scenarios {titles}; {c.replications:,} replications each, all with root seed "
             f"{c.seed} (common random numbers: replication *i* of every scenario meets the "
             "same luck).", "",
             f"> {NOTE}", "",
             "Each cell: mean [95% interval]. Differences are paired: the mean of the "
             "per-replication differences to the first scenario, with a 95% t-interval; "
             "for probabilities, in percentage points (pp).", ""]
    for title, key_only in (("Key outcomes", True), ("Every outcome", False)):
        header, rows = table(c, key_only)
        lines += [f"## {title}", "", "| " + " | ".join(header) + " |",
                  "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        lines.append("")
    return "\n".join(lines)


def manifest(c: Comparison, sources: Sequence[str], workers: int,
             wall_seconds: float) -> dict[str, Any]:
    """What produced the comparison: scenarios and their digests, seed, versions, time."""
    import platform
    import sys

    import numpy

    from trucesim import __version__
    from trucesim.scenario import digest

    return {"status": "complete", "kind": "compare", "scenarios": c.names,
            "scenario_files": list(sources),
            "scenario_digests": {s.name: digest(s) for s in c.scenarios},
            "seed": c.seed, "replications": c.replications, "workers": workers,
            "trucesim_version": __version__, "python": sys.version.split()[0],
            "numpy": numpy.__version__, "platform": platform.platform(),
            "command": " ".join(["trucesim", *sys.argv[1:]]),
            "wall_seconds": round(wall_seconds, 3)}


def write(c: Comparison, out: Path, sources: Sequence[str], workers: int,
          wall_seconds: float) -> Path:
    """Write OUT/compare-<names>/ (differences.csv, compare.md, manifest.json) atomically."""
    with ResultsDir(out / directory_name(c.names)) as results:
        results.text("differences.csv", differences_csv(c))
        results.text("compare.md", markdown(c))
        results.json("manifest.json", manifest(c, sources, workers, wall_seconds))
        return results.commit()
