"""The `trucesim` command: parse, call, write, report.

User errors (a bad scenario file, a bad option) become one line each on stderr and
exit code 2, with no traceback and no results written. Heavy modules are imported inside
the commands, so `trucesim --help` starts fast.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from trucesim.executors import Executor
    from trucesim.schema import Scenario

app = typer.Typer(
    add_completion=False, no_args_is_help=True, rich_markup_mode=None,
    help="Simulate a negotiated truce (after the July 2025 Gaza proposal) many times over "
         "and summarise how it unfolds. Results are illustrative model outputs under each "
         "scenario's stated assumptions, not forecasts.",
)

DEFAULT_SEED = 2025
DEFAULT_REPLICATIONS = 1000

ScenarioArgs = Annotated[list[Path], typer.Argument(help="Scenario TOML file(s).",
                                                    show_default=False)]
SetOption = Annotated[list[str] | None, typer.Option(
    "--set", help="Override a key, e.g. --set releases[0].living=6 (repeatable).")]
SeedOption = Annotated[int, typer.Option("--seed", "-s", help="Root random seed.", min=0)]
OutOption = Annotated[Path, typer.Option("--out", "-o", help="Results directory.")]
WorkersOption = Annotated[int, typer.Option("--workers", "-w", min=0,
                                            help="Worker processes (0 = all cores).")]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")]
ExecutorOption = Annotated[str, typer.Option(
    "--executor", help="Where replications run: auto (a local process pool, in-process for "
    "small runs), serial, pool, or dask (a local Dask cluster; needs trucesim[dask]).")]
SchedulerOption = Annotated[str | None, typer.Option(
    "--scheduler", help="Address of an existing Dask scheduler, e.g. tcp://10.0.0.5:8786 "
    "(implies --executor dask).")]


def fail(lines: list[str] | str, code: int = 2) -> NoReturn:
    """Print one line per problem to stderr and exit with `code`."""
    for line in [lines] if isinstance(lines, str) else lines:
        typer.echo(f"error: {line}", err=True)
    raise typer.Exit(code)


def load_all(paths: list[Path], overrides: list[str] | None) -> list[Scenario]:
    """Load every scenario, or report every problem in all of them and exit 2."""
    from trucesim.scenario import ScenarioError, load

    scenarios, problems = [], []
    for path in paths:
        try:
            scenarios.append(load(path, overrides or ()))
        except ScenarioError as exc:
            problems += [str(issue) for issue in exc.issues]
    if problems:
        fail(problems)
    return scenarios


@app.command()
def validate(paths: ScenarioArgs, set_: SetOption = None) -> None:
    """Check scenario files; print every problem found, one per line."""
    scenarios = load_all(paths, set_)
    for path, scenario in zip(paths, scenarios, strict=True):
        typer.echo(f"ok: {path} ({scenario.name}: {len(scenario.releases)} handovers, "
                   f"{scenario.truce.window_days}-day window)")


@app.command()
def run(
    paths: ScenarioArgs,
    replications: Annotated[int, typer.Option("--replications", "-n", min=1,
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
) -> None:
    """Run scenarios many times and write summaries to OUT/<scenario>/."""
    scenarios = load_all(paths, set_)
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        fail("two scenarios share a name; their results would overwrite each other")
    from trucesim import runner

    with executor_for(replications, workers, executor_kind, scheduler) as executor:
        for path, scenario in zip(paths, scenarios, strict=True):
            try:
                with progress_bar(replications, scenario.name, quiet) as advance:
                    result = runner.run(scenario, seed, replications, out, executor,
                                        sources=[str(path)], overrides=set_ or (),
                                        progress=advance)
            except OSError as exc:
                fail(f"cannot write results to {out / scenario.name}: "
                     f"{exc.strerror or exc}", 1)
            except runner.Interrupted as stop:
                where = (f"partial results in {stop.directory}/ (manifest.json: status "
                         "partial)" if stop.directory else "nothing was written")
                fail(f"interrupted: {stop.done:,} of {stop.requested:,} replications of "
                     f"{scenario.name} done; {where}", 130)
            if not quiet:
                show(result.summary, result.directory, result.wall_seconds)
            if report:
                from trucesim.report import write_report

                written = write_report([result.directory])
                if not quiet:
                    typer.echo(f"Report written to {written}")


@contextmanager
def executor_for(replications: int, workers: int, kind: str,
                 scheduler: str | None) -> Iterator[Executor]:
    """The executor a command asked for; small runs stay in-process unless told otherwise."""
    from trucesim.executors import close, make_executor

    if kind not in ("auto", "serial", "pool", "dask"):
        fail(f"--executor must be auto, serial, pool or dask (got {kind!r})")
    if kind == "auto" and not scheduler and replications <= 200:
        kind = "serial"
    try:
        executor = make_executor(workers, kind, scheduler)  # type: ignore[arg-type]
    except (RuntimeError, OSError) as exc:
        fail(f"cannot start the {kind} executor: {exc}", 1)
    try:
        yield executor
    finally:
        close(executor)


class progress_bar:
    """A rich progress bar (rate, time left) shown on a terminal once a run takes >0.5 s."""

    def __init__(self, total: int, label: str, quiet: bool) -> None:
        self.total, self.label, self.done = total, label, 0
        self.enabled = not quiet and sys.stderr.isatty()
        self.started = time.perf_counter()
        self.bar: Progress | None = None
        self.task: TaskID | None = None

    def __enter__(self) -> progress_bar:
        return self

    def __call__(self, finished: int) -> None:
        self.done += finished
        if not self.enabled:
            return
        if self.bar is None and time.perf_counter() - self.started > 0.5:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
            )
            self.bar = Progress(TextColumn("{task.description}"), BarColumn(),
                                MofNCompleteColumn(), TextColumn("{task.speed:>7.0f}/s"),
                                TimeRemainingColumn(), console=Console(stderr=True),
                                transient=True)
            self.bar.start()
            self.task = self.bar.add_task(self.label, total=self.total, completed=self.done)
        elif self.bar is not None and self.task is not None:
            self.bar.update(self.task, completed=self.done)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def show(summary: dict[str, object], directory: Path, wall: float) -> None:
    """The key outcomes as a console table, then where the files are."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    from trucesim.summary import rows

    sc = summary["scenario"]
    assert isinstance(sc, dict)
    table = Table(title=f"{sc['title'] or sc['name']}: {summary['replications']:,} "
                  f"replications, seed {summary['seed']}", title_justify="left",
                  box=box.SIMPLE_HEAD, pad_edge=False)
    for column in ("outcome", "mean [95% CI]", "median", "5th to 95th pct"):
        table.add_column(column, justify="left" if column == "outcome" else "right",
                         no_wrap=True)
    for row in rows(summary):
        table.add_row(*row)
    console = Console()
    console.print(table)
    console.print(f"Model results under the scenario's assumptions, not forecasts. "
                  f"Written to {directory}/ in {wall:.1f} s.")


def _register_commands() -> None:
    """Commands kept in their own modules add themselves to `app` when imported."""
    import importlib

    for module in COMMAND_MODULES:
        importlib.import_module(f"trucesim.{module}")


# modules defining further commands on `app` (each imports only typer at import time)
COMMAND_MODULES: tuple[str, ...] = ("cli_analysis", "cli_validity", "cli_bench",
                                   "cli_teaching")
_register_commands()


def main() -> None:
    app()


if __name__ == "__main__":  # python -m trucesim.cli: use the one registered app
    from trucesim.cli import main as registered_main

    registered_main()
