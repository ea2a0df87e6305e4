"""The timeline of one run: everything that happened, on one shared day axis.

Five panels, top to bottom: tension against the crisis threshold (days of crisis shaded,
the mediators' threshold dotted); each scheduled handover, due day against the day it
came (on time, late, or not at all); deaths counted by the model each day; aid trucks
each day against the agreed number; and the share of territory held. A collapse is a
vertical line through every panel. The same chart is on the classroom page and in the
report's "typical run".

Built from a replication simulated with its event log (:func:`trucesim.run.engine.
simulate`): the daily series by name (the outcome registry's series) and the handover
events, which carry their due and actual days.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from trucesim.model.actors.handovers import Cancelled, HandedOver
from trucesim.run.engine import Replication
from trucesim.scenario.names import Names
from trucesim.scenario.schema import Scenario
from trucesim.teaching.plots import COLOURS, DPI, WIDTH_IN, days_axis, whole_numbers

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

ON_TIME, LATE, NOT_HELD = COLOURS[2], COLOURS[4], "#888888"


@dataclass(frozen=True)
class Handover:
    """One handover as the timeline shows it: due on `due`, came on `day` (None: never)."""

    label: str
    due: int
    day: int | None

    @property
    def late(self) -> int:
        return 0 if self.day is None else self.day - self.due


def handovers(rep: Replication) -> list[Handover]:
    """The run's handovers in the order they were due (bodies as recovered on one row)."""
    out = []
    for e in rep.events:
        if isinstance(e, HandedOver):
            label = "as recovered" if e.as_recovered else e.label
            out.append(Handover(label, e.day - e.late, e.day))
        elif isinstance(e, Cancelled):
            out.append(Handover(e.label, e.day, None))
    return sorted(out, key=lambda h: (h.due, h.label))


def per_day(cumulative: np.ndarray) -> np.ndarray:
    """A cumulative daily series as the amount added each day (day 0: its own value)."""
    return np.diff(cumulative, prepend=0.0)


