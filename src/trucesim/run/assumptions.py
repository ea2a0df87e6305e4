"""Second-order Monte Carlo: parameter sets drawn from a scenario's distributions (outer
loop), replications run for each (inner loop), and two intervals for every outcome.

A scenario whose parameters are all numbers has one parameter set. Otherwise the run
samples K sets by Latin hypercube sampling (scipy.stats.qmc), one column per uncertain
parameter, each drawn from a stream of its own named after the key, so two scenarios
that share a distribution see the same values, set by set; replication *i* always
belongs to the same set, and keeps its own random numbers, so paired comparisons work
as before. The n replications are split evenly over the sets (``-n`` stays the total).

Two intervals, for different questions:

- the Monte Carlo interval (the bracket of every table): how precisely the runs pin
  down the outcome's mean, pooled over the parameter sets;
- the spread over the assumptions: the 5th to 95th percentile, across the parameter
  sets, of the outcome's mean. Each set's mean carries Monte Carlo noise of its own,
  which would widen the spread; so the spread is computed net of it (variance
  components): the set means are pulled toward the overall mean by
  sqrt(between-set variance less the expected within-set noise, over between-set
  variance) before the percentiles are taken.

Which assumptions drive each outcome: Spearman's rank correlation between a parameter's
values and the outcome's set means, with a 95% interval (Fisher's z, Bonett-Wright
standard error), ranked by size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from trucesim.model.streams import index
from trucesim.run.measures import Measure, Totals
from trucesim.scenario.rules import check
from trucesim.scenario.schema import Scenario
from trucesim.scenario.toml import format_path
from trucesim.scenario.uncertain import with_values

DEFAULT_SETS = 40  # parameter sets when a scenario has uncertain parameters
PARAMETERS = 1 << 62  # the spawn-key mark of the parameters' streams (never a block)
METHOD = ("5th to 95th percentile across the parameter sets of each outcome's mean, net of "
          "Monte Carlo noise (variance components: set means pulled toward the overall "
          "mean by the share of their spread that is not within-set noise)")
SAMPLING = ("Latin hypercube (scipy.stats.qmc), one column per parameter from a stream of "
            "its own")


class SetError(ValueError):
    """A sampled parameter set breaks a rule that spans several keys (say
    crisis.resolve_below >= crisis.threshold): the distributions overlap where they must
    not. Each distribution's own range is checked when the scenario loads."""


@dataclass(frozen=True)
class Plan:
    """The parameter sets of a run and the replications of each."""

    keys: tuple[str, ...]
    values: np.ndarray  # (sets, keys)
    sets: tuple[Scenario, ...]
    starts: tuple[int, ...]  # first replication of each set, and n at the end
    described: tuple[str, ...] = ()  # each key's distribution, in words

    @property
    def uncertain(self) -> bool:
        return bool(self.keys)

    def spans(self) -> list[tuple[int, int, int]]:
        """(set, first replication, end) of each set."""
        return [(k, self.starts[k], self.starts[k + 1]) for k in range(len(self.sets))]


def plan(s: Scenario, seed: int, n: int, sets: int | None = None) -> Plan:
    """The parameter sets for n replications of `s` (one set if nothing is uncertain)."""
    if not s.uncertain:
        return Plan((), np.zeros((1, 0)), (s,), (0, n))
    from scipy.stats import qmc

    k = set_count(n, sets)
    keys = tuple(u.key for u in s.uncertain)
    columns = []
    for u in s.uncertain:
        seq = np.random.SeedSequence(seed, spawn_key=(PARAMETERS, index(f"parameter {u.key}"),
                                                      k))
        lhs = qmc.LatinHypercube(d=1, rng=np.random.Generator(np.random.PCG64(seq)))
        columns.append(u.dist.ppf(lhs.random(k)[:, 0]))
    values = np.column_stack(columns)
    scenarios = tuple(with_values(s, dict(zip(keys, row.tolist(), strict=True)))
                      for row in values)
    for j, one in enumerate(scenarios):
        broken = check(one)
        if broken:
            path, message = broken[0][:2]
            raise SetError(f"{s.name}: parameter set {j + 1} of {k} breaks a rule, "
                           f"{format_path(path)}: {message}; narrow the distributions so "
                           "that no combination of their values breaks it")
    return Plan(keys, values, scenarios, split(n, k),
                tuple(u.dist.describe() for u in s.uncertain))


