"""The analysis commands: `compare` (paired differences), `diff` (changed assumptions) and
`sweep` (designs, sensitivity indices, where the truce breaks).

Registered by :mod:`trucesim.cli`; only typer and the standard library
are imported here at start-up, the rest inside the commands.
"""

from __future__ import annotations

import time
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
    claim,
    executor_for,
    fail,
    interrupted,
    load_all,
    progress_bar,
)

if TYPE_CHECKING:
    from trucesim.analysis.compare import Comparison
    from trucesim.analysis.sensitivity import Report
    from trucesim.analysis.sweep import Sweep
    from trucesim.scenario.schema import Scenario

SWEEP_REPLICATIONS = 200
ReportOption = Annotated[bool, typer.Option(
    "--report", help="Also write report.html (and figures/) in the results directory "
                     "(needs the 'plots' extra).")]


def _write_report(directory: Path, quiet: bool) -> None:
    from trucesim.teaching.report import ReportError, write_report

    try:
        written = write_report([directory])
    except ReportError as exc:
        fail(exc.lines)
    except OSError as exc:
        fail(f"cannot write the report: {exc.strerror or exc}", 1)
    if not quiet:
        typer.echo(f"Report written to {written}")


def compare(
    paths: ScenarioArgs,
    replications: Annotated[int, typer.Option("--replications", "-n", min=2,
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
                _show_comparison(result, scenarios, directory, wall)
            _write_report(directory, quiet)
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
        _show_comparison(result, scenarios, directory, wall)


def _show_comparison(result: Comparison, scenarios: list[Scenario], directory: Path,
                     wall: float) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from trucesim.analysis.tables import letter, table
    from trucesim.fmt import terminal

    header, rows = table(result, key_only=True, letters=True)
    legend = "; ".join(f"{letter(s)} = {sc.name}" + (f" ({sc.title})" if sc.title else "")
                       for s, sc in enumerate(scenarios))
    out = Table(title=Text(terminal(f"Paired comparison, {result.replications:,} replications "
                                    f"each, seed {result.seed} for every scenario\n{legend}",
                                    "\n")), title_justify="left",
                box=box.SIMPLE_HEAD, pad_edge=False)
    for k, column in enumerate(header):
        out.add_column(column, justify="left" if k == 0 else "right")
    for row in rows:
        out.add_row(*row)
    console = Console()
    if not console.is_terminal:
        console = Console(width=max(console.width, 40 + 26 * (len(header) - 1)))
    console.print(out)
    spread = (f"The last columns: the difference's 5th-95th percentile across "
              f"{result.parameter_sets} parameter sets of the uncertain assumptions, net of "
              "Monte Carlo noise.\n" if result.uncertain else "")
    console.print(Text("Cells: mean [95% interval]; differences are paired (per replication), "
                       "in percentage points (pp) for probabilities and shares.\n" + spread +
                       f"Model results under the scenarios' assumptions, not forecasts. "
                       f"Written to {terminal(directory)}/ in {wall:.1f} s."))


def diff(
    a: Annotated[Path, typer.Argument(help="First scenario file.", show_default=False)],
    b: Annotated[Path, typer.Argument(help="Second scenario file.", show_default=False)],
    set_: Annotated[list[str] | None, typer.Option(
        "--set", help="Override a key of the SECOND scenario (repeatable).")] = None,
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


def sweep(
    path: Annotated[Path, typer.Argument(help="Scenario TOML file.", show_default=False,
                                         metavar="SCENARIO")],
    vary: Annotated[list[str], typer.Option(
        "--vary", help="A key to vary over a range (repeatable).", metavar="KEY=LOW:HIGH",
        show_default=False)],
    method: Annotated[str, typer.Option(
        "--method", "-m", help="grid, lhs, sobol or morris.", metavar="METHOD")] = "morris",
    samples: Annotated[int | None, typer.Option(
        "--samples", metavar="N", help="grid: levels per key (3); lhs: points (50); sobol: "
        "base samples, a power of 2 (16); morris: trajectories (10).",
        show_default=False)] = None,
    replications: Annotated[int, typer.Option("--replications", "-n", min=2,
                                              help="Replications per design point.")]
    = SWEEP_REPLICATIONS,
    seed: SeedOption = DEFAULT_SEED,
    out: OutOption = Path("results"),
    set_: SetOption = None,
    workers: WorkersOption = 0,
    fresh: Annotated[bool, typer.Option(
        "--fresh", help="Discard an earlier, different sweep in the same directory.")] = False,
    quiet: QuietOption = False,
    report: ReportOption = False,
    force: ForceOption = False,
) -> None:
    """Run a scenario over a design of assumption values; rank what drives the outcome.

    Writes OUT/sweep-<name>/points.csv as points finish; running the same sweep again
    resumes it.
    """
    started = time.perf_counter()
    sw = _prepare(path, vary, method, samples, replications, seed, set_ or [])
    from trucesim.analysis.sensitivity import analyse
    from trucesim.analysis.sweep import SweepError, run_points

    directory = out / sw.directory_name
    total = len(sw.design)
    try:
        with interrupted("sweep", "the points done so far are in points.csv; run the same "
                                  "command again to resume"), \
                executor_for(total * replications, workers, "auto", None) as executor, \
                progress_bar(total, sw.directory_name, quiet) as advance:
            done = run_points(sw, directory, executor, fresh=fresh, progress=advance,
                              force=force)
        analysed = analyse(sw, directory)
    except SweepError as exc:
        fail(exc.lines)
    except OSError as exc:
        fail(f"cannot write results to {directory}: {exc.strerror or exc}", 1)
    wall = time.perf_counter() - started
    if not quiet:
        resumed = f" ({done} already done, resumed)" if done else ""
        typer.echo(f"Sweep of {sw.scenario.name}: {sw.design.method}, {total} points"
                   f"{resumed}, {replications:,} replications each, seed {seed}, "
                   f"{len(sw.design.factors)} assumptions varied")
        _show_report(analysed, sw, directory, wall)
    if report:
        _write_report(directory, quiet)


def _prepare(path: Path, vary: list[str], method: str, samples: int | None,
             replications: int, seed: int, overrides: list[str]) -> Sweep:
    """Load the scenario, parse --vary, build the design and every point's scenario."""
    from trucesim.analysis.designs import (
        DEFAULT_SAMPLES,
        METHODS,
        DesignError,
        build,
        parse_vary,
    )
    from trucesim.analysis.sweep import SweepError, prepare
    from trucesim.scenario.load import resolved

    if method not in METHODS:
        fail(f"--method must be one of {', '.join(METHODS)} (got {method!r})")
    base = load_all([path], overrides)[0]
    data = resolved(base)
    factors, problems = [], []
    for text in vary:
        try:
            factors.append(parse_vary(text, data))
        except DesignError as exc:
            problems.append(str(exc))
    keys = [f.key for f in factors]
    problems += [f"--vary {k}: given more than once" for k in sorted(set(keys))
                 if keys.count(k) > 1]
    if problems:
        fail(problems)
    try:
        design = build(method, factors, DEFAULT_SAMPLES[method] if samples is None
                       else samples, seed)
        return prepare(path, overrides, design, seed, replications)
    except DesignError as exc:
        fail(str(exc))
    except SweepError as exc:
        fail(exc.lines)


def _show_report(report: Report, sw: Sweep, directory: Path, wall: float) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from trucesim.analysis.sensitivity import SHOWN, headers, ranked, show_index
    from trucesim.fmt import terminal

    console = Console()
    if not console.is_terminal:
        console = Console(width=max(console.width, 110))
    console.print(f"Where the truce breaks: {report.where()}.")
    for outcome, label in SHOWN.items() if report.indices else ():
        rows = ranked(report, outcome)
        main, other = headers(report.method)
        table = Table(title=f"What drives the {label} ({report.method})", title_justify="left",
                      box=box.SIMPLE_HEAD, pad_edge=False)
        for k, column in enumerate(("rank", "assumption", main, other)):
            table.add_column(column, justify="left" if k == 1 else "right", no_wrap=True)
        for r in rows:
            table.add_row(str(r.rank), r.parameter, *show_index(report.method, r))
        if not rows:
            table.add_row("", "(does not vary over the design)", "", "")
        console.print(table)
    console.print(Text(f"Model results under the scenario's assumptions, not forecasts. "
                       f"Written to {terminal(directory)}/ in {wall:.1f} s."))
