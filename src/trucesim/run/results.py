"""Reading a run's results directory back (summary.json, daily.csv, manifest.json,
replications.csv), for plots and reports that work on any results directory.

Only reads; :mod:`trucesim.run.output` is the module that writes.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trucesim.scenario.schema import Scenario

REQUIRED = ("summary.json", "daily.csv", "manifest.json")


class ResultsError(Exception):
    """A directory that is not a usable results directory; `lines` say why."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("; ".join(lines))
        self.lines = lines


@dataclass(frozen=True)
class RunFiles:
    """One run's results, as read from its directory."""

    directory: Path
    summary: dict[str, Any]
    daily: dict[str, list[float]]  # column -> one value per day (day 0 first)
    manifest: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.summary["scenario"]["name"])

    @property
    def title(self) -> str:
        return str(self.summary["scenario"].get("title") or self.name)

    @property
    def seed(self) -> int:
        return int(self.manifest["seed"])

    @property
    def replications(self) -> int:
        return int(self.summary["replications"])

    def scenario(self) -> Scenario:
        """The scenario exactly as run, rebuilt from the manifest."""
        return Scenario.model_validate(self.manifest["resolved_scenario"])

    def replication_rows(self) -> list[dict[str, str]]:
        """replications.csv as rows of text cells (empty list if the file is absent)."""
        path = self.directory / "replications.csv"
        if not path.exists():
            return []
        with path.open(encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))


def is_run(directory: Path) -> bool:
    return all((directory / name).is_file() for name in REQUIRED)


def load_run(directory: Path) -> RunFiles:
    """Read a run's directory; a missing or unreadable file is a ResultsError."""
    missing = [name for name in REQUIRED if not (directory / name).is_file()]
    if missing:
        raise ResultsError([f"{directory}: not a results directory (missing "
                            f"{', '.join(missing)})"])
    try:
        summary = json.loads((directory / "summary.json").read_text(encoding="utf-8"))
        manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
        daily = read_daily(directory / "daily.csv")
    except (OSError, ValueError) as exc:
        raise ResultsError([f"{directory}: cannot read its results: {exc}"]) from exc
    for key in ("scenario", "end_states", "outcomes", "replications"):
        if key not in summary:
            raise ResultsError([f"{directory / 'summary.json'}: no '{key}' entry"])
    for key in ("seed", "resolved_scenario"):
        if key not in manifest:
            raise ResultsError([f"{directory / 'manifest.json'}: no '{key}' entry"])
    return RunFiles(directory, summary, daily, manifest)


def read_daily(path: Path) -> dict[str, list[float]]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    if not rows:
        raise ValueError(f"{path.name} has no rows")
    return {column: [float(row[column]) for row in rows] for column in rows[0]}
