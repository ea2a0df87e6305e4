"""A run's summary as data (summary.json) and as text (summary.md, the console table).

The summary holds only what the scenario and seed determine, so the same seed gives a
byte-identical summary.json; wall time and platform go to the manifest instead.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from trucesim import __version__, fmt
from trucesim.model.declare import Outcome
from trucesim.run.stats import Aggregate
from trucesim.scenario.load import digest
from trucesim.scenario.schema import Scenario

NOTE = ("Illustrative model results under the scenario's stated assumptions, not forecasts. "
        "Figures attributed to a party (e.g. the Gaza Health Ministry, the IDF) are that "
        "party's reports.")

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


def rows(summary: dict[str, Any],
         fields: Sequence[Outcome]) -> list[tuple[str, str, str, str]]:
    """(outcome, mean [95% CI], median, 5th-95th percentile) for the headline outcomes."""
    out = []
    for state, d in summary["end_states"].items():
        out.append((f"P(truce {state})", f"{fmt.table(d['p'], 'share')} "
                    f"[{fmt.table_interval(d['ci95'], 'share')}]", "", ""))
    for f in fields:
        d = summary["outcomes"].get(f.name)
        if not f.headline or not d or not d.get("n"):
            continue
        label, unit = f.label, d["unit"]
        out.append((label, f"{fmt.table(d['mean'], unit)} "
                    f"[{fmt.table_interval(d['ci95_mean'], unit)}]",
                    fmt.table(d["median"], unit), fmt.table_interval((d["p05"], d["p95"]), unit)))
    return out


def markdown(summary: dict[str, Any], fields: Sequence[Outcome], assumptions: str = "",
             partial: str = "") -> str:
    """summary.md: the key table, every outcome, milestones, and the caveat; `partial`
    says why a run covers fewer replications than asked for. Text from the scenario is
    escaped (markdown, HTML)."""
    sc = summary["scenario"]
    lines = [f"# {fmt.md(sc['title'] or sc['name'])}", "",
             f"Scenario `{sc['name']}` (digest `{sc['digest'][:12]}`), "
             f"{summary['replications']:,} replications, root seed {summary['seed']}.", ""]
    if partial:
        lines += [f"> **Partial results.** This run was {fmt.md(partial)}.", ""]
    lines += [f"> {summary['note']}", "", "## Key outcomes", "",
             "| outcome | mean [95% CI] | median | 5th to 95th percentile |",
             "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows(summary, fields)]
    lines += ["", "## All outcomes", "", "| outcome | unit | mean [95% CI] | median | "
              "5th to 95th | meaning |", "|---|---|---|---|---|---|"]
    for name, d in summary["outcomes"].items():
        unit = d["unit"]
        lines.append(f"| {name} | {unit} | {fmt.table(d['mean'], unit)} "
                     f"[{fmt.table_interval(d['ci95_mean'], unit)}] | "
                     f"{fmt.table(d['median'], unit)} | "
                     f"{fmt.table_interval((d['p05'], d['p95']), unit)} | {d['description']} |")
    lines += ["", "## Milestones", "", "| milestone | probability [95% CI] | median day | "
              "5th to 95th day | meaning |", "|---|---|---|---|---|"]
    for name, d in summary["milestones"].items():
        spread = (d.get("p05_day"), d.get("p95_day"))
        days = (f"{fmt.table(d['median_day'], 'day')} | {fmt.table_interval(spread, 'day')}"
                if d["count"] else "n/a | n/a")
        lines.append(f"| {name} | {fmt.table(d['p'], 'share')} "
                     f"[{fmt.table_interval(d['ci95'], 'share')}] | {days} | "
                     f"{d['description']} |")
    lines += ["", "Intervals: means with a 95% t-interval; probabilities with a 95% Wilson "
              "interval; percentiles show the spread of outcomes across replications.", ""]
    if assumptions:
        lines += [assumptions, ""]
    return "\n".join(lines)
