"""`trucesim sweep`: a scenario over a design of assumption values (grid, lhs, sobol,
morris), sensitivity indices and where the truce breaks.

Registered by :mod:`trucesim.cli`; only typer and the standard library are imported
here at start-up, the rest inside the command.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from trucesim.cli.options import (
    DEFAULT_SEED,
    ForceOption,
    OutOption,
    QuietOption,
    ReportOption,
    SeedOption,
    SetOption,
    WorkersOption,
    executor_for,
    fail,
    interrupted,
    load_all,
    progress_bar,
    write_report_or_fail,
)

if TYPE_CHECKING:
    from trucesim.analysis.sensitivity import Report
    from trucesim.analysis.sweep import Sweep

SWEEP_REPLICATIONS = 200


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
    replications: Annotated[int, typer.Option("--replications", "-n", min=2, metavar="N",
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
        _show_report(analysed, sw, directory, wall,
                     f"Sweep of {sw.scenario.name}: {sw.design.method}, {total} points"
                     f"{resumed}, {replications:,} replications each, seed {seed}, "
                     f"{len(sw.design.factors)} assumptions varied")
    if report:
        write_report_or_fail(directory, quiet)


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


def _show_report(report: Report, sw: Sweep, directory: Path, wall: float,
                 heading: str) -> None:
    from trucesim.analysis.sensitivity import SHOWN, headers, ranked, show_index
    from trucesim.cli.console import console, fitting, new_table, say

    out = console()
    say(out, heading)
    say(out, f"Where the truce breaks: {report.where()}.")
    for outcome, label in SHOWN.items() if report.indices else ():
        rows = ranked(report, outcome)
        main, other = headers(report.method)
        cells = [[str(r.rank), r.parameter, *show_index(report.method, r)] for r in rows]
        say(out, f"What drives the {label} ({report.method})")
        cells = cells or [["", "(does not vary over the design)", "", ""]]
        short = main.removesuffix(" [95% CI]")
        stacked = [[c[0], f"{c[1]}\n  {short} {c[2]}, {other} {c[3]}" if c[0] else c[1]]
                   for c in cells]  # each index under its assumption
        layouts = [new_table("", ("rank", "assumption", main, other), cells, left=(1,),
                             wrap={}),
                   new_table("", ("rank", "assumption"), stacked, left=(1,), wrap={})]
        out.print(layouts[fitting(out, [[t] for t in layouts])])
    say(out, f"Model results under the scenario's assumptions, not forecasts. "
        f"Written to {directory}/ in {wall:.1f} s.")
