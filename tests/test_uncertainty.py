"""Uncertain assumptions: distributions in the format, parameter sets, two intervals,
drivers, and comparisons over the same sets (issue 11)."""

from __future__ import annotations

import csv
import json
import re

import numpy as np
import pytest
from scipy import stats
from typer.testing import CliRunner

from conftest import BASE, SCENARIOS, base
from trucesim.analysis import compare, tables
from trucesim.cli import app
from trucesim.run import assumptions, runner
from trucesim.run.executors import SerialExecutor
from trucesim.run.measures import Measure, Totals
from trucesim.run.results import load_run
from trucesim.scenario import registry
from trucesim.scenario.load import ScenarioError, load

cli = CliRunner()
UNCERTAIN = SCENARIOS / "base-uncertain.toml"
DRAIN = "mediation.drain_per_day"


def drain(low: float, high: float) -> str:
    return f'{DRAIN}={{dist="triangular", low={low}, mode=0.3, high={high}}}'


def run_summary(tmp_path, scenario, n=400, sets=20, name="x"):
    done = runner.run(scenario, 2025, n, tmp_path / name, SerialExecutor(),
                      parameter_sets=sets)
    return done.summary


# the format ---------------------------------------------------------------------------
def test_a_distribution_is_validated_with_its_key_and_line(write):
    path = write('extends = "base.toml"\nname = "v"\n[mediation]\n'
                 'drain_per_day = { dist = "triangular", low = 0.5, mode = 0.3, high = 0.9 }\n')
    with pytest.raises(ScenarioError) as err:
        load(path)
    text = str(err.value)
    assert "mediation.drain_per_day" in text and ":4:" in text


def test_a_distribution_beyond_the_keys_bounds_is_refused(write):
    path = write('extends = "base.toml"\nname = "v"\n[handovers]\n'
                 'slip_probability = { dist = "uniform", low = 0.2, high = 1.5 }\n')
    with pytest.raises(ScenarioError) as err:
        load(path)
    assert "handovers.slip_probability" in str(err.value) and "1.5" in str(err.value)


def test_set_accepts_a_distribution_and_params_shows_it():
    s = base(drain(0.1, 0.5))
    assert [u.key for u in s.uncertain] == [DRAIN]
    # the number in its place is the distribution's mean: (0.1 + 0.3 + 0.5) / 3
    assert s.mediation.drain_per_day == pytest.approx(0.3)
    result = cli.invoke(app, ["params", str(BASE), "--set", drain(0.1, 0.5)])
    assert result.exit_code == 0, result.output
    line = next(ln for ln in result.output.splitlines() if "drain_per_day" in ln)
    assert "triangular" in line


def test_rules_across_keys_are_checked_on_every_parameter_set(tmp_path, write):
    path = write('extends = "base.toml"\nname = "v"\n[crisis]\n'
                 'threshold = { dist = "uniform", low = 8, high = 20 }\n'
                 'resolve_below = { dist = "uniform", low = 1, high = 12 }\n')
    load(path)  # each range alone is fine: only some combinations break the rule
    for command in (["validate", str(path)], ["run", str(path), "-n", "100", "-q", "-o",
                                                   str(tmp_path / "out")]):
        result = cli.invoke(app, command)
        assert result.exit_code == 2, result.output
        assert "breaks a rule, crisis.resolve_below" in result.output
    assert not (tmp_path / "out" / "v").exists()


# the plan: parameter sets -------------------------------------------------------------
def test_each_parameter_has_its_own_stream_shared_across_scenarios():
    one = assumptions.plan(base(drain(0.1, 0.5)), 7, 1000, 20)
    two = assumptions.plan(base(drain(0.1, 0.5), 'crisis.max_days={dist="uniform", '
                                "low=3, high=10}"), 7, 1000, 20)
    assert two.keys == (DRAIN, "crisis.max_days") or two.keys == ("crisis.max_days", DRAIN)
    column = two.keys.index(DRAIN)
    np.testing.assert_array_equal(one.values[:, 0], two.values[:, column])
    # a Latin hypercube: exactly one value in each of the 20 equal-probability strata
    dist = stats.triang(c=0.5, loc=0.1, scale=0.4)
    strata = np.floor(dist.cdf(one.values[:, 0]) * 20).astype(int)
    assert sorted(strata.tolist()) == list(range(20))
    assert one.starts == tuple(range(0, 1001, 50))


def test_a_scenario_without_distributions_has_one_set_and_no_uncertainty(tmp_path):
    p = assumptions.plan(base(), 1, 500)
    assert not p.uncertain and p.starts == (0, 500) and len(p.sets) == 1
    summary = run_summary(tmp_path, base(), n=200)
    assert "uncertainty" not in summary
    assert all("assumptions_p05_p95" not in d for d in summary["outcomes"].values())


