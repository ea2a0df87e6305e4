"""The classroom page's live charts and key numbers, from two runs' results files.

The outcome bars and the survival curve are drawn in the browser (Vega-Lite, through
altair, which Streamlit bundles: nothing is fetched from the internet), so a slider's
rerun does not wait for images to be rendered; they read the same summary.json and
daily.csv columns as the report's charts (:mod:`.plots`). The key numbers and the
prediction's check read the outcome registry's labels and the paired comparison.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from trucesim import fmt
from trucesim.analysis.compare import Comparison, Difference
from trucesim.run.results import RunFiles
from trucesim.teaching.plots import COLOURS, END_LABELS, NONE, shown_states

# the key numbers: (measure, what a rise means: "good", "bad" or "neutral")
KEY = (("p_collapsed", "bad"), ("living_released", "good"), ("bodies_released", "good"),
       ("deaths_palestinians", "bad"), ("aid_share_of_agreed", "good"))


# sizes for a projector at 1280x720 (px): nothing smaller than LABEL; no label is cut
LABEL, TITLE = 14, 17


def projected(chart: Any) -> dict[str, Any]:
    """The chart's Vega-Lite spec, readable when projected, drawn as SVG (crisp at any
    size, and its text can be read back by the browser test). Built unvalidated: altair's
    schema check would cost a rerun half a second."""
    spec: dict[str, Any] = chart.configure_axis(
        labelFontSize=LABEL, titleFontSize=LABEL + 1, labelLimit=0, titleLimit=0,
    ).configure_legend(
        labelFontSize=LABEL + 1, symbolSize=220, symbolOpacity=1, labelLimit=0,
    ).configure_title(fontSize=TITLE, anchor="start", limit=0).to_dict(validate=False)
    spec["usermeta"] = {"embedOptions": {"renderer": "svg"}}
    return spec


def _names(runs: Sequence[RunFiles]) -> list[str]:
    return ["reference" if k == 0 else "your version" for k in range(len(runs))]


def end_states(runs: Sequence[RunFiles]) -> Any:
    """Grouped bars: the share of runs ending each way, with 95% Wilson intervals."""
    import altair as alt

    rows = []
    states = shown_states(runs)
    for name, run in zip(_names(runs), runs, strict=True):
        for state in states:
            d = run.summary["end_states"].get(state, NONE)
            rows.append({"ending": END_LABELS.get(state, state),  # lines: "\n"
                         "run": name, "share": d["p"], "low": d["ci95"][0],
                         "high": d["ci95"][1]})
    order = list(dict.fromkeys(r["ending"] for r in rows))
    data = alt.Data(values=rows)  # type: ignore[no-untyped-call]
    colour = alt.Color("run:N", scale=alt.Scale(range=list(COLOURS[:2])),
                       legend=alt.Legend(orient="top", title=None))
    offset = alt.XOffset("run:N")
    x = alt.X("ending:N", sort=order, title="how the truce ends",  # a label per line:
              axis=alt.Axis(labelAngle=0, labelExpr="split(datum.label, '\\n')"))
    bars = alt.Chart(data).mark_bar().encode(
        x=x, xOffset=offset, color=colour,
        y=alt.Y("share:Q", title="share of runs", scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%")),
        tooltip=["run:N", "ending:N", alt.Tooltip("share:Q", format=".1%"),
                 alt.Tooltip("low:Q", format=".1%"), alt.Tooltip("high:Q", format=".1%")])
    rules = alt.Chart(data).mark_rule(color="#333333").encode(
        x=x, xOffset=offset, y="low:Q", y2="high:Q")
    return (bars + rules).properties(height=380, title="How the truce ends (line: 95% interval)")


def survival(runs: Sequence[RunFiles]) -> Any:
    """The share of runs in which the truce still holds, day by day, with its band."""
    import altair as alt

    rows = [{"day": int(day), "run": name, "holds": holds, "low": low, "high": high}
            for name, run in zip(_names(runs), runs, strict=True)
            for day, holds, low, high in zip(run.daily["day"], run.daily["survival"],
                                             run.daily["survival_lo"],
                                             run.daily["survival_hi"], strict=True)]
    data = alt.Data(values=rows)  # type: ignore[no-untyped-call]
    colour = alt.Color("run:N", scale=alt.Scale(range=list(COLOURS[:2])),
                       legend=alt.Legend(orient="top", title=None))
    x = alt.X("day:Q", title="day of the truce", axis=alt.Axis(tickMinStep=1))
    band = alt.Chart(data).mark_area(opacity=0.25).encode(x=x, y="low:Q", y2="high:Q",
                                                          color=colour)
    line = alt.Chart(data).mark_line(strokeWidth=2.5).encode(
        x=x, color=colour,
        y=alt.Y("holds:Q", title="runs in which the truce still holds",
                scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
        tooltip=["run:N", "day:Q", alt.Tooltip("holds:Q", format=".1%")])
    return (band + line).properties(height=380, title="Survival of the truce (band: 95% "
                                                      "interval)")


@dataclass(frozen=True)
class Number:
    """One key number of your version, and its paired difference from the reference."""

    name: str
    label: str
    value: str
    delta: str
    note: str  # the value's 95% interval, in words
    colour: Literal["normal", "inverse", "off"]  # for st.metric
    arrow: Literal["auto", "off"] = "auto"  # off where nothing changed


def unchanged(d: Difference) -> bool:
    """Every replication gives the same value in both versions (identical versions, or a
    change that moves nothing in these runs)."""
    return d.paired and d.sd_diff == 0 and d.diff[0] == 0


def delta(d: Difference) -> str:
    return "no change" if unchanged(d) else fmt.change_short(*d.diff, d.measure.shown_unit)


def key_numbers(yours: RunFiles, comparison: Comparison) -> list[Number]:
    """Your version's key numbers with their 95% intervals, and each paired difference."""
    found = {d.measure.name: d for d in comparison.differences}
    out = []
    for name, rise in KEY:
        d: Difference | None = found.get(name)
        if d is None:
            continue
        unit = d.measure.shown_unit
        note = ("mean, " if unit != "share" else "") + \
            f"95% interval {fmt.bracket(d.b[1:], unit)}"
        label = d.measure.label
        if name == "deaths_palestinians":  # skewed: the median run says more
            median = yours.summary["outcomes"][name]["median"]
            note = f"{note}; the median run counts {fmt.whole(median)}"
        _, lo, hi = d.diff
        colour: Literal["normal", "inverse", "off"] = (
            "off" if lo <= 0 <= hi  # not told apart from no change: not coloured
            else "normal" if rise == "good" else "inverse" if rise == "bad" else "off")
        out.append(Number(name, label, fmt.prose(d.b[0], unit), delta(d), note, colour,
                          "off" if unchanged(d) else "auto"))
    return out


