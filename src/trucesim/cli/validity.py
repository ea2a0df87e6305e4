"""Commands for the model's validity: `trucesim params` (the parameter registry) and
`trucesim backtest` (a historical scenario held against the record of what happened).

Imports only typer and the standard library at import time (the rest inside the
commands), so `trucesim --help` stays fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from trucesim.cli.options import (
    DEFAULT_REPLICATIONS,
    DEFAULT_SEED,
    ForceOption,
    OutOption,
    QuietOption,
    SeedOption,
    SetOption,
    WorkersOption,
    executor_for,
    fail,
    interrupted,
    load_all,
    progress_bar,
)

if TYPE_CHECKING:
    from trucesim.scenario.registry import Parameter

HISTORY_SCENARIO = Path("scenarios/history/jan-2025-ceasefire.toml")
HISTORY_RECORD = Path("data/records/jan-2025.toml")
BACKTEST_MAX = 100_000  # a backtest keeps every replication's trajectory in memory


def params(
    scenario: Annotated[Path | None, typer.Argument(
        help="Scenario TOML file (default: the schema's defaults).", show_default=False,
        metavar="[SCENARIO]")]
    = None,
    changed: Annotated[bool, typer.Option(
        "--changed", help="Only the values that differ from the defaults.")] = False,
    markdown: Annotated[bool, typer.Option(
        "--markdown", help="Print a markdown table instead of a console table.")] = False,
    set_: SetOption = None,
) -> None:
    """List every model parameter: value, unit, plausible range, confidence, source."""
    from trucesim.scenario import registry

    notes: dict[str, str] = {}
    loaded = None
    if scenario is not None:
        loaded = load_all([scenario], set_)[0]
        notes = registry.notes(scenario, set_ or ())
    elif set_:
        fail("--set needs a SCENARIO")
    rows = [p for p in registry.parameters(loaded, notes) if p.changed or not changed]
    title = (f"{loaded.name}: {len(rows)} parameters" if loaded is not None
             else f"defaults: {len(rows)} parameters")
    if markdown:
        typer.echo(params_markdown(rows, title))
        return
    _params_console(rows, title)


def _text(value: Any) -> str:
    from trucesim.fmt import setting

    return setting(value)


def _value(p: Parameter) -> str:
    mark = (" *" if p.changed else "") + (" !" if p.implausible else "")
    if p.distribution:
        return f"{p.distribution} (mean {_text(p.value)}){mark}"
    return _text(p.value) + mark


def _span(p: Parameter) -> str:
    return "" if p.plausible is None else f"{p.plausible[0]:g} to {p.plausible[1]:g}"


def _scenario_source(p: Parameter) -> str:
    """The scenario file's own comment for the key (without the unit that starts it,
    'days; ...'), when it says something other than the default's source."""
    head, sep, rest = p.note.partition("; ")
    note = rest if sep and len(head) < 40 and not any(c.isdigit() or c in "[(" for c in head) \
        else p.note
    return note if note and note != p.source else ""


LEGEND = ("* differs from the default; ! outside the plausible range. Confidence and source "
          "are those of the default (agreed text, reported, estimate, assumption); "
          "'scenario' is the comment the scenario file gives for the key. Sources [Sn] are "
          "listed in docs/sources.md (publisher, title, date, address).")


def params_markdown(rows: list[Parameter], title: str) -> str:
    lines = [f"## Parameters ({title})", "", LEGEND, "",
             "| key | value | default | unit | plausible | confidence | source of the default "
             "| scenario |", "|---|---|---|---|---|---|---|---|"]
    for p in rows:
        lines.append(f"| `{p.key}` | {_value(p)} | {_text(p.default)} | {p.unit} | "
                     f"{_span(p)} | {p.confidence} | {p.source} | {_scenario_source(p)} |")
    return "\n".join(lines)


def _params_console(rows: list[Parameter], title: str) -> None:
    """One block per parameter: key, value, unit, plausible range, confidence; then the
    sources on indented lines, wrapped to the terminal."""
    import shutil
    import textwrap

    width = max(60, shutil.get_terminal_size((100, 24)).columns)
    typer.echo(textwrap.fill(f"{title}. {LEGEND}", width) + "\n")

    def indented(text: str) -> None:
        typer.echo(textwrap.fill(text, width, initial_indent="    ",
                                 subsequent_indent="      "))

    for p in rows:
        default = f" (default {_text(p.default)})" if p.changed else ""
        span = f", plausible {_span(p)}" if p.plausible else ""
        typer.echo(textwrap.fill(f"{p.key} = {_value(p)} {p.unit}{default}{span}", width,
                                 subsequent_indent="      "))
        indented(f"{p.confidence}: {p.source}")
        if _scenario_source(p):
            indented(f"scenario: {_scenario_source(p)}")


