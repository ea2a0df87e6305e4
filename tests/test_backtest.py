"""The record of January 2025 as data, the backtest's statistics, and `trucesim backtest`."""

from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest
from typer.testing import CliRunner

from conftest import ROOT
from trucesim.analysis import backtest
from trucesim.analysis import history as records
from trucesim.analysis.observations import Quantity
from trucesim.analysis.verdicts import evaluate, quantile
from trucesim.cli import app
from trucesim.scenario import load

runner = CliRunner()
RECORD = ROOT / "data" / "records" / "jan-2025.toml"
HISTORY = ROOT / "scenarios" / "history" / "jan-2025-ceasefire.toml"


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


# --- the record -----------------------------------------------------------------------


def test_the_january_2025_record_totals_what_agreements_md_reports():
    r = records.load(RECORD)
    assert sum(h.living for h in r.handovers) == 25
    assert sum(h.bodies for h in r.handovers) == 8
    assert sum(h.outside_deal for h in r.handovers) == 5
    # rounds 1-6: 90 + 200 + 110 + 183 + 183 + 369 = 1,135; then 602 (or 620)
    assert sum(p.count for p in r.prisoner_releases) == 1135 + 602
    assert r.prisoner_releases[-1].reports == [602, 620]
    assert r.deaths[0].reports == [137, 145, 150] and r.deaths[0].day == 52
    assert r.ending is not None and r.ending.phase_end_state == "expired"
    assert (r.ending.phase_end.day, r.ending.fighting_resumed.day) == (42, 59)
    assert records.scenario_path(r, RECORD).resolve() == HISTORY.resolve()


def record_text(**changes):
    text = RECORD.read_text()
    for old, new in changes.values():
        assert old in text
        text = text.replace(old, new, 1)
    return text


def issues_of(tmp_path, text):
    path = tmp_path / "rec.toml"
    path.write_text(text)
    with pytest.raises(records.RecordError) as info:
        records.load(path)
    return info.value.issues


def line_of(text, needle):
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_a_date_that_is_not_its_day_is_an_error_with_its_line(tmp_path):
    text = record_text(a=("day = 22\ndate = 2025-02-09", "day = 21\ndate = 2025-02-09"))
    (issue,) = issues_of(tmp_path, text)
    assert issue.path == "withdrawal[0].date"
    assert issue.message == "2025-02-09 is day 22 counting 2025-01-19 as day 1, not day 21"
    assert issue.line == line_of(text, "date = 2025-02-09")


def test_unknown_keys_wrong_types_bad_sources_and_figures_outside_their_reports(tmp_path):
    text = record_text(a=('who = "Romi Gonen', 'whom = "Romi Gonen'),
                       b=("count = 200", 'count = "200"'),
                       c=('sources = ["S39"]', 'sources = ["Reuters"]'),
                       d=("reports = [137, 145, 150]", "reports = [145, 150]"))
    found = {i.path: i for i in issues_of(tmp_path, text)}
    assert set(found) == {"handovers[0].whom", "prisoner_releases[1].count"}  # schema first
    assert found["handovers[0].whom"].message == "unknown key"
    assert found["handovers[0].whom"].line == line_of(text, "whom =")
    text = record_text(c=('sources = ["S39"]', 'sources = ["Reuters"]'),
                       d=("reports = [137, 145, 150]", "reports = [145, 150]"))
    found = {i.path: i for i in issues_of(tmp_path, text)}
    assert set(found) == {"handovers[3].sources[0]", "deaths[0].reports"}
    assert "not a source key" in found["handovers[3].sources[0]"].message
    assert "one of the reported figures" in found["deaths[0].reports"].message


def test_a_missing_record_file(tmp_path):
    with pytest.raises(records.RecordError) as info:
        records.load(tmp_path / "none.toml")
    assert info.value.issues[0].message == "file not found"


# --- statistics, by hand --------------------------------------------------------------


def q(observed, *, reports=(), qualifier="", kind="daily"):
    return Quantity("x", "dynamics", "persons", observed, tuple(reports), qualifier, 1, ("S1",),
                    "", (kind, "x", 0))


def test_percentile_of_the_observation_counts_ties_as_half():
    xs = np.array([1.0, 2.0, 2.0, 3.0])
    assert evaluate(q(2), xs).percentile == pytest.approx((1 + 0.5 * 2) / 4)
    assert evaluate(q(0), xs).percentile == 0.0
    assert evaluate(q(3.5), xs).percentile == 1.0


