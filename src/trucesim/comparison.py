"""What a comparison report is built from: the runs compared and their differences.

Two sources. (1) Several run directories (the first is the reference): differences are
computed from their replications.csv (:mod:`trucesim.differences`). (2) A comparison
directory: either one holding run directories, or the output of `trucesim compare`
(`manifest.json` with `"kind": "compare"` and the scenarios' names, and
`differences.csv` with one row per outcome and scenario: `outcome`, `kind`, `unit`,
`scenario`, `difference`, `difference_lo`, `difference_hi`). Its paired differences are
used as written; the runs' own directories (beside it or inside it, by name) supply the
charts, stories and assumptions when they exist.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trucesim.plots import Difference
from trucesim.resultsfiles import ResultsError, RunFiles, is_run, load_run


@dataclass
class Comparison:
    names: list[str]  # scenario names, the reference first
    runs: list[RunFiles]  # the runs' results, in the same order (empty if not found)
    diffs: list[Difference]
    paired: dict[str, bool]  # per compared scenario: same random numbers as the reference
    notes: list[str] = field(default_factory=list)

    def title(self, name: str) -> str:
        return next((r.title for r in self.runs if r.name == name), name)


def from_runs(runs: list[RunFiles]) -> Comparison:
    from trucesim.differences import differences, paired

    return Comparison([r.name for r in runs], runs, differences(runs),
                      {r.name: paired(runs[0], r) for r in runs[1:]})


def from_directory(directory: Path) -> Comparison:
    """A comparison directory: `trucesim compare` output, or a folder of run directories."""
    manifest = _manifest(directory)
    names = [n for n in manifest.get("scenarios", []) if isinstance(n, str)]
    table = directory / "differences.csv"
    if not names:
        found = sorted(p for p in directory.iterdir() if p.is_dir() and is_run(p))
        if len(found) < 2:
            raise ResultsError([
                f"{directory}: neither a results directory (summary.json, daily.csv, "
                f"manifest.json) nor a comparison (differences.csv and a manifest naming "
                f"its scenarios, or run directories inside it); to compare runs, pass their "
                f"directories: trucesim report results/base results/may-2025"])
        return from_runs([load_run(p) for p in found])
    located = [_locate(directory, name) for name in names]
    runs = [load_run(p) for p in located if p is not None]
    if not table.is_file():
        if len(runs) == len(names) >= 2:
            return from_runs(runs)
        raise ResultsError([f"{directory}: no differences.csv, and the runs of "
                            f"{', '.join(names)} were not found beside it"])
    diffs = read_differences(table)
    notes = []
    if len(runs) != len(names):
        runs = []
        notes.append("The runs' own results directories were not found beside the "
                     "comparison, so charts, stories and assumptions are left out. To add "
                     "them, run each scenario with `trucesim run` (same seed and number of "
                     "replications) into the same results directory, then make this report "
                     "again.")
    elif any(r.seed != manifest.get("seed") or r.replications != manifest.get("replications")
             for r in runs):
        notes.append(f"The differences come from the comparison (seed {manifest.get('seed')}, "
                     f"{manifest.get('replications')} replications); the charts and stories "
                     f"from the runs found beside it, which used other settings.")
    return Comparison(names, runs, diffs, {n: True for n in names[1:]}, notes)


def _manifest(directory: Path) -> dict[str, Any]:
    path = directory / "manifest.json"
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ResultsError([f"{path}: not valid JSON: {exc}"]) from exc
    return data if isinstance(data, dict) else {}


def _locate(directory: Path, name: str) -> Path | None:
    for candidate in (directory / name, directory.parent / name):
        if is_run(candidate):
            return candidate
    return None


def read_differences(path: Path) -> list[Difference]:
    """The compared outcomes' paired differences from a compare's differences.csv."""
    from trucesim.differences import labels

    wanted = labels()
    out = []
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                name = row.get("outcome", "")
                if name not in wanted:
                    continue
                label, unit = wanted[name]
                if row.get("kind") == "probability":
                    unit = "share"
                values = [_float(row.get(k)) for k in ("difference", "difference_lo",
                                                       "difference_hi")]
                out.append(Difference(name, label, unit, row["scenario"], *values))
    except (OSError, KeyError, csv.Error) as exc:
        raise ResultsError([f"{path}: cannot read the differences: {exc}"]) from exc
    if not out:
        raise ResultsError([f"{path}: no known outcome in it"])
    order, others = list(wanted), list(dict.fromkeys(d.other for d in out))
    return sorted(out, key=lambda d: (others.index(d.other), order.index(d.outcome)))


def _float(text: str | None) -> float:
    try:
        return float(text) if text else math.nan
    except ValueError:
        return math.nan
