"""A calibration's posterior (:mod:`.calibrate`): as a scenario fragment, as intervals
against the prior, and held against the record (a posterior predictive check).

The fragment gives each calibrated parameter a beta distribution on its plausible range
with the posterior's weighted mean and standard deviation. It keeps each parameter's
own spread but not the correlations between parameters (a scenario's distributions are
independent). The predictive check runs the backtest's verdicts (:mod:`.verdicts`) on
replications pooled over parameter sets drawn from the prior (uniform on the ranges),
from the fragment, and at the scenario's own values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from trucesim.analysis.backtest import sample
from trucesim.analysis.history import Record
from trucesim.analysis.observations import quantities
from trucesim.analysis.verdicts import calibration, evaluate, holding
from trucesim.model import actors, outcomes
from trucesim.run.engine import Chunk, run_chunk
from trucesim.run.executors import Executor
from trucesim.scenario.distributions import Beta
from trucesim.scenario.schema import Scenario
from trucesim.scenario.uncertain import with_values

SETS = 100  # parameter sets in each predictive check
PER_SET = 10  # replications per parameter set


def quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    """Weighted quantile (the inverse of the weighted empirical distribution, midpoints)."""
    order = np.argsort(x)
    x, w = x[order], w[order] / np.sum(w)
    cumulative = np.cumsum(w) - w / 2
    return float(np.interp(q, cumulative, x))


@dataclass(frozen=True)
class Marginal:
    """One parameter: its prior range and the posterior's summary and fitted beta."""

    key: str
    low: float
    high: float
    mean: float
    sd: float
    p05: float
    p95: float
    beta: Beta

    @property
    def narrowing(self) -> float:
        """Posterior 90% interval width over the prior's (1 = not narrowed at all)."""
        return (self.p95 - self.p05) / (0.9 * (self.high - self.low))


def _sig(x: float, digits: int = 4) -> float:
    return float(f"{x:.{digits}g}")


def fit(key: str, x: np.ndarray, w: np.ndarray, low: float, high: float) -> Marginal:
    """The marginal of one parameter and a beta on [low, high] with its mean and sd."""
    w = w / np.sum(w)
    mean = float(np.dot(w, x))
    sd = float(np.sqrt(np.dot(w, (x - mean) ** 2)))
    width = high - low
    m = min(max((mean - low) / width, 0.01), 0.99)
    s = min(max(sd / width, 1e-4), 0.99 * np.sqrt(m * (1 - m)))
    beta = Beta.model_validate({"dist": "beta", "mean": _sig(low + m * width),
                                "sd": _sig(s * width, 3), "low": low, "high": high})
    return Marginal(key, low, high, mean, sd, quantile(x, w, 0.05), quantile(x, w, 0.95),
                    beta)


def marginals(keys: list[str], bounds: dict[str, tuple[float, float]], particles: np.ndarray,
              weights: np.ndarray) -> list[Marginal]:
    return [fit(k, particles[:, i], weights, *bounds[k]) for i, k in enumerate(keys)]


def fragment(ms: list[Marginal], extends: str, name: str, title: str, header: list[str],
             units: dict[str, str]) -> str:
    """The posterior as a scenario file that extends `extends`; one table per section."""
    lines = [f"# {h}" if h else "#" for h in header]
    lines += [f'extends = "{extends}"', "", f'name = "{name}"  # text',
              f'title = "{title}"  # text']
    by_table: dict[str, list[Marginal]] = {}
    for m in ms:
        by_table.setdefault(m.key.rpartition(".")[0], []).append(m)
    for table, members in by_table.items():
        if table:
            lines += ["", f"[{table}]"]
        for m in members:
            b = m.beta
            leaf = m.key.rpartition(".")[2]
            lines.append(f'{leaf} = {{ dist = "beta", mean = {b.mean_:g}, sd = {b.sd:g}, '
                         f"low = {m.low:g}, high = {m.high:g} }}  # {units.get(m.key, '')}; "
                         f"posterior 90% interval {m.p05:.3g} to {m.p95:.3g} (prior uniform "
                         f"{m.low:g} to {m.high:g}, {m.narrowing:.0%} of its width)")
    return "\n".join(lines) + "\n"


def draws(ms: list[Marginal], n: int, seed: int, prior: bool) -> list[dict[str, float]]:
    """n parameter sets from the prior (uniform) or from the fitted betas."""
    u = np.random.default_rng([seed, int(prior)]).random((n, len(ms)))
    columns = [m.low + (m.high - m.low) * u[:, i] if prior else m.beta.ppf(u[:, i])
               for i, m in enumerate(ms)]
    return [{m.key: float(c[j]) for m, c in zip(ms, columns, strict=True)} for j in range(n)]


def _one(scenario: Scenario, per_set: int, item: tuple[int, dict[str, float]]) -> Chunk:
    seed, values = item
    return run_chunk(with_values(scenario, values) if values else scenario, seed, 0, per_set)