def set_count(n: int, sets: int | None = None) -> int:
    """The parameter sets for n replications: as asked (default DEFAULT_SETS), but at least
    two replications in each, so that each set's own noise can be estimated."""
    return max(1, min(sets or DEFAULT_SETS, n // 2))


def split(n: int, k: int) -> tuple[int, ...]:
    """The first replication of each of k sets sharing n replications evenly, then n."""
    each, extra = divmod(n, k)
    starts = [0]
    for j in range(k):
        starts.append(starts[-1] + each + (1 if j < extra else 0))
    return tuple(starts)


def sets_for(scenarios: list[Scenario], seed: int, n: int,
             sets: int | None = None) -> tuple[tuple[int, ...], list[tuple[Scenario, ...]]]:
    """Parameter sets shared by scenarios run together (compared): if any is uncertain,
    all split their replications the same way (a certain one is the same in every set).
    Returns the sets' first replications and, per scenario, its scenario of each set."""
    if not any(s.uncertain for s in scenarios):
        return (0, n), [(s,) for s in scenarios]
    k = set_count(n, sets)
    per = [plan(s, seed, n, k).sets if s.uncertain else (s,) * k for s in scenarios]
    return split(n, k), per


def spread(totals: list[Totals], j: int, m: Measure) -> dict[str, Any]:
    """Measure j's spread over the parameter sets: raw, and net of Monte Carlo noise."""
    means = np.array([t.mean(j, m.scale) for t in totals])
    noise = np.array([t.sd(j, m.scale) ** 2 / t.n if t.n > 1 else 0.0 for t in totals])
    raw = np.percentile(means, [5, 95]).tolist()
    between = float(np.var(means, ddof=1)) if len(means) > 1 else 0.0
    within = float(noise.mean()) if len(noise) else 0.0
    share = max(0.0, between - within) / between if between > 0 else 0.0
    grand = float(means.mean())
    net = np.percentile(grand + math.sqrt(share) * (means - grand), [5, 95]).tolist()
    return {"p05": net[0], "p95": net[1], "raw_p05": raw[0], "raw_p95": raw[1],
            "share_from_assumptions": share}


def drivers(p: Plan, totals: list[Totals], j: int, m: Measure) -> list[dict[str, Any]]:
    """The uncertain parameters ranked by |Spearman's rho| with measure j's set means."""
    from scipy.stats import spearmanr

    means = np.array([t.mean(j, m.scale) for t in totals])
    k = len(means)
    out = []
    for c, key in enumerate(p.keys):
        x = p.values[:, c]
        if k < 4 or np.ptp(x) == 0 or np.ptp(means) == 0:
            continue
        rho = float(spearmanr(x, means).statistic)
        rho = max(-0.999999, min(0.999999, rho))
        half = 1.959964 * math.sqrt((1 + rho * rho / 2) / (k - 3))
        z = math.atanh(rho)
        out.append({"parameter": key, "rho": rho,
                    "ci95": [math.tanh(z - half), math.tanh(z + half)]})
    out.sort(key=lambda d: -abs(float(str(d["rho"]))))
    return [d | {"rank": r} for r, d in enumerate(out, start=1)]


def summarise(p: Plan, totals: list[Totals], fields: Any) -> dict[str, Any]:
    """The uncertainty section of summary.json: what was uncertain, how it was sampled, the
    spread of every measure's mean over the parameter sets, and the drivers of the
    headline measures."""
    from trucesim.run.measures import from_fields

    done = [k for k, t in enumerate(totals) if t.n > 1]  # none if stopped very early
    kept = [totals[k] for k in done]
    sub = Plan(p.keys, p.values[done], tuple(p.sets[k] for k in done), p.starts, p.described)
    chosen = from_fields(fields) if len(kept) > 1 else ()  # a spread needs two sets
    return {
        "parameters": [{"key": key, "distribution": d}
                       for key, d in zip(p.keys, p.described, strict=True)],
        "parameter_sets": len(kept),
        "replications_per_set": [min(t.n for t in kept), max(t.n for t in kept)] if kept
        else [0, 0],
        "sampling": SAMPLING,
        "spread": METHOD,
        "by_measure": {m.name: spread(kept, j, m) for j, m in enumerate(chosen)},
        "drivers": {m.name: drivers(sub, kept, j, m)[:5] for j, m in enumerate(chosen)
                    if m.headline},
    }


def sets_csv(p: Plan) -> str:
    """parameter_sets.csv: each set's replications and its parameters' values."""
    lines = [",".join(["set", "first_replication", "replications", *p.keys])]
    for k, start, stop in p.spans():
        lines.append(",".join([str(k), str(start), str(stop - start),
                               *(f"{v:.6g}" for v in p.values[k])]))
    return "\n".join(lines) + "\n"
