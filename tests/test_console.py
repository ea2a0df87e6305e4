"""What the commands print fits an 80-column console: no line longer, no word split or
cut short; compare shows the outcomes that moved; counts and shares with their precision."""

from __future__ import annotations

import re

import pytest
from rich.cells import cell_len
from typer.testing import CliRunner

from conftest import BASE, ROOT, SCENARIOS
from trucesim import fmt
from trucesim.analysis import changed
from trucesim.analysis.compare import Difference
from trucesim.cli import app
from trucesim.run.measures import Measure
from trucesim.run.stats import t_quantile

RECORD = ROOT / "data" / "records" / "jan-2025.toml"
HISTORY = SCENARIOS / "history" / "jan-2025-ceasefire.toml"


def at_80(*args):
    result = CliRunner(env={"COLUMNS": "80", "TERM": "dumb"}).invoke(
        app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.output


def assert_fits(output, whole=()):
    """Every line within 80 columns, nothing cut short ('…'), the words in `whole` (the
    table's headers) each on one line, and no fragment of a split header word."""
    for line in output.splitlines():
        assert cell_len(line) <= 80, line
        assert "…" not in line, line
    for words in whole:
        assert words in output, words
    tokens = set(output.split())
    assert not tokens & {"obse", "rved", "colla", "psed", "med", "ian", "inte", "rval"}


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    return tmp_path_factory.mktemp("console")


def test_run_fits(out):
    assert_fits(at_80("run", BASE, "-n", 60, "-o", out), ["mean [95% CI]", "5th to 95th pct"])


def test_run_with_uncertain_assumptions_fits(out):
    text = at_80("run", SCENARIOS / "base-uncertain.toml", "-n", 80, "-o", out)
    # too wide with the median and percentiles: they are left to summary.md, and it says so
    assert_fits(text, ["mean [95% CI]", "assumptions 5-95%", "percentiles are in summary.md"])
    # every row's spread across the assumptions is shown, not cut off
    assert re.search(r"P\(truce collapsed\).* to .* to .*%", text)


def test_compare_fits(out):
    assert_fits(at_80("compare", BASE, SCENARIOS / "may-2025.toml", "-n", 60, "-o", out),
                ["outcome", "B − A", "P(all scheduled living out)"])


def test_compare_of_three_fits(out):
    text = at_80("compare", BASE, SCENARIOS / "may-2025.toml",
                 SCENARIOS / "slow-withdrawal.toml", "-n", 40, "-o", out)
    assert_fits(text, ["B − A", "C − A"])


def test_backtest_fits(out):
    text = at_80("backtest", HISTORY, RECORD, "-n", 60, "-o", out)
    assert_fits(text, ["quantity", "observed", "median", "90% range", "pct", "if holding",
                       "verdict", "prisoners by day 40", "aid trucks by day 19"])


def test_sweep_fits(out):
    assert_fits(at_80("sweep", BASE, "--vary", "mediation.drain_per_day=0.1:0.5",
                      "--vary", "crisis.max_days=3:14", "--samples", 2, "-n", 10, "-o", out),
                ["assumption", "mediation.drain_per_day"])


def test_params_and_validate_fit():
    assert_fits(at_80("params", SCENARIOS / "may-2025.toml"))
    assert_fits(at_80("validate", BASE, RECORD), ["ok: ", "10 handovers"])


def test_calibrate_summary_fits(out):
    text = at_80("calibrate", HISTORY, RECORD, "--vary", "mediation.drain_per_day",
                 "--budget", 60, "--population", 20, "-w", 1, "-o", out)
    assert_fits(text, ["mediation.drain_per_day", "Posterior predictive check"])


def test_bench_fits():
    assert_fits(at_80("bench", BASE, "-n", 10, "--rounds", 1, "--scale", 10,
                      "--scale-rounds", 1, "-w", 1), ["replications/s", "vectorised reference"])


# compare shows what moved -----------------------------------------------------------
@pytest.fixture(scope="module")
def fewer_trucks(tmp_path_factory):
    """base against a copy with 400 trucks a day agreed instead of 600."""
    folder = tmp_path_factory.mktemp("aid")
    (folder / "base.toml").write_text(BASE.read_text())
    (folder / "aid400.toml").write_text('extends = "base.toml"\nname = "aid400"\n'
                                        "[aid]\ntrucks_per_day_agreed = 400.0\n")
    text = at_80("compare", folder / "base.toml", folder / "aid400.toml", "-n", 100, "-o",
                 folder)
    return text, (folder / "compare-base-vs-aid400" / "compare.md").read_text()


def test_compare_shows_the_outcomes_that_moved_below_the_headline(fewer_trucks):
    text, _ = fewer_trucks
    assert_fits(text)
    lines = text.splitlines()
    row = {name: next(k for k, line in enumerate(lines) if line.startswith(f" {name} "))
           for name in ("P(truce collapsed)", "aid trucks agreed", "aid trucks delivered")}
    # 200 fewer trucks a day over the 60-day window, in every replication: -12,000 with
    # no spread (an infinite standardised difference) comes first; the delivered trucks
    # move by less, with a spread
    assert row["P(truce collapsed)"] < row["aid trucks agreed"] < row["aid trucks delivered"]
    assert "-12,000 [-12,000 to -12,000]" in lines[row["aid trucks agreed"]]
    assert "standard error" in text
    # outcomes the change does not touch are not listed
    assert " crises " not in text and "incidents israeli forces" not in text


def test_compare_md_lists_them_in_the_same_order(fewer_trucks):
    _, md = fewer_trucks
    section = md.split("## Other outcomes that changed")[1].split("## Every outcome")[0]
    assert section.index("| aid_trucks_agreed |") < section.index("| aid_trucks_delivered |")
    assert "| crises |" not in section


def difference(mean, lo, hi):
    m = Measure("x", "number", "days", "x", 0)
    return Difference(m, "a", "b", (0, 0, 0), (0, 0, 0), (mean, lo, hi), 1.0, 1.0)


def test_the_standardised_difference_is_the_difference_over_its_standard_error():
    # interval 1 to 3 from 100 paired replications: half-width 1 = t(99) * se
    assert changed.standardised(difference(2, 1, 3), 100) == pytest.approx(2 * t_quantile(99))
    assert t_quantile(99) == pytest.approx(1.984, abs=1e-3)
    assert changed.standardised(difference(-5, -5, -5), 100) == float("inf")
    assert changed.excludes_zero(difference(-2, -3, -1))
    assert not changed.excludes_zero(difference(1, -1, 3))


# precision ---------------------------------------------------------------------------
def test_shares_keep_two_decimals_and_counts_are_whole_with_separators():
    assert fmt.count_or_day(0.53, 60, "share") == "0.53"
    assert fmt.count_or_day(1737.0, 60, "persons") == "1,737"
    assert fmt.count_or_day(2448.6, 60, "deaths") == "2,449"
    assert fmt.count_or_day(None, 60, "day") == "after 60"


def test_backtest_shows_a_territory_share_of_0_53(tmp_path):
    record = tmp_path / "r.toml"
    record.write_text('name = "r"\nday_one = 2025-01-19\n[[territory]]\nday = 3\n'
                      'date = 2025-01-21\nvalue = 0.53\nsources = ["S1"]\n')
    text = at_80("backtest", BASE, record, "-n", 40, "-o", tmp_path)
    (line,) = [x for x in text.splitlines() if x.startswith(" territory held on")]
    assert " 0.53 " in line
    assert_fits(text)