def test_spread_is_zero_when_the_sets_do_not_differ():
    m = Measure("x", "number", "count", "x", 0)
    rng = np.random.default_rng(3)
    same = rng.integers(0, 20, size=(50, 1))  # Totals are exact integer sums
    totals = []
    for _ in range(8):  # eight sets with exactly the same replications
        t = Totals(1)
        t.add(same)
        totals.append(t)
    s = assumptions.spread(totals, 0, m)
    assert s["p05"] == s["p95"] == pytest.approx(same.mean())
    assert s["share_from_assumptions"] == 0


def test_spread_is_net_of_monte_carlo_noise():
    """Set means with a known between-set sd (2) and within-set sd (10), m = 25 each:
    the raw spread of the set means mixes in noise of sd 10/5 = 2; the net spread's
    share should be near 4 / (4 + 4) = 0.5, and its 5-95% width near 2 * 1.645 * 2."""
    m = Measure("x", "number", "count", "x", 0)
    rng = np.random.default_rng(11)
    totals = []
    for centre in rng.normal(100, 2, size=400):
        t = Totals(1)
        t.add(np.rint(rng.normal(centre, 10, size=(25, 1))).astype(np.int64))
        totals.append(t)
    s = assumptions.spread(totals, 0, m)
    assert 0.35 < s["share_from_assumptions"] < 0.65
    assert s["raw_p95"] - s["raw_p05"] > s["p95"] - s["p05"]
    assert (s["p95"] - s["p05"]) == pytest.approx(2 * 1.645 * 2, rel=0.2)


def test_the_spread_widens_with_the_distribution(tmp_path):
    narrow = run_summary(tmp_path, base(drain(0.28, 0.32)), name="narrow")
    wide = run_summary(tmp_path, base(drain(0.05, 0.6)), name="wide")

    def width(summary):
        lo, hi = summary["uncertainty"]["by_measure"]["p_collapsed"]["p05"], \
            summary["uncertainty"]["by_measure"]["p_collapsed"]["p95"]
        return hi - lo

    assert width(wide) > 3 * width(narrow)
    assert width(wide) > 0.1  # drain 0.2 -> 0.4 moves collapse by tens of points


def test_drivers_find_the_one_parameter_that_matters_and_match_scipy(tmp_path):
    s = base(drain(0.05, 0.6), 'aid.closure_days={dist="uniform", low=1, high=3}')
    summary = run_summary(tmp_path, s, n=600, sets=30)
    top = summary["uncertainty"]["drivers"]["p_collapsed"][0]
    assert top["parameter"] == DRAIN and top["rho"] < 0 and top["ci95"][1] < 0
    # rho is Spearman's between the drain values and the sets' collapse shares
    directory = tmp_path / "x" / s.name
    with open(directory / "parameter_sets.csv", newline="") as f:
        sets = list(csv.DictReader(f))
    with open(directory / "replications.csv", newline="") as f:
        ended = [row["end_state"] == "collapsed" for row in csv.DictReader(f)]
    shares = [np.mean(ended[int(r["first_replication"]):
                            int(r["first_replication"]) + int(r["replications"])])
              for r in sets]
    rho = stats.spearmanr([float(r[DRAIN]) for r in sets], shares).statistic
    assert top["rho"] == pytest.approx(rho, abs=1e-6)


