"""The classroom page's downloads: the student's scenario as a TOML file that extends the
reference, the figures (every chart as SVG and as a 1920x1080 PNG, :mod:`.slides`) and
the results files, each zipped. The zips are made when their button is pressed (Streamlit
calls the function then), so a slider's rerun never waits for them.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st

from trucesim.analysis import tables
from trucesim.analysis.compare import Comparison
from trucesim.run.results import RunFiles
from trucesim.scenario.load import load
from trucesim.scenario.schema import Scenario
from trucesim.teaching import histogram, plots, slides, timeline, tomlfile
from trucesim.teaching.findings import key_differences
from trucesim.teaching.live import Store


def scenario_file(path: Path, reference: Scenario, yours: Scenario) -> tuple[str, str]:
    """(file name, TOML text) of your version, extending the reference's file."""
    name = f"{reference.name}-classroom"
    if yours.name != name:  # unchanged: the reference itself, under the new name
        yours = load(path, [f"name={name}"])
    header = (f"{yours.title or name}: made in the trucesim classroom from {path.name}.\n"
              f"Save it in the same folder as {path.name}: it extends that file and states "
              "only what differs.\n"
              f"Run it with: trucesim run {name}.toml\n"
              "Model results built on this file are illustrative, not forecasts.")
    return f"{name}.toml", tomlfile.scenario_toml(yours, reference, path.name, header)


def figures_zip(ref: RunFiles, mine: RunFiles, comparison: Comparison, yours: Scenario,
                seed: int) -> bytes:
    """Every chart of the comparison and one run's timeline, as SVG and PNG, zipped."""
    from trucesim.run.engine import simulate

    runs = [ref, mine]
    rep = simulate(yours, seed, 0, log=True)
    charts = [
        slides.Chart("end-states", plots.end_states(runs), "", ""),
        slides.Chart("survival", plots.survival(runs), "", ""),
        slides.Chart("paired-differences", plots.paired_differences(
            key_differences(comparison.differences)), "", ""),
        slides.Chart("deaths", histogram.deaths(mine), "", ""),
        slides.Chart("releases", plots.releases(mine), "", ""),
        slides.Chart("territory", plots.territory(runs), "", ""),
        slides.Chart("aid", plots.aid(runs), "", ""),
        slides.Chart("timeline", timeline.timeline(
            yours, rep, f"One run of {yours.title or yours.name}: seed {seed}"), "", ""),
    ]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for chart in charts:
            drawn = slides.draw(chart)
            archive.writestr(f"figures/{drawn.name}.svg", drawn.svg)
            archive.writestr(f"figures/{drawn.name}.png", drawn.png)
    return buffer.getvalue()


def results_zip(ref: RunFiles, mine: RunFiles, comparison: Comparison,
                scenarios: list[Scenario]) -> bytes:
    """Both runs' results directories and the paired comparison, zipped."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for run in {r.directory: r for r in (ref, mine)}.values():
            for file in sorted(run.directory.iterdir()):
                if file.is_file():
                    archive.write(file, f"{run.name}/{file.name}")
        archive.writestr("comparison/differences.csv", tables.differences_csv(comparison))
        archive.writestr("comparison/compare.md", tables.markdown(comparison, scenarios))
    return buffer.getvalue()


def page(store: Store, path: Path, reference: Scenario, yours: Scenario, seed: int, n: int,
         revealed: bool, results: Callable[..., tuple[Any, Any, Comparison]]) -> None:
    st.subheader("Take it with you")
    name, text = scenario_file(path, reference, yours)
    st.download_button("Your scenario (TOML)", text, file_name=name,
                       mime="application/toml", key="get_toml")
    st.caption(f"Save it next to {path.name}; `trucesim run {name}` runs it, "
               f"`trucesim diff {path.name} {name}` lists what you changed.")
    with st.expander(f"What is in {name}"):
        st.code(text, language="toml")
    if not revealed:
        st.info("The figures and the results can be downloaded once the result is revealed.")
        return
    ref, mine, comparison = results(store, reference, yours, seed, n)
    st.download_button(
        "Figures for slides: SVG and 1920×1080 PNG (zip)",
        lambda: figures_zip(ref.run, mine.run, comparison, yours, seed),
        file_name="figures.zip", mime="application/zip", key="get_figures")
    st.download_button(
        "Results files: both runs and the comparison (zip)",
        lambda: results_zip(ref.run, mine.run, comparison, [reference, yours]),
        file_name="results.zip", mime="application/zip", key="get_results")
