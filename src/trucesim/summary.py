"""A run's summary as data (summary.json) and as text (summary.md, the console table).

The summary holds only what the scenario and seed determine, so the same seed gives a
byte-identical summary.json; wall time and platform go to the manifest instead.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from trucesim import __version__
from trucesim.scenario import digest
from trucesim.schema import Scenario
from trucesim.stats import Aggregate

NOTE = ("Illustrative model results under the scenario's stated assumptions, not forecasts. "
        "Figures attributed to a party (e.g. the Gaza Health Ministry, the IDF) are that "
        "party's reports.")

# the outcomes shown in the console and at the top of summary.md, with short labels
KEY_OUTCOMES = {
    "living_released": "living hostages released",
    "bodies_released": "hostages' bodies released",
    "detainees_freed_total": "prisoners/detainees freed",
    "territory_share_end": "territory held at end",
    "aid_share_of_agreed": "aid delivered / agreed",
    "deaths_palestinians": "Palestinian deaths",
    "deaths_israelis": "Israeli deaths",
    "deaths_averted": "deaths averted vs no truce",
    "end_day": "day the truce ended",
}


def _round(x: Any) -> Any:
    """Six significant digits: stable text, no false precision."""
    if isinstance(x, float):
        return None if math.isnan(x) else float(f"{x:.6g}")
    if isinstance(x, list):
        return [_round(v) for v in x]
    if isinstance(x, dict):
        return {k: _round(v) for k, v in x.items()}
    return x


def build(scenario: Scenario, agg: Aggregate, seed: int) -> dict[str, Any]:
    """The summary of a run as plain, JSON-ready data."""
    outcomes, milestones = {}, {}
    for k, f in enumerate(agg.fields):
        if f.kind == "number":
            outcomes[f.name] = {"unit": f.unit, "description": f.description} | agg.describe(k)
        elif f.kind == "milestone":
            milestones[f.name] = {"description": f.description} | agg.milestone(k)
    summary: dict[str, Any] = _round({
        "scenario": {"name": scenario.name, "title": scenario.title, "digest": digest(scenario)},
        "seed": seed,
        "replications": agg.n,
        "trucesim_version": __version__,
        "note": NOTE,
        "end_states": agg.end_states(),
        "outcomes": outcomes,
        "milestones": milestones,
    })
    return summary


def to_json(summary: dict[str, Any]) -> str:
    return json.dumps(summary, indent=2, ensure_ascii=False) + "\n"


def fmt(value: float | None, unit: str) -> str:
    """A number for people: shares as percentages, large counts with separators."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if unit == "share":
        return f"{value:.1%}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.1f}" if value != int(value) else f"{value:.0f}"


def interval(bounds: Sequence[float | None], unit: str) -> str:
    lo, hi = bounds
    return f"{fmt(lo, unit)} to {fmt(hi, unit)}"


def rows(summary: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(outcome, mean [95% CI], median, 5th-95th percentile) for the key outcomes."""
    out = []
    for state, d in summary["end_states"].items():
        out.append((f"P(truce {state})", f"{fmt(d['p'], 'share')} "
                    f"[{interval(d['ci95'], 'share')}]", "", ""))
    for name, label in KEY_OUTCOMES.items():
        d = summary["outcomes"].get(name)
        if not d or not d.get("n"):
            continue
        unit = d["unit"]
        out.append((label, f"{fmt(d['mean'], unit)} [{interval(d['ci95_mean'], unit)}]",
                    fmt(d["median"], unit), interval((d["p05"], d["p95"]), unit)))
    return out


def markdown(summary: dict[str, Any], assumptions: str = "") -> str:
    """summary.md: the key table, every outcome, milestones, and the caveat."""
    sc = summary["scenario"]
    lines = [f"# {sc['title'] or sc['name']}", "",
             f"Scenario `{sc['name']}` (digest `{sc['digest'][:12]}`), "
             f"{summary['replications']:,} replications, root seed {summary['seed']}.", "",
             f"> {summary['note']}", "", "## Key outcomes", "",
             "| outcome | mean [95% CI] | median | 5th to 95th percentile |",
             "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows(summary)]
    lines += ["", "## All outcomes", "", "| outcome | unit | mean [95% CI] | median | "
              "5th to 95th | meaning |", "|---|---|---|---|---|---|"]
    for name, d in summary["outcomes"].items():
        unit = d["unit"]
        lines.append(f"| {name} | {unit} | {fmt(d['mean'], unit)} "
                     f"[{interval(d['ci95_mean'], unit)}] | {fmt(d['median'], unit)} | "
                     f"{interval((d['p05'], d['p95']), unit)} | {d['description']} |")
    lines += ["", "## Milestones", "", "| milestone | probability [95% CI] | median day | "
              "5th to 95th day | meaning |", "|---|---|---|---|---|"]
    for name, d in summary["milestones"].items():
        spread = (d.get("p05_day"), d.get("p95_day"))
        days = (f"{fmt(d['median_day'], 'day')} | {interval(spread, 'day')}"
                if d["count"] else "n/a | n/a")
        lines.append(f"| {name} | {fmt(d['p'], 'share')} [{interval(d['ci95'], 'share')}] | "
                     f"{days} | {d['description']} |")
    lines += ["", "Intervals: means with a 95% t-interval; probabilities with a 95% Wilson "
              "interval; percentiles show the spread of outcomes across replications.", ""]
    if assumptions:
        lines += [assumptions, ""]
    return "\n".join(lines)