def spans(flags: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) of each run of consecutive true days."""
    out: list[tuple[int, int]] = []
    for day in np.flatnonzero(flags).tolist():
        if out and out[-1][1] == day - 1:
            out[-1] = (out[-1][0], day)
        else:
            out.append((day, day))
    return out


def timeline(scenario: Scenario, rep: Replication, title: str = "") -> Figure:
    """The chart of one replication of `scenario`."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    # a panel for each part of the deal the scenario has: none for handovers in a deal
    # without hostages, none for aid where none is agreed and none enters
    aid = bool(scenario.aid.trucks_per_day_agreed or rep.column("aid_trucks_delivered")[-1])
    panels = [("tension", 2.4), ("handovers", 2.4) if scenario.concerns_hostages else None,
              ("deaths", 1.8), ("aid", 1.8) if aid else None, ("territory", 1.3)]
    shown = [p for p in panels if p is not None]
    fig = Figure(figsize=(WIDTH_IN, 8.6), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(shown), 1, sharex=True,
                        gridspec_kw={"height_ratios": [h for _, h in shown]})
    ax_of = dict(zip((name for name, _ in shown), axes, strict=True))
    days = np.arange(rep.daily.shape[0])
    crisis = rep.column("in_crisis") > 0
    collapse = rep.record.get("day_collapse")
    for ax in axes:
        ax.grid(True, color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        for first, last in spans(crisis):
            ax.axvspan(first - 0.5, last + 0.5, color=COLOURS[1], alpha=0.08, linewidth=0)
        if isinstance(collapse, int):
            ax.axvline(collapse, color=COLOURS[1], linewidth=1.8)
    _tension(ax_of["tension"], scenario, rep, days,
             collapse if isinstance(collapse, int) else None)
    if "handovers" in ax_of:
        _handovers(ax_of["handovers"], handovers(rep))
    _deaths(ax_of["deaths"], scenario.names, rep, days)
    if "aid" in ax_of:
        _aid(ax_of["aid"], scenario, rep, days)
    _territory(ax_of["territory"], scenario.names.territory, rep, days)
    days_axis(axes[-1])
    axes[-1].set_xlim(-0.5, days[-1] + 0.5)
    if title:
        fig.suptitle(title, x=0.01, ha="left")
    return fig


def _key(ax: Axes, columns: int, handles: list[Any] | None = None) -> None:
    """The panel's legend above its top right corner, level with its title."""
    extra = {"handles": handles} if handles else {}
    ax.legend(**extra, frameon=False, loc="lower right", bbox_to_anchor=(1.0, 1.0),
              fontsize="small", ncols=columns, borderaxespad=0.1)


def _tension(ax: Axes, s: Scenario, rep: Replication, days: np.ndarray,
             collapse: int | None) -> None:
    from matplotlib.patches import Patch

    tension = rep.column("tension").copy()
    if collapse is not None:
        tension[collapse + 1:] = np.nan  # tension means nothing once war has resumed
    ax.plot(days, tension, color=COLOURS[0], linewidth=2, label="tension")
    ax.axhline(s.crisis.threshold, color=COLOURS[1], linestyle="--", linewidth=1.4,
               label=f"a crisis starts ({s.crisis.threshold:g})")
    ax.axhline(s.mediation.engage_threshold, color=COLOURS[3], linestyle=":", linewidth=1.4,
               label=f"mediators engage ({s.mediation.engage_threshold:g})")
    top = max(float(np.nanmax(tension)), s.crisis.threshold)
    ax.set_ylim(0, top * 1.1)
    ax.set_ylabel("tension")
    ax.set_title("Tension", loc="left", fontsize="medium")
    handles, _ = ax.get_legend_handles_labels()
    handles.append(Patch(color=COLOURS[1], alpha=0.15, label="days of crisis"))
    if collapse is not None:
        handles.append(ax.plot([], [], color=COLOURS[1], linewidth=1.8,
                               label=f"collapse (day {collapse})")[0])
    _key(ax, 3, handles)


def _handovers(ax: Axes, items: list[Handover]) -> None:
    labels = list(dict.fromkeys(h.label for h in items))
    for h in items:
        y = labels.index(h.label)
        if h.day is None:
            ax.plot([h.due], [y], marker="x", color=NOT_HELD, markersize=8, linestyle="none")
            continue
        colour = ON_TIME if h.late == 0 else LATE
        if h.late:
            ax.plot([h.due, h.day], [y, y], color=colour, linewidth=1.5)
            ax.plot([h.due], [y], marker="o", markerfacecolor="white", color=colour,
                    markersize=6, linestyle="none")
        ax.plot([h.day], [y], marker="o", color=colour, markersize=7, linestyle="none")
    from matplotlib.lines import Line2D

    ax.set_yticks(range(len(labels)), labels, fontsize="small")
    ax.set_ylim(-0.7, max(len(labels), 1) - 0.3)
    ax.invert_yaxis()
    ax.set_title("Handovers", loc="left", fontsize="medium")
    key = [Line2D([], [], marker="o", color=ON_TIME, linestyle="none", label="on time"),
           Line2D([], [], marker="o", color=LATE, label="late (open circle: day due)"),
           Line2D([], [], marker="x", color=NOT_HELD, linestyle="none",
                  label="did not take place")]
    _key(ax, 3, key)


def _deaths(ax: Axes, names: Names, rep: Replication, days: np.ndarray) -> None:
    pal = per_day(rep.column("deaths_palestinians"))
    isr = per_day(rep.column("deaths_israelis"))
    ax.bar(days - 0.2, pal, width=0.4, color=COLOURS[6], label=f"{names.groups_death}s")
    ax.bar(days + 0.2, isr, width=0.4, color=COLOURS[5], label=f"{names.army_death}s")
    whole_numbers(ax)
    ax.set_ylim(0, max(float(max(pal.max(), isr.max())), 4.0) * 1.1)
    ax.set_ylabel("deaths")
    ax.set_title("Deaths the model counts each day", loc="left", fontsize="medium")
    _key(ax, 2)


def _aid(ax: Axes, s: Scenario, rep: Replication, days: np.ndarray) -> None:
    trucks = per_day(rep.column("aid_trucks_delivered"))
    ax.bar(days, trucks, width=0.8, color=COLOURS[4], label="trucks that entered")
    ax.axhline(s.aid.trucks_per_day_agreed, color="#333333", linestyle="--", linewidth=1.2,
               label=f"agreed ({s.aid.trucks_per_day_agreed:,.0f} a day)")
    whole_numbers(ax)
    ax.set_ylim(0, max(float(trucks.max()), s.aid.trucks_per_day_agreed, 1.0) * 1.1)
    ax.set_ylabel("trucks")
    ax.set_title("Aid trucks each day", loc="left", fontsize="medium")
    _key(ax, 2)


def _territory(ax: Axes, territory: str, rep: Replication, days: np.ndarray) -> None:
    from matplotlib.ticker import PercentFormatter

    ax.step(days, rep.column("territory_share_held"), where="post", color=COLOURS[0],
            linewidth=2)
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_ylabel("held")
    ax.set_title(f"Share of {territory} held by the army", loc="left", fontsize="medium")
