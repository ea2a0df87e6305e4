"""Which assumptions drive the outcome, and where in the design the truce breaks.

From a finished sweep's points.csv (each design point's mean outcomes):

- Sobol' indices (SALib, Saltelli design): the share of the outcome's variance across the
  design due to each assumption alone (S1) and including its interactions (ST), with 95%
  bootstrap intervals;
- Morris elementary effects (SALib): mu* is the mean absolute change in the outcome when
  one assumption moves by a step, expressed per whole range of that assumption; sigma
  is their spread (large when the effect depends on the other assumptions);
- "where the truce breaks": a shallow regression tree (scikit-learn) on the points'
  collapse probabilities finds the box of assumption values where collapse is most
  likely, reported in words against the rest of the design.

Each point's outcome is a mean over a finite number of replications, so its Monte Carlo
noise is part of what the indices see; common random numbers across points keep that
noise small next to the effect of the assumptions.
"""

from __future__ import annotations

import csv
import io
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from trucesim import fmt
from trucesim.analysis.designs import MORRIS_LEVELS, Design, Factor, problem
from trucesim.analysis.sweep import POINT_MEASURES, Sweep, manifest
from trucesim.run.output import write_text_atomic

# outcomes whose drivers are printed (all POINT_MEASURES go to sensitivity.csv)
SHOWN = {"p_collapsed": "probability the truce collapses",
         "living_released": "living hostages released",
         "deaths_palestinians": "Palestinian deaths"}


