"""Charts drawn from a results directory's files: each shows the numbers in those files."""

from __future__ import annotations

import csv
import io
import json
import math
import subprocess
import sys

import numpy as np
import pytest

from conftest import BASE, SCENARIOS
from trucesim.analysis.compare import Difference
from trucesim.run import runner
from trucesim.run.executors import SerialExecutor
from trucesim.run.measures import Measure
from trucesim.run.results import load_run
from trucesim.scenario import load
from trucesim.teaching import plots

pytest.importorskip("matplotlib")


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    out = tmp_path_factory.mktemp("plots")
    for path in (BASE, SCENARIOS / "bodies-as-recovered.toml"):
        runner.run(load(path), 7, 40, out, SerialExecutor())
    return out


@pytest.fixture(scope="module")
def run(results):
    return load_run(results / "base")


def column(run, name):
    with (run.directory / "daily.csv").open() as handle:
        return [float(row[name]) for row in csv.DictReader(handle)]


def line(ax, label):
    (found,) = [ln for ln in ax.get_lines() if ln.get_label() == label]
    return found


def test_survival_curve_and_band_are_the_daily_csv_columns(run):
    fig = plots.survival([run])
    (ax,) = fig.axes
    (curve,) = ax.get_lines()
    assert list(curve.get_ydata()) == column(run, "survival")
    (band,) = ax.collections
    ys = band.get_paths()[0].vertices[:, 1]
    assert min(ys) == pytest.approx(min(column(run, "survival_lo")))
    assert max(ys) == pytest.approx(max(column(run, "survival_hi")))


def test_release_fan_has_the_agreed_schedule_as_a_step_line(run):
    fig = plots.releases(run)
    living_ax, bodies_ax = fig.axes[:2]
    living = line(living_ax, "agreed schedule").get_ydata()
    bodies = line(bodies_ax, "agreed schedule").get_ydata()
    # base: 8 living on day 1, 2 on day 50; bodies 5 on day 7, 5 on day 30, 8 on day 60
    assert [living[d] for d in (0, 1, 49, 50, 60)] == [0, 8, 8, 10, 10]
    assert [bodies[d] for d in (0, 6, 7, 29, 30, 59, 60)] == [0, 0, 5, 5, 10, 10, 18]
    median = line(living_ax, "median run").get_ydata()
    assert list(median) == column(run, "living_released_p50")


def test_bodies_as_recovered_shows_the_agreed_total(results):
    fig = plots.releases(load_run(results / "bodies-as-recovered"))
    total = line(fig.axes[1], "agreed total (as recovered)")
    assert set(total.get_ydata()) == {18.0}


def test_territory_and_aid_against_agreed(run):
    (ax,) = plots.territory([run]).axes
    assert list(line(ax, "mean").get_ydata()) == column(run, "territory_share_held_mean")
    (ax,) = plots.aid([run]).axes
    agreed = line(ax, "agreed (600 a day)").get_ydata()
    assert agreed[60] == 36_000 and agreed[0] == 0  # 600 trucks a day x 60 days
    assert list(line(ax, "delivered (mean)").get_ydata()) == column(
        run, "aid_trucks_delivered_mean")


def test_end_state_bars_with_wilson_intervals_from_summary(run):
    summary = json.loads((run.directory / "summary.json").read_text())
    (ax,) = plots.end_states([run]).axes
    heights = [bar.get_height() for bar in ax.patches]
    states = ("permanent", "extended", "expired", "collapsed")
    assert heights == [summary["end_states"][s]["p"] for s in states]
    assert sum(heights) == pytest.approx(1.0)
    from matplotlib.container import ErrorbarContainer

    (errors,) = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    segments = errors.lines[2][0].get_segments()
    for seg, s in zip(segments, states, strict=True):
        assert seg[:, 1] == pytest.approx(summary["end_states"][s]["ci95"])


def test_several_runs_share_one_chart(results, run):
    other = load_run(results / "bodies-as-recovered")
    (ax,) = plots.survival([run, other]).axes
    assert len(ax.get_lines()) == 2
    assert len(plots.end_states([run, other]).axes[0].patches) == 8


def test_paired_differences_dots_and_intervals():
    nan3 = (math.nan, math.nan, math.nan)
    collapsed = Measure("p_collapsed", "probability", "probability", "P(truce collapsed)", 0)
    living = Measure("living_released", "number", "persons", "living hostages released", 1)
    diffs = [Difference(collapsed, "a", "b", nan3, nan3, (0.05, 0.02, 0.08), 0.1, 0.04),
             Difference(living, "a", "b", nan3, nan3, (-1.5, -2.0, -1.0), 1.0, 0.8)]
    fig = plots.paired_differences(diffs)
    share_ax, count_ax = fig.axes
    interval, dot = share_ax.get_lines()[:2]
    assert list(interval.get_xdata()) == pytest.approx([2.0, 8.0])  # percentage points
    assert list(dot.get_xdata()) == pytest.approx([5.0])
    lo, hi = count_ax.get_xlim()
    assert lo < -2.0 and hi >= 0.0  # the interval and no-difference line both show


def test_png_bytes_decode_to_an_image(run):
    from PIL import Image

    data = plots.png(plots.survival([run]))
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    image = Image.open(io.BytesIO(data))
    assert image.size == (plots.WIDTH_IN * plots.DPI, pytest.approx(320, abs=2))
    pixels = np.asarray(image.convert("L"))
    assert pixels.min() < 100  # something is drawn


def test_importing_plots_or_the_cli_does_not_import_matplotlib():
    code = ("import sys, trucesim.teaching.plots, trucesim.teaching.report, trucesim.cli; "
            "print('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_ongoing_is_charted_only_where_a_run_ended_that_way(results, tmp_path):
    from trucesim.teaching import vega

    open_ended = runner.run(load(SCENARIOS / "open-ended.toml"), 1, 60, tmp_path,
                            SerialExecutor()).directory
    base_run, other = load_run(results / "base"), load_run(open_ended)
    assert base_run.summary["end_states"]["ongoing"]["count"] == 0
    assert other.summary["end_states"]["ongoing"]["count"] > 0
    assert "ongoing" not in plots.shown_states([base_run])
    assert plots.shown_states([base_run, other])[-1] == "ongoing"
    endings = {r["ending"] for r in vega.end_states([base_run]).to_dict()["data"]["values"]}
    assert "ongoing" not in endings and "collapsed" in endings
