"""A comparison as files and tables: OUT/compare-A-vs-B/ (differences.csv, compare.md,
manifest.json), the console's rows, and a compare directory read back for a report.

differences.csv has one row per (measure, scenario after the first): the measure's name,
kind, unit and label, both levels with their 95% intervals, and the paired difference
with its interval, so a report can be made from the directory alone.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from trucesim import fmt
from trucesim.analysis import changed, compare
from trucesim.analysis.compare import Comparison, Difference, Triple
from trucesim.run import manifest
from trucesim.run.measures import Measure
from trucesim.run.measures import measures as registered
from trucesim.run.output import ResultsDir
from trucesim.run.results import ResultsError, RunFiles, is_run, load_run
from trucesim.run.summary import NOTE
from trucesim.scenario.inputs import RESULTS_BYTES, read_text
from trucesim.scenario.schema import Scenario
from trucesim.scenario.section import Name

CSV_COLUMNS = ("outcome", "kind", "unit", "baseline", "scenario", "baseline_mean",
               "baseline_lo", "baseline_hi", "mean", "mean_lo", "mean_hi", "difference",
               "difference_lo", "difference_hi", "sd_difference", "independent_half_width",
               "replications", "label", "difference_assumptions_p05",
               "difference_assumptions_p95")


def directory_name(names: Sequence[str]) -> str:
    """compare-A-vs-B[-vs-C...], shortened with a hash if very long."""
    text = "-vs-".join(names)
    if len(text) > 120:
        text = text[:100] + "-" + hashlib.sha256(text.encode()).hexdigest()[:12]
    return f"compare-{text}"


def differences_csv(c: Comparison) -> str:
    """One row per (measure, scenario after the first): levels and the difference."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    g = fmt.csv_number
    for d in c.differences:
        writer.writerow([d.measure.name, d.measure.kind, d.measure.unit, d.baseline,
                         d.scenario, *map(g, d.a), *map(g, d.b), *map(g, d.diff),
                         g(d.sd_diff), g(d.independent_half_width), c.replications,
                         d.measure.label, *(map(g, d.spread) if d.spread else ("", ""))])
    return buffer.getvalue()


def letter(s: int) -> str:
    return chr(ord("A") + s) if s < 26 else f"S{s}"


def table(c: Comparison, key_only: bool,
          letters: bool = False) -> tuple[list[str], list[list[str]]]:
    """(header, rows): each scenario's level, then each difference to the first.

    `key_only`: the headline measures, by label; otherwise every measure, by name. With
    `letters`, columns are headed A, B, ... and B − A (for narrow consoles).
    """
    chosen = [j for j, m in enumerate(c.measures) if m.headline or not key_only]
    return columns(c, chosen, lambda j: c.measures[j].label if key_only
                   else c.measures[j].name, letters=letters)


