"""A story (:mod:`trucesim.teaching.story`) as text: a console view and markdown (its HTML
is a template of the report).

The console view uses rich: colours on a terminal, plain text when the output is a file
or a pipe. All text from a scenario (labels, names) is escaped for markdown and HTML.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from trucesim.fmt import md
from trucesim.teaching.story import Story

if TYPE_CHECKING:
    from rich.console import Console

# rich styles of each kind of line; the same names are CSS classes in the HTML report
STYLES = {
    "release": "green", "exchange": "cyan", "withdrawal": "blue", "violence": "red",
    "aid": "yellow", "mediation": "magenta", "crisis": "bold red", "talks": "bright_blue",
    "end": "bold", "quiet": "dim",
}


def console(story: Story, out: Console) -> None:
    """Print the story: a title, the caveat, one row per day (or quiet stretch), totals."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    out.print(Text(story.title, style="bold underline"))
    out.print(Text(story.subtitle))
    out.print(Text(story.note, style="italic"))
    out.print()
    table = Table(box=box.SIMPLE, show_header=False, pad_edge=False, show_edge=False)
    table.add_column("day", style="bold", no_wrap=True)
    table.add_column("what happened")
    for entry in story.entries:
        text = Text()
        for k, line in enumerate(entry.lines):
            if k:
                text.append("\n")
            text.append(line.text, style=STYLES.get(line.kind, ""))
        table.add_row(entry.label, text)
    out.print(table)
    out.print(Text("In sum", style="bold underline"))
    for sentence in story.summary:
        out.print(Text(f"- {sentence}"))


def markdown(story: Story) -> str:
    """The story as a markdown document: a heading per day, a bullet per event."""
    lines = [f"# {md(story.title)}", "", md(story.subtitle), "", f"> {md(story.note)}", "",
             "## Day by day", ""]
    for entry in story.entries:
        lines.append(f"**{entry.label}**")
        lines.append("")
        lines += [f"- {md(line.text)}" for line in entry.lines]
        lines.append("")
    lines += ["## In sum", ""]
    lines += [f"- {md(sentence)}" for sentence in story.summary]
    lines.append("")
    return "\n".join(lines)


def html_fragment(story: Story) -> str:
    """The story's days and totals as HTML (a table and a list), everything escaped."""
    esc = html.escape
    rows = []
    for entry in story.entries:
        cells = "".join(f'<p class="ev {esc(line.kind)}">{esc(line.text)}</p>'
                        for line in entry.lines)
        rows.append(f"<tr><th scope=\"row\">{esc(entry.label)}</th><td>{cells}</td></tr>")
    totals = "".join(f"<li>{esc(line)}</li>" for line in story.summary)
    return (f'<p class="subtitle">{esc(story.subtitle)}</p>\n'
            f'<p class="note">{esc(story.note)}</p>\n'
            f'<table class="story">{"".join(rows)}</table>\n'
            f"<h4>In sum</h4><ul>{totals}</ul>\n")