def backtest(
    paths: Annotated[list[Path] | None, typer.Argument(
        help=f"A historical scenario and the record to hold it against (default: "
             f"{HISTORY_SCENARIO} {HISTORY_RECORD}).",
        show_default=False, metavar="[SCENARIO RECORD]")] = None,
    replications: Annotated[int, typer.Option(
        "--replications", "-n", min=1, max=BACKTEST_MAX, metavar="N",
        help="Replications (each is kept in memory, about 6 KB: at most 100,000).")]
    = DEFAULT_REPLICATIONS,
    seed: SeedOption = DEFAULT_SEED,
    out: OutOption = Path("results"),
    workers: WorkersOption = 0,
    quiet: QuietOption = False,
    force: ForceOption = False,
) -> None:
    """Run a historical scenario and hold each observed quantity in a record against the
    model's distribution; write OUT/backtest-<record>/ (summary.json, summary.md)."""
    scenario_file, record_file = _backtest_paths(paths or [])
    from trucesim.analysis import history as records

    scenario = load_all([scenario_file], None)[0]
    try:
        record = records.load(record_file)
    except records.RecordError as exc:
        fail([str(issue) for issue in exc.issues])
    from trucesim.scenario.toml import SourceError

    try:
        problems = [str(p) for p in records.stage_issues(record, scenario, record_file)]
    except SourceError as exc:  # the record file changed since it was read
        problems = [f"{exc.file}: {exc.message}"]
    if problems:
        fail(problems)
    from trucesim.analysis import backtest as bt
    from trucesim.run import manifest
    from trucesim.run.claims import NotOurs
    from trucesim.run.output import ResultsDir

    destination = out / f"backtest-{record.name}"
    files = {"scenario": str(scenario_file), "record": str(record_file)}
    command = " ".join(["trucesim", *sys.argv[1:]]) if sys.argv[0].endswith("trucesim") else ""
    try:
        with ResultsDir(destination, force) as results:
            with executor_for(replications, workers, "auto", None) as executor, \
                    interrupted("backtest"), \
                    progress_bar(replications, f"backtest {record.name}", quiet) as advance:
                data = bt.run(scenario, record, seed, replications, executor, advance)
            data["files"] = files
            results.json("summary.json", data)
            results.text("summary.md", bt.markdown(data, command))
            results.json("manifest.json", manifest.backtest(scenario, record.name, seed,
                                                            replications, files))
            results.commit()
    except NotOurs as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot write results to {destination}: {exc.strerror or exc}", 1)
    if not quiet:
        _backtest_console(data, destination)


def _backtest_paths(paths: list[Path]) -> tuple[Path, Path]:
    if len(paths) == 2:
        return paths[0], paths[1]
    if paths:
        fail("give both SCENARIO and RECORD, or neither (for the January 2025 case)")
    missing = [str(p) for p in (HISTORY_SCENARIO, HISTORY_RECORD) if not p.exists()]
    if missing:
        fail(f"no SCENARIO RECORD given and the default {', '.join(missing)} is not under "
             "the current directory; run from the project root or name both files")
    return HISTORY_SCENARIO, HISTORY_RECORD


def is_record(path: Path) -> bool:
    """Whether a file is a record of a real truce (it has a top-level 'day_one'); a file
    that cannot be read as one is left to the scenario checks to report."""
    from trucesim.scenario.toml import SourceError, parse, read_source

    try:
        return "day_one" in parse(read_source(path, str(path)), str(path))
    except SourceError:
        return False


def check_records(paths: list[Path]) -> list[str]:
    """'ok: ...' for each valid record (checked against the scenario it names, if any);
    every problem of all of them on its own line and exit 2 otherwise."""
    from trucesim.analysis import history
    from trucesim.fmt import count
    from trucesim.scenario.load import ScenarioError, load

    oks, problems = [], []
    for path in paths:
        try:
            rec = history.load(path)
        except history.RecordError as exc:
            problems += [str(issue) for issue in exc.issues]
            continue
        scenario_file = history.scenario_path(rec, path)
        compared, not_compared = "", []
        if scenario_file is not None:
            try:
                scenario = load(scenario_file)
            except ScenarioError as exc:
                problems += [f"{path}: its scenario: {issue}" for issue in exc.issues]
            else:
                from trucesim.analysis.observations import quantities  # the model: numpy

                problems += [str(p) for p in history.stage_issues(rec, scenario, path)]
                kept, skipped = quantities(rec, scenario)
                compared = f", {count(len(kept), 'observation')} to compare with {scenario.name}"
                not_compared = [f"  not compared: {s}" for s in skipped]
        oks.append(f"ok: {path} (record {rec.name}: {count(len(rec.handovers), 'handover')}, "
                   f"{count(len(rec.prisoner_releases), 'prisoner release')}, day 1 = "
                   f"{rec.day_one}{compared})")
        oks += not_compared
    if problems:
        fail(problems)
    return oks


def _backtest_console(data: dict[str, Any], directory: Path) -> None:
    """The compact table (narrower gaps if it needs them), its legend, the calibration."""
    from trucesim.analysis.backtest import COMPACT, LEGEND, compact_rows, pooled_words, reports
    from trucesim.cli.console import console, fitting, new_table, say

    out = console()
    pooled = (f", pooled over {data['parameter_sets']} parameter sets"
              if data.get("parameter_sets") else "")
    say(out, f"Backtest of {data['scenario']['name']} against {data['record']['name']}: "
        f"{data['replications']:,} replications, seed {data['seed']}{pooled}")
    layouts = [new_table("", COMPACT, compact_rows(data), wrap={0: 20, 3: 12}, gap=gap)
               for gap in (3, 2, 1)]
    out.print(layouts[fitting(out, [[t] for t in layouts])])
    say(out, LEGEND.format(window=data["window_days"]))
    if reports(data):
        say(out, reports(data))
    say(out, "\n" + data["calibration"]["words"])
    if data.get("parameter_sets"):
        say(out, pooled_words(data) + " How each observation's percentile varies from set "
            "to set is in summary.md.")
    say(out, f"Model results under the scenario's assumptions, not forecasts. "
        f"Written to {directory}/.")
