"""A backtest: a historical scenario's replications held against what was reported.

Each observation in a record (:mod:`trucesim.records`) becomes a quantity the model also
produces: a cumulative count on a given day (hostages released, prisoners freed, deaths,
aid trucks; read from each replication's daily trajectory), the day of a milestone
(a withdrawal stage, the day fighting resumed), or the category of how the agreed phase
ended. For each, over the replications: the median, the 90% interval (5th to 95th
percentile), the percentile at which the observation falls (mid-rank: runs below it plus
half the runs equal to it, so discrete values are not pushed to one side), and whether
it is inside the interval. Then a calibration summary: how many observations fall inside
their 90% intervals (about 90% would be expected of a calibrated model, were the
quantities independent, which cumulative counts are not), and how far, on average, the
observations sit from the model's median in percentile terms.

Percentiles are those of the replications: the smallest value with at least that share
of runs at or below it. A milestone not reached within the window counts as later than
any day in it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from typing import Any, Literal

import numpy as np

from trucesim import __version__, outcomes
from trucesim.engine import Chunk, chunk_bounds, run_chunk
from trucesim.executors import Executor, SerialExecutor
from trucesim.model import DAILY_SERIES, END_STATES
from trucesim.records import Entry, Record
from trucesim.scenario import digest
from trucesim.schema import Scenario

Group = Literal["schedule", "dynamics"]
NEVER = math.inf
NOTE = ("Illustrative model results under the historical scenario's stated assumptions, held "
        "against figures as reported (each attributed to who reported it). A miss says the "
        "model, with these assumptions, did not make the reported value likely.")


@dataclass(frozen=True)
class Quantity:
    """One observed quantity and how to read the same quantity from a replication."""

    name: str
    group: Group
    unit: str
    observed: float | str
    reports: tuple[float, ...]
    qualifier: str
    day: int | None
    sources: tuple[str, ...]
    note: str
    read: tuple[str, str, int]  # (daily, series, day) | (field|resumed|category, name, 0)


@dataclass(frozen=True)
class Result:
    quantity: Quantity
    median: float | str
    p05: float | None
    p95: float | None
    percentile: float | None  # of the observation among the replications (mid-rank), 0-1
    inside: bool
    verdict: str
    probabilities: dict[str, float] = field(default_factory=dict)
    prediction_set: tuple[str, ...] = ()  # categories: the model's 90% set


def _entry(e: Entry) -> tuple[tuple[str, ...], str]:
    return tuple(e.sources), e.note


def quantities(record: Record, scenario: Scenario) -> tuple[list[Quantity], list[str]]:
    """The record's observations as model quantities, and those left out (with why)."""
    out: list[Quantity] = []
    skipped: list[str] = []
    window = scenario.truce.window_days
    living = bodies = outside = 0
    for h in record.handovers:
        living, bodies, outside = living + h.living, bodies + h.bodies, outside + h.outside_deal
        sources, note = _entry(h)
        note = "; ".join(x for x in (h.who, note) if x)
        if h.living:
            out.append(Quantity(f"living out by day {h.day}", "schedule",
                                "persons", living, (), "", h.day, sources, note,
                                ("daily", "living_released", h.day)))
        if h.bodies:
            out.append(Quantity(f"bodies out by day {h.day}", "schedule",
                                "bodies", bodies, (), "", h.day, sources, note,
                                ("daily", "bodies_released", h.day)))
    if outside:
        days = [h.day for h in record.handovers if h.outside_deal]
        sources = tuple(s for h in record.handovers if h.outside_deal for s in h.sources)
        out.append(Quantity("out outside the deal", "schedule", "persons",
                            outside, (), "", None, sources, f"on day(s) {days}",
                            ("field", "living_released_outside_deal", 0)))
    freed = 0
    for p in record.prisoner_releases:
        before, freed = freed, freed + p.count
        sources, note = _entry(p)
        out.append(Quantity(f"prisoners by day {p.day}", "schedule",
                            "persons", freed, tuple(before + r for r in p.reports), "", p.day,
                            sources, note, ("daily", "detainees_freed", p.day)))
    for series, label, unit, entries in (
            ("deaths_palestinians", "deaths by day", "deaths",
             record.deaths),
            ("aid_trucks_delivered", "aid trucks by day", "trucks", record.aid)):
        for r in entries:
            sources, note = _entry(r)
            note = "; ".join(x for x in (r.reported_by, note) if x)
            out.append(Quantity(f"{label} {r.day}", "dynamics", unit, r.value,
                                tuple(r.reports), r.qualifier, r.day, sources, note,
                                ("daily", series, r.day)))
    for w in record.withdrawal:
        sources, note = _entry(w)
        out.append(Quantity(f"{w.stage} done, day", "schedule",
                            "day", w.day, (), "", w.day, sources, note,
                            ("field", f"day_withdrawal_{w.stage}", 0)))
    if record.ending is not None:
        e = record.ending
        sources, note = _entry(e.phase_end)
        out.append(Quantity(f"phase end (day {e.phase_end.day})", "dynamics",
                            "", e.phase_end_state, (), "", e.phase_end.day, sources, note,
                            ("category", "end_state", 0)))
        if e.fighting_resumed is not None:
            sources, note = _entry(e.fighting_resumed)
            out.append(Quantity("war resumed, day", "dynamics", "day",
                                e.fighting_resumed.day, (), "", e.fighting_resumed.day,
                                sources, note, ("resumed", "day_collapse", 0)))
        if e.aid_halted is not None:
            skipped.append(f"aid halted on day {e.aid_halted.day}: a scenario input "
                           "(aid.trucks_per_day_after_expiry), not a model result")
    names = {f.name for f in outcomes.fields(scenario)}
    kept = []
    for q in out:
        kind, name, day = q.read
        if kind == "daily" and day > window:
            skipped.append(f"{q.name}: after the scenario's window (day {window})")
        elif kind in ("field", "resumed", "category") and name not in names:
            skipped.append(f"{q.name}: the scenario has no outcome '{name}'")
        else:
            kept.append(q)
    return kept, skipped