def read_points(path: Path, factors: Sequence[Factor]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """points.csv -> (applied values (points, factors), {measure: mean per point})."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    x = np.array([[float(r[f.key]) for f in factors] for r in rows], dtype=np.float64)
    y = {m: np.array([float(r[m]) for r in rows], dtype=np.float64) for m in POINT_MEASURES}
    return x, y


@dataclass(frozen=True)
class Index:
    """One assumption's sensitivity index for one outcome, with its 95% interval."""

    outcome: str
    parameter: str
    rank: int
    value: float  # ST (sobol) or mu* (morris)
    low: float
    high: float
    other: float  # S1 (sobol) or sigma (morris)
    other_low: float
    other_high: float


def indices(design: Design, y: dict[str, np.ndarray]) -> list[Index]:
    """Sobol' or Morris indices of every recorded outcome, ranked within each outcome."""
    from SALib.analyze import morris, sobol

    spec = problem(design.factors)
    out: list[Index] = []
    for name, values in y.items():
        if np.ptp(values) == 0:
            continue  # the outcome does not vary over the design
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if design.method == "sobol":
                si = sobol.analyze(spec, values, calc_second_order=False, conf_level=0.95,
                                   seed=design.seed)
                main, conf = si["ST"], si["ST_conf"]
                rows = [(si["S1"][k] - si["S1_conf"][k], si["S1"][k],
                         si["S1"][k] + si["S1_conf"][k]) for k in range(len(main))]
            else:
                si = morris.analyze(spec, design.nominal, values, conf_level=0.95,
                                    num_levels=MORRIS_LEVELS, seed=design.seed)
                main, conf = si["mu_star"], si["mu_star_conf"]
                rows = [(math.nan, si["sigma"][k], math.nan) for k in range(len(main))]
        floor = 0.0 if design.method == "morris" else -math.inf  # mu* >= 0 by definition
        order = sorted(range(len(main)), key=lambda k: (-float(main[k]), k))
        for rank, k in enumerate(order, start=1):
            lo2, mid2, hi2 = rows[k]
            out.append(Index(name, design.factors[k].key, rank, float(main[k]),
                             max(floor, float(main[k] - conf[k])), float(main[k] + conf[k]),
                             float(mid2), float(lo2), float(hi2)))
    return out


def columns(method: str) -> tuple[str, ...]:
    if method == "sobol":
        return ("ST", "ST_lo", "ST_hi", "S1", "S1_lo", "S1_hi")
    return ("mu_star", "mu_star_lo", "mu_star_hi", "sigma")


def indices_csv(method: str, rows: Sequence[Index]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["outcome", "parameter", "rank", *columns(method)])
    for r in rows:
        values = [r.value, r.low, r.high, r.other, r.other_low, r.other_high]
        if method != "sobol":
            values = values[:4]
        writer.writerow([r.outcome, r.parameter, r.rank, *(f"{v:.4g}" for v in values)])
    return buffer.getvalue()


@dataclass(frozen=True)
class Box:
    """The region of the design where collapse is most likely, and the rest."""

    conditions: tuple[str, ...]
    inside: float  # mean collapse probability of the points inside
    inside_points: int
    outside: float
    outside_points: int

    def sentence(self) -> str:
        where = " and ".join(self.conditions)
        return (f"collapse probability {self.inside:.2f} when {where} "
                f"({self.inside_points} design points), vs {self.outside:.2f} elsewhere "
                f"({self.outside_points} points)")


def where_collapse(factors: Sequence[Factor], x: np.ndarray, y: np.ndarray,
                   depth: int = 2) -> Box | None:
    """The leaf of a shallow regression tree with the highest mean collapse probability.

    None if the design is too small (< 8 points) or collapse does not vary over it.
    """
    if len(y) < 8 or np.ptp(y) == 0:
        return None
    from sklearn.tree import DecisionTreeRegressor

    leaf_size = max(4, len(y) // 8)  # a region must hold at least 1/8 of the points
    tree = DecisionTreeRegressor(max_depth=depth, min_samples_leaf=leaf_size, random_state=0)
    tree.fit(x, y)
    leaves = tree.apply(x)
    best = max(set(leaves.tolist()), key=lambda leaf: (float(y[leaves == leaf].mean()), -leaf))
    inside = leaves == best
    if inside.all():
        return None
    return Box(_conditions(tree, factors, best), float(y[inside].mean()), int(inside.sum()),
               float(y[~inside].mean()), int((~inside).sum()))


def _conditions(tree: Any, factors: Sequence[Factor], leaf: int) -> tuple[str, ...]:
    """The path to `leaf` as one range per factor, e.g. 'x > 3' or '0.2 < y <= 0.5'."""
    t = tree.tree_
    parent: dict[int, tuple[int, bool]] = {}
    for node in range(t.node_count):
        if t.children_left[node] != -1:
            parent[int(t.children_left[node])] = (node, True)
            parent[int(t.children_right[node])] = (node, False)
    low: dict[int, float] = {}
    high: dict[int, float] = {}
    node = leaf
    while node in parent:
        up, left = parent[node]
        k, cut = int(t.feature[up]), float(t.threshold[up])
        if left:
            high[k] = min(high.get(k, math.inf), cut)
        else:
            low[k] = max(low.get(k, -math.inf), cut)
        node = up
    out = []
    for k, f in enumerate(factors):
        if k in low or k in high:
            out.append(_range(f, low.get(k), high.get(k)))
    return tuple(out)


def _range(f: Factor, low: float | None, high: float | None) -> str:
    """Words for low < key <= high; integer keys as '>= 4' rather than '> 3.5'."""
    parts = []
    if low is not None:
        parts.append(f">= {math.floor(low) + 1}" if f.integer else f"> {low:.3g}")
    if high is not None:
        parts.append(f"<= {math.floor(high)}" if f.integer else f"<= {high:.3g}")
    return f"{f.key} " + " and ".join(parts) if len(parts) == 1 else (
        f"{f.key} {parts[0]} and {f.key} {parts[1]}")


@dataclass(frozen=True)
class Report:
    """A finished sweep's analysis."""

    method: str
    indices: tuple[Index, ...]
    box: Box | None
    collapse_range: tuple[float, float]
    note: str  # why there is no box, if there is none

    def where(self) -> str:
        if self.box is not None:
            return self.box.sentence()
        return self.note


def analyse(sweep: Sweep, directory: Path) -> Report:
    """Read the finished points.csv; write sensitivity.csv (sobol, morris) and summary.md."""
    design = sweep.design
    x, y = read_points(directory / "points.csv", design.factors)
    rows = indices(design, y) if design.method in ("sobol", "morris") else []
    collapse = y["p_collapsed"]
    note = ""
    try:
        box = where_collapse(design.factors, x, collapse)
    except ImportError:
        box, note = None, "install 'trucesim[sensitivity]' (scikit-learn) to find where"
    if box is None and not note:
        note = (f"collapse probability ranges only from {collapse.min():.2f} to "
                f"{collapse.max():.2f} over the design; no region stands out"
                if len(collapse) >= 8 else "too few design points (< 8) to find a region")
    report = Report(design.method, tuple(rows), box,
                    (float(collapse.min()), float(collapse.max())), note)
    if rows:
        write_text_atomic(directory / "sensitivity.csv", indices_csv(design.method, rows))
    write_text_atomic(directory / "summary.md", markdown(sweep, report))
    write_text_atomic(directory / "manifest.json", manifest(sweep, "complete"))
    return report


def ranked(report: Report, outcome: str) -> list[Index]:
    return [r for r in report.indices if r.outcome == outcome]


def show_index(method: str, r: Index) -> tuple[str, str]:
    """(main index [95% CI], secondary) as text."""
    main = f"{fmt.sig3(r.value)} [{fmt.sig3(r.low)} to {fmt.sig3(r.high)}]"
    if method == "sobol":
        return main, f"{fmt.sig3(r.other)} [{fmt.sig3(r.other_low)} to {fmt.sig3(r.other_high)}]"
    return main, fmt.sig3(r.other)


def headers(method: str) -> tuple[str, str]:
    if method == "sobol":
        return "total index ST [95% CI]", "first-order S1 [95% CI]"
    return "mu* [95% CI]", "sigma"


def markdown(sweep: Sweep, report: Report) -> str:
    d = sweep.design
    ranges = ", ".join(f"`{f.key}` {f.low:g} to {f.high:g}" for f in d.factors)
    lines = [f"# Sweep of `{sweep.scenario.name}`", "",
             f"Design: {d.method}, --samples {d.samples}, {len(d)} points over {ranges}; "
             f"{sweep.replications:,} replications per point, root seed {sweep.seed} at "
             "every point (common random numbers).", "",
             "> Model results under the scenario's stated assumptions, not forecasts.", "",
             "## Where the truce breaks", "", report.where()[0].upper() + report.where()[1:]
             + ".", ""]
    if report.indices:
        main, other = headers(report.method)
        for outcome, label in SHOWN.items():
            rows = ranked(report, outcome)
            lines += [f"## What drives: {label}", ""]
            if not rows:
                lines += ["Does not vary over the design.", ""]
                continue
            lines += [f"| rank | assumption | {main} | {other} |", "|---|---|---|---|"]
            lines += [f"| {r.rank} | {r.parameter} | " + " | ".join(show_index(d.method, r))
                      + " |" for r in rows]
            lines.append("")
        lines += ["Every recorded outcome's indices: sensitivity.csv.", ""]
    return "\n".join(lines)
