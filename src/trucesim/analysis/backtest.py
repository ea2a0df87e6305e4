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
from typing import Any

import numpy as np

from trucesim import __version__, fmt
from trucesim.analysis.history import Quantity, Record, quantities
from trucesim.model import outcomes
from trucesim.model.actors.negotiations import END_STATES
from trucesim.model.declare import MISSING
from trucesim.run.engine import Chunk, chunk_bounds, run_chunk
from trucesim.run.executors import Executor, SerialExecutor
from trucesim.scenario.load import digest
from trucesim.scenario.schema import Scenario

NEVER = math.inf
NOTE = ("Illustrative model results under the historical scenario's stated assumptions, held "
        "against figures as reported (each attributed to who reported it). A miss says the "
        "model, with these assumptions, did not make the reported value likely.")


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
        series = outcomes.series()
        s = [x.name for x in series].index(name)
        return daily[:, day, s].astype(np.float64) / series[s].scale
    fields = outcomes.fields(scenario)
    k = [f.name for f in fields].index(name)
    column = values[:, k].astype(np.float64)
    if kind == "category":
        return column
    missing = column == MISSING
    if kind == "resumed":  # war resumes the day after a collapse
        column = column + 1
        missing |= column > scenario.truce.window_days
    column = column / fields[k].scale
    column[missing] = NEVER
    return column


def quantile(xs: np.ndarray, q: float) -> float:
    """The smallest value with at least a share q of the sorted values at or below it."""
    return float(xs[max(0, math.ceil(q * len(xs)) - 1)])


def evaluate(q: Quantity, xs: np.ndarray,
             categories: tuple[str, ...] = END_STATES) -> Result:
    if q.read[0] == "category":
        return _categorical(q, xs, categories)
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


def _categorical(q: Quantity, codes: np.ndarray, categories: tuple[str, ...]) -> Result:
    """A category: its probability, and whether it is in the model's 90% prediction set
    (the most likely categories until together they reach 90%)."""
    n = len(codes)
    probs = {s: float(np.sum(codes == k) / n) for k, s in enumerate(categories)}
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
    categories = outcomes.category(outcomes.fields(scenario))[1].categories
    results = [evaluate(q, sample(q, scenario, values, daily), categories) for q in qs]
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


def rows(data: dict[str, Any]) -> list[tuple[str, str, str, str, str, str]]:
    """(quantity, observed, model median, 90% interval, percentile, inside?) as text."""
    window = data["window_days"]
    out = []
    for q in data["quantities"]:
        m = q["model"]
        observed = fmt.count_or_day(q["observed"], window)
        if len(q["reports"]) > 1:
            observed += " (" + "/".join(fmt.count_or_day(r, window) for r in q["reports"]) + ")"
        if q["qualifier"]:
            observed = {"more than": ">", "about": "~"}[q["qualifier"]] + observed
        if "probabilities" in m:
            probs = m["probabilities"]
            interval = " or ".join(m["prediction_set"])
            percentile = f"P = {probs[q['observed']]:.0%}"
        else:
            interval = (f"{fmt.count_or_day(m['p05'], window)} to "
                        f"{fmt.count_or_day(m['p95'], window)}")
            # rounded away from the median, so an observation outside the interval never
            # shows as the 5th or 95th percentile
            pct = 100 * m["percentile"]
            percentile = fmt.ordinal(math.floor(pct) if pct < 50 else math.ceil(pct))
        inside = ("yes" if m["inside"] else "NO, above" if "above" in m["verdict"]
                  else "NO, below" if "below" in m["verdict"] else "NO")
        out.append((q["name"], observed, fmt.count_or_day(m["median"], window), interval,
                    percentile, inside))
    return out


def markdown(data: dict[str, Any], command: str = "") -> str:
    """The backtest as a markdown report: the table, calibration in words, what was left out."""
    c = data["calibration"]
    lines = [f"# Backtest: {fmt.md(data['record']['title'] or data['record']['name'])}", "",
             f"Scenario `{data['scenario']['name']}` (digest "
             f"`{data['scenario']['digest'][:12]}`), {data['replications']:,} replications, "
             f"root seed {data['seed']}, window {data['window_days']} days.", ""]
    if command:
        lines += [f"Command: {fmt.code(command)}", ""]
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