def differences(comparison: Comparison) -> list[dict[str, str]]:
    """The headline measures: reference, yours and the paired difference, as table rows."""
    return [{"outcome": d.measure.label,
             "reference": fmt.level(d.a, d.measure.shown_unit),
             "your version": fmt.level(d.b, d.measure.shown_unit),
             "difference [95% interval]": delta(d)}
            for d in comparison.differences if d.measure.headline]


def check_guess(collapse_pct: float, second: float, asked: str, comparison: Comparison
                ) -> list[dict[str, str]]:
    """The locked prediction against the model (your version), row by row: the chance of
    collapse, and `second`, the guess of the outcome named `asked`."""
    found = {d.measure.name: d for d in comparison.differences}
    rows = []
    for name, guess, unit in (("p_collapsed", collapse_pct / 100, "share"),
                              (asked, second, "count")):
        d = found.get(name)
        if d is None:
            continue
        mean, low, high = d.b
        where = "inside" if low <= guess <= high else ("above" if guess > high else "below")
        rows.append({"question": d.measure.label,
                     "your guess": fmt.prose(guess, unit),
                     "the model [95% interval]": f"{fmt.prose(mean, unit)} "
                                                 f"{fmt.bracket((low, high), unit)}",
                     "your guess is": f"{where} the model's interval"})
    return rows
