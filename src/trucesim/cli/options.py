"""What the commands share: options, errors, scenario loading, executors, progress.

Only typer and the standard library are imported here at start-up (so that `trucesim
--help` stays fast); everything heavy is imported inside the functions.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

if TYPE_CHECKING:
    from rich.progress import Progress, ProgressColumn, Task, TaskID

    from trucesim.run.executors import Executor
    from trucesim.scenario.schema import Scenario

# a Dask scheduler's address: tcp, or websockets (TLS needs a security setup trucesim
# does not take)
SCHEDULER = re.compile(r"^(tcp|ws|wss)://(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):(\d{1,5})$")
DEFAULT_SEED = 2025
DEFAULT_REPLICATIONS = 1000

ScenarioArgs = Annotated[list[Path], typer.Argument(help="Scenario TOML file(s).",
                                                    show_default=False, metavar="SCENARIO...")]
SetOption = Annotated[list[str] | None, typer.Option(
    "--set", metavar="KEY=VALUE",
    help="Override a key, e.g. --set releases[0].living=6 (repeatable).")]
SeedOption = Annotated[int, typer.Option("--seed", "-s", help="Root random seed.", min=0,
                                         metavar="SEED")]
OutOption = Annotated[Path, typer.Option("--out", "-o", help="Results directory.",
                                         metavar="DIR")]
WorkersOption = Annotated[int, typer.Option("--workers", "-w", min=0, metavar="N",
                                            help="Worker processes (0 = all cores).")]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")]
ExecutorOption = Annotated[str, typer.Option(
    "--executor", metavar="KIND", help="Where replications run: auto (a local process pool, "
    "in-process for small runs), serial, pool, or dask (a local Dask cluster; needs "
    "trucesim[dask]).")]
ForceOption = Annotated[bool, typer.Option(
    "--force", help="Replace what is at the destination even if trucesim did not write it "
    "(a folder of yours, a file, a symbolic link).")]
ParameterSetsOption = Annotated[int | None, typer.Option(
    "--parameter-sets", "-k", min=2, max=100_000, metavar="N",
    help="Parameter sets to sample when a scenario has uncertain parameters (default 40, at "
    "most one per replication); -n stays the total.", show_default=False)]
SchedulerOption = Annotated[str | None, typer.Option(
    "--scheduler", metavar="ADDRESS", help="Address of an existing Dask scheduler, e.g. "
    "tcp://10.0.0.5:8786 (implies --executor dask).")]


def fail(lines: list[str] | str, code: int = 2) -> NoReturn:
    """Print one line per problem to stderr and exit with `code`; control characters
    from user input (file names, values) are shown as escapes, never sent raw."""
    from trucesim.fmt import terminal

    if code == 130:  # stopping: a further Ctrl-C must not cut the exit short
        from trucesim.run.interrupt import ignore

        ignore()
    for line in [lines] if isinstance(lines, str) else lines:
        typer.echo(f"error: {terminal(line)}", err=True)
    raise typer.Exit(code)


def load_all(paths: list[Path], overrides: list[str] | None) -> list[Scenario]:
    """Load every scenario, or report every problem in all of them and exit 2."""
    from trucesim.scenario.load import ScenarioError, load

    scenarios, problems = [], []
    for path in paths:
        try:
            scenarios.append(load(path, overrides or ()))
        except ScenarioError as exc:
            problems += [str(issue) for issue in exc.issues]
    if problems:
        fail(problems)
    return scenarios


@contextmanager
def interrupted(what: str, after: str = "nothing was written") -> Iterator[None]:
    """Run the block so that Ctrl-C or SIGTERM stops it at once (exit 130), a destination
    trucesim did not write is a user error, and dying workers are one line (exit 1)."""
    from trucesim.run.assumptions import SetError
    from trucesim.run.claims import NotOurs
    from trucesim.run.executors import WorkerError
    from trucesim.run.interrupt import Stopped, stop_on_interrupt
    from trucesim.run.stats import ModelRangeError

    try:
        with stop_on_interrupt(raise_in_map=True):
            yield
    except Stopped:
        fail(f"interrupted: {what} stopped; {after}", 130)
    except (NotOurs, SetError) as exc:
        fail(str(exc))
    except (WorkerError, ModelRangeError) as exc:
        fail(f"{what}: {exc}; {after}", 1)


def claim(destination: Path, force: bool) -> None:
    """Refuse (exit 2) a destination trucesim did not write, before any work is done."""
    from trucesim.run.claims import NotOurs, check

    try:
        check(destination, force)
    except NotOurs as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot read {destination}: {exc.strerror or exc}", 1)


# auto runs this many replications or fewer in-process when the user did not ask for a
# number of workers: one engine block (run.engine.BLOCK_SIZE, not imported here: it
# would load numpy for --help; four blocks when blocks were 2,048); an assumption that
# a pool's start-up outweighs such a run, not a measured break-even. An explicit
# --workers N (N > 1) always gets N workers.
SERIAL_UP_TO = 8192


@contextmanager
def executor_for(replications: int, workers: int, kind: str,
                 scheduler: str | None) -> Iterator[Executor]:
    """The executor a command asked for; small runs stay in-process unless told otherwise
    (`workers` 0, the default, means all cores, and lets auto choose in-process)."""
    from trucesim.run.executors import close, make_executor

    if kind not in ("auto", "serial", "pool", "dask"):
        fail(f"--executor must be auto, serial, pool or dask (got {kind!r})")
    if scheduler is not None:
        kind = "dask"
        found = SCHEDULER.match(scheduler)
        if not found or not 0 < int(found.group(2)) < 65536:  # group 2: the port
            fail(f"--scheduler must be an address like tcp://10.0.0.5:8786 (got "
                 f"{scheduler!r})")
    if kind == "auto" and not scheduler and not workers and replications <= SERIAL_UP_TO:
        kind = "serial"
    try:
        executor = make_executor(workers, kind, scheduler)  # type: ignore[arg-type]
    except Exception as exc:  # a cluster that cannot be reached fails in many ways
        fail(f"cannot start the {kind} executor: {exc}", 1)
    try:
        yield executor
    finally:
        close(executor)


def _rate_column() -> ProgressColumn:
    """Replications a second; blank until rich has measured a rate (task.speed is None
    when the bar first draws, and formatting None as a number crashed every run that
    lasted long enough for the bar to refresh)."""
    from rich.progress import ProgressColumn
    from rich.text import Text

    class Rate(ProgressColumn):
        def render(self, task: Task) -> Text:
            speed = task.speed
            return Text(f"{speed:>7,.0f}/s" if speed is not None else " " * 9)

    return Rate()


class progress_bar:
    """A rich progress bar (rate, time left) shown on a terminal once a run takes >0.5 s."""

    def __init__(self, total: int, label: str, quiet: bool) -> None:
        self.total, self.label, self.done, self.shown = total, label, 0, ""
        self.enabled = not quiet and sys.stderr.isatty()
        self.started = time.perf_counter()
        self.bar: Progress | None = None
        self.task: TaskID | None = None

    def __enter__(self) -> progress_bar:
        return self

    def __call__(self, finished: int, shown: str = "") -> None:
        """Count `finished` more; `shown`, if given, is shown after the label."""
        self.done += finished
        if shown:
            self.shown = shown
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
                                MofNCompleteColumn(), _rate_column(),
                                TimeRemainingColumn(), console=Console(stderr=True),
                                transient=True)
            self.bar.start()
            self.task = self.bar.add_task(self.description, total=self.total,
                                          completed=self.done)
        elif self.bar is not None and self.task is not None:
            self.bar.update(self.task, completed=self.done, description=self.description)

    @property
    def description(self) -> str:
        return f"{self.label} {self.shown}" if self.shown else self.label

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


ReportOption = Annotated[bool, typer.Option(
    "--report", help="Also write report.html (and figures/) in the results directory "
                     "(needs the 'plots' extra).")]


def write_report_or_fail(directory: Path, quiet: bool) -> None:
    """Write DIRECTORY/report.html; a problem is one line (exit 2, or 1 if unwritable)."""
    from trucesim.teaching.report import ReportError, write_report

    try:
        written = write_report([directory])
    except ReportError as exc:
        fail(exc.lines)
    except OSError as exc:
        fail(f"cannot write the report: {exc.strerror or exc}", 1)
    if not quiet:
        typer.echo(f"Report written to {written}")