def columns(c: Comparison, chosen: Sequence[int], label: Callable[[int], str], *,
            letters: bool = False, levels: bool = True, intervals: bool = True,
            pairs: Sequence[int] | None = None) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of the measures `chosen`, each row headed by `label(j)`: the first
    scenario's level and those of `pairs` (default: every other scenario) as mean
    [interval], or the mean alone without `intervals`, or none without `levels`; then
    each difference to the first with its interval, and its spread if there is one."""
    names = [letter(s) for s in range(len(c.names))] if letters else list(c.names)
    others = list(range(1, len(names)) if pairs is None else pairs)
    shown = [0, *others] if levels else []
    spreads = c.uncertain
    header = ["outcome", *(names[s] for s in shown),
              *(f"{names[s]} − {names[0]}" for s in others),
              *(f"{names[s]} − {names[0]}, assumptions 5-95%" for s in others if spreads)]
    rows = []
    for j in chosen:
        unit = c.measures[j].shown_unit
        rows.append([label(j),
                     *(fmt.level(c.level(s, j), unit) if intervals
                       else fmt.table(c.level(s, j)[0], unit) for s in shown),
                     *(fmt.difference(c.difference(s, j).diff, unit) for s in others),
                     *(fmt.signed_interval(c.difference(s, j).spread, unit)
                       for s in others if spreads)])
    return header, rows


def markdown(c: Comparison, scenarios: Sequence[Scenario]) -> str:
    """compare.md: what was compared, the headline differences, then every measure."""
    titles = ", ".join(f"`{fmt.md(s.name)}` ({fmt.md(s.title)})" if s.title
                       else f"`{fmt.md(s.name)}`" for s in scenarios)
    lines = [f"# Paired comparison: {' vs '.join(fmt.md(n) for n in c.names)}", "",
             f"Scenarios {titles}; {c.replications:,} replications each, all with root seed "
             f"{c.seed} (common random numbers: replication *i* of every scenario meets the "
             "same luck).", "",
             f"> {NOTE}", "",
             "Each cell: mean [95% interval]. Differences are paired: the mean of the "
             "per-replication differences to the first scenario, with a 95% t-interval; "
             "for probabilities, in percentage points (pp).", ""]
    if c.uncertain:
        lines += [f"Some assumptions are uncertain: each scenario's replications are split "
                  f"into the same {c.parameter_sets} parameter sets. The last columns give "
                  "the 5th-95th percentile of the difference across those sets, net of "
                  "Monte Carlo noise: how much the assumptions move the difference, where "
                  "the bracket only says how precisely the runs pin down its average.", ""]
    moved = changed.moved(c)
    sections = [("Key outcomes", "", table(c, True)),
                ("Other outcomes that changed", f"{changed.CAPTION}." if moved else
                 "No other outcome's 95% interval excludes zero.",
                 columns(c, moved, lambda j: c.measures[j].name)),
                ("Every outcome", "", table(c, False))]
    for title, caption, (header, rows) in sections:
        lines += [f"## {title}", ""] + ([caption, ""] if caption else [])
        if rows:
            lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
            lines += ["| " + " | ".join(row) + " |" for row in rows] + [""]
    return "\n".join(lines)


def write(c: Comparison, scenarios: Sequence[Scenario], out: Path, sources: Sequence[str],
          workers: int, wall_seconds: float, force: bool = False) -> Path:
    """Write OUT/compare-<names>/ (differences.csv, compare.md, manifest.json) atomically;
    an earlier directory there is replaced only if trucesim wrote it (or `force`)."""
    with ResultsDir(out / directory_name(c.names), force) as results:
        results.text("differences.csv", differences_csv(c))
        results.text("compare.md", markdown(c, scenarios))
        results.json("manifest.json", compare_manifest(c, scenarios, sources, workers,
                                                       wall_seconds))
        return results.commit()


def compare_manifest(c: Comparison, scenarios: Sequence[Scenario], sources: Sequence[str],
                     workers: int, wall_seconds: float) -> dict[str, Any]:
    """The comparison's manifest, with its number of parameter sets if it has spreads."""
    data = manifest.compare(scenarios, c.seed, c.replications, sources, workers, wall_seconds)
    if c.uncertain:
        data["parameter_sets"] = c.parameter_sets
    return data


# reading a compare directory back ---------------------------------------------------
def read(directory: Path) -> tuple[Comparison, list[RunFiles], list[str]]:
    """A compare directory: its comparison, the runs found beside or inside it (for the
    charts; empty if not all are there), and notes on what is missing or differs."""
    data = _manifest(directory)
    names = [n for n in data.get("scenarios", []) if isinstance(n, str)]
    table_path = directory / "differences.csv"
    if not names or not table_path.is_file():
        found = sorted(p for p in directory.iterdir() if p.is_dir() and is_run(p))
        if len(found) < 2:
            raise ResultsError([
                f"{directory}: neither a results directory (summary.json, daily.csv, "
                f"manifest.json) nor a comparison (differences.csv and a manifest naming "
                f"its scenarios, or run directories inside it); to compare runs, pass their "
                f"directories: trucesim report results/base results/may-2025"])
        runs = [load_run(p) for p in found]
        return compare.from_runs(runs), runs, []
    located = [_locate(directory, name) for name in names]
    runs = [load_run(p) for p in located if p is not None]
    c = read_differences(table_path, names, data)
    notes = []
    if len(runs) != len(names):
        runs = []
        notes.append("The runs' own results directories were not found beside the "
                     "comparison, so charts, stories and assumptions are left out. To add "
                     "them, run each scenario with `trucesim run` (same seed and number of "
                     "replications) into the same results directory, then make this report "
                     "again.")
    elif any(r.seed != c.seed or r.replications != c.replications for r in runs):
        notes.append(f"The differences come from the comparison (seed {c.seed}, "
                     f"{c.replications} replications); the charts and stories from the runs "
                     f"found beside it, which used other settings.")
    if runs:
        c = replace(c, titles=tuple(r.title for r in runs))
    return c, runs, notes


