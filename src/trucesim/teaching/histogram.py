"""The spread of one outcome over a run's replications: a histogram of deaths, marking
the mean and the median, with each bar split by how the truce ended.

Deaths are skewed: most runs count some hundreds, the runs in which the truce collapsed
and war resumed count thousands. On a logarithmic axis the two groups show as two humps,
and the mean falls between them, where few runs are; that is the point about mean versus
median the lesson makes. Built from replications.csv (read through
:mod:`trucesim.run.results`) and the outcome registry, so a new end state or outcome
needs no change here.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from trucesim.model import actors, outcomes
from trucesim.run.results import RunFiles
from trucesim.teaching.plots import COLOURS, END_LABELS, figure, whole_numbers

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# each end state's colour, the same in every histogram (collapse in vermilion)
STATE_COLOURS = {"permanent": COLOURS[2], "extended": COLOURS[0], "expired": COLOURS[5],
                 "collapsed": COLOURS[1]}


def values(run: RunFiles, outcome: str) -> tuple[np.ndarray, list[str]]:
    """The outcome in every replication, and how each replication ended."""
    fields = actors.fields(run.scenario())
    _, verdict = outcomes.category(fields)
    rows = run.replication_rows()
    return (np.array([float(r[outcome]) for r in rows], dtype=np.float64),
            [r[verdict.name] for r in rows])


def deaths(run: RunFiles, outcome: str = "deaths_palestinians") -> Figure:
    """Histogram of `outcome` over the replications (log-spaced bins), stacked by end state,
    with the mean and the median marked."""
    field = actors.by_name(run.scenario())[outcome]
    label = field.label or field.description
    x, ended = values(run, outcome)
    fig, (ax,) = figure(3.4)
    if not x.size:
        ax.text(0.5, 0.5, "replications.csv is not in the results directory",
                ha="center", va="center", transform=ax.transAxes)
        return fig
    shown = np.maximum(x, 1.0)  # a run with no deaths is drawn in the first bin
    top = max(10.0, float(shown.max()))
    edges = np.unique(np.round(np.geomspace(1.0, top * 1.0001, 41), 6)).tolist()
    states = list(dict.fromkeys(run.summary["end_states"]))
    stacks = [shown[[e == s for e in ended]] for s in states]
    colours = [STATE_COLOURS.get(s, COLOURS[(4 + k) % len(COLOURS)])
               for k, s in enumerate(states)]
    names = [f"{END_LABELS.get(s, s).replace(chr(10), ' ')} ({len(v):,} runs)"
             for s, v in zip(states, stacks, strict=True)]
    ax.hist(stacks, bins=edges, stacked=True, color=colours, label=names, linewidth=0)
    mean, median = float(x.mean()), float(np.median(x))
    for value, style, what, side in ((median, "-", "median", -1), (mean, "--", "mean", 1)):
        # the median's label to the left of its line, the mean's to the right
        if mean < median:
            side = -side
        ax.axvline(max(value, 1.0), color="#222222", linestyle=style, linewidth=1.6)
        ax.annotate(f"{what} {value:,.0f}", (max(value, 1.0), 1.0),
                    xycoords=("data", "axes fraction"), xytext=(4 * side, -4),
                    textcoords="offset points", va="top", fontsize="small",
                    ha="left" if side > 0 else "right")
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(lambda value, _pos: f"{value:,.0f}")
    ax.set_xlim(10 ** math.floor(math.log10(float(shown.min()))),
                10 ** math.ceil(math.log10(top)))
    whole_numbers(ax)
    ax.set_xlabel(f"{label} in a run (logarithmic scale: each step is 10 times the last)")
    ax.set_ylabel("runs")
    ax.set_title(f"{label}: how the runs spread", loc="left")
    ax.legend(frameon=False, loc="upper left", fontsize="small", bbox_to_anchor=(0.0, 0.9))
    return fig
