"""The report's new charts and the figures for slides: the histogram of deaths, the
timeline of one run, whole-number ticks, and every chart as SVG and 1920x1080 PNG under
figures/ with the same names in every results directory."""

from __future__ import annotations

import json
import re
import struct
from html import escape as html_escape
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from conftest import BASE, SCENARIOS, calm
from trucesim.cli import app
from trucesim.run import engine, runner
from trucesim.run.claims import NotOurs
from trucesim.run.executors import SerialExecutor
from trucesim.run.results import load_run
from trucesim.scenario import load
from trucesim.teaching import histogram, plots, slides, timeline
from trucesim.teaching.report import write_report

pytest.importorskip("matplotlib")
cli = CliRunner()
RUN_FIGURES = {"end-states", "survival", "deaths", "releases", "territory", "aid", "timeline"}


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    out = tmp_path_factory.mktemp("figures")
    runner.run(load(BASE), 7, 50, out, SerialExecutor())
    runner.run(load(SCENARIOS / "strong-mediation.toml"), 7, 50, out, SerialExecutor())
    return out


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def svg_size(path: Path) -> tuple[str, str]:
    head = path.read_text()[:2000]
    svg = re.search(r"<svg[^>]*>", head).group(0)
    return (re.search(r'width="([^"]+)"', svg).group(1),
            re.search(r'height="([^"]+)"', svg).group(1))


def assert_slides(figures: Path, names: set[str]) -> None:
    assert {p.stem for p in figures.iterdir() if p.name != "manifest.json"} == names
    # the folder says trucesim wrote it, so a later report may replace it
    assert json.loads((figures / "manifest.json").read_text())["written_by"] == "trucesim"
    for name in names:
        assert png_size(figures / f"{name}.png") == slides.SIZE == (1920, 1080)
        # 12.8 x 7.2 inches, in points
        assert svg_size(figures / f"{name}.svg") == ("921.6pt", "518.4pt")


def test_a_run_report_writes_every_chart_as_svg_and_1920x1080_png(results):
    report = write_report([results / "base"])
    assert_slides(report.parent / "figures", RUN_FIGURES)
    html = report.read_text()
    for name in RUN_FIGURES:  # the report links to both files of every chart
        assert f'href="figures/{name}.svg"' in html and f'href="figures/{name}.png"' in html


def test_a_comparison_names_its_per_scenario_figures_after_the_scenarios(results):
    report = write_report([results / "base", results / "strong-mediation"])
    per_run = {f"{kind}-{name}" for kind in ("deaths", "releases", "timeline")
               for name in ("base", "strong-mediation")}
    assert_slides(report.parent / "figures",
                  {"paired-differences", "end-states", "survival", "territory", "aid",
                   *per_run})


def test_figures_are_replaced_whole(results, tmp_path):
    write_report([results / "base"], tmp_path / "report.html")
    (tmp_path / "figures" / "stale.png").write_bytes(b"old")  # left by an earlier report
    write_report([results / "base"], tmp_path / "report.html")
    assert not (tmp_path / "figures" / "stale.png").exists()
    assert (tmp_path / "figures" / "survival.svg").is_file()


def test_a_figures_folder_trucesim_did_not_write_is_left_alone(results, tmp_path):
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "mine.png").write_bytes(b"a user's own picture")
    with pytest.raises(NotOurs):
        write_report([results / "base"], tmp_path / "report.html")
    assert (tmp_path / "figures" / "mine.png").read_bytes() == b"a user's own picture"
    assert not (tmp_path / "report.html").exists()


def test_histogram_marks_the_mean_and_median_of_the_replications(results):
    run = load_run(results / "base")
    values, ended = histogram.values(run, "deaths_palestinians")
    (ax,) = histogram.deaths(run).axes
    vertical = sorted(float(ln.get_xdata()[0]) for ln in ax.get_lines())
    assert vertical == pytest.approx(sorted([max(1.0, float(np.median(values))),
                                             max(1.0, float(values.mean()))]))
    notes = [t.get_text() for t in ax.texts]
    assert f"median {np.median(values):,.0f}" in notes
    assert f"mean {values.mean():,.0f}" in notes
    # stacked by how the truce ended: every replication counted once
    heights = sum(p.get_height() for p in ax.patches)
    assert heights == len(values) == run.replications
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(text.startswith("collapsed (") for text in legend)
    assert sum(int(re.search(r"\(([\d,]+) runs\)", t).group(1).replace(",", ""))
               for t in legend) == len(ended)


def test_counts_have_whole_number_ticks(results):
    run = load_run(results / "base")
    fig = plots.releases(run)
    fig.canvas.draw()
    for ax in fig.axes:
        ticks = [t for t in ax.get_yticks() if ax.get_ylim()[0] <= t <= ax.get_ylim()[1]]
        assert ticks and all(float(t).is_integer() for t in ticks), ticks
    (ax,) = histogram.deaths(run).axes
    assert all(float(t).is_integer() for t in ax.get_yticks())


def test_timeline_tells_each_handover_on_time_late_or_not_at_all():
    s = load(BASE)
    for seed in range(1, 60):
        rep = engine.simulate(s, seed, 0, log=True)
        shown = timeline.handovers(rep)
        assert [h.label for h in shown if h.day is not None] or rep.record["day_collapse"]
        for h in shown:
            if h.day is not None:
                assert h.late >= 0 and h.day <= s.truce.window_days
        if rep.record["day_collapse"] is not None:
            assert any(h.day is None for h in shown)  # a collapse cancels what is left
    calm_rep = engine.simulate(calm(), 1, 0, log=True)
    assert [(h.label, h.due, h.late) for h in timeline.handovers(calm_rep)] == [
        (r.label, r.day, 0) for r in calm().releases]