def test_quantiles_are_those_of_the_replications():
    xs = np.arange(1.0, 101.0)  # 1..100
    assert (quantile(xs, 0.05), quantile(xs, 0.5), quantile(xs, 0.95)) == (5, 50, 95)
    r = evaluate(q(96), xs)
    assert (r.p05, r.median, r.p95, r.inside) == (5, 50, 95, False)
    assert r.verdict == "above the model's 95th percentile"
    assert evaluate(q(4), xs).verdict == "below the model's 5th percentile"
    assert evaluate(q(96, reports=(96, 90)), xs).inside  # one of the reports is inside


def test_a_lower_bound_is_inside_if_the_model_reaches_it():
    xs = np.arange(1.0, 101.0)
    assert evaluate(q(95, qualifier="more than"), xs).inside
    assert not evaluate(q(96, qualifier="more than"), xs).inside


def test_a_milestone_never_reached_counts_as_later_than_any_day():
    xs = np.array([10.0, 12.0, math.inf, math.inf])
    r = evaluate(q(20), xs)
    assert r.percentile == 0.5 and r.p95 == math.inf and r.inside


def test_a_category_is_judged_by_the_models_90_percent_set():
    codes = np.array([2] * 60 + [1] * 25 + [3] * 10 + [0] * 5)  # expired, extended, ...
    r = evaluate(q("expired", kind="category"), codes)
    assert r.prediction_set == ("expired", "extended", "collapsed")  # 60 + 25 + 10 >= 90
    assert r.inside and r.probabilities["permanent"] == 0.05
    assert not evaluate(q("permanent", kind="category"), codes).inside


def test_calibration_counts_coverage_and_distance_from_the_median():
    xs = np.arange(1.0, 101.0)
    results = [evaluate(q(v), xs) for v in (50, 75, 99)]
    c = backtest.calibration(results)
    assert (c["inside"], c["quantities"], c["in_outer_tenth"]) == (2, 3, 1)
    # percentiles 0.495, 0.745, 0.985: distances 0.005, 0.245, 0.485
    assert c["mean_abs_percentile_from_median"] == pytest.approx((0.005 + 0.245 + 0.485) / 3)
    assert "2 of 3 observed quantities" in c["words"]


def test_the_record_becomes_cumulative_quantities():
    qs, skipped = backtest.quantities(records.load(RECORD), load(HISTORY))
    by_name = {x.name: x for x in qs}
    assert by_name["living out by day 35"].observed == 25
    assert by_name["bodies out by day 34"].observed == 4
    assert by_name["prisoners by day 28"].observed == 1135
    assert by_name["prisoners by day 40"].reports == (1737, 1755)
    assert by_name["deaths by day 52"].read == ("daily", "deaths_palestinians", 52)
    assert by_name["war resumed, day"].read == ("field", "day_war_resumed", 0)
    # aid held back after the phase is now a model result too: nothing is left out
    assert by_name["aid held back after the phase, day"].observed == 43
    # the phase ended on its agreed day (42): its end state says all there is to say
    assert "phase ended, day" not in by_name
    assert len(qs) == 26 and not skipped


# --- the command ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def jan(tmp_path_factory):
    out = tmp_path_factory.mktemp("bt")
    result = invoke("backtest", HISTORY, RECORD, "-n", 150, "-s", 7, "-o", out)
    return result, out


def test_backtest_prints_percentiles_and_coverage_and_writes_its_files(jan):
    result, out = jan
    assert result.exit_code == 0, result.output
    assert "prisoners by day 40" in result.output and "observed quantities fall inside" in (
        result.output)
    data = json.loads((out / "backtest-jan-2025" / "summary.json").read_text())
    assert data["replications"] == 150 and len(data["quantities"]) == 26
    for item in data["quantities"]:
        m = item["model"]
        assert m["inside"] in (True, False) and m["verdict"]
        if item["unit"]:
            assert 0 <= m["percentile"] <= 1
    c = data["calibration"]
    assert c["inside"] == sum(x["model"]["inside"] for x in data["quantities"])
    # a deal that never delivers more than the agreed 600 trucks a day cannot reach the
    # reported >630 on day 1: a miss the report must show
    day_one = next(x for x in data["quantities"] if x["name"] == "aid trucks by day 1")
    assert day_one["model"]["p95"] <= 600 and not day_one["model"]["inside"]
    md = (out / "backtest-jan-2025" / "summary.md").read_text()
    assert "| aid trucks by day 1 | >630 |" in md and "NO, above" in md


