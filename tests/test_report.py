"""`trucesim report` and `run --report`: one self-contained HTML file a student can read."""

from __future__ import annotations

import csv
import json
import re
import statistics
from collections import Counter

import pytest
from typer.testing import CliRunner

from conftest import BASE, SCENARIOS
from trucesim.cli import app
from trucesim.run import runner
from trucesim.run.executors import SerialExecutor
from trucesim.scenario import load
from trucesim.scenario.registry import parameters

pytest.importorskip("matplotlib")
cli = CliRunner()
HEADINGS = ("Key findings", "Charts", "The story of one typical run", "Assumptions",
            "Glossary", "What the model leaves out")
N = 60


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    runner.run(load(BASE), 7, N, out, SerialExecutor())
    runner.run(load(SCENARIOS / "slipping-handovers.toml"), 7, N, out, SerialExecutor())
    runner.run(load(BASE, ("name=reseeded",)), 8, N, out, SerialExecutor())
    return out


@pytest.fixture(scope="module")
def base_html(results):
    report(results / "base")
    return (results / "base" / "report.html").read_text()


def report(*args):
    result = cli.invoke(app, ["report", *map(str, args)])
    assert result.exit_code == 0, result.output
    return result


def rows(directory):
    with (directory / "replications.csv").open() as handle:
        return list(csv.DictReader(handle))


IMAGE = r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"


def assert_self_contained(html, report=None):
    """No script, no external URL (in the page or inside its SVG charts), and every link
    goes to an anchor of the page or, with `report`, to a file beside it."""
    import base64

    assert "<script" not in html.lower()
    for src in re.findall(r'src="([^"]*)"', html):
        svg = base64.b64decode(re.fullmatch(IMAGE, src).group(1)).decode()
        assert "<script" not in svg and not re.search(r"href=\"(?!#)", svg)
    text = re.sub(r'src="data:image/svg\+xml;base64,[A-Za-z0-9+/=]+"', "", html)
    assert not re.search(r"(https?:|ftp:|//[a-z0-9]|@import|url\()", text, re.IGNORECASE)
    links = re.findall(r'href="([^"]*)"', text)
    assert links
    anchors = set(re.findall(r'id="([^"]*)"', text))
    for href in links:
        if href.startswith("#"):
            assert href[1:] in anchors, href
        else:
            assert re.fullmatch(r"figures/[a-z0-9.-]+\.(svg|png)", href), href
            if report is not None:
                assert (report.parent / href).is_file(), href


def test_run_report_has_findings_charts_story_assumptions(results, base_html):
    html = base_html
    assert_self_contained(html, results / "base" / "report.html")
    for heading in HEADINGS:
        assert f">{heading}</h2>" in html
    # end states, survival, deaths, releases, territory, aid; the typical run's timeline
    assert html.count("<img ") == 7
    alts = re.findall(r'<img src="[^"]*" alt="([^"]*)"', html)
    assert alts[:3] == ["bar chart of how the truce ends", "survival curve of the truce",
                        "histogram of deaths: July 2025 plan: 60-day truce"]
    summary = json.loads((results / "base" / "summary.json").read_text())
    collapsed = summary["end_states"]["collapsed"]
    lo, hi = collapsed["ci95"]
    # formatting by hand: whole percent from 9.5% up, one decimal below
    def pct(p):
        return f"{round(p * 100)}%" if p >= 0.095 or p == 0 else f"{p * 100:.1f}%"
    assert (f"In {pct(collapsed['p'])} of runs [{pct(lo)}-{pct(hi)}] the truce collapsed "
            f"within the 60-day window") in html
    for p in parameters(load(BASE)):
        assert f"<code>{p.key}</code>" in html
    assert "day-30 handover" in html  # the schedule table and the story
    assert "not forecasts" in html


def test_typical_run_has_the_most_common_end_state(results, base_html):
    html = base_html
    chosen = int(re.search(r"Replication (\d+) is told because it is typical", html).group(1))
    table = rows(results / "base")
    common = Counter(r["end_state"] for r in table).most_common(1)[0][0]
    assert table[chosen]["end_state"] == common
    # its story is the one regenerated from the manifest: the same ending is told
    assert f"ended the most common way ({common})" in html
    ending = {"extended": "the truce is extended", "expired": "the truce expires",
              "permanent": "becomes a permanent ceasefire", "collapsed": "The truce collapses"}
    assert ending[common] in html


def test_text_from_the_scenario_is_escaped(tmp_path):
    runner.run(load(BASE, ('title="<b>Plan</b> & co"', "name=odd")), 1, 20, tmp_path,
               SerialExecutor())
    report(tmp_path / "odd", "--out", tmp_path / "odd.html")
    html = (tmp_path / "odd.html").read_text()
    assert "&lt;b&gt;Plan&lt;/b&gt; &amp; co" in html and "<b>Plan</b>" not in html


