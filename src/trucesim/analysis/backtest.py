"""A backtest: a historical scenario's replications held against what was reported.

Each observation of a record (:mod:`.history`) becomes a quantity the model also
produces (:mod:`.observations`); this module runs the replications, reads each quantity
from them, judges every observation against them (:mod:`.verdicts`) and writes the result
as data and as a report. An observation that cannot be compared counts as a miss.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict
from functools import partial
from typing import Any

import numpy as np

from trucesim import __version__, fmt
from trucesim.analysis.history import Record
from trucesim.analysis.observations import Quantity, quantities
from trucesim.analysis.verdicts import NEVER, Result, calibration, evaluate, holding
from trucesim.model import actors, outcomes
from trucesim.model.declare import MISSING
from trucesim.run import assumptions
from trucesim.run.assumptions import Plan
from trucesim.run.engine import Chunk, chunk_bounds, default_chunk_size, pieces_of, run_mixed
from trucesim.run.executors import Executor, SerialExecutor
from trucesim.scenario.load import digest
from trucesim.scenario.schema import Scenario

NOTE = ("Illustrative model results under the historical scenario's stated assumptions, held "
        "against figures as reported (each attributed to who reported it). A miss says the "
        "model, with these assumptions, did not make the reported value likely.")


def _chunk(plan: Plan, seed: int, bounds: tuple[int, int]) -> Chunk:
    """Replications start..stop-1 of the plan's sets (a chunk may hold several)."""
    return Chunk.joined(run_mixed([p for _, p in pieces_of(plan, seed, *bounds)]))


