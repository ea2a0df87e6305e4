"""The report of a design search (`trucesim report results/design-<name>/`).

One self-contained page: the trade-off between the objectives across the Pareto set (a
parallel-coordinates chart, every objective scaled to its range over the set and turned
so that up is better, and a scatter of each pair of objectives), each draft's terms as a
short term sheet beside the starting draft's, how the ranking held on fresh states, and
where one draft fails. Figures also as SVG and 1920x1080 PNG under figures/.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trucesim.run.results import ResultsError, manifest_kind
from trucesim.scenario.names import Names

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from trucesim.teaching.slides import Drawn

MAX_LINES = 60  # drafts drawn on the parallel coordinates (the best first)
MAX_PAIRS = 6


@dataclass(frozen=True)
class DesignFiles:
    """A finished design search, as design.json holds it."""

    directory: Path
    data: dict[str, Any]

    @property
    def objectives(self) -> list[str]:
        """The objectives' columns (constraints are not drawn)."""
        return [o["column"] for o in self.data["objectives"]]

    @property
    def levers(self) -> list[str]:
        return list(self.data["lever_keys"])


def is_design(directory: Path) -> bool:
    return manifest_kind(directory) == "design"


def load_design(directory: Path) -> DesignFiles:
    """Read a design directory; ResultsError if it is unfinished or unreadable."""
    try:
        manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
        data = json.loads((directory / "design.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ResultsError([f"{directory}: cannot read the design search: {exc}"]) from exc
    if manifest.get("status") != "complete":
        raise ResultsError([f"{directory}: the design search is not finished; run the same "
                            "trucesim design command again to resume it"])
    return DesignFiles(directory, data)


def better_up(d: DesignFiles, key: str, values: list[float]) -> list[float]:
    """Values scaled to 0-1 over the set, 1 the best (for the parallel coordinates)."""
    low, high = min(values), max(values)
    width = high - low
    scaled = [(v - low) / width if width > 0 else 0.5 for v in values]
    return scaled if d.data["directions"][key] == "max" else [1 - s for s in scaled]


def parallel(d: DesignFiles) -> Figure:
    from trucesim.teaching import plots

    keys = d.objectives
    rows = d.data["pareto"][:MAX_LINES]
    start = d.data["start"]["scores"]
    fig, (ax,) = plots.figure(4.2)
    columns = {k: better_up(d, k, [r[k] for r in rows] + [start[k]]) for k in keys}
    xs = list(range(len(keys)))
    for i in range(len(rows)):
        ax.plot(xs, [columns[k][i] for k in keys], color=plots.COLOURS[0], alpha=0.55,
                linewidth=1.2, label="a draft of the Pareto set" if i == 0 else None)
    ax.plot(xs, [columns[k][-1] for k in keys], color="#000000", linestyle="--",
            linewidth=2, label="the starting draft")
    ranges = [[r[k] for r in rows] + [start[k]] for k in keys]
    ax.set_xticks(xs, [f"{_short(k)}\n{_number(min(v))} to {_number(max(v))}"
                       for k, v in zip(keys, ranges, strict=True)])
    ax.set_ylim(-0.05, 1.05)
    ax.set_yticks([0, 1], ["worst in the set", "best in the set"])
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, fontsize=8,
              frameon=False)
    return fig


def pairs(d: DesignFiles) -> Figure:
    from trucesim.teaching import plots

    keys = d.objectives
    combos = list(itertools.combinations(keys, 2))[:MAX_PAIRS] or [(keys[0], keys[0])]
    columns = min(3, len(combos))
    rows_n = -(-len(combos) // columns)
    fig, _ = plots.figure(2.6 * rows_n, columns)
    fig.clear()
    axes = fig.subplots(rows_n, columns, squeeze=False).ravel()
    pareto, start = d.data["pareto"], d.data["start"]["scores"]
    for ax, (a, b) in zip(axes, combos, strict=False):
        ax.scatter([r[a] for r in pareto], [r[b] for r in pareto], s=18,
                   color=plots.COLOURS[0], label="Pareto set")
        ax.scatter([start[a]], [start[b]], s=50, marker="x", color="#000000",
                   label="starting draft")
        ax.set_xlabel(_short(a), fontsize=8)
        ax.set_ylabel(_short(b), fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(True, color="#dddddd", linewidth=0.6)
    for ax in axes[len(combos):]:
        ax.set_visible(False)
    axes[0].legend(fontsize=7, frameon=False)
    return fig


def _short(key: str) -> str:
    """An objective's column name on two lines: outcome, then robustness."""
    for marker in ("_mean", "_regret_", "_share_meeting_", "_p"):
        at = key.rfind(marker)
        if at > 0:
            return key[:at].replace("_", " ") + "\n" + key[at + 1:].replace("_", " ")
    return key.replace("_", " ")


def _number(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def term_sheets(d: DesignFiles) -> list[dict[str, Any]]:
    """Each draft's lever values beside the starting draft's, changed ones marked."""
    start = dict(zip(d.levers, d.data["start"]["levers"], strict=True))
    out = []
    for row in d.data["pareto"]:
        terms = [{"key": k, "value": row[k], "start": start[k], "changed": row[k] != start[k]}
                 for k in d.levers]
        out.append({"rank": row["rank"], "file": row["file"], "terms": terms,
                    "scores": [(k, _number(row[k]), _number(d.data["start"]["scores"][k]))
                               for k in d.objectives],
                    "equivalents": row.get("equivalents", 0)})
    return out


def page(d: DesignFiles) -> tuple[str, list[Drawn]]:
    from trucesim.teaching.glossary import DESIGN_GLOSSARY
    from trucesim.teaching.pages import _common, shown
    from trucesim.teaching.report import environment
    from trucesim.teaching.slides import Chart, draw, files

    data = d.data
    charts: list[Drawn] = []
    if data["pareto"]:
        charts = [draw(Chart("tradeoff", parallel(d), "parallel coordinates of the Pareto "
                             "set's objectives", "Each line is one draft of the Pareto set "
                             "(dashed: the starting draft), across the objectives, each "
                             "scaled to its range over the set and the starting draft, and "
                             "turned so that up is better. Lines that cross are "
                             "trade-offs: a draft better on one objective is worse on the "
                             "next.")),
                  draw(Chart("objective-pairs", pairs(d), "scatter plots of each pair of "
                             "objectives", "Each pair of objectives over the Pareto set "
                             "(dots) and the starting draft (cross)."))]
    f = data["failures"]
    sentence = data.get("failure_sentence", "")
    body = environment().get_template("design.html").render(
        _common(["tradeoff", "drafts", "failures", "design", "slides"], Names(),
                DESIGN_GLOSSARY),
        title=f"Design search: {data['design']}", data=data, sheets=term_sheets(d),
        objectives=d.objectives, figures=[shown(c) for c in charts], failures=f,
        sentence=sentence, rho=data["out_of_sample"]["spearman_rho"],
        slides=files(charts))
    return body, charts
