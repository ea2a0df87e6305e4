"""The analysis commands: `compare` (paired differences) and `diff` (changed assumptions);
`sweep` is in :mod:`.sweeps`.

Registered by :mod:`trucesim.cli`; only typer and the standard library
are imported here at start-up, the rest inside the commands.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from trucesim.cli import comparing
from trucesim.cli.options import (
    DEFAULT_REPLICATIONS,
    DEFAULT_SEED,
    ExecutorOption,
    ForceOption,
    OutOption,
    ParameterSetsOption,
    QuietOption,
    ReportOption,
    ScenarioArgs,
    SchedulerOption,
    SeedOption,
    WorkersOption,
    claim,
    executor_for,
    fail,
    interrupted,
    load_all,
    progress_bar,
    write_report_or_fail,
)


def compare(
    paths: ScenarioArgs,
    replications: Annotated[int, typer.Option("--replications", "-n", min=2, metavar="N",
                                              help="Replications per scenario.")]
    = DEFAULT_REPLICATIONS,
    seed: SeedOption = DEFAULT_SEED,
    out: OutOption = Path("results"),
    workers: WorkersOption = 0,
    quiet: QuietOption = False,
    executor_kind: ExecutorOption = "auto",
    scheduler: SchedulerOption = None,
    report: ReportOption = False,
    force: ForceOption = False,
    parameter_sets: ParameterSetsOption = None,
) -> None:
    """Run scenarios with the same seeds and report paired differences to the first.

    With --report each scenario's run is kept inside the comparison's directory, and the
    report is written there.
    """
    if len(paths) < 2:
        fail("compare needs at least two scenarios")
    scenarios = load_all(paths, None)
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        fail("two scenarios share a name; give each file its own `name`")
    from trucesim.analysis import compare as paired
    from trucesim.analysis import tables

    started = time.perf_counter()
    with interrupted("compare"):
        claim(out / tables.directory_name(names), force)
        if report:
            from trucesim.teaching.bundle import compare_with_runs

            total = replications * len(scenarios)
            try:
                with executor_for(replications, workers, executor_kind, scheduler) as \
                        executor, progress_bar(total, "compare", quiet) as advance:
                    result, directory, wall = compare_with_runs(
                        scenarios, seed, replications, out, executor,
                        [str(p) for p in paths], advance, force, parameter_sets)
            except OSError as exc:
                fail(f"cannot write results to {out}: {exc.strerror or exc}", 1)
            if not quiet:
                comparing.show(result, scenarios, directory, wall)
            write_report_or_fail(directory, quiet)
            return
        with executor_for(replications, workers, executor_kind, scheduler) as executor, \
                progress_bar(replications, "compare", quiet) as advance:
            result = paired.run(scenarios, seed, replications, executor=executor,
                                progress=advance, parameter_sets=parameter_sets)
    wall = time.perf_counter() - started
    try:
        with interrupted("compare"):
            directory = tables.write(result, scenarios, out, [str(p) for p in paths],
                                     executor.workers, wall, force)
    except OSError as exc:
        fail(f"cannot write results to {out}: {exc.strerror or exc}", 1)
    if not quiet:
        comparing.show(result, scenarios, directory, wall)


def diff(
    a: Annotated[Path, typer.Argument(help="First scenario file.", show_default=False,
                                      metavar="SCENARIO_A")],
    b: Annotated[Path, typer.Argument(help="Second scenario file.", show_default=False,
                                      metavar="SCENARIO_B")],
    set_: Annotated[list[str] | None, typer.Option(
        "--set", metavar="KEY=VALUE",
        help="Override a key of the SECOND scenario (repeatable).")] = None,
) -> None:
    """List the assumptions two scenarios differ in, after `extends`, with both values."""
    from trucesim.scenario.assumptions import differences, render
    from trucesim.scenario.load import ScenarioError, load

    loaded, problems = [], []
    for path, overrides in ((a, ()), (b, set_ or ())):
        try:
            loaded.append(load(path, overrides))
        except ScenarioError as exc:
            problems += [str(issue) for issue in exc.issues]
    if problems:
        fail(problems)
    label_b = " ".join([str(b), *(f"--set {s}" for s in set_ or ())])
    typer.echo(render(differences(loaded[0], loaded[1]), str(a), label_b), nl=False)
