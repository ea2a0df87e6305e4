"""Teaching commands: `trucesim story` (one run told day by day) and `trucesim report`
(a self-contained HTML report of a run, a comparison or a sweep, with its figures).

Registered by :mod:`trucesim.cli`; only typer is imported here at
import time, the rest inside the commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from trucesim.cli.options import DEFAULT_SEED, SeedOption, SetOption, fail, load_all
from trucesim.fmt import terminal


def story(
    path: Annotated[Path, typer.Argument(help="Scenario TOML file.", show_default=False,
                                         metavar="SCENARIO")],
    seed: SeedOption = DEFAULT_SEED,
    replication: Annotated[int, typer.Option("--replication", "-r", min=0, metavar="N",
                                             help="Which replication of the run to tell.")]
    = 0,
    markdown: Annotated[Path | None, typer.Option(
        "--markdown", "-m", metavar="FILE",
        help="Write the story to this markdown file instead of printing it.")]
    = None,
    set_: SetOption = None,
) -> None:
    """Tell one run of a scenario day by day, in plain words (for teaching)."""
    (scenario,) = load_all([path], set_)
    from rich.console import Console

    from trucesim.run import engine
    from trucesim.run.output import write_text_atomic
    from trucesim.teaching import render
    from trucesim.teaching import story as story_

    rep = engine.simulate(scenario, seed, replication, log=True)
    told = story_.tell(scenario, rep, seed)
    if markdown is None:
        console = Console(highlight=False)
        if console.is_terminal:
            render.console(told, console)
            return
        with console.capture() as captured:  # plain text: no colour, no padding at line ends
            render.console(told, console)
        typer.echo("\n".join(line.rstrip() for line in captured.get().splitlines()))
        return
    try:
        write_text_atomic(markdown, render.markdown(told))
    except OSError as exc:
        fail(f"cannot write {markdown}: {exc.strerror or exc}", 1)
    typer.echo(f"Story of replication {replication} (seed {seed}) written to "
               f"{terminal(markdown)}")


def report(
    results: Annotated[list[Path], typer.Argument(
        metavar="RESULTS...",
        help="A results directory (results/<name>/), a comparison or sweep directory, or "
             "several run directories to compare (the first is the reference).",
        show_default=False)],
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", metavar="FILE", help="HTML file to write (default: report.html in the "
        "results directory, or results/compare-<names>/report.html).")] = None,
) -> None:
    """Write a self-contained HTML report (findings, charts, a typical run, assumptions),
    and every chart as SVG and 1920x1080 PNG in figures/ beside it."""
    from trucesim.run.claims import NotOurs
    from trucesim.teaching.report import ReportError, write_report

    try:
        written = write_report(results, out)
    except ReportError as exc:
        fail(exc.lines)
    except NotOurs as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot write the report: {exc.strerror or exc}", 1)
    typer.echo(f"Report written to {terminal(written)}")
