"""Charts of a run (or of several runs compared), built only from their results files.

Every chart reads summary.json, daily.csv and manifest.json through
:mod:`trucesim.run.results`, so it works on any results directory, however it was
produced. matplotlib (the optional extra `plots`) is imported inside the functions and
drawn with the Agg backend (no display needed); `png` turns a figure into PNG bytes.

Charts: how the truce ends (bars with Wilson intervals); the truce's survival curve with
its 95% Wilson band; cumulative releases against the agreed schedule (5-95% fan and
median); the share of territory held (mean and 5-95% band); aid delivered against agreed
(cumulative); and, for a comparison, paired differences (dot and 95% interval). Counts
(people, trucks, days) get whole-number ticks. The histogram of deaths is in
:mod:`.histogram`, the timeline of one run in :mod:`.timeline`, the sweep's charts in
:mod:`.drivers`; :mod:`.slides` writes every chart as SVG and as a 1920x1080 PNG.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from trucesim.analysis.compare import Difference
from trucesim.run.results import RunFiles

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
WIDTH_IN = 7.5  # figure width, inches
DPI = 100  # pixels per inch of the PNGs
END_LABELS = {"permanent": "permanent\nagreement", "extended": "extended",
              "expired": "expired", "collapsed": "collapsed"}
# an end state a run does not have
NONE: dict[str, Any] = {"p": 0.0, "ci95": [0.0, 0.0], "count": 0}


def figure(height_in: float, ncols: int = 1) -> tuple[Figure, list[Axes]]:
    """A figure on the Agg canvas (no pyplot, no global state) and its axes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH_IN, height_in), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    for ax in axes:
        ax.grid(True, color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    return fig, list(axes)


def png(fig: Figure, dpi: int = DPI) -> bytes:
    """The figure as PNG bytes."""
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()


def _percent_axis(ax: Axes) -> None:
    from matplotlib.ticker import PercentFormatter

    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))