# the CLI and the files ----------------------------------------------------------------
def test_run_prints_both_intervals_and_drivers(tmp_path):
    result = cli.invoke(app, ["run", str(UNCERTAIN), "-n", "200", "-k", "10", "-o",
                              str(tmp_path)], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    assert "assumptions 5-95%" in result.output and "Two intervals" in result.output
    assert "What drives them" in result.output
    md = (tmp_path / "base-uncertain" / "summary.md").read_text()
    assert "across the assumptions" in md.lower() or "assumptions 5-95%" in md
    summary = json.loads((tmp_path / "base-uncertain" / "summary.json").read_text())
    lo, hi = summary["outcomes"]["deaths_palestinians"]["assumptions_p05_p95"]
    assert lo < summary["outcomes"]["deaths_palestinians"]["mean"] < hi


def test_same_bytes_on_one_and_two_workers(tmp_path):
    for name, args in {"one": ["-w", "1", "--executor", "serial"],
                       "two": ["-w", "2", "--executor", "pool"]}.items():
        result = cli.invoke(app, ["run", str(UNCERTAIN), "-n", "300", "-q", "-o",
                                  str(tmp_path / name), *args])
        assert result.exit_code == 0, result.output
    for file in ("summary.json", "replications.csv", "daily.csv", "parameter_sets.csv"):
        assert (tmp_path / "one" / "base-uncertain" / file).read_bytes() == \
            (tmp_path / "two" / "base-uncertain" / file).read_bytes(), file


def test_compare_gives_each_difference_its_spread_by_either_route(tmp_path):
    scenarios = [base(), base(drain(0.05, 0.6))]
    scenarios[1] = scenarios[1].model_copy(update={"name": "wide"})
    fresh = compare.run(scenarios, 2025, 400, parameter_sets=10)
    assert fresh.uncertain and fresh.parameter_sets == 10
    # the same comparison from the runs' own results directories
    dirs = [runner.run(s, 2025, 400, tmp_path, SerialExecutor(), parameter_sets=10).directory
            for s in scenarios]
    again = compare.from_runs([load_run(d) for d in dirs])
    for a, b in zip(fresh.differences, again.differences, strict=True):
        assert a.spread == pytest.approx(b.spread, abs=1e-9), a.measure.name
    j = [m.name for m in fresh.measures].index("p_collapsed")
    lo, hi = fresh.difference(1, j).spread
    assert lo < hi
    # differences.csv keeps it, and reading the directory back restores it
    written = tables.write(fresh, scenarios, tmp_path / "cmp", [], 1, 0.0)
    text = (written / "differences.csv").read_text()
    assert "difference_assumptions_p05" in text.splitlines()[0]
    back, _, _ = tables.read(written)
    assert back.difference(1, j).spread == pytest.approx((lo, hi), rel=1e-5)
    assert "parameter sets" in (written / "compare.md").read_text()


def test_compare_on_the_console_shows_the_spread_column(tmp_path):
    result = cli.invoke(app, ["compare", str(BASE), str(UNCERTAIN), "-n", "200", "-k", "8",
                              "-o", str(tmp_path)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "assumptions 5-95%" in result.output
    assert re.search(r"across 8 parameter sets", result.output)


# the shipped scenario -----------------------------------------------------------------
OFF = ("retaliation_per_own_death", "mass_casualty_probability", "mass_casualty_multiplier")


def test_base_uncertain_gives_every_behavioural_assumption_its_range():
    s, b = load(UNCERTAIN), load(BASE)
    dists = {u.key: u.dist for u in s.uncertain}
    text = UNCERTAIN.read_text()
    for p in registry.parameters(b):
        if p.confidence != "assumption" or p.plausible is None or isinstance(p.value, bool):
            continue
        if (p.key.startswith("extensions.") or p.key.rsplit(".", 1)[-1] in OFF
                or (p.off and p.value == p.default)):  # terms declared off, left off
            assert p.key not in dists  # left at base's value, as the file says
            continue
        assert p.key in dists, p.key
        low, high = dists[p.key].support()
        if (low, high) != pytest.approx(p.plausible):  # only where a rule forces it
            line = next(ln for ln in text.splitlines()
                        if ln.startswith(p.key.rsplit(".", 1)[-1] + " ="))
            assert "narrowed" in line and p.plausible[0] <= low < high <= p.plausible[1]
    # the no-truce death rate: the Gaza Health Ministry's sub-period averages
    cf = dists["counterfactual.deaths_per_day_palestinians"]
    assert cf.support() == pytest.approx((62, 86))
    # the deal itself is base's
    assert s.releases == b.releases and s.withdrawal.stages == b.withdrawal.stages
    assert s.aid.trucks_per_day_agreed == b.aid.trucks_per_day_agreed
    assert s.exchange.prisoners_per_living_hostage == b.exchange.prisoners_per_living_hostage


def test_the_uncertainty_doc_states_the_defaults_the_code_uses():
    doc = (SCENARIOS.parent / "docs" / "uncertainty.md").read_text()
    assert f"(default {assumptions.DEFAULT_SETS}, `--parameter-sets K`)" in doc
    assert f"1,000 runs: {1000 // assumptions.DEFAULT_SETS} per set" in doc
    rate = next(p for p in registry.parameters()
                if p.key == "counterfactual.deaths_per_day_palestinians")
    assert f"Base uses {rate.default:g} Palestinian deaths" in doc
    low, high = rate.plausible
    assert f"about {low:g} a day" in doc and f"about {high:g} a day" in doc
    # the sub-period averages, from the counts the doc cites: 18 Mar-6 Jul is 110 days,
    # 18 Mar-31 Jul 135 days, ~10 Jul-31 Jul 21 days
    assert round(6860 / 110) == low and round(9071 / 135) == rate.default
    assert round((9071 - 7261) / 21) == high


def test_the_end_state_chart_draws_the_spread_of_an_uncertain_run(tmp_path):
    from trucesim.teaching import plots

    plain = runner.run(base(), 2025, 100, tmp_path, SerialExecutor()).directory
    wide = base(drain(0.05, 0.6)).model_copy(update={"name": "wide"})
    uncertain = runner.run(wide, 2025, 100, tmp_path, SerialExecutor(),
                           parameter_sets=10).directory
    def spreads(run):
        (ax,) = plots.end_states([load_run(run)]).axes
        return sorted(tuple(line.get_ydata()) for line in ax.get_lines()
                      if line.get_color() == "#e69f00")

    assert spreads(plain) == []
    summary = load_run(uncertain).summary["end_states"]
    drawn = spreads(uncertain)
    expected = sorted(tuple(summary[s]["assumptions_p05_p95"]) for s in
                      ("permanent", "extended", "expired", "collapsed"))
    assert np.allclose(drawn, expected)