def test_timeline_panels_share_the_day_axis_and_mark_a_collapse():
    s = load(BASE)
    seed = next(k for k in range(1, 200)
                if engine.simulate(s, k, 0).record["end_state"] == "collapsed")
    rep = engine.simulate(s, seed, 0, log=True)
    fig = timeline.timeline(s, rep, "t")
    assert len(fig.axes) == 5
    assert len({ax.get_xlim() for ax in fig.axes}) == 1
    day = rep.record["day_collapse"]
    for ax in fig.axes:  # the collapse is a vertical line on every panel
        assert any(list(ln.get_xdata()) == [day, day] for ln in ax.get_lines())
    tension = fig.axes[0].get_lines()[0].get_ydata()
    assert np.isnan(tension[day + 1:]).all() and not np.isnan(tension[:day + 1]).any()


def test_end_state_chart_shows_an_end_state_the_model_adds(results):
    run = load_run(results / "base")
    summary = json.loads(json.dumps(run.summary))
    summary["end_states"]["war_resumed"] = {"p": 0.1, "ci95": [0.05, 0.15], "count": 5}
    from dataclasses import replace

    (ax,) = plots.end_states([replace(run, summary=summary)]).axes
    assert len(ax.patches) == 5
    assert [t.get_text() for t in ax.get_xticklabels()][-1] == "war resumed"


def test_compare_report_keeps_the_runs_and_the_same_differences(tmp_path):
    args = ["compare", str(BASE), str(SCENARIOS / "strong-mediation.toml"), "-n", "30",
            "-w", "1", "-q"]
    plain = cli.invoke(app, [*args, "-o", str(tmp_path / "plain")])
    full = cli.invoke(app, [*args, "-o", str(tmp_path / "full"), "--report"])
    assert plain.exit_code == 0 and full.exit_code == 0, full.output
    name = "compare-base-vs-strong-mediation"
    a, b = tmp_path / "plain" / name, tmp_path / "full" / name
    assert (a / "differences.csv").read_bytes() == (b / "differences.csv").read_bytes()
    for run in ("base", "strong-mediation"):
        assert load_run(b / run).replications == 30
    html = (b / "report.html").read_text()
    for section in ("findings", "charts", "story", "slides", "assumptions"):
        assert f'href="#{section}"' in html and f'id="{section}"' in html
    assert not (a / "report.html").exists()


SWEEP_VARY = ["mediation.response_delay_days=0:6", "violations.israeli_forces.retaliation=0.2:0.8",
              "crisis.max_days=3:14", "handovers.recovery_mean_days=5:40"]


def test_sweep_report_ranks_the_drivers_and_shows_where_the_truce_breaks(tmp_path):
    args = ["sweep", str(BASE), "-o", str(tmp_path), "--method", "morris", "--samples", "2",
            "-n", "6", "-w", "1", "-q", "--report"]
    for v in SWEEP_VARY:
        args += ["--vary", v]
    result = cli.invoke(app, args)
    assert result.exit_code == 0, result.output
    directory = tmp_path / "sweep-base"
    html = (directory / "report.html").read_text()
    for section in ("where", "drivers", "design", "slides", "glossary", "limits"):
        assert f'href="#{section}"' in html and f'id="{section}"' in html
    assert_slides(directory / "figures", {"where-it-breaks", "drivers"})
    # the ranking is sensitivity.csv's, in its order
    with (directory / "sensitivity.csv").open() as handle:
        rows = [r.split(",") for r in handle.read().splitlines()[1:]]
    collapse = [r[1] for r in sorted((r for r in rows if r[0] == "p_collapsed"),
                                     key=lambda r: int(r[2]))]
    table = html.split("What drives the probability the truce collapses</h3>")[1]
    table = table.split("</table>")[0]
    assert re.findall(r"<code>([^<]+)</code>", table) == collapse
    # where the truce breaks: the same sentence as the sweep's summary.md
    summary = (directory / "summary.md").read_text()
    where = summary.split("## Where the truce breaks\n\n")[1].split("\n")[0]
    assert html_escape(where) in html
    # made again from the directory alone
    again = cli.invoke(app, ["report", str(directory), "--out", str(tmp_path / "again.html")])
    assert again.exit_code == 0, again.output
    assert (tmp_path / "figures" / "drivers.png").is_file()


def test_report_of_an_unfinished_sweep_says_how_to_finish_it(tmp_path):
    directory = tmp_path / "sweep-base"
    directory.mkdir()
    identity = {"scenario": "base", "method": "morris", "points": 10, "factors": [
        {"key": "crisis.max_days", "low": 3, "high": 14, "integer": True}]}
    (directory / "manifest.json").write_text(json.dumps(
        {"kind": "sweep", "status": "running", "identity": identity}))
    (directory / "points.csv").write_text("point,crisis.max_days\n")
    result = cli.invoke(app, ["report", str(directory)])
    assert result.exit_code == 2
    assert "not finished" in result.output and "resume" in result.output
    assert not (directory / "report.html").exists()
