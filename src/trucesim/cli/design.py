"""`trucesim design`: search the drafts of a deal for those that hold up best across the
assumptions (needs the 'design' extra: pymoo).

Registered by :mod:`trucesim.cli`; only typer and the standard library are imported
here at start-up, the rest inside the command.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from trucesim.cli.options import (
    ExecutorOption,
    ForceOption,
    OutOption,
    QuietOption,
    SchedulerOption,
    WorkersOption,
    executor_for,
    fail,
    interrupted,
    progress_bar,
)

SHOWN = 5  # Pareto drafts shown on the console

if TYPE_CHECKING:
    from trucesim.analysis.designfile import Design, Scalar
    from trucesim.analysis.designrun import Result


def design(
    path: Annotated[Path, typer.Argument(help="Design TOML file.", show_default=False,
                                         metavar="DESIGN")],
    out: OutOption = Path("results"),
    workers: WorkersOption = 0,
    executor: ExecutorOption = "auto",
    scheduler: SchedulerOption = None,
    fresh: Annotated[bool, typer.Option(
        "--fresh", help="Discard an earlier, different search in the same directory.")]
    = False,
    warm_start: Annotated[Path | None, typer.Option(
        "--warm-start", metavar="DIR", help="Start from the Pareto set of an earlier search "
        "(its design-<name>/ directory).", show_default=False)] = None,
    explain: Annotated[int | None, typer.Option(
        "--explain", metavar="RANK", min=1, help="The Pareto draft whose failures to "
        "explain (default: the best on the first objective).", show_default=False)] = None,
    quiet: QuietOption = False,
    force: ForceOption = False,
) -> None:
    """Search the drafts of a deal (the design's levers) for those that hold up best across
    the assumptions (its uncertainties); write the Pareto set as scenario files.

    Writes OUT/design-<name>/; running the same command again resumes an interrupted
    search, giving what an uninterrupted one gives.
    """
    started = time.perf_counter()
    d = _load(path)
    warm = _warm(d, warm_start) if warm_start is not None else []
    from trucesim.analysis.designrun import run
    from trucesim.analysis.drafts import SearchError

    directory = out / f"design-{d.name}"
    r = d.raw
    total = r.search.population * r.search.generations
    try:
        with interrupted("design search", "the drafts evaluated so far are in "
                         "evaluations.jsonl; run the same command again to resume"), \
                executor_for(total * r.states * r.replications, workers, executor,
                             scheduler) as pool, \
                progress_bar(total, "design", quiet) as advance:
            result = run(d, directory, pool, fresh=fresh, warm=warm, explain=explain,
                         progress=advance, force=force)
    except SearchError as exc:
        fail(exc.lines)
    except OSError as exc:
        fail(f"cannot write results to {directory}: {exc.strerror or exc}", 1)
    if not quiet:
        _show(result, directory, time.perf_counter() - started)


def _load(path: Path) -> Design:
    try:
        import pymoo  # noqa: F401
    except ImportError:
        fail("trucesim design needs pymoo: pip install 'trucesim[design]'", 1)
    from trucesim.analysis.designfile import DesignError
    from trucesim.analysis.designload import load

    try:
        return load(path)
    except DesignError as exc:
        fail([str(issue) for issue in exc.issues])


def _warm(d: Design, directory: Path) -> list[tuple[Scalar, ...]]:
    """The lever values of an earlier search's Pareto set (its pareto.csv)."""
    import csv

    from trucesim.scenario.inputs import RESULTS_BYTES, read_text

    source = directory / "pareto.csv"
    try:
        rows = list(csv.DictReader(read_text(source, RESULTS_BYTES).splitlines()))
    except OSError as exc:
        fail(f"--warm-start {directory}: cannot read pareto.csv: {exc.strerror or exc}")
    keys = [lv.key for lv in d.levers]
    if not rows or any(k not in rows[0] for k in keys):
        missing = [k for k in keys if not rows or k not in rows[0]]
        fail(f"--warm-start {directory}: its Pareto set has no lever "
             f"{', '.join(missing) or '(no rows)'}; it comes from a design with other levers")
    out = []
    for i, row in enumerate(rows, start=1):
        values = []
        for lv in d.levers:
            text = row[lv.key]
            value: Scalar = text
            if lv.kind == "integer":
                value = int(float(text))
            elif lv.kind == "real":
                value = float(text)
            else:
                value = next((c for c in lv.choices if str(c) == text), text)
            try:
                lv.encode(value)
            except ValueError as exc:
                fail(f"--warm-start {directory}: pareto.csv row {i}, {lv.key}: {exc}")
            values.append(value)
        out.append(tuple(values))
    return out


def _show(result: Result, directory: Path, wall: float) -> None:
    from trucesim.analysis.designout import columns, failure_sentence, pareto_rows
    from trucesim.cli.console import console, fitting, new_table, say

    out = console()
    d = result.design
    say(out, f"Design search {d.name}: {len(result.candidates)} distinct drafts proposed, "
        f"{result.ran} run now and {result.resumed} taken from an earlier run, on "
        f"{len(result.states)} states of the world x {d.raw.replications} replications, "
        f"seed {d.raw.seed}.")
    header, rows = pareto_rows(result)
    cols = columns(result)
    at = {h: i for i, h in enumerate(header)}
    keys = [lv.key for lv in d.levers]

    def cell(row: list[object], h: str) -> str:
        x = row[at[h]]
        if isinstance(x, float):
            return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"
        return str(x)

    shown = rows[:SHOWN]
    wide = [[cell(row, h) for h in ["rank", *keys, *cols]] for row in shown]
    long = [[cell(row, "rank") if j == 0 else "", k, cell(row, k)]
            for row in shown for j, k in enumerate([*keys, *cols])]
    more = f"; the first {SHOWN} here, all in pareto.csv" if len(rows) > SHOWN else ""
    title = f"Pareto set: {len(rows)} drafts, best first on {cols[0]}{more}"
    layouts = [new_table(title, ("rank", *keys, *cols), wide, left=(), wrap={}),
               new_table(title, ("draft", "term or objective", "value"), long, left=(1,),
                         wrap={})]
    if rows:
        out.print(layouts[fitting(out, [[t] for t in layouts])])
    rho = ", ".join(f"{k} {v:.2f}" if v is not None else f"{k} n/a"
                    for k, v in result.rho.items())
    say(out, f"Out of sample ({d.raw.check.states} fresh states), Spearman's rho: {rho}.")
    say(out, failure_sentence(result))
    say(out, "Model results under the design's assumptions, not forecasts or advice. The "
        "drafts of the Pareto set are scenario files in pareto/.")
    say(out, f"Written to {directory}/ in {wall:.1f} s.")
