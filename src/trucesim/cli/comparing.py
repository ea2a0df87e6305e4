"""`compare` on the console: the headline outcomes, then every other outcome the
comparison moved (:mod:`trucesim.analysis.changed`), each in the widest layout that fits
the terminal: every level with its interval; else one table per compared scenario with
the means alone; else the differences alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from trucesim.analysis.compare import Comparison
    from trucesim.scenario.schema import Scenario

# what the cells hold in each layout
CELLS = ("Cells: mean [95% interval]",
         "Cells: means; the difference with its 95% interval (the levels' intervals are in "
         "compare.md)",
         "Cells: the difference with its 95% interval (the levels are in compare.md)")


def layouts(c: Comparison, chosen: Sequence[int],
            label: Callable[[int], str]) -> list[list[Table]]:
    """The same rows in each layout, widest first."""
    from trucesim.analysis.tables import columns, letter
    from trucesim.cli.console import new_table

    pairs = range(1, len(c.names))

    def titled(s: int) -> str:
        return f"{letter(s)} against {letter(0)}" if len(c.names) > 2 else ""

    return [[new_table("", *columns(c, chosen, label, letters=True))],
            [new_table(titled(s), *columns(c, chosen, label, letters=True, intervals=False,
                                           pairs=[s])) for s in pairs],
            [new_table(titled(s), *columns(c, chosen, label, letters=True, levels=False,
                                           pairs=[s])) for s in pairs]]


def show(result: Comparison, scenarios: list[Scenario], directory: Path, wall: float) -> None:
    """The headline table, the other outcomes that moved, and what the cells mean."""
    from trucesim.analysis import changed
    from trucesim.analysis.tables import letter
    from trucesim.cli.console import console, fitting, say

    out = console()
    say(out, f"Paired comparison, {result.replications:,} replications each, seed "
        f"{result.seed} for every scenario")
    say(out, "; ".join(f"{letter(s)} = {sc.name}" + (f" ({sc.title})" if sc.title else "")
                       for s, sc in enumerate(scenarios)))
    key = layouts(result, [j for j, m in enumerate(result.measures) if m.headline],
                  lambda j: result.measures[j].label)
    moved = changed.moved(result)
    others = layouts(result, moved, lambda j: changed.label(result, j)) if moved else []
    k = max(fitting(out, key), fitting(out, others) if others else 0)
    _print(out, key[k])
    say(out, changed.CAPTION + ":" if moved
        else "No other outcome's 95% interval excludes zero.\n")
    _print(out, others[k] if others else [])
    spread = (f"The last columns: the difference's 5th-95th percentile across "
              f"{result.parameter_sets} parameter sets of the uncertain assumptions, net of "
              "Monte Carlo noise.\n" if result.uncertain else "")
    say(out, f"{CELLS[k]}; differences are paired (per replication), in percentage "
        "points (pp) for probabilities and shares.\n" + spread +
        f"Model results under the scenarios' assumptions, not forecasts. "
        f"Written to {directory}/ in {wall:.1f} s.")


def _print(out: Console, tables: list[Table]) -> None:
    for table in tables:
        out.print(table)