class _CompareManifest(BaseModel):
    """A compare directory's manifest.json, as far as it is read back."""

    model_config = ConfigDict(strict=True, allow_inf_nan=False, extra="allow")
    scenarios: list[Name] = Field(default_factory=list, max_length=100)
    seed: int = Field(0, ge=0)
    replications: int = Field(0, ge=0)
    parameter_sets: int = Field(0, ge=0, le=100_000)


def _manifest(directory: Path) -> dict[str, Any]:
    """The manifest's data, checked: names that are safe path components, whole numbers."""
    path = directory / "manifest.json"
    if not path.is_file():
        return {}
    try:
        data = json.loads(read_text(path, RESULTS_BYTES))
    except (OSError, ValueError) as exc:
        raise ResultsError([f"{path}: not valid JSON: {exc}"]) from exc
    if not isinstance(data, dict):
        return {}
    try:
        _CompareManifest.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise ResultsError([f"{path}: {where}: {err['msg'][0].lower()}{err['msg'][1:]}"]) \
            from None
    return data


def _locate(directory: Path, name: str) -> Path | None:
    for candidate in (directory / name, directory.parent / name):
        if is_run(candidate):
            return candidate
    return None


def read_differences(path: Path, names: Sequence[str], data: dict[str, Any]) -> Comparison:
    """A compare's differences.csv as a Comparison (levels and paired differences)."""
    rows: list[dict[str, str]] = []
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        known = {m.name: m for m in registered(Scenario.model_validate({"releases": []}))}
        chosen: dict[str, Measure] = {}
        for r in rows:
            name = r["outcome"]
            if name not in chosen:
                label = r.get("label") or (known[name].label if name in known else name)
                chosen[name] = Measure(name, "probability" if r["kind"] == "probability"
                                       else "number", r["unit"], label, len(chosen),
                                       headline=name in known and known[name].headline)
        measures = tuple(chosen.values())
        by = {(r["scenario"], r["outcome"]): r for r in rows}
        base: list[Triple] = [_triple(next(r for r in rows if r["outcome"] == m.name),
                                      BASELINE) for m in measures]
        levels = [tuple(base)]
        diffs = []
        for other in names[1:]:
            levels.append(tuple(_triple(by[(other, m.name)], LEVEL) for m in measures))
            for j, m in enumerate(measures):
                r = by[(other, m.name)]
                diffs.append(Difference(m, names[0], other, base[j], levels[-1][j],
                                        _triple(r, DIFFERENCE), _float(r["sd_difference"]),
                                        _float(r["independent_half_width"]),
                                        spread=_spread(r)))
    except (OSError, KeyError, StopIteration, csv.Error, ValueError) as exc:
        raise ResultsError([f"{path}: cannot read the differences: {exc}"]) from None
    if not measures:
        raise ResultsError([f"{path}: no outcome in it"])
    return Comparison(tuple(names), tuple(names), measures, int(data.get("seed", 0)),
                      int(data.get("replications", 0)), tuple(levels), tuple(diffs),
                      int(data.get("parameter_sets", 0)))


BASELINE = ("baseline_mean", "baseline_lo", "baseline_hi")
LEVEL = ("mean", "mean_lo", "mean_hi")
DIFFERENCE = ("difference", "difference_lo", "difference_hi")


def _spread(row: dict[str, str]) -> tuple[float, float] | None:
    """The difference's spread over the assumptions, if the comparison had one."""
    lo, hi = (row.get(f"difference_assumptions_{q}") or "" for q in ("p05", "p95"))
    return (_float(lo), _float(hi)) if lo and hi else None


def _triple(row: dict[str, str], keys: tuple[str, str, str]) -> Triple:
    a, b, c = (_float(row[k]) for k in keys)
    return a, b, c


def _float(text: str | None) -> float:
    try:
        return float(text) if text else math.nan
    except ValueError:
        return math.nan
