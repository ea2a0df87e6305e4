"""Aid counted by several channels (issue 21, item 2): aid.channels gives each monitor's
share of the trucks that enter; each is an outcome of its own, and a record's aid entry
from that channel is compared with that share of the trucks by its day. Worked by hand
from the replications' own totals."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from conftest import BASE, base
from trucesim.analysis import backtest
from trucesim.analysis import history as records
from trucesim.cli import app
from trucesim.model import actors
from trucesim.run.engine import run_chunk
from trucesim.scenario import load
from trucesim.scenario.load import ScenarioError

runner = CliRunner()
UN = "aid.channels={un2720 = 0.45, cogat = 1.0}"


def column(s, values, name):
    return values[:, [f.name for f in actors.fields(s)].index(name)]


def test_each_channel_counts_its_share_of_the_trucks_to_the_nearest():
    s = base(UN)
    values = run_chunk(s, 3, 0, 64).values
    total = column(s, values, "aid_trucks_delivered")
    assert (column(s, values, "aid_trucks_un2720") == np.floor(0.45 * total + 0.5)).all()
    assert (column(s, values, "aid_trucks_cogat") == total).all()
    # the channels only report: every other outcome is as without them
    plain = base()
    others = [f.name for f in actors.fields(plain)]
    assert np.array_equal(values[:, [[f.name for f in actors.fields(s)].index(n)
                                     for n in others]], run_chunk(plain, 3, 0, 64).values)


@pytest.mark.parametrize("bad", ["aid.channels={un = 1.5}", "aid.channels={UN = 0.5}",
                                 "aid.channels={'un 2720' = 0.5}"])
def test_a_share_outside_0_to_1_or_a_name_that_is_not_lower_snake_case_is_an_error(bad):
    with pytest.raises(ScenarioError):
        base(bad)


def record(tmp_path, channel: str, value: int = 500):
    path = tmp_path / "r.toml"
    path.write_text(f'name = "r"\nday_one = 2025-07-01\n[[aid]]\nday = 10\ndate = 2025-07-10\n'
                    f'value = {value}\nchannel = "{channel}"\nsources = ["S7"]\n'
                    f'[[aid]]\nday = 10\ndate = 2025-07-10\nvalue = {value}\n'
                    f'sources = ["S7"]\n')
    return path


def test_a_channels_record_is_compared_with_its_share_and_an_unknown_one_is_not(tmp_path):
    qs, skipped = backtest.quantities(records.load(record(tmp_path, "un2720")), base(UN))
    by = {q.name: q for q in qs}
    assert by["aid trucks by day 10 (un2720)"].share == 0.45
    assert by["aid trucks by day 10"].share == 1.0  # the total, as before
    qs, skipped = backtest.quantities(records.load(record(tmp_path, "wfp")), base(UN))
    assert [q.name for q in qs] == ["aid trucks by day 10"]
    assert skipped == ["aid trucks by day 10 (wfp): the scenario has no aid channel 'wfp' "
                       "(its aid.channels: cogat, un2720)"]


def test_backtest_reads_a_channels_count_as_its_share_of_each_runs_trucks(tmp_path):
    """The model's median for the channel is the median over runs of round(0.45 x the
    trucks by day 10), read here from the daily trajectories of a plain run."""
    scenario = tmp_path / "s.toml"
    scenario.write_text(f'extends = "{BASE.as_posix()}"\nname = "s"\n[aid]\n'
                        'channels = { un2720 = 0.45 }\n')
    out = tmp_path / "out"
    result = runner.invoke(app, ["backtest", str(scenario), str(record(tmp_path, "un2720",
                                 2000)), "-n", "100", "--seed", "5", "-o", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    got = {q["name"]: q for q in json.loads(
        (out / "backtest-r" / "summary.json").read_text())["quantities"]}
    s = load(scenario)
    daily = run_chunk(s, 5, 0, 100).daily
    k = [x.name for x in actors.series()].index("aid_trucks_delivered")
    trucks = np.sort(np.floor(0.45 * daily[:, 10, k] + 0.5))
    channel = got["aid trucks by day 10 (un2720)"]
    assert channel["share"] == 0.45 and "share" not in got["aid trucks by day 10"]
    assert channel["model"]["median"] == trucks[49]  # the 50th of 100
    assert got["aid trucks by day 10"]["model"]["median"] == np.sort(daily[:, 10, k])[49]
