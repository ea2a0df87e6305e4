"""Reading a run's results directory back (summary.json, daily.csv, manifest.json,
replications.csv), for plots and reports that work on any results directory.

Every file is validated as it is read: summary.json and manifest.json against pydantic
models (types, finite numbers, names that are safe path components), the resolved
scenario against the scenario schema, and both CSV files against the columns and rows
the scenario's outcomes give. A file that does not pass is a :class:`ResultsError` whose
lines name the file and the field. Only reads; :mod:`trucesim.run.output` writes.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from trucesim.model import actors, outcomes
from trucesim.model.actors.phase import END_STATES
from trucesim.run.manifest import PARTIAL
from trucesim.scenario.inputs import RESULTS_BYTES, read_text
from trucesim.scenario.schema import Scenario
from trucesim.scenario.section import Label, Name

REQUIRED = ("summary.json", "daily.csv", "manifest.json")


class ResultsError(Exception):
    """A directory that is not a usable results directory; `lines` say why."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("; ".join(lines))
        self.lines = lines


class _Read(BaseModel):
    model_config = ConfigDict(strict=True, allow_inf_nan=False, extra="allow", frozen=True)


Share = Annotated[float, Field(ge=0, le=1)]
Bound = float | None  # an interval bound: null when too few replications define it
Interval = Annotated[list[Bound], Field(min_length=2, max_length=2)]


class _Named(_Read):
    name: Name
    title: Label = ""
    digest: str = ""


class _EndState(_Read):
    count: int = Field(ge=0)
    p: Share
    ci95: Interval


class _Outcome(_Read):
    unit: str
    n: int = Field(ge=0)
    mean: float = 0.0
    ci95_mean: Interval | None = None
    sd: float = 0.0
    median: float = 0.0
    p05: float = 0.0
    p95: float = 0.0


class _Milestone(_Read):
    p: Share
    ci95: Interval
    count: int = Field(ge=0)


class SummaryFile(_Read):
    """summary.json, as far as readers rely on it."""

    scenario: _Named
    seed: int = Field(ge=0)
    replications: int = Field(ge=1)
    end_states: dict[str, _EndState]
    outcomes: dict[str, _Outcome]
    milestones: dict[str, _Milestone]


class ManifestFile(_Read):
    """manifest.json of a run, as far as readers rely on it."""

    status: Literal["complete", "partial"] = "complete"
    seed: int = Field(ge=0)
    replications: int = Field(ge=1)
    replications_completed: int | None = Field(None, ge=0)
    resolved_scenario: dict[str, Any]


@dataclass(frozen=True)
class RunFiles:
    """One run's results, as read (and checked) from its directory."""

    directory: Path
    summary: dict[str, Any]
    daily: dict[str, list[float]]  # column -> one value per day (day 0 first)
    manifest: dict[str, Any]
    resolved: Scenario | None = field(default=None, compare=False)

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

    @property
    def partial(self) -> str:
        """'' for a complete run; for an interrupted one, what its files cover."""
        if self.manifest.get("status") != "partial":
            return ""
        done, asked = self.replications, int(self.manifest["replications"])
        return "This run was " + PARTIAL.format(done=done, last=done - 1, requested=asked) + "."

    def scenario(self) -> Scenario:
        """The scenario exactly as run, rebuilt from the manifest once (and kept: the
        report and the findings ask for it many times)."""
        if self.resolved is None:  # frozen: kept as the field a caller could have given
            object.__setattr__(self, "resolved",
                               Scenario.model_validate(self.manifest["resolved_scenario"]))
        assert self.resolved is not None
        return self.resolved

    def replication_rows(self) -> list[dict[str, str]]:
        """replications.csv as rows of text cells (empty list if the file is absent);
        ResultsError if a row, a column or a cell is not what the scenario gives."""
        path = self.directory / "replications.csv"
        if not path.exists():
            return []
        fields = actors.fields(self.scenario())
        expected = outcomes.csv_header(fields).strip().split(",")
        try:
            with path.open(encoding="utf-8", newline="") as handle:
                reader = csv.DictReader(handle)
                if reader.fieldnames != expected:
                    raise ResultsError([f"{path}: its columns are not those of the "
                                        f"scenario's outcomes ({', '.join(expected[:3])}, ...)"])
                rows = list(reader)
                for k, row in enumerate(rows):
                    _check_row(path, k, row, fields)
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise ResultsError([f"{path}: cannot read it: {exc}"]) from None
        return rows


def _check_row(path: Path, k: int, row: dict[str, Any], fields: Any) -> None:
    where = f"{path}:{k + 2}"
    if row.get("replication") != str(k) or None in row or None in row.values():
        raise ResultsError([f"{where}: not replication {k} with one cell per column"])
    for f in fields:
        try:
            f.parse(row[f.name])
        except (ValueError, IndexError, OverflowError):
            raise ResultsError([f"{where}: {f.name}: not a value of this outcome "
                                f"({row[f.name][:20]!r})"]) from None


def manifest_kind(directory: Path) -> str | None:
    """The "kind" its manifest.json gives a results directory (sweep, design...), if any."""
    path = directory / "manifest.json"
    try:
        kind = json.loads(path.read_text(encoding="utf-8")).get("kind") if path.is_file() \
            else None
    except (OSError, ValueError, AttributeError):
        return None
    return kind if isinstance(kind, str) else None


