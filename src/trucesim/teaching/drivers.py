"""A finished sweep read back for a report: what drives the outcome, and where the truce
breaks, as data and as charts.

From the sweep's directory alone (``manifest.json``'s identity, ``points.csv``,
``sensitivity.csv``): the factors and their ranges, every design point's values and mean
outcomes, the ranking of the assumptions for each outcome (Morris mu* or Sobol' ST with
95% intervals), and the region of the design where collapse is most likely (the same
regression tree as ``trucesim sweep``, :func:`trucesim.analysis.sensitivity.where_collapse`).
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from trucesim.analysis.designs import Factor
from trucesim.analysis.sensitivity import SHOWN, Box, Index, read_points, where_collapse
from trucesim.run.results import ResultsError, manifest_kind
from trucesim.teaching.plots import COLOURS, figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure


@dataclass(frozen=True)
class SweepFiles:
    """A sweep's results, as read from its directory."""

    directory: Path
    identity: dict[str, Any]
    factors: tuple[Factor, ...]
    x: np.ndarray  # (points, factors): the values applied at each point
    y: dict[str, np.ndarray]  # outcome -> mean at each point
    indices: tuple[Index, ...]
    box: Box | None

    @property
    def method(self) -> str:
        return str(self.identity.get("method", "?"))

    def ranked(self, outcome: str) -> list[Index]:
        return sorted((r for r in self.indices if r.outcome == outcome), key=lambda r: r.rank)


def is_sweep(directory: Path) -> bool:
    return manifest_kind(directory) == "sweep"


def load_sweep(directory: Path) -> SweepFiles:
    """Read a sweep directory; ResultsError if it is unfinished or unreadable."""
    try:
        manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
        identity = manifest["identity"]
        factors = tuple(Factor(str(f["key"]), float(f["low"]), float(f["high"]),
                               bool(f["integer"])) for f in identity["factors"])
        x, y = read_points(directory / "points.csv", factors)
        indices = tuple(_indices(directory / "sensitivity.csv"))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ResultsError([f"{directory}: cannot read the sweep: {exc}"]) from exc
    if manifest.get("status") != "complete" or len(y["p_collapsed"]) != identity["points"]:
        raise ResultsError([f"{directory}: the sweep is not finished ({len(x)} of "
                            f"{identity.get('points')} points); run the same `trucesim "
                            "sweep` command again to resume it"])
    try:
        box = where_collapse(factors, x, y["p_collapsed"])
    except ImportError:
        box = None
    return SweepFiles(directory, identity, factors, x, y, indices, box)


def _indices(path: Path) -> list[Index]:
    """sensitivity.csv back as indices (none for grid and lhs designs, which have none)."""
    if not path.is_file():
        return []
    out = []
    with path.open(encoding="utf-8", newline="") as handle:
        for r in csv.DictReader(handle):
            main = "ST" if "ST" in r else "mu_star"
            other = "S1" if "S1" in r else "sigma"
            out.append(Index(r["outcome"], r["parameter"], int(r["rank"]), float(r[main]),
                             float(r[f"{main}_lo"]), float(r[f"{main}_hi"]), float(r[other]),
                             float(r.get(f"{other}_lo") or math.nan),
                             float(r.get(f"{other}_hi") or math.nan)))
    return out


def ranking(sweep: SweepFiles, outcome: str = "p_collapsed", top: int = 15) -> Figure:
    """Bars of the `top` assumptions' indices for `outcome`, largest first, with 95%
    intervals (the report's table lists them all)."""
    rows = sweep.ranked(outcome)[:top]
    fig, (ax,) = figure(0.36 * len(rows) + 1.3)
    y = np.arange(len(rows))
    values = [r.value for r in rows]
    err = [[max(0.0, r.value - r.low) for r in rows], [max(0.0, r.high - r.value) for r in rows]]
    ax.barh(y, values, color=COLOURS[0], xerr=err, capsize=3,
            error_kw={"elinewidth": 1.1, "ecolor": "#333333"})
    ax.set_yticks(y, [r.parameter for r in rows], fontsize="small")
    ax.invert_yaxis()
    ax.set_xlim(left=0)
    what = "mu* (mean absolute effect of a step, per whole range)" if sweep.method == "morris" \
        else "total-effect index ST"
    ax.set_xlabel(what)
    shown = f"the {len(rows)} largest of {len(sweep.factors)}" if len(sweep.factors) > top \
        else "every assumption"
    ax.set_title(f"What drives the {SHOWN.get(outcome, outcome)} ({sweep.method}, {shown}; "
                 "line: 95% interval)", loc="left", fontsize="medium")
    return fig