def _chunk(scenario: Scenario, seed: int, bounds: tuple[int, int]) -> Chunk:
    return run_chunk(scenario, seed, *bounds)


def replicate(scenario: Scenario, seed: int, n: int,
              executor: Executor | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Stored outcome values (n, fields) and daily trajectories (n, days, series)."""
    executor = executor or SerialExecutor()
    size = max(25, min(500, n // max(1, 4 * executor.workers) or 1))
    chunks = list(executor.map(partial(_chunk, scenario, seed), chunk_bounds(n, size)))
    return (np.concatenate([c.values for c in chunks]),
            np.concatenate([c.daily for c in chunks]))


def sample(q: Quantity, scenario: Scenario, values: np.ndarray,
           daily: np.ndarray) -> np.ndarray:
    """The quantity in each replication (floats; NEVER for a milestone never reached)."""
    kind, name, day = q.read
    if kind == "daily":
        column = daily[:, day, DAILY_SERIES.index(name)].astype(np.float64)
        return column / outcomes.DAILY_SCALES.get(name, 1)
    fields = outcomes.fields(scenario)
    k = [f.name for f in fields].index(name)
    column = values[:, k].astype(np.float64)
    if kind == "category":
        return column
    missing = column == outcomes.MISSING
    if kind == "resumed":  # war resumes the day after a collapse
        column = column + 1
        missing |= column > scenario.truce.window_days
    column = column / fields[k].scale
    column[missing] = NEVER
    return column


def quantile(xs: np.ndarray, q: float) -> float:
    """The smallest value with at least a share q of the sorted values at or below it."""
    return float(xs[max(0, math.ceil(q * len(xs)) - 1)])


def evaluate(q: Quantity, xs: np.ndarray) -> Result:
    if q.read[0] == "category":
        return _categorical(q, xs)
    xs = np.sort(xs)
    observed = float(q.observed)
    p05, median, p95 = (quantile(xs, p) for p in (0.05, 0.5, 0.95))
    below, equal = np.sum(xs < observed), np.sum(xs == observed)
    percentile = float((below + 0.5 * equal) / len(xs))
    if q.qualifier == "more than":
        inside = p95 >= observed
    else:
        inside = any(p05 <= v <= p95 for v in (q.reports or (observed,)))
    verdict = ("inside" if inside else "above the model's 95th percentile" if observed > p95
               else "below the model's 5th percentile")
    return Result(q, median, p05, p95, percentile, inside, verdict)


def _categorical(q: Quantity, codes: np.ndarray) -> Result:
    """A category: its probability, and whether it is in the model's 90% prediction set
    (the most likely categories until together they reach 90%)."""
    n = len(codes)
    probs = {s: float(np.sum(codes == k) / n) for k, s in enumerate(END_STATES)}
    ranked = sorted(probs, key=lambda s: -probs[s])
    chosen, total = [], 0.0
    for s in ranked:
        if total >= 0.9:
            break
        chosen.append(s)
        total += probs[s]
    inside = q.observed in chosen
    verdict = ("inside" if inside else
               f"outside the model's 90% set (P = {probs[str(q.observed)]:.1%})")
    return Result(q, ranked[0], None, None, None, inside, verdict, probs, tuple(chosen))


def calibration(results: Sequence[Result]) -> dict[str, Any]:
    """Coverage of the 90% intervals, overall and by group, and the mean distance of the
    observations from the model's median in percentile terms."""
    out: dict[str, Any] = {"inside": sum(r.inside for r in results), "quantities": len(results)}
    for group in ("schedule", "dynamics"):
        mine = [r for r in results if r.quantity.group == group]
        out[group] = {"inside": sum(r.inside for r in mine), "quantities": len(mine)}
    pits = [r.percentile for r in results if r.percentile is not None]
    deviation = float(np.mean([abs(p - 0.5) for p in pits])) if pits else math.nan
    out["mean_abs_percentile_from_median"] = deviation
    out["in_outer_tenth"] = sum(p < 0.05 or p > 0.95 for p in pits)
    out["with_percentile"] = len(pits)
    out["words"] = _words(out)
    return out


def _words(c: dict[str, Any]) -> str:
    s, d = c["schedule"], c["dynamics"]
    return (
        f"{c['inside']} of {c['quantities']} observed quantities fall inside the model's 90% "
        f"interval ({s['inside']} of {s['quantities']} for the schedule: releases, "
        f"prisoners freed, withdrawal; {d['inside']} of {d['quantities']} for the dynamics: "
        f"deaths, aid, how it ended). A calibrated model would cover about 90%, though these "
        f"quantities are not independent (cumulative counts share their errors). On average "
        f"an observation sits {100 * c['mean_abs_percentile_from_median']:.0f} percentile "
        f"points from the model's median (about 25 for a calibrated model, 50 at the "
        f"extremes); {c['in_outer_tenth']} of {c['with_percentile']} fall in the outer "
        f"tenth (below the 5th or above the 95th percentile).")


def run(scenario: Scenario, record: Record, seed: int, n: int,
        executor: Executor | None = None) -> dict[str, Any]:
    """The backtest as plain, JSON-ready data (the same seed gives the same data)."""
    qs, skipped = quantities(record, scenario)
    values, daily = replicate(scenario, seed, n, executor)
    results = [evaluate(q, sample(q, scenario, values, daily)) for q in qs]
    return {
        "record": {"name": record.name, "title": record.title},
        "scenario": {"name": scenario.name, "title": scenario.title,
                     "digest": digest(scenario)},
        "seed": seed, "replications": n, "window_days": scenario.truce.window_days,
        "trucesim_version": __version__, "note": NOTE,
        "quantities": [_jsonable(r) for r in results],
        "calibration": calibration(results),
        "not_compared": skipped,
    }


def _jsonable(r: Result) -> dict[str, Any]:
    def clean(x: Any) -> Any:
        if isinstance(x, float):
            return None if math.isinf(x) or math.isnan(x) else round(x, 6)
        return x

    q = asdict(r.quantity)
    q.pop("read")
    model = {"median": clean(r.median), "p05": clean(r.p05), "p95": clean(r.p95),
             "percentile": clean(r.percentile), "inside": r.inside, "verdict": r.verdict}
    if r.probabilities:
        model["probabilities"] = {k: round(v, 6) for k, v in r.probabilities.items()}
        model["prediction_set"] = list(r.prediction_set)
    # None for a milestone stands for "not within the window"
    return q | {"model": model}


def _fmt(value: Any, unit: str, window: int) -> str:
    if value is None:
        return f"after {window}"
    if isinstance(value, str):
        return value
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def rows(data: dict[str, Any]) -> list[tuple[str, str, str, str, str, str]]:
    """(quantity, observed, model median, 90% interval, percentile, inside?) as text."""
    window = data["window_days"]
    out = []
    for q in data["quantities"]:
        m, unit = q["model"], q["unit"]
        observed = _fmt(q["observed"], unit, window)
        if len(q["reports"]) > 1:
            observed += " (" + "/".join(_fmt(r, unit, window) for r in q["reports"]) + ")"
        if q["qualifier"]:
            observed = {"more than": ">", "about": "~"}[q["qualifier"]] + observed
        if "probabilities" in m:
            probs = m["probabilities"]
            interval = " or ".join(m["prediction_set"])
            percentile = f"P = {probs[q['observed']]:.0%}"
        else:
            interval = f"{_fmt(m['p05'], unit, window)} to {_fmt(m['p95'], unit, window)}"
            # rounded away from the median, so an observation outside the interval never
            # shows as the 5th or 95th percentile
            pct = 100 * m["percentile"]
            percentile = ordinal(math.floor(pct) if pct < 50 else math.ceil(pct))
        inside = ("yes" if m["inside"] else "NO, above" if "above" in m["verdict"]
                  else "NO, below" if "below" in m["verdict"] else "NO")
        out.append((q["name"], observed, _fmt(m["median"], unit, window), interval,
                    percentile, inside))
    return out


def markdown(data: dict[str, Any], command: str = "") -> str:
    """The backtest as a markdown report: the table, calibration in words, what was left out."""
    c = data["calibration"]
    lines = [f"# Backtest: {data['record']['title'] or data['record']['name']}", "",
             f"Scenario `{data['scenario']['name']}` (digest "
             f"`{data['scenario']['digest'][:12]}`), {data['replications']:,} replications, "
             f"root seed {data['seed']}, window {data['window_days']} days.", ""]
    if command:
        lines += [f"Command: `{command}`", ""]
    lines += [f"> {data['note']}", "",
              "| observed quantity | observed | model median | model 90% interval | "
              "percentile of the observation | inside the interval? |",
              "|---|---|---|---|---|---|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows(data)]
    lines += ["", "## Calibration", "", c["words"], ""]
    misses = [q for q in data["quantities"] if not q["model"]["inside"]]
    if misses:
        lines += ["Misses:", ""]
        lines += [f"- {q['name']}: {q['model']['verdict']}" for q in misses]
        lines.append("")
    if data["not_compared"]:
        lines += ["Not compared:", ""] + [f"- {x}" for x in data["not_compared"]] + [""]
    lines += ["Percentile of the observation: the share of replications below it plus half "
              "the share equal to it. For how the phase ended: the model's probability of "
              "what happened, and its 90% set of outcomes. 'after N': not within the "
              "window of N days. Sources of each observation are in the record file and in "
              "summary.json.", ""]
    return "\n".join(lines)