def whole_numbers(ax: Axes, axis: str = "y", ticks: int = 6) -> None:
    """At most `ticks` ticks, at whole numbers only (no 17.5 hostages), with thousands
    separators."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    for which in ("x", "y") if axis == "both" else (axis,):
        target = ax.xaxis if which == "x" else ax.yaxis
        target.set_major_locator(MaxNLocator(nbins=ticks, integer=True, steps=[1, 2, 5, 10]))
        target.set_major_formatter(FuncFormatter(lambda value, _pos: f"{value:,.0f}"))


def days_axis(ax: Axes) -> None:
    """The day of the truce on the x axis, at whole days."""
    whole_numbers(ax, "x", ticks=8)
    ax.set_xlabel("day of the truce")


def _label(run: RunFiles, runs: Sequence[RunFiles]) -> str | None:
    return run.title if len(runs) > 1 else None


def survival(runs: Sequence[RunFiles]) -> Figure:
    """Share of runs in which the truce still holds, day by day, with its 95% interval."""
    fig, (ax,) = figure(3.2)
    for k, run in enumerate(runs):
        d, c = run.daily, COLOURS[k % len(COLOURS)]
        ax.fill_between(d["day"], d["survival_lo"], d["survival_hi"], color=c, alpha=0.25,
                        linewidth=0)
        ax.plot(d["day"], d["survival"], color=c, linewidth=2, label=_label(run, runs))
    ax.set_ylim(0, 1.02)
    _percent_axis(ax)
    days_axis(ax)
    ax.set_ylabel("runs in which the\ntruce still holds")
    ax.set_title("Survival of the truce (band: 95% interval)", loc="left")
    if len(runs) > 1:
        ax.legend(frameon=False, loc="lower left")
    return fig


def schedule(run: RunFiles) -> dict[str, list[float]]:
    """Cumulative living hostages and bodies due by each day under the agreed schedule."""
    s = run.scenario()
    days = range(s.truce.window_days + 1)
    return {"living": [float(sum(r.living for r in s.releases if r.last_day <= d))
                       for d in days],
            "bodies": [float(sum(r.bodies for r in s.releases if r.last_day <= d))
                       for d in days]}


def releases(run: RunFiles) -> Figure:
    """Fan chart of cumulative releases (5-95% band, median, mean) against the schedule."""
    fig, axes = figure(3.4, ncols=2)
    agreed = schedule(run)
    as_recovered = run.scenario().handovers.bodies_mode == "as_recovered"
    d = run.daily
    for ax, (what, series, title) in zip(axes, (
            ("living", "living_released", "Living hostages released"),
            ("bodies", "bodies_released", "Hostages' bodies released")), strict=True):
        # counts change between days, so bands and the median are drawn as steps
        ax.fill_between(d["day"], d[f"{series}_p05"], d[f"{series}_p95"], color=COLOURS[0],
                        alpha=0.25, linewidth=0, step="post",
                        label="5th-95th percentile of runs")
        ax.step(d["day"], d[f"{series}_p50"], where="post", color=COLOURS[0], linewidth=2,
                label="median run")
        ax.plot(d["day"], d[f"{series}_mean"], color=COLOURS[0], linewidth=1, linestyle=":",
                label="mean")
        if what == "bodies" and as_recovered:
            ax.axhline(agreed[what][-1], color=COLOURS[1], linestyle="--", linewidth=1.5,
                       label="agreed total (as recovered)")
        else:
            ax.step(d["day"], agreed[what], where="post", color=COLOURS[1], linestyle="--",
                    linewidth=1.5, label="agreed schedule")
        ax.set_title(title, loc="left")
        days_axis(ax)
        whole_numbers(ax)
        ax.set_ylim(bottom=0)
    axes[0].set_ylabel("cumulative count")
    axes[0].legend(frameon=False, loc="lower right", fontsize="small")
    return fig


def territory(runs: Sequence[RunFiles]) -> Figure:
    """Share of the territory held by the army: mean and 5-95% band over runs."""
    fig, (ax,) = figure(3.2)
    for k, run in enumerate(runs):
        d, c = run.daily, COLOURS[k % len(COLOURS)]
        ax.fill_between(d["day"], d["territory_share_held_p05"], d["territory_share_held_p95"],
                        color=c, alpha=0.2, linewidth=0,
                        label=None if len(runs) > 1 else "5th-95th percentile of runs")
        ax.plot(d["day"], d["territory_share_held_mean"], color=c, linewidth=2,
                label=run.title if len(runs) > 1 else "mean")
    ax.set_ylim(0, 1)
    _percent_axis(ax)
    days_axis(ax)
    ax.set_ylabel("share of territory held")
    ax.set_title("Territory held by the army", loc="left")
    ax.legend(frameon=False, loc="lower left")
    return fig


def aid(runs: Sequence[RunFiles]) -> Figure:
    """Cumulative aid trucks delivered (mean and 5-95% band) against the agreed number."""
    fig, (ax,) = figure(3.2)
    for k, run in enumerate(runs):
        d, c = run.daily, COLOURS[k % len(COLOURS)]
        per_day = run.scenario().aid.trucks_per_day_agreed
        ax.fill_between(d["day"], d["aid_trucks_delivered_p05"], d["aid_trucks_delivered_p95"],
                        color=c, alpha=0.2, linewidth=0,
                        label=None if len(runs) > 1 else "5th-95th percentile of runs")
        ax.plot(d["day"], d["aid_trucks_delivered_mean"], color=c, linewidth=2,
                label=f"delivered: {run.title}" if len(runs) > 1 else "delivered (mean)")
        ax.plot(d["day"], [per_day * day for day in d["day"]], color=c, linestyle="--",
                linewidth=1.2, label=f"agreed ({per_day:,.0f} a day)")
    ax.set_ylim(bottom=0)
    whole_numbers(ax)
    days_axis(ax)
    ax.set_ylabel("aid trucks, cumulative")
    ax.set_title("Aid delivered against agreed", loc="left")
    ax.legend(frameon=False, loc="upper left", fontsize="small")
    return fig


def shown_states(runs: Sequence[RunFiles]) -> list[str]:
    """The end states a chart shows: every one the model declares, in its order (a new
    one gets its own bar), but 'ongoing' (an open-ended truce still holding at the end)
    only where some run ended that way."""
    states = dict.fromkeys(k for run in runs for k in run.summary["end_states"])
    return [s for s in states if s != "ongoing"
            or any(run.summary["end_states"].get(s, {}).get("count") for run in runs)]


def end_states(runs: Sequence[RunFiles]) -> Figure:
    """How the truce ends: share of runs per end state, with 95% Wilson intervals."""
    fig, (ax,) = figure(3.2)
    # every end state the model declares, in its order (a new one gets its own bar)
    states = shown_states(runs)
    width = 0.8 / len(runs)
    for k, run in enumerate(runs):
        es = {s: run.summary["end_states"].get(s, NONE) for s in states}
        x = [i - 0.4 + width * (k + 0.5) for i in range(len(states))]
        p = [es[s]["p"] for s in states]
        err = [[es[s]["p"] - es[s]["ci95"][0] for s in states],
               [es[s]["ci95"][1] - es[s]["p"] for s in states]]
        ax.bar(x, p, width=width * 0.92, color=COLOURS[k % len(COLOURS)],
               label=_label(run, runs), yerr=err, capsize=4,
               error_kw={"elinewidth": 1.2, "ecolor": "#333333"})
        spread = [(xi, es[s]["assumptions_p05_p95"]) for xi, s in zip(x, states, strict=True)
                  if "assumptions_p05_p95" in es[s]]
        for j, (xi, (lo, hi)) in enumerate(spread):  # an uncertain run's second interval
            ax.plot([xi + width * 0.3] * 2, [lo, hi], color="#e69f00", lw=5, alpha=0.85,
                    solid_capstyle="butt", label="across the assumptions (5th-95th pct)"
                    if j == 0 and k == 0 else None)
    ax.set_xticks(range(len(states)), [END_LABELS.get(s, s.replace("_", " "))
                                       for s in states])
    ax.set_ylim(0, 1)
    _percent_axis(ax)
    ax.set_ylabel("share of runs")
    ax.set_title("How the truce ends (bars: 95% Wilson interval)", loc="left")
    if len(runs) > 1 or any("assumptions_p05_p95" in d for run in runs
                            for d in run.summary["end_states"].values()):
        ax.legend(frameon=False, loc="upper right")
    return fig


def paired_differences(diffs: Sequence[Difference]) -> Figure:
    """Dot-and-interval plot: one row (with its own scale) per outcome, zero marked."""
    outcomes = list(dict.fromkeys(d.measure.name for d in diffs))
    others = list(dict.fromkeys(d.scenario for d in diffs))
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH_IN, 0.62 * len(outcomes) + 1.0), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(outcomes), 1, squeeze=False)[:, 0]
    for ax, name in zip(axes, outcomes, strict=True):
        rows = [d for d in diffs if d.measure.name == name]
        scale = 100.0 if rows[0].measure.shown_unit == "share" else 1.0
        spans = []
        for d in rows:
            mean, lo, hi = d.diff
            lo, hi = (lo if math.isfinite(lo) else mean), (hi if math.isfinite(hi) else mean)
            spans.append((lo * scale, hi * scale))
            k = others.index(d.scenario)
            y = -(k - (len(others) - 1) / 2) * 0.3
            c = COLOURS[(k + 1) % len(COLOURS)]
            ax.plot([lo * scale, hi * scale], [y, y], color=c, linewidth=2)
            ax.plot([mean * scale], [y], "o", color=c, markersize=6,
                    label=d.scenario if name == outcomes[0] else None)
        ax.axvline(0, color="#555555", linewidth=1)
        lows = [lo for lo, _ in spans] + [0.0]
        highs = [hi for _, hi in spans] + [0.0]
        pad = 0.08 * ((max(highs) - min(lows)) or 1.0)
        ax.set_xlim(min(lows) - pad, max(highs) + pad)
        ax.set_ylim(-0.6, 0.6)
        ax.set_yticks([0], [rows[0].measure.label + (" (pct. points)" if scale == 100 else "")])
        ax.tick_params(axis="x", labelsize="small")
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
    fig.suptitle("Paired differences from the reference (dot: mean; line: 95% interval)",
                 x=0.01, ha="left")
    if len(others) > 1:
        axes[0].legend(frameon=False, loc="upper right", fontsize="small")
    return fig
