"""Differences between runs of scenarios, from their replications.csv files.

Runs with the same root seed and replication count share their random history,
replication by replication (common random numbers), so replication i of one scenario is
paired with replication i of the other: the difference of each outcome is computed per
pair, and its mean gets a 95% t-interval. Such an interval is usually far narrower than
one for independent runs. Runs with different seeds or counts are compared as
independent samples (Welch's interval), and the report says so.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from trucesim.model import END_STATES
from trucesim.plots import Difference
from trucesim.resultsfiles import ResultsError, RunFiles
from trucesim.summary import KEY_OUTCOMES

UNITS = {"territory_share_end": "share", "aid_share_of_agreed": "share"}


def paired(a: RunFiles, b: RunFiles) -> bool:
    """Whether replication i of `a` and of `b` share their random numbers."""
    return a.seed == b.seed and a.replications == b.replications


def columns(run: RunFiles) -> dict[str, np.ndarray]:
    """Per-replication values of the compared outcomes (end states as 0/1)."""
    rows = run.replication_rows()
    if len(rows) != run.replications:
        raise ResultsError([f"{run.directory}: replications.csv has {len(rows)} rows, "
                            f"expected {run.replications}"])
    rows.sort(key=lambda r: int(r["replication"]))
    out = {f"p_{state}": np.array([r["end_state"] == state for r in rows], dtype=np.float64)
           for state in END_STATES}
    for name in COMPARED:
        out[name] = np.array([float(r[name]) for r in rows], dtype=np.float64)
    return out


# outcomes compared; deaths averted and the end day mirror others and are left out
COMPARED = ("living_released", "bodies_released", "detainees_freed_total",
            "territory_share_end", "aid_share_of_agreed", "deaths_palestinians",
            "deaths_israelis")


def labels() -> dict[str, tuple[str, str]]:
    """Compared outcome -> (label, unit)."""
    out = {f"p_{s}": (f"P(truce {s})", "share") for s in END_STATES}
    out |= {name: (KEY_OUTCOMES[name], UNITS.get(name, "count")) for name in COMPARED}
    return out


def _t(df: float) -> float:
    from scipy.stats import t

    return float(t.ppf(0.975, df)) if df > 0 else math.nan


def interval(x: np.ndarray, y: np.ndarray, pair: bool) -> tuple[float, float, float]:
    """Mean of y - x and its 95% interval (paired t, or Welch for independent runs)."""
    if pair:
        d = y - x
        n = d.size
        sd = float(d.std(ddof=1)) if n > 1 else math.nan
        half = _t(n - 1) * sd / math.sqrt(n) if n > 1 else math.nan
        mean = float(d.mean())
    else:
        vx, vy = (float(v.var(ddof=1)) / v.size if v.size > 1 else math.nan for v in (x, y))
        se = math.sqrt(vx + vy)
        df = (vx + vy) ** 2 / (vx * vx / (x.size - 1) + vy * vy / (y.size - 1)) \
            if vx + vy > 0 else float(x.size + y.size - 2)
        mean = float(y.mean() - x.mean())
        half = _t(df) * se
    return mean, mean - half, mean + half  # NaN bounds when there are too few runs


def differences(runs: Sequence[RunFiles]) -> list[Difference]:
    """Each later run against the first: one Difference per compared outcome."""
    reference = columns(runs[0])
    names = labels()
    out = []
    for run in runs[1:]:
        other = columns(run)
        pair = paired(runs[0], run)
        for name, (label, unit) in names.items():
            mean, lo, hi = interval(reference[name], other[name], pair)
            out.append(Difference(name, label, unit, run.name, mean, lo, hi))
    return out
