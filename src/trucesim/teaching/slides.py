"""Every chart of a report, also for slides: an SVG and a 1920x1080 PNG under figures/.

A chart is built once (:class:`Chart`) and drawn once at slide size (:func:`draw`):
:func:`for_slides` makes the figure 16:9 with type scaled up to read at the back of a
room, then it is saved as SVG and as PNG. The report embeds the SVG (vector, so it
prints sharply) and :func:`write` puts both files under figures/. The names are fixed
(``end-states``, ``survival``, ``deaths``, ``timeline``..., and ``releases-<scenario>``
where a comparison has one per scenario), so a slide deck can point at
``results/<any run>/figures/survival.png``. figures/ is replaced as a whole, so it never
holds a stale chart.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

SLIDE_INCHES = (12.8, 7.2)
SLIDE_DPI = 150  # 12.8 x 7.2 inches at 150 dpi: 1920 x 1080 pixels
SIZE = (1920, 1080)
TYPE_SCALE = 1.45  # type grows with the figure, so it reads at the back of a room
FORMATS = ("svg", "png")


@dataclass(frozen=True)
class Chart:
    """One chart: its file name (without extension), the figure, and its words."""

    name: str
    figure: Figure
    alt: str
    caption: str


@dataclass(frozen=True)
class Drawn:
    """A chart drawn for slides: its words, and its SVG and PNG bytes."""

    name: str
    alt: str
    caption: str
    svg: bytes
    png: bytes


def for_slides(fig: Figure) -> Figure:
    """Resize `fig` in place to 16:9 slide proportions, with type scaled up to match (less
    for a figure that was taller than a slide, so that its panels keep their room)."""
    from matplotlib.text import Text

    squeeze = min(1.0, SLIDE_INCHES[1] / float(fig.get_size_inches()[1])) ** 2
    scale = max(1.0, TYPE_SCALE * squeeze)
    # tick labels are made at each draw from the axis' own size: scale that, once
    sizes = [[float(axis.get_major_ticks()[0].label1.get_fontsize())
              if axis.get_major_ticks() else 10.0 for axis in (ax.xaxis, ax.yaxis)]
             for ax in fig.axes]
    fig.set_size_inches(*SLIDE_INCHES)
    for text in fig.findobj(Text):
        text.set_fontsize(float(text.get_fontsize()) * scale)
    for ax, (x, y) in zip(fig.axes, sizes, strict=True):
        ax.xaxis.set_tick_params(labelsize=x * scale)
        ax.yaxis.set_tick_params(labelsize=y * scale)
    return fig


def draw(chart: Chart) -> Drawn:
    """The chart at slide size, as SVG and PNG (the figure is resized in place)."""
    fig = for_slides(chart.figure)
    return Drawn(chart.name, chart.alt, chart.caption, render(fig, "svg"), render(fig, "png"))


def render(fig: Figure, kind: str) -> bytes:
    """The (slide-sized) figure as SVG or PNG bytes, without a date or software stamp."""
    buffer = io.BytesIO()
    metadata: dict[str, str | None] = ({"Date": None, "Creator": None} if kind == "svg"
                                       else {"Software": None})
    fig.savefig(buffer, format=kind, dpi=SLIDE_DPI, metadata=metadata)
    return buffer.getvalue()


def write(drawn: Sequence[Drawn], directory: Path) -> Path:
    """Write every chart as figures/<name>.svg and .png in `directory`; return figures/."""
    from trucesim.run.claims import WRITER
    from trucesim.run.output import ResultsDir

    with ResultsDir(directory / "figures") as out:
        out.json("manifest.json", {"written_by": WRITER, "kind": "figures"})
        for d in drawn:
            out.binary(f"{d.name}.svg", d.svg)
            out.binary(f"{d.name}.png", d.png)
        return out.commit()


def files(drawn: Sequence[Drawn]) -> list[tuple[str, str]]:
    """(name, relative path) of every file :func:`write` makes, for the report's links."""
    return [(d.name, f"figures/{d.name}.{kind}") for d in drawn for kind in FORMATS]