def check(scenario: Scenario, record: Record, sets: list[dict[str, float]], seed: int,
          executor: Executor, per_set: int = PER_SET) -> dict[str, Any]:
    """The backtest's coverage over replications pooled across the parameter sets."""
    items = [(seed + i, values) for i, values in enumerate(sets)]
    chunks = list(executor.map(partial(_one, scenario, per_set), items))
    values = np.concatenate([c.values for c in chunks])
    daily = np.concatenate([c.daily for c in chunks])
    qs, skipped = quantities(record, scenario)
    categories = outcomes.category(actors.fields(scenario))[1].categories
    results = [evaluate(q, sample(q, scenario, values, daily), categories, holding(q, daily))
               for q in qs]
    return {"replications": len(values), "parameter_sets": len(sets),
            "calibration": calibration(results, len(skipped)),
            "quantities": {r.quantity.name: {"inside": r.inside, "verdict": r.verdict}
                           for r in results}}


def predictive(scenario: Scenario, record: Record, ms: list[Marginal], seed: int,
               executor: Executor, n_sets: int = SETS, per_set: int = PER_SET
               ) -> dict[str, Any]:
    """Coverage under the prior, under the posterior and at the scenario's own values."""
    return {"prior": check(scenario, record, draws(ms, n_sets, seed, True), seed, executor,
                           per_set),
            "posterior": check(scenario, record, draws(ms, n_sets, seed, False), seed,
                               executor, per_set),
            "scenario": check(scenario, record, [{}] * n_sets, seed, executor, per_set)}


def data(ms: list[Marginal], check_: dict[str, Any], info: dict[str, Any]) -> dict[str, Any]:
    """summary.json: the run's settings and progress, each marginal, the predictive check."""
    return info | {
        "parameters": [{"key": m.key, "prior": {"dist": "uniform", "low": m.low,
                                                "high": m.high},
                        "posterior": {"mean": m.mean, "sd": m.sd, "p05": m.p05, "p95": m.p95},
                        "fragment": {"dist": "beta", "mean": m.beta.mean_, "sd": m.beta.sd,
                                     "low": m.low, "high": m.high},
                        "width_ratio_90": m.narrowing} for m in ms],
        "predictive": check_}


def markdown(d: dict[str, Any]) -> str:
    """summary.md: how far the record narrowed each parameter, and the predictive check."""
    lines = [f"# Calibration of {d['scenario']} to {d['record']}", "",
             f"ABC-SMC (pyabc): {d['generations']} generations of {d['population']} "
             f"particles, {d['simulations']:,} simulations (one replication each), final "
             f"tolerance {d['epsilon'] or math.inf:.3g} (adaptive, scaled distance). Root seed "
             f"{d['seed']}.", "",
             "> Model results under the scenario's stated assumptions, fitted to one "
             "historical case. The posterior is an option for other scenarios, not a "
             "measurement of the world.", "",
             "| parameter | prior (uniform) | posterior mean | posterior 90% interval | "
             "width vs prior |", "|---|---|---|---|---|"]
    for p in d["parameters"]:
        pr, po = p["prior"], p["posterior"]
        lines.append(f"| `{p['key']}` | {pr['low']:g} to {pr['high']:g} | {po['mean']:.3g} | "
                     f"{po['p05']:.3g} to {po['p95']:.3g} | {p['width_ratio_90']:.0%} |")
    prior = d["predictive"]["prior"]
    per_set = prior["replications"] // max(1, prior["parameter_sets"])
    lines += ["", "Width vs prior: the posterior's 90% interval as a share of the prior's. "
              "Near 100%: the record does not constrain the parameter (given the others), "
              "and it stays at its prior.", "", "## Posterior predictive check", "",
              "Backtest coverage over replications pooled across parameter sets "
              f"({prior['parameter_sets']} sets of {per_set} replications each):", "",
              "| parameters from | observations inside the 90% interval | inside only with "
              "collapsed runs | mean distance from the median (percentile points) |",
              "|---|---|---|---|"]
    for label, key in (("the prior", "prior"), ("the posterior (fragment)", "posterior"),
                       ("the scenario's own values", "scenario")):
        c = d["predictive"][key]["calibration"]
        lines.append(f"| {label} | {c['inside']} of {c['quantities']} | "
                     f"{c['inside_only_with_collapsed_runs']} | "
                     f"{100 * c['mean_abs_percentile_from_median']:.0f} |")
    moved = [name for name, v in d["predictive"]["posterior"]["quantities"].items()
             if v["inside"] != d["predictive"]["prior"]["quantities"].get(name, {}).get("inside")]
    lines += ["", "Verdicts that differ between prior and posterior: "
              + (", ".join(moved) if moved else "none") + ".", "",
              "The record was used to fit the posterior, so its coverage here is not a test "
              "against unseen data.", ""]
    return "\n".join(lines)