def replicate(plan: Plan, seed: int, n: int, executor: Executor | None = None,
              progress: Callable[[int], None] | None = None
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stored outcome values (n, fields), daily trajectories (n, days, series) and each
    replication's parameter set: replication i of the plan's set, as `trucesim run`
    runs it with the same seed. `progress` is told each finished chunk's size."""
    executor = executor or SerialExecutor()
    size = default_chunk_size(n, executor.workers)
    chunks = []
    for chunk in executor.map(partial(_chunk, plan, seed), chunk_bounds(n, size)):
        chunks.append(chunk)
        if progress is not None:
            progress(len(chunk.values))
    owner = np.repeat(np.arange(len(plan.sets)), np.diff(plan.starts))
    return (np.concatenate([c.values for c in chunks]),
            np.concatenate([c.daily for c in chunks]), owner)


def sample(q: Quantity, scenario: Scenario, values: np.ndarray,
           daily: np.ndarray) -> np.ndarray:
    """The quantity in each replication (floats; NEVER for a milestone never reached)."""
    kind, name, day = q.read
    if kind == "daily":
        series = actors.series()
        s = [x.name for x in series].index(name)
        x = daily[:, day, s].astype(np.float64) / series[s].scale
        return x if q.share == 1.0 else np.floor(q.share * x + 0.5)  # a channel's count
    fields = actors.fields(scenario)
    k = [f.name for f in fields].index(name)
    column = values[:, k].astype(np.float64)
    if kind == "category":
        return column
    missing = column == MISSING
    column = column / fields[k].scale
    column[missing] = NEVER
    return column


def run(scenario: Scenario, record: Record, seed: int, n: int,
        executor: Executor | None = None,
        progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """The backtest as plain, JSON-ready data (the same seed gives the same data)."""
    qs, skipped = quantities(record, scenario)
    sets = assumptions.plan(scenario, seed, n)  # as `trucesim run` draws them
    values, daily, owner = replicate(sets, seed, n, executor, progress)
    categories = outcomes.category(actors.fields(scenario))[1].categories
    results = [evaluate(q, sample(q, scenario, values, daily), categories, holding(q, daily))
               for q in qs]
    quantities_ = [_jsonable(r) for r in results]
    extra: dict[str, Any] = {}
    if sets.uncertain:  # pooled over the sets; each observation's place within each set
        for q, data in zip(qs, quantities_, strict=True):
            spread = across_sets(q, sample(q, scenario, values, daily), owner,
                                 len(sets.sets))
            if spread is not None:
                data["model"]["percentile_across_sets"] = spread
        extra = {"parameter_sets": len(sets.sets), "uncertain": list(sets.keys)}
    return {
        "record": {"name": record.name, "title": record.title},
        "scenario": {"name": scenario.name, "title": scenario.title,
                     "digest": digest(scenario)},
        "seed": seed, "replications": n, "window_days": scenario.truce.window_days,
        "trucesim_version": __version__, "note": NOTE,
        "quantities": quantities_,
        "calibration": calibration(results, len(skipped)),
        "not_compared": skipped,
    } | extra


def across_sets(q: Quantity, xs: np.ndarray, owner: np.ndarray,
                sets: int) -> list[float] | None:
    """The 5th and 95th percentile, across the parameter sets, of the observation's
    percentile among each set's own replications (None for how the phase ended)."""
    if q.read[0] == "category":
        return None
    observed = float(q.observed)
    within = [float(np.mean(xs[owner == k] < observed)
                    + 0.5 * np.mean(xs[owner == k] == observed)) for k in range(sets)]
    return [round(float(v), 6) for v in np.percentile(within, [5, 95])]


def _jsonable(r: Result) -> dict[str, Any]:
    def clean(x: Any) -> Any:
        if isinstance(x, float):
            return None if math.isinf(x) or math.isnan(x) else round(x, 6)
        return x

    q = asdict(r.quantity)
    q.pop("read")
    for key, plain in (("range", ()), ("share", 1.0)):  # said only where they apply
        if q[key] == plain:
            q.pop(key)
    model = {"median": clean(r.median), "p05": clean(r.p05), "p95": clean(r.p95),
             "percentile": clean(r.percentile), "inside": r.inside, "verdict": r.verdict}
    if r.holding_share is not None:
        model |= {"holding_share": clean(r.holding_share),
                  "percentile_holding": clean(r.percentile_holding),
                  "inside_holding": r.inside_holding}
    if r.probabilities:
        model["probabilities"] = {k: round(v, 6) for k, v in r.probabilities.items()}
        model["prediction_set"] = list(r.prediction_set)
    # None for a milestone stands for "not within the window"
    return q | {"model": model}


def _ordinal(share: float) -> str:
    """A percentile rounded away from the median, so an observation outside the interval
    never shows as the 5th or 95th percentile."""
    pct = 100 * share
    return fmt.ordinal(math.floor(pct) if pct < 50 else math.ceil(pct))


def rows(data: dict[str, Any]) -> list[tuple[str, ...]]:
    """(quantity, observed, model median, 90% interval, percentile, percentile among the
    runs still holding, inside?) as text."""
    window = data["window_days"]
    out: list[tuple[str, ...]] = []
    for q in data["quantities"]:
        m, unit = q["model"], q["unit"]
        observed = _observed(q, window)
        if len(q["reports"]) > 1:
            observed += " (" + "/".join(fmt.count_or_day(r, window, unit)
                                        for r in q["reports"]) + ")"
        holding = ""
        if m.get("percentile_holding") is not None:
            holding = (f"{_ordinal(m['percentile_holding'])} "
                       f"({fmt.pct(m['holding_share'])} of runs)")
        inside = ("yes" if m["inside"] else "NO, above" if "above" in m["verdict"]
                  else "NO, below" if "below" in m["verdict"] else "NO")
        if m["inside"] and m.get("inside_holding") is False:
            inside = "yes, only with collapsed runs"
        out.append((q["name"], observed, fmt.count_or_day(m["median"], window, unit),
                    _interval(q, window, " or ", " to "), _percentile(q), holding, inside))
    return out


def _observed(q: dict[str, Any], window: int) -> str:
    """The observation, with '>' for 'more than' or 'later than' and '~' for 'about'; a
    range as 'low–high'."""
    if q.get("range"):
        return "–".join(fmt.count_or_day(v, window, q["unit"]) for v in q["range"])
    prefix = {"more than": ">", "later than": ">", "about": "~", "": ""}[q["qualifier"]]
    return prefix + fmt.count_or_day(q["observed"], window, q["unit"])


def _interval(q: dict[str, Any], window: int, between: str, to: str) -> str:
    """The model's 90% interval, or its 90% set of categories."""
    m = q["model"]
    if "probabilities" in m:
        return between.join(m["prediction_set"])
    return to.join(fmt.count_or_day(m[k], window, q["unit"]) for k in ("p05", "p95"))


def _percentile(q: dict[str, Any]) -> str:
    """The observation's percentile, or for a category the model's probability of it."""
    m = q["model"]
    if "probabilities" in m:
        return f"P = {m['probabilities'][q['observed']]:.0%}"
    return _ordinal(m["percentile"])


# the console's compact table: short headers, the rest said in LEGEND
COMPACT = ("quantity", "observed", "median", "90% range", "pct", "if holding", "verdict")
LEGEND = ("observed: as reported (~ about, > more than or later than, a–b a range; + several "
          "reports, below). median, "
          "90% range: the model's. pct: the observation's percentile among the runs; if "
          "holding: among the runs in which the truce still held that day (their share in "
          "brackets); for how the phase ended, the model's probability of what happened "
          "and its 90% set. verdict: inside or outside (above, below) the 90% range; "
          "inside*: inside only because runs that collapsed widen it. 'after {window}': "
          "not within the window.")


def compact_rows(data: dict[str, Any]) -> list[tuple[str, ...]]:
    """The table's rows for an 80-column console (headers COMPACT)."""
    window = data["window_days"]
    out: list[tuple[str, ...]] = []
    for q in data["quantities"]:
        m = q["model"]
        holding = ""
        if m.get("percentile_holding") is not None:
            holding = f"{_ordinal(m['percentile_holding'])} ({fmt.pct(m['holding_share'])})"
        verdict = ("inside*" if m["inside"] and m.get("inside_holding") is False
                   else "inside" if m["inside"] else "above" if "above" in m["verdict"]
                   else "below" if "below" in m["verdict"] else "outside")
        out.append((q["name"], _observed(q, window) + ("+" if len(q["reports"]) > 1 else ""),
                    fmt.count_or_day(m["median"], window, q["unit"]),
                    _interval(q, window, ", ", "–"), _percentile(q).replace(" = ", "="),
                    holding, verdict))
    return out


def pooled_words(data: dict[str, Any]) -> str:
    """What a backtest of an uncertain scenario pooled, in a sentence."""
    k, keys = data["parameter_sets"], ", ".join(data["uncertain"])
    return (f"Pooled over {k} parameter sets drawn from the scenario's distributions ({keys}), "
            "the sets `trucesim run` draws with this seed: the percentiles and verdicts are "
            "of the pooled runs.")


def reports(data: dict[str, Any]) -> str:
    """'Several reports: prisoners by day 40: 1,737, 1,755; ...', or ''."""
    window = data["window_days"]
    several = ["{}: {}".format(q["name"], ", ".join(fmt.count_or_day(r, window, q["unit"])
                                                   for r in q["reports"]))
               for q in data["quantities"] if len(q["reports"]) > 1]
    return "+ Several reports: " + "; ".join(several) + "." if several else ""


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
              "percentile of the observation | percentile among runs still holding | "
              "inside the interval? |",
              "|---|---|---|---|---|---|---|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows(data)]
    lines += ["", "## Calibration", "", c["words"], ""]
    if data.get("parameter_sets"):
        lines += [f"## Across the {data['parameter_sets']} parameter sets", "",
                  pooled_words(data) + " Within a single set an observation's percentile "
                  "varies as below: how much its verdict depends on the uncertain "
                  "parameters.", "",
                  "| observed quantity | percentile of the observation within each set "
                  "(5th to 95th across the sets) |", "|---|---|"]
        lines += [f"| {q['name']} | {_ordinal(m[0])} to {_ordinal(m[1])} |"
                  for q in data["quantities"]
                  if (m := q["model"].get("percentile_across_sets")) is not None]
        lines.append("")
    misses = [q for q in data["quantities"] if not q["model"]["inside"]]
    if misses:
        lines += ["Misses:", ""]
        lines += [f"- {q['name']}: {q['model']['verdict']}" for q in misses]
        lines.append("")
    if data["not_compared"]:
        lines += ["Not compared:", ""] + [f"- {x}" for x in data["not_compared"]] + [""]
    lines += ["Percentile of the observation: the share of replications below it plus half "
              "the share equal to it; among runs still holding: the same among the runs in "
              "which the truce had neither collapsed nor returned to war by that day (their "
              "share in brackets). For how the phase ended: the model's probability of "
              "what happened, and its 90% set of outcomes. 'after N': not within the "
              "window of N days. Sources of each observation are in the record file and in "
              "summary.json.", ""]
    return "\n".join(lines)
