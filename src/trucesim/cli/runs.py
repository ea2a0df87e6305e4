"""`trucesim run` (many replications, written to OUT/<scenario>/) and `trucesim validate`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from trucesim.cli.options import (
    DEFAULT_REPLICATIONS,
    DEFAULT_SEED,
    ExecutorOption,
    ForceOption,
    OutOption,
    ParameterSetsOption,
    QuietOption,
    ScenarioArgs,
    SchedulerOption,
    SeedOption,
    SetOption,
    WorkersOption,
    executor_for,
    fail,
    load_all,
    progress_bar,
)
from trucesim.fmt import count, terminal

if TYPE_CHECKING:
    from trucesim.scenario.schema import Scenario


def validate(
    paths: ScenarioArgs,
    set_: SetOption = None,
    record: Annotated[bool, typer.Option(
        "--record", help="The files are records of real truces (data/records/), not "
        "scenarios; a file with a 'day_one' key is taken as a record anyway.")] = False,
) -> None:
    """Check scenario (or record) files; print every problem found, one per line."""
    from trucesim.cli.validity import check_records, is_record

    records = [p for p in paths if record or is_record(p)]
    scenarios = [p for p in paths if p not in records]
    checked = check_records(records)
    loaded = load_all(scenarios, set_) if scenarios else []
    from trucesim.cli.console import console, say

    out = console()
    for line in checked:
        say(out, line)
    problems = [str(e) for e in map(_sets_problem, loaded) if e is not None]
    if problems:
        fail(problems)
    for path, scenario in zip(scenarios, loaded, strict=True):
        uncertain = (f", {count(len(scenario.uncertain), 'uncertain parameter')}"
                     if scenario.uncertain else "")
        say(out, f"ok: {path} ({scenario.name}: {count(len(scenario.releases), 'handover')}, "
            f"{scenario.truce.window_days}-day window{uncertain})")


def _sets_problem(scenario: Scenario) -> Exception | None:
    """Whether the parameter sets a default run samples break a rule spanning keys."""
    if not scenario.uncertain:
        return None  # one set: the scenario itself, checked as it loaded
    from trucesim.run.assumptions import SetError, plan

    try:
        plan(scenario, DEFAULT_SEED, DEFAULT_REPLICATIONS)
    except SetError as exc:
        return exc
    return None


def run(
    paths: ScenarioArgs,
    replications: Annotated[int, typer.Option("--replications", "-n", min=1, metavar="N",
                                              help="Replications per scenario.")]
    = DEFAULT_REPLICATIONS,
    seed: SeedOption = DEFAULT_SEED,
    out: OutOption = Path("results"),
    set_: SetOption = None,
    workers: WorkersOption = 0,
    quiet: QuietOption = False,
    executor_kind: ExecutorOption = "auto",
    scheduler: SchedulerOption = None,
    report: Annotated[bool, typer.Option(
        "--report", help="Also write OUT/<scenario>/report.html (needs the 'plots' extra).")]
    = False,
    force: ForceOption = False,
    parameter_sets: ParameterSetsOption = None,
) -> None:
    """Run scenarios many times and write summaries to OUT/<scenario>/.

    OUT/<scenario> is replaced only if it holds trucesim's results (--force to replace
    anything else).
    """
    scenarios = load_all(paths, set_)
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        fail("two scenarios share a name; their results would overwrite each other")
    from trucesim.run import runner
    from trucesim.run.assumptions import SetError
    from trucesim.run.claims import NotOurs, check
    from trucesim.run.executors import WorkerError
    from trucesim.run.stats import ModelRangeError

    problems = []
    for name in names:  # refuse before anything runs, not after the first scenario
        try:
            check(out / name, force)
        except NotOurs as exc:
            problems.append(str(exc))
        except OSError as exc:
            problems.append(f"cannot read {out / name}: {exc.strerror or exc}")
    if problems:
        fail(problems)
    with executor_for(replications, workers, executor_kind, scheduler) as executor:
        for path, scenario in zip(paths, scenarios, strict=True):
            try:
                with progress_bar(replications, scenario.name, quiet) as advance:
                    result = runner.run(scenario, seed, replications, out, executor,
                                        sources=[str(path)], overrides=set_ or (),
                                        progress=advance, force=force,
                                        parameter_sets=parameter_sets)
            except (NotOurs, SetError) as exc:
                fail(str(exc))
            except OSError as exc:
                fail(f"cannot write results to {out / scenario.name}: "
                     f"{exc.strerror or exc}", 1)
            except (WorkerError, ModelRangeError) as exc:
                fail(f"run of {scenario.name}: {exc}; nothing was written", 1)
            except runner.Interrupted as stop:
                where = (f"partial results in {stop.directory}/ (status partial)"
                         if stop.directory else "nothing was written")
                if stop.kept:
                    where += f"; the earlier complete results in {stop.kept}/ are kept"
                fail(f"interrupted: {stop.done:,} of {stop.requested:,} replications of "
                     f"{scenario.name} done; {where}", 130)
            if not quiet:
                show(result.summary, result.scenario, result.directory, result.wall_seconds)
            if report:
                from trucesim.teaching.report import write_report

                written = write_report([result.directory])
                if not quiet:
                    typer.echo(f"Report written to {terminal(written)}")


def show(summary: dict[str, object], scenario: Scenario, directory: Path, wall: float) -> None:
    """The key outcomes as a console table, then where the files are."""
    from trucesim.cli.console import console, fitting, new_table, say
    from trucesim.model import actors
    from trucesim.run.summary import KEY_DRIVERS, TWO_INTERVALS, drivers, header, rows

    sc = summary["scenario"]
    assert isinstance(sc, dict)
    out = console()
    say(out, f"{sc['title'] or sc['name']}: {summary['replications']:,} replications, seed "
        f"{summary['seed']}")
    columns, cells = header(summary), rows(summary, actors.fields(scenario))
    short = [k for k, c in enumerate(columns) if c not in ("median", "5th to 95th pct")]
    layouts = [new_table("", columns, cells),
               new_table("", [columns[k] for k in short], [[r[k] for k in short] for r in cells])]
    k = fitting(out, [[t] for t in layouts])
    out.print(layouts[k])
    if k:
        say(out, "The median and the 5th to 95th percentiles are in summary.md.")
    u = summary.get("uncertainty")
    if isinstance(u, dict) and u["parameter_sets"] < 2:
        say(out, "Too few replications to split into parameter sets (two each at least): "
            "the spread across the assumptions is not estimated.")
    elif isinstance(u, dict):
        say(out, TWO_INTERVALS.format(sets=u["parameter_sets"]))
        lines = drivers(summary, only=KEY_DRIVERS)
        if lines:
            say(out, "What drives them (Spearman's rho across the parameter sets, 95% "
                "interval; all in summary.md):")
        for line in lines:  # 'outcome: driver; driver; ...', one driver a line
            name, _, ranked = line.partition(": ")
            say(out, f"  {name}:\n" + "\n".join(f"    {d}" for d in ranked.split("; ")))
    say(out, f"Model results under the scenario's assumptions, not forecasts. "
        f"Written to {directory}/ in {wall:.1f} s.")