def is_run(directory: Path) -> bool:
    return all((directory / name).is_file() for name in REQUIRED)


def _problems(path: Path, exc: ValidationError, within: str = "") -> list[str]:
    out = []
    for err in exc.errors()[:5]:
        at = ".".join([within] * bool(within) + [str(p) for p in err["loc"]]) or "(the file)"
        out.append(f"{path}: {at}: {err['msg'][0].lower()}{err['msg'][1:]}")
    return out


def _json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(read_text(path, RESULTS_BYTES), parse_constant=_not_json)
    except (OSError, ValueError) as exc:
        raise ResultsError([f"{path}: cannot read it: {exc}"]) from None
    if not isinstance(data, dict):
        raise ResultsError([f"{path}: not a JSON object"])
    return data


def _not_json(word: str) -> Any:
    raise ValueError(f"{word} is not JSON")


def load_run(directory: Path) -> RunFiles:
    """Read and check a run's directory; a missing or bad file is a ResultsError."""
    missing = [name for name in REQUIRED if not (directory / name).is_file()]
    if missing:
        raise ResultsError([f"{directory}: not a results directory (missing "
                            f"{', '.join(missing)})"])
    summary, manifest = _json(directory / "summary.json"), _json(directory / "manifest.json")
    try:
        read = SummaryFile.model_validate(summary)
    except ValidationError as exc:
        raise ResultsError(_problems(directory / "summary.json", exc)) from None
    try:
        ManifestFile.model_validate(manifest)
    except ValidationError as exc:
        raise ResultsError(_problems(directory / "manifest.json", exc)) from None
    try:
        scenario = Scenario.model_validate(manifest["resolved_scenario"])
    except ValidationError as exc:
        raise ResultsError(_problems(directory / "manifest.json", exc,
                                     "resolved_scenario")) from None
    _agree(directory, read, manifest, scenario)
    daily = read_daily(directory / "daily.csv", scenario.truce.window_days + 1)
    return RunFiles(directory, summary, daily, manifest, scenario)


def _agree(directory: Path, summary: SummaryFile, manifest: dict[str, Any],
           scenario: Scenario) -> None:
    """The files describe the same run, and summary.json has every outcome it should."""
    path = directory / "summary.json"
    done = manifest.get("replications_completed") or manifest["replications"]
    problems = []
    if scenario.name != summary.scenario.name:
        problems.append(f"{path}: scenario.name: {summary.scenario.name!r} is not the "
                        f"manifest's scenario ({scenario.name!r})")
    if summary.replications != done:
        problems.append(f"{path}: replications: {summary.replications} is not the "
                        f"manifest's {done}")
    fields = actors.fields(scenario)
    for kind, found in (("number", summary.outcomes), ("milestone", summary.milestones)):
        lacking = [f.name for f in fields if f.kind == kind and f.name not in found]
        if lacking:
            problems.append(f"{path}: {kind}s: {', '.join(lacking[:3])} missing")
    lacking = [s for s in END_STATES if s not in summary.end_states]
    if lacking or sum(e.count for e in summary.end_states.values()) != summary.replications:
        problems.append(f"{path}: end_states: not one count per way the truce ends, adding "
                        f"up to {summary.replications}")
    for name, d in summary.outcomes.items():
        if d.n and not all(math.isfinite(x) for x in (d.median, d.p05, d.p95)):
            problems.append(f"{path}: outcomes.{name}: percentiles missing")
    if problems:
        raise ResultsError(problems)


def daily_columns() -> list[str]:
    """The columns daily.csv has (see Aggregate.daily)."""
    out = ["day", "survival", "survival_lo", "survival_hi", "in_crisis"]
    series = actors.series()
    out += [f"{x.name}_mean" for x in series if x.name not in ("holding", "in_crisis")]
    out += [f"{x.name}_{q}" for x in series if x.band for q in ("p05", "p50", "p95")]
    return out


def read_daily(path: Path, days: int | None = None) -> dict[str, list[float]]:
    """daily.csv as columns of finite numbers, one row per day (`days` rows if given)."""
    try:
        rows = list(csv.DictReader(io.StringIO(read_text(path, RESULTS_BYTES), newline="")))
    except (OSError, csv.Error) as exc:
        raise ResultsError([f"{path}: cannot read it: {exc}"]) from None
    if not rows or (days is not None and len(rows) != days):
        raise ResultsError([f"{path}: {len(rows)} rows, expected one per day "
                            f"({days if days is not None else 'at least 1'})"])
    lacking = [c for c in daily_columns() if c not in rows[0]]
    if lacking:
        raise ResultsError([f"{path}: column {lacking[0]} missing"])
    out: dict[str, list[float]] = {}
    for column in rows[0]:
        try:
            out[column] = [float(row[column]) for row in rows]
        except (TypeError, ValueError):
            raise ResultsError([f"{path}: {column}: not a number in every row"]) from None
        if not all(math.isfinite(x) for x in out[column]):
            raise ResultsError([f"{path}: {column}: not a finite number in every row"])
    if out["day"] != [float(d) for d in range(len(rows))]:
        raise ResultsError([f"{path}: day: not the days 0, 1, 2, ... in order"])
    return out