def test_backtest_is_reproducible(jan, tmp_path):
    _, out = jan
    again = invoke("backtest", HISTORY, RECORD, "-n", 150, "-s", 7, "-o", tmp_path, "-q")
    assert again.exit_code == 0
    first = json.loads((out / "backtest-jan-2025" / "summary.json").read_text())
    second = json.loads((tmp_path / "backtest-jan-2025" / "summary.json").read_text())
    assert first == second


def test_backtest_defaults_to_the_january_2025_case(monkeypatch, tmp_path):
    monkeypatch.chdir(ROOT)
    result = invoke("backtest", "-n", 30, "-o", tmp_path, "-q")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "backtest-jan-2025" / "summary.md").exists()
    monkeypatch.chdir(tmp_path)
    result = invoke("backtest", "-n", 30, "-o", tmp_path)
    assert result.exit_code == 2 and "run from the project root" in result.output


@pytest.mark.parametrize("case", ["one-path", "bad-record", "unknown-stage"])
def test_backtest_errors_exit_2_and_write_nothing(case, tmp_path):
    bad = tmp_path / "rec.toml"
    if case == "bad-record":
        bad.write_text(RECORD.read_text().replace("day_one = 2025-01-19", "day_one = 2025-01-20"))
    else:
        bad.write_text(RECORD.read_text().replace('stage = "netzarim"', 'stage = "rafah"'))
    args = [RECORD] if case == "one-path" else [HISTORY, bad]
    result = invoke("backtest", *args, "-n", 10, "-o", tmp_path / "out")
    assert result.exit_code == 2 and "error:" in result.output
    assert not (tmp_path / "out").exists()
    if case == "unknown-stage":
        assert "no withdrawal stage 'rafah'" in result.output


# --- judged among the runs still holding, and what cannot be compared -----------------


def test_an_observation_is_also_judged_among_the_runs_still_holding():
    """Ten runs: 6 still holding with 10 freed, 4 collapsed earlier with 0 freed. The
    observation 0 is inside the interval of all runs (5th percentile 0) but below every
    run still holding: the pass comes only from the collapsed runs."""
    xs = np.array([10.0] * 6 + [0.0] * 4)
    held = np.array([True] * 6 + [False] * 4)
    r = evaluate(q(0), xs, held=held)
    assert r.inside and r.percentile == pytest.approx(0.5 * 4 / 10)
    assert r.holding_share == pytest.approx(0.6)
    assert r.percentile_holding == 0.0 and r.inside_holding is False
    c = backtest.calibration([r])
    assert c["inside_only_with_collapsed_runs"] == 1 and "only because runs" in c["words"]


def test_an_observation_not_compared_counts_as_a_miss():
    xs = np.arange(1.0, 101.0)
    c = backtest.calibration([evaluate(q(50), xs)], not_compared=1)
    assert (c["inside"], c["quantities"]) == (1, 2)
    assert "1 of 2 observed quantities (1 could not be compared" in c["words"]


def test_the_record_format_takes_territory_israeli_deaths_and_bodies_returned(tmp_path):
    path = tmp_path / "r.toml"
    path.write_text("""name = "r"
day_one = 2025-01-19
[[territory]]
day = 3
date = 2025-01-21
value = 0.4
sources = ["S1"]
[[israeli_deaths]]
day = 3
date = 2025-01-21
value = 1
sources = ["S1"]
[[palestinian_bodies_returned]]
day = 3
date = 2025-01-21
value = 10
sources = ["S1"]
[ending.fighting_resumed]
day = 5
date = 2025-01-23
sources = ["S1"]
""")
    qs, skipped = backtest.quantities(records.load(path), load(ROOT / "scenarios" / "base.toml"))
    reads = {x.name: x.read for x in qs}
    assert reads == {"Israeli deaths by day 3": ("daily", "deaths_israelis", 3),
                     "Palestinian bodies returned by day 3": ("daily", "bodies_returned", 3),
                     "territory held on day 3": ("daily", "territory_share_held", 3),
                     "war resumed, day": ("field", "day_war_resumed", 0)}
    assert not skipped


