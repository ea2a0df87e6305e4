"""compare (paired differences under common random numbers) and diff (changed keys)."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from scipy import stats
from typer.testing import CliRunner

from conftest import BASE, SCENARIOS, base
from trucesim.analysis import compare
from trucesim.cli import app
from trucesim.run.engine import run_chunk
from trucesim.run.measures import matrix, select

runner = CliRunner()
# a seed under which the slip changes whether the truce collapses in a few pairs (with
# common random numbers most pairs agree; a sample where none differ would make the
# binary case vacuous)
N, SEED = 150, 12
SLIP = "releases[1].day=10"  # the day-7 handover three days late


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def slipped():
    a, b = base(), base(SLIP, "name=slipped")
    records = {key: run_chunk(s, seed, 0, N).values
               for key, s, seed in (("a", a, SEED), ("b", b, SEED), ("b_other", b, SEED + 1))}
    return a, b, compare.run([a, b], SEED, N, chunk_size=40), records


def column(scenario, records, name):
    """One measure per replication, straight from the engine's records (natural units)."""
    m = select(scenario, [name])
    return matrix(m, records)[:, 0] / m[0].scale


@pytest.mark.parametrize("name", ["p_collapsed", "living_released", "bodies_released",
                                  "aid_trucks_delivered", "deaths_palestinians", "end_day"])
def test_paired_interval_is_narrower_than_with_independent_seeds(slipped, name):
    a, b, result, records = slipped
    j = [m.name for m in result.measures].index(name)
    diff = result.difference(1, j).diff
    xa, xb = column(a, records["a"], name), column(b, records["b"], name)
    # the module's interval is the t-interval on the per-replication differences
    paired = stats.ttest_rel(xb, xa).confidence_interval(0.95)
    assert diff[0] == pytest.approx(float(np.mean(xb - xa)), abs=1e-9)
    assert diff[1:] == pytest.approx((paired.low, paired.high), abs=1e-9)
    # the same comparison with B run under another seed: Welch's interval
    xb_other = column(b, records["b_other"], name)
    independent = stats.ttest_ind(xb_other, xa, equal_var=False).confidence_interval(0.95)
    width = diff[2] - diff[1]
    assert width < 0.6 * (independent.high - independent.low)
    assert width > 0  # some replications do differ: the comparison is not trivially exact


def test_a_scenario_against_itself_differs_by_exactly_zero():
    a = base()
    result = compare.run([a, base("name=again")], 5, 30)
    for d in result.differences:
        assert d.diff == (0.0, 0.0, 0.0) and d.a == d.b


def test_probability_difference_counts_outcomes(slipped):
    _, _, result, records = slipped
    j = [m.name for m in result.measures].index("p_collapsed")
    collapsed = 3  # END_STATES index of 'collapsed'
    ka, kb = (int((records[k][:, 0] == collapsed).sum()) for k in "ab")
    assert result.difference(1, j).diff[0] == pytest.approx((kb - ka) / N)
    assert result.level(0, j)[0] == pytest.approx(ka / N)


def test_compare_command_writes_and_prints(tmp_path):
    variant = SCENARIOS / "slipping-handovers.toml"
    result = run("compare", BASE, variant, "-n", 40, "-o", tmp_path, "-w", 1)
    assert result.exit_code == 0, result.output
    assert "B − A" in result.output and "P(truce collapsed)" in result.output
    out = tmp_path / "compare-base-vs-slipping-handovers"
    assert {p.name for p in out.iterdir()} == {"differences.csv", "compare.md", "manifest.json"}
    rows = list(csv.DictReader((out / "differences.csv").open()))
    assert len(rows) == len(compare.common_measures([base(), base()]))
    slip = next(r for r in rows if r["outcome"] == "bodies_released")
    lo, mid, hi = (float(slip[k]) for k in ("difference_lo", "difference", "difference_hi"))
    assert lo <= mid <= hi and slip["scenario"] == "slipping-handovers"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 2025 and manifest["replications"] == 40
    assert "| P(truce collapsed) |" in (out / "compare.md").read_text()


def test_compare_does_not_depend_on_the_worker_count(tmp_path):
    variant = SCENARIOS / "strong-mediation.toml"
    for workers in (1, 2):
        result = run("compare", BASE, variant, "-n", 50, "-o", tmp_path / str(workers),
                     "-w", workers, "-q")
        assert result.exit_code == 0, result.output
    one, two = (tmp_path / w / "compare-base-vs-strong-mediation" / "differences.csv"
                for w in "12")
    assert one.read_bytes() == two.read_bytes()


def test_compare_refuses_bad_input_and_writes_nothing(tmp_path, write):
    bad, out = write("extends = 'base.toml'\n[crisis]\nmax_days = -1\n"), tmp_path / "out"
    assert run("compare", BASE, "-o", out).exit_code == 2
    result = run("compare", BASE, bad, "-o", out)
    assert result.exit_code == 2 and "crisis.max_days" in result.output
    assert run("compare", BASE, BASE, "-o", out).exit_code == 2  # same name twice
    assert not out.exists()


def diff_lines(*args):
    result = run("diff", *args)
    assert result.exit_code == 0, result.output
    return [line.split() for line in result.output.splitlines()[1:]]


def test_diff_lists_exactly_what_a_shipped_variant_changes():
    lines = diff_lines(BASE, SCENARIOS / "slipping-handovers.toml")
    assert lines == [["handovers.slip_probability", "0.15", "0.5"],
                     ["handovers.slip_mean_days", "2.0", "4.0"],
                     ["handovers.dispute_probability", "0.2", "0.35"]]


def test_diff_lists_set_overrides_including_the_schedule():
    lines = diff_lines(BASE, BASE, "--set", "releases[1].day=9",
                       "--set", "mediation.response_delay_days=4",
                       "--set", "crisis.max_days=7")  # same as base: not a difference
    assert lines == [["releases[1].day", "7", "9"], ["mediation.response_delay_days", "2", "4"]]


def test_diff_shows_schedule_entries_one_side_lacks():
    lines = diff_lines(BASE, SCENARIOS / "may-2025.toml")
    keys = [line[0] for line in lines]
    assert ["releases[4].day", "60", "(absent)"] in lines
    assert "releases[0].living" in keys and "handovers.slip_probability" not in keys


def test_diff_of_equal_scenarios_says_so():
    result = run("diff", BASE, BASE)
    assert result.exit_code == 0 and result.output == "no assumptions differ\n"
