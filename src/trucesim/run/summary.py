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


def partial(result: dict[str, Any], requested: int) -> dict[str, Any]:
    """The summary of a run interrupted before its end: says so, and how far it got (a
    complete run's summary has neither key, so its bytes do not change)."""
    head = {k: result[k] for k in ("scenario", "seed", "replications")}
    return head | {"status": "partial", "replications_requested": requested} | result


def build(scenario: Scenario, agg: Aggregate, seed: int,
          uncertainty: dict[str, Any] | None = None) -> dict[str, Any]:
    """The summary of a run as plain, JSON-ready data; with uncertain parameters, each
    outcome also gets its spread over the assumptions ("assumptions_p05_p95")."""
    outcomes, milestones = {}, {}
    for k, f in enumerate(agg.fields):
        if f.kind == "number":
            outcomes[f.name] = {"unit": f.unit, "description": f.description} | agg.describe(k)
        elif f.kind == "milestone":
            milestones[f.name] = {"description": f.description} | agg.milestone(k)
    end_states = agg.end_states()
    extra: dict[str, Any] = {}
    if uncertainty is not None:
        spread = uncertainty["by_measure"]
        for table, prefix in ((end_states, "p_"), (outcomes, ""), (milestones, "reached_")):
            for name, d in table.items():
                key = prefix + (name.removeprefix("day_") if prefix == "reached_" else name)
                if key in spread:
                    d["assumptions_p05_p95"] = [spread[key]["p05"], spread[key]["p95"]]
        extra = {"uncertainty": uncertainty}
    summary: dict[str, Any] = _round({
        "scenario": {"name": scenario.name, "title": scenario.title, "digest": digest(scenario)},
        "seed": seed,
        "replications": agg.n,
        "trucesim_version": __version__,
        "note": NOTE,
        "end_states": end_states,
        "outcomes": outcomes,
        "milestones": milestones,
    } | extra)
    return summary


def to_json(summary: dict[str, Any]) -> str:
    return json.dumps(summary, indent=2, ensure_ascii=False) + "\n"


ACROSS = "assumptions 5-95%"
KEY_DRIVERS = ("p_collapsed", "living_released", "deaths_palestinians", "deaths_averted")


def header(summary: dict[str, Any]) -> list[str]:
    """The columns of the headline table (a fifth when some parameters are uncertain)."""
    columns = ["outcome", "mean [95% CI]", "median", "5th to 95th pct"]
    return [*columns, ACROSS] if "uncertainty" in summary else columns


def rows(summary: dict[str, Any], fields: Sequence[Outcome]) -> list[tuple[str, ...]]:
    """(outcome, mean [95% CI], median, 5th-95th percentile[, spread across assumptions])
    for the headline outcomes."""
    spread = "uncertainty" in summary
    out: list[tuple[str, ...]] = []

    def across(d: dict[str, Any], unit: str) -> tuple[str, ...]:
        if not spread:
            return ()
        return (fmt.table_interval(d["assumptions_p05_p95"], unit)
                if "assumptions_p05_p95" in d else "",)

    for state, d in summary["end_states"].items():
        if state == "ongoing" and not d["count"]:
            continue  # only an open-ended truce can still be going at the horizon
        out.append((f"P(truce {state})", f"{fmt.table(d['p'], 'share')} "
                    f"[{fmt.table_interval(d['ci95'], 'share')}]", "", "",
                    *across(d, "share")))
    for f in fields:
        d = summary["outcomes"].get(f.name)
        if not f.headline or not d or not d.get("n"):
            continue
        label, unit = f.label, d["unit"]
        out.append((label, f"{fmt.table(d['mean'], unit)} "
                    f"[{fmt.table_interval(d['ci95_mean'], unit)}]",
                    fmt.table(d["median"], unit), fmt.table_interval((d["p05"], d["p95"]), unit),
                    *across(d, unit)))
    return out


def drivers(summary: dict[str, Any], top: int = 3,
            only: Sequence[str] = ()) -> list[str]:
    """What drives each headline outcome (or those in `only`), in one line each."""
    u = summary.get("uncertainty")
    if not u:
        return []
    out = []
    for name, ranked in u["drivers"].items():
        if ranked and (not only or name in only):
            out.append(f"{name}: " + "; ".join(
                f"{d['parameter']} {d['rho']:+.2f} [{d['ci95'][0]:+.2f} to {d['ci95'][1]:+.2f}]"
                for d in ranked[:top]))
    return out


TWO_INTERVALS = ("Two intervals. The bracket says how precisely the runs pin down each mean "
                 "or probability (Monte Carlo precision); it narrows with more runs. 'Across "
                 "assumptions' is the 5th to 95th percentile, over {sets} parameter sets "
                 "drawn from the scenario's distributions, of the same mean (net of Monte "
                 "Carlo noise): how much the uncertain assumptions themselves move it.")


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
    lines += [f"> {summary['note']}", "", "## Key outcomes", ""]
    head = header(summary)
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row) + " |" for row in rows(summary, fields)]
    u = summary.get("uncertainty")
    if u:
        lines += ["", TWO_INTERVALS.format(sets=u["parameter_sets"]), ""]
        lines += uncertainty_markdown(u)
    across = " across assumptions |" if u else ""
    lines += ["", "## All outcomes", "", "| outcome | unit | mean [95% CI] | median | "
              f"5th to 95th | meaning |{across}", "|---|---|---|---|---|---|"
              + ("---|" if u else "")]
    for name, d in summary["outcomes"].items():
        unit = d["unit"]
        cell = (f" {fmt.table_interval(d['assumptions_p05_p95'], unit)} |"
                if u and "assumptions_p05_p95" in d else " |" if u else "")
        lines.append(f"| {name} | {unit} | {fmt.table(d['mean'], unit)} "
                     f"[{fmt.table_interval(d['ci95_mean'], unit)}] | "
                     f"{fmt.table(d['median'], unit)} | "
                     f"{fmt.table_interval((d['p05'], d['p95']), unit)} | "
                     f"{d['description']} |{cell}")
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


def uncertainty_markdown(u: dict[str, Any]) -> list[str]:
    """summary.md's account of the uncertain parameters and what drives the outcomes."""
    lo, hi = u["replications_per_set"]
    per = f"{lo:,}" if lo == hi else f"{lo:,} to {hi:,}"
    lines = ["## Uncertain assumptions", "",
             f"{u['parameter_sets']} parameter sets ({u['sampling']}), {per} replications "
             f"each. Spread across assumptions: {u['spread']}.", "",
             "| parameter | distribution |", "|---|---|"]
    lines += [f"| `{p['key']}` | {p['distribution']} |" for p in u["parameters"]]
    lines += ["", "What drives the headline outcomes: Spearman's rank correlation between "
              "each parameter and the outcome's mean over the parameter sets, with a 95% "
              "interval (the three largest).", ""]
    lines += [f"- {line}" for line in drivers({"uncertainty": u})]
    return [*lines, ""]