def test_a_share_above_one_is_an_error_with_its_line(tmp_path):
    path = tmp_path / "r.toml"
    path.write_text('name = "r"\nday_one = 2025-01-19\n[[territory]]\nday = 3\n'
                    'date = 2025-01-21\nvalue = 1.4\nsources = ["S1"]\n')
    with pytest.raises(records.RecordError) as info:
        records.load(path)
    (issue,) = info.value.issues
    assert (issue.path, issue.line) == ("territory[0].value", 6)


def test_validate_takes_a_record_too(tmp_path):
    result = invoke("validate", RECORD)
    assert result.exit_code == 0 and "ok: " in result.output and "record jan-2025" in (
        result.output)
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\nday_one = 2025-01-19\n[[handovers]]\nday = 2\n'
                   'date = 2025-01-19\nliving = 1\nsources = ["S1"]\n')
    result = invoke("validate", bad)
    assert result.exit_code == 2 and f"{bad}:5: handovers[0].date" in result.output
    # a file without day_one is a scenario, unless --record says otherwise
    result = invoke("validate", "--record", ROOT / "scenarios" / "base.toml")
    assert result.exit_code == 2 and "day_one" in result.output


# an uncertain scenario: the parameter sets `run` draws, pooled (issue 21, item 1) ------
POSTERIOR = (ROOT / "scenarios" / "calibrated" / "jan-2025-posterior.toml").read_text()


@pytest.fixture
def uncertain_history(tmp_path):
    """The January 2025 scenario with the shipped posterior's four distributions."""
    tables = POSTERIOR[POSTERIOR.index("[mediation]"):]
    path = tmp_path / "jan-uncertain.toml"
    path.write_text(f'extends = "{HISTORY}"\nname = "jan-uncertain"\n\n{tables}')
    return path


def test_backtest_pools_the_parameter_sets_run_draws(uncertain_history, tmp_path):
    n, seed = 400, 7
    ran = invoke("run", uncertain_history, "-n", n, "--seed", seed, "-q", "-o", tmp_path / "r")
    assert ran.exit_code == 0, ran.output
    shown = invoke("backtest", uncertain_history, RECORD, "-n", n, "--seed", seed,
                   "-o", tmp_path / "b")
    assert shown.exit_code == 0, shown.output
    assert "pooled over 40 parameter sets" in " ".join(shown.output.split())
    data = json.loads((tmp_path / "b" / "backtest-jan-2025" / "summary.json").read_text())
    assert data["parameter_sets"] == 40 and len(data["uncertain"]) == 4
    # independently: the observation's mid-rank among run's own replications
    with (tmp_path / "r" / "jan-uncertain" / "replications.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == n
    war = np.array([float(r["day_war_resumed"]) if r["day_war_resumed"] else math.inf
                    for r in rows])
    (q,) = [q for q in data["quantities"] if q["name"] == "war resumed, day"]
    expected = np.mean(war < q["observed"]) + 0.5 * np.mean(war == q["observed"])
    assert q["model"]["percentile"] == pytest.approx(expected, abs=1e-6)
    low, high = q["model"]["percentile_across_sets"]
    assert 0 <= low <= high <= 1
    # at the distributions' means (what backtest ran before) the answer is another one
    means = tmp_path / "means.toml"
    means.write_text(f'extends = "{HISTORY}"\nname = "jan-uncertain"\n\n' + "\n".join(
        f"[{key.rsplit('.', 1)[0]}]\n{key.rsplit('.', 1)[1]} = {value}" for key, value in (
            ("mediation.drain_per_day", 0.5523), ("crisis.collapse_hazard_per_day", 0.1443),
            ("handovers.slip_probability", 0.3338),
            ("violations.israeli_forces.incidents_per_day", 1.378))))
    at_means = invoke("backtest", means, RECORD, "-n", n, "--seed", seed, "-q",
                      "-o", tmp_path / "m")
    assert at_means.exit_code == 0, at_means.output
    fixed = json.loads((tmp_path / "m" / "backtest-jan-2025" / "summary.json").read_text())
    assert "parameter_sets" not in fixed
    assert [q["model"]["percentile"] for q in fixed["quantities"]] != \
        [q["model"]["percentile"] for q in data["quantities"]]
    md = (tmp_path / "b" / "backtest-jan-2025" / "summary.md").read_text()
    assert "## Across the 40 parameter sets" in md