def test_comparison_report_of_run_directories_with_paired_differences(results):
    result = report(results / "base", results / "slipping-handovers")
    out = results / "compare-base-vs-slipping-handovers" / "report.html"
    assert str(out) in result.output
    html = out.read_text()
    assert_self_contained(html, out)
    assert "paired runs, same random numbers" in html
    # differences, end states, survival, territory, aid; one histogram of deaths, one
    # release chart and one timeline per scenario
    assert html.count("<img ") == 5 + 3 * 2
    base, slip = rows(results / "base"), rows(results / "slipping-handovers")
    diffs = [float(b["bodies_released"]) - float(a["bodies_released"])
             for a, b in zip(base, slip, strict=True)]
    mean = statistics.fmean(diffs)
    assert re.search(rf"hostages(&#39;|&#x27;) bodies released</td><td class=\"num\">"
                     rf"{mean:+,.1f} \[", html)


def test_runs_with_different_seeds_are_compared_as_independent(results):
    report(results / "base", results / "reseeded", "--out", results / "indep.html")
    html = (results / "indep.html").read_text()
    assert "independent runs (different seeds)" in html
    assert "paired runs" not in html


def test_a_comparison_directory_holding_runs(results, tmp_path):
    import shutil

    compare = tmp_path / "compare-base-slipping-handovers"
    for name in ("base", "slipping-handovers"):
        shutil.copytree(results / name, compare / name)
    report(compare)
    html = (compare / "report.html").read_text()
    assert "Comparison: July 2025 plan: 60-day truce vs Handovers slip and are disputed" in html


# the layout `trucesim compare` writes (results/compare-A-vs-B/: differences.csv, a
# manifest naming the scenarios); the values here are made up for the test
COMPARE_CSV = """outcome,kind,unit,baseline,scenario,baseline_mean,baseline_lo,baseline_hi,\
mean,mean_lo,mean_hi,difference,difference_lo,difference_hi,sd_difference,\
independent_half_width,replications
p_collapsed,probability,probability,base,slipping-handovers,0.14,0.12,0.16,0.15,0.13,0.18,\
0.0123,-0.002,0.0266,0.2,0.03,60
bodies_released,number,bodies,base,slipping-handovers,15.2,14.9,15.5,12.7,12.4,13,\
-2.468,-2.7,-2.2,3.1,0.4,60
made_up_outcome,number,x,base,slipping-handovers,1,1,1,1,1,1,9,9,9,0,0,60
"""


def compare_dir(root, seed=7):
    directory = root / "compare-base-vs-slipping-handovers"
    directory.mkdir()
    (directory / "differences.csv").write_text(COMPARE_CSV.replace("\\\n", ""))
    (directory / "manifest.json").write_text(json.dumps({
        "kind": "compare", "scenarios": ["base", "slipping-handovers"], "seed": seed,
        "replications": N}))
    return directory


def test_a_compare_directory_uses_its_own_paired_differences(results, tmp_path):
    import shutil

    for name in ("base", "slipping-handovers"):
        shutil.copytree(results / name, tmp_path / name)
    directory = compare_dir(tmp_path)
    report(directory)
    html = (directory / "report.html").read_text()
    assert "+1.2 pp [-0.2 to +2.7]" in html  # p_collapsed, in percentage points
    assert "-2.5 [-2.7 to -2.2]" in html  # bodies released
    assert "made_up_outcome" not in html and "+9.0 [+9.0 to +9.0]" not in html
    assert html.count("<img ") == 11  # the runs beside it give the charts
    assert "other settings" not in html


def test_a_compare_directory_without_its_runs_still_reports_the_differences(tmp_path):
    directory = compare_dir(tmp_path)
    report(directory)
    html = (directory / "report.html").read_text()
    assert "-2.5 [-2.7 to -2.2]" in html
    assert html.count("<img ") == 1  # the paired differences only
    assert "were not found beside the comparison" in html
    assert_self_contained(html)


def test_run_with_report_flag_writes_the_report(tmp_path):
    result = cli.invoke(app, ["run", str(BASE), "-n", "30", "-o", str(tmp_path), "--report"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "base" / "report.html").is_file()
    assert "Report written to" in result.output


def test_bad_results_directory_exits_2_and_writes_nothing(tmp_path):
    result = cli.invoke(app, ["report", str(tmp_path / "missing")])
    assert result.exit_code == 2 and "no such directory" in result.output
    (tmp_path / "empty").mkdir()
    result = cli.invoke(app, ["report", str(tmp_path / "empty")])
    assert result.exit_code == 2 and "neither a results directory" in result.output
    assert not (tmp_path / "empty" / "report.html").exists()
    half = tmp_path / "half"
    half.mkdir()
    (half / "summary.json").write_text("{}")
    result = cli.invoke(app, ["report", str(half), str(tmp_path / "empty")])
    assert result.exit_code == 2 and "missing daily.csv, manifest.json" in result.output


def test_a_deal_without_hostages_is_reported_without_them(tmp_path):
    """The findings and the typical run's reason say nothing of hostages released or
    detainees freed in exchange where the deal concerns no hostages."""
    from trucesim.run.results import load_run
    from trucesim.teaching.findings import run_findings, typical

    s = load(BASE, ("name=ceasefire", "releases=[]", "conditions=[]",
                    "hostages.living_held=0", "hostages.bodies_held=0",
                    'withdrawal.stages=[{name = "east", day = 10, share = 0.5}]'))
    runner.run(s, 1, 40, tmp_path, SerialExecutor())
    run = load_run(tmp_path / "ceasefire")
    words = " ".join([*run_findings(run), typical(run)[1]])
    assert "Palestinian deaths" in words
    assert not re.search(r"hostage|freed in exchange", words)