def _pair(sweep: SweepFiles) -> tuple[int, int]:
    """The two factors to plot: those the region is defined by, else the top drivers."""
    keys = [f.key for f in sweep.factors]
    chosen = [k for k in keys if sweep.box and any(c.startswith(k + " ") for c in
                                                   sweep.box.conditions)]
    chosen += [r.parameter for r in sweep.ranked("p_collapsed") if r.parameter not in chosen]
    chosen += [k for k in keys if k not in chosen]
    first = keys.index(chosen[0])
    return first, keys.index(chosen[1]) if len(keys) > 1 else first


def where_it_breaks(sweep: SweepFiles) -> Figure:
    """The design on the two assumptions that matter most: each dot the design points at
    those two values (bigger: more points), coloured by their mean collapse probability;
    the region where collapse is most likely is shaded."""
    from matplotlib.patches import Rectangle

    i, j = _pair(sweep)
    fig, (ax,) = figure(4.2)
    p = sweep.y["p_collapsed"]
    cells: dict[tuple[float, float], list[float]] = {}
    for a, b, value in zip(sweep.x[:, i].tolist(), sweep.x[:, j].tolist(), p.tolist(),
                           strict=True):
        cells.setdefault((a, b), []).append(value)
    xs, ys = [a for a, _ in cells], [b for _, b in cells]
    mean = [float(np.mean(v)) for v in cells.values()]
    size = [24 + 10 * len(v) for v in cells.values()]
    dots = ax.scatter(xs, ys, c=mean, s=size, cmap="cividis", vmin=0, vmax=1,
                      edgecolors="#333333", linewidths=0.5, zorder=3)
    fig.colorbar(dots, ax=ax).set_label("share of runs that collapse")
    fi, fj = sweep.factors[i], sweep.factors[j]
    pad_x, pad_y = 0.05 * (fi.high - fi.low), 0.05 * (fj.high - fj.low)
    ax.set_xlim(fi.low - pad_x, fi.high + pad_x)
    ax.set_ylim(fj.low - pad_y, fj.high + pad_y)
    if sweep.box is not None:
        (x0, x1), (y0, y1) = (_bounds(sweep.box, f, ax.get_xlim() if k == 0 else ax.get_ylim())
                              for k, f in enumerate((fi, fj)))
        ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, color=COLOURS[1], alpha=0.15,
                               linewidth=0, zorder=1,
                               label=f"collapse most likely: {sweep.box.inside:.0%} of runs "
                                     f"on average, against {sweep.box.outside:.0%} elsewhere"))
        ax.legend(frameon=False, loc="lower left", bbox_to_anchor=(0.0, 1.0),
                  fontsize="small", borderaxespad=0.2)
    ax.set_xlabel(fi.key)
    ax.set_ylabel(fj.key if j != i else "")
    ax.set_title("Where the truce breaks", loc="right", fontsize="medium")
    return fig


def _bounds(box: Box, f: Factor, limits: tuple[float, float]) -> tuple[float, float]:
    """The region's range on factor `f` ('k > a', 'k <= b', 'k >= n'), within `limits`."""
    low, high = limits
    for condition in box.conditions:
        parts = condition.split(" ")
        if parts[0] != f.key:
            continue
        for op, value in zip(parts[1::4], parts[2::4], strict=True):
            bound = float(value) - (0.5 if op == ">=" else 0.0)
            if op in (">", ">="):
                low = max(low, bound)
            else:
                high = min(high, bound + (0.5 if f.integer else 0.0))
    return low, high
