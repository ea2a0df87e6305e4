"""The chart of a calibration (trucesim calibrate): prior and posterior of each parameter.

One panel per calibrated parameter: the prior's density (uniform on the plausible
range), a weighted histogram of the last generation's particles, the beta distribution
the scenario fragment gives it, and the posterior's 90% interval. matplotlib (the
optional extra `plots`, also in `calibrate`) is imported inside the functions; written
as figures/prior-posterior.svg and .png beside the calibration's other files.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from trucesim.analysis.posterior import Marginal
from trucesim.teaching.plots import COLOURS, DPI, WIDTH_IN

if TYPE_CHECKING:
    from matplotlib.figure import Figure

NAME = "prior-posterior"
COLUMNS = 2


def prior_posterior(ms: list[Marginal], particles: np.ndarray, weights: np.ndarray) -> Figure:
    """Prior and posterior densities of each parameter, one panel each."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    columns = min(COLUMNS, len(ms))
    rows = math.ceil(len(ms) / columns)
    fig = Figure(figsize=(WIDTH_IN, 2.6 * rows), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    for i, m in enumerate(ms):
        ax = axes[i]
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        grid = np.linspace(m.low, m.high, 200)
        ax.hist(particles[:, i], bins=25, range=(m.low, m.high), weights=weights,
                density=True, color=COLOURS[0], alpha=0.35, label="posterior (particles)")
        ax.plot(grid, m.beta.frozen().pdf(grid), color=COLOURS[0], linewidth=2,
                label="posterior (fragment's beta)")
        ax.plot(grid, np.full_like(grid, 1 / (m.high - m.low)), color=COLOURS[1],
                linewidth=2, linestyle="--", label="prior (uniform)")
        ax.axvspan(m.p05, m.p95, color=COLOURS[2], alpha=0.12, linewidth=0,
                   label="posterior 90% interval")
        ax.set_title(f"{m.key}\n90% interval {m.narrowing:.0%} of the prior's width",
                     fontsize=9)
        ax.set_xlim(m.low, m.high)
        ax.set_yticks([])
        if i == 0:
            ax.legend(fontsize=7, frameon=False)
    for ax in axes[len(ms):]:
        ax.set_visible(False)
    fig.supylabel("density", fontsize=9)
    return fig


def write(fig: Figure, directory: Path) -> Path:
    """figures/prior-posterior.svg and .png in `directory` (figures/ replaced whole)."""
    import io

    from trucesim.run.claims import WRITER
    from trucesim.run.output import ResultsDir

    with ResultsDir(directory / "figures") as out:
        out.json("manifest.json", {"written_by": WRITER, "kind": "figures"})
        for kind in ("svg", "png"):
            buffer = io.BytesIO()
            metadata: dict[str, str | None] = ({"Date": None, "Creator": None}
                                               if kind == "svg" else {"Software": None})
            fig.savefig(buffer, format=kind, dpi=DPI, metadata=metadata)
            out.binary(f"{NAME}.{kind}", buffer.getvalue())
        return out.commit()
