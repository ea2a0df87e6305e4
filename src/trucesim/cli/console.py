"""What the commands print, fitted to the terminal: every table and paragraph within its
width (80 columns when output is piped and COLUMNS is not set), words never split.

A table is given as layouts from the widest to the narrowest; the first that fits
without wrapping a cell is printed (the last one otherwise, its cells wrapped at spaces).
Prose is wrapped at spaces by rich. Imported inside the commands (rich is slow to load).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table


def console() -> Console:
    """A console as wide as the terminal, or COLUMNS, or 80 columns."""
    from rich.console import Console

    return Console()


def width_of(out: Console, table: Table) -> int:
    """The columns a table takes when no cell is wrapped."""
    from rich.measure import Measurement

    return Measurement.get(out, out.options.update_width(10_000), table).maximum


def fitting(out: Console, layouts: Sequence[Sequence[Table]]) -> int:
    """The index of the first layout (a sequence of tables) whose every table fits the
    console's width unwrapped, else of the last."""
    for k, tables in enumerate(layouts):
        if all(width_of(out, table) <= out.width for table in tables):
            return k
    return len(layouts) - 1


def new_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[str]] = (),
              left: Sequence[int] = (0,), wrap: Mapping[int, int] | None = None,
              gap: int = 3) -> Table:
    """A table in the project's style, with its rows (plain text; a newline starts a
    line): columns right-aligned but those in `left`; only the columns in `wrap`
    (default: the first, up to 30) may wrap, at spaces, to the width given there; the
    others never. Columns are `gap` spaces apart (3, the default: padding either side of
    the box's blank rule; 2; or 1)."""
    from rich import box
    from rich.cells import cell_len
    from rich.table import Table
    from rich.text import Text

    from trucesim.fmt import terminal

    wrap = {0: 30} if wrap is None else wrap
    table = Table(title=Text(terminal(title, "\n")) if title else None, title_justify="left",
                  box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=gap == 2,
                  padding=(0, 1) if gap > 1 else 0)
    for k, column in enumerate(columns):
        # a wrapping column is as wide as its widest cell, up to its limit
        natural = max(cell_len(text) for text in [column, *(row[k] for row in rows)])
        table.add_column(column, justify="left" if k in left else "right",
                         no_wrap=k not in wrap, width=min(natural, wrap[k]) if k in wrap
                         else None)
    for row in rows:
        table.add_row(*(Text(terminal(cell, "\n")) for cell in row))
    return table


def say(out: Console, text: str) -> None:
    """A paragraph, wrapped at spaces to the console's width; control characters shown
    as escapes."""
    from rich.text import Text

    from trucesim.fmt import terminal

    out.print(Text(terminal(text, "\n")))


def markdown(out: Console, text: str) -> None:
    """A markdown summary (headings, paragraphs, quotes, tables) as plain console text:
    each table drawn with new_table, its cells after the first wrapping at spaces."""
    block: list[list[str]] = []

    def flush() -> None:
        if block:
            header, rows = block[0], [r for r in block[1:] if set("".join(r)) - set("-:")]
            wrap = {k: 12 for k in range(1, len(header))}
            layouts = [[new_table("", header, rows, left=range(len(header)), wrap=wrap,
                                  gap=gap)] for gap in (3, 2, 1)]
            out.print(layouts[fitting(out, layouts)][0])
            block.clear()

    for line in text.splitlines():
        if line.startswith("|"):
            block.append([c.strip().replace("`", "") for c in line.strip("|").split("|")])
            continue
        flush()
        say(out, line.lstrip("#> ").replace("`", "") if line.strip() else "")
    flush()
