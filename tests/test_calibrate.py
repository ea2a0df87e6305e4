"""trucesim calibrate: ABC-SMC recovers a known parameter, its posterior is a scenario
fragment other scenarios extend, a second run continues the first, bad input is one
line of error."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sqlite3
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

from conftest import ROOT
from trucesim.analysis.calibrate import Model, calibrate, priors
from trucesim.analysis.history import Record
from trucesim.analysis.history import load as load_record
from trucesim.analysis.posterior import fit, marginals
from trucesim.cli import app
from trucesim.model import actors
from trucesim.run.engine import run_chunk
from trucesim.run.executors import PoolExecutor, SerialExecutor
from trucesim.scenario.load import load
from trucesim.scenario.uncertain import with_values

pytest.importorskip("pyabc")

runner = CliRunner()
RECORD = ROOT / "data" / "records" / "jan-2025.toml"
HISTORY = ROOT / "scenarios" / "history" / "jan-2025-ceasefire.toml"
DRAIN, SLIP = "mediation.drain_per_day", "handovers.slip_probability"
SMALL = ("--budget", "150", "--population", "30", "--workers", "1", "--quiet")


def invoke(*args):
    return runner.invoke(app, ["calibrate", *(str(a) for a in args)])


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory):
    """One small calibration of two parameters (its directory)."""
    out = tmp_path_factory.mktemp("cal")
    result = invoke(HISTORY, RECORD, "--vary", DRAIN, "--vary", SLIP, *SMALL, "-o", out)
    assert result.exit_code == 0, result.output
    return out / "calibrate-jan-2025"


# a calm January 2025: no crisis can start, so deaths follow the incident rate
CALMER = ("crisis.collapse_hazard_per_day=0", "tension.per_incident=0",
          "tension.per_palestinian_death=0", "tension.per_israeli_death=0",
          "violations.israeli_forces.fatality_dispersion=10")


def test_abc_recovers_a_known_incident_rate_from_a_synthetic_record(tmp_path):
    key, truth = "violations.israeli_forces.incidents_per_day", 2.0
    scenario = load(HISTORY, CALMER)
    runs = run_chunk(with_values(scenario, {key: truth}), 7, 0, 20)
    series = actors.series()
    k = [s.name for s in series].index("deaths_palestinians")
    day_one = dt.date(2025, 1, 19)
    deaths = [{"day": d, "date": day_one + dt.timedelta(days=d - 1), "sources": ["S1"],
               "value": round(float(runs.daily[:, d, k].mean() / series[k].scale))}
              for d in (5, 10, 15, 20, 25, 30)]
    record = Record.model_validate({"name": "synthetic", "day_one": day_one,
                                    "deaths": deaths})
    bounds = priors(scenario, [key])
    result = calibrate(Model(scenario, record, [key], 1), bounds, tmp_path, 700,
                       SerialExecutor(), population=60)
    (m,) = marginals(result.keys, bounds, result.particles, result.weights)
    assert m.p05 <= truth <= m.p95
    assert m.narrowing < 0.6  # the record says something about the rate


def test_the_fitted_beta_keeps_the_posteriors_mean_and_spread():
    x = np.random.default_rng(1).normal(0.3, 0.05, 2000).clip(0, 0.8)
    m = fit(DRAIN, x, np.ones_like(x), 0.0, 0.8)
    assert m.beta.mean() == pytest.approx(x.mean(), abs=1e-3)
    assert float(m.beta.frozen().std()) == pytest.approx(x.std(), rel=0.02)
    assert m.p05 < 0.3 < m.p95 and 0.1 < m.narrowing < 0.3


def test_the_posterior_is_a_fragment_another_scenario_extends(calibrated, tmp_path):
    summary = json.loads((calibrated / "summary.json").read_text())
    child = tmp_path / "child.toml"
    child.write_text(f'extends = "{calibrated / "posterior.toml"}"\nname = "child"\n')
    scenario = load(child)
    dists = {u.key: u.dist for u in scenario.uncertain}
    assert set(dists) == {DRAIN, SLIP}
    for p in summary["parameters"]:
        assert dists[p["key"]].dist == "beta"
        assert dists[p["key"]].mean() == pytest.approx(p["fragment"]["mean"], rel=1e-6)
    # everything else is base's: the fragment extends the historical scenario's parent
    assert scenario.truce.window_days == load(ROOT / "scenarios" / "base.toml").truce.window_days
    for name in ("summary.md", "manifest.json", "figures/prior-posterior.png", "abc.db"):
        assert (calibrated / name).exists(), name
    predictive = summary["predictive"]
    assert {"prior", "posterior", "scenario"} <= set(predictive)
    assert predictive["prior"]["calibration"]["quantities"] == 26


def test_a_second_run_continues_the_first(calibrated):
    def state():
        summary = json.loads((calibrated / "summary.json").read_text())
        return summary["generations"], summary["simulations"]

    generations, simulations = state()
    assert simulations >= 150
    same = invoke(HISTORY, RECORD, "--vary", DRAIN, "--vary", SLIP, *SMALL, "-o",
                  calibrated.parent)
    assert same.exit_code == 0, same.output
    assert state() == (generations, simulations)  # nothing left to do: not restarted
    first = populations(calibrated)
    more = invoke(HISTORY, RECORD, "--vary", DRAIN, "--vary", SLIP, *SMALL, "-o",
                  calibrated.parent, "--budget", str(simulations + 100))
    assert more.exit_code == 0, more.output
    later = state()
    assert later[0] > generations and later[1] > simulations
    assert populations(calibrated)[:len(first)] == first  # the earlier ones are kept
    # a changed setting is not mixed into the same database
    other = invoke(HISTORY, RECORD, "--vary", DRAIN, *SMALL, "-o", calibrated.parent)
    assert other.exit_code == 2 and "other settings (differs: priors, vary)" in other.output
    assert state() == later


def populations(directory):
    """(generation, simulations, tolerance) of every generation in pyabc's database."""
    with sqlite3.connect(directory / "abc.db") as db:
        return db.execute("SELECT t, nr_samples, epsilon FROM populations ORDER BY t").fetchall()


def one_line_error(result, expected):
    lines = result.output.strip().splitlines()
    assert result.exit_code == 2, result.output
    assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0]


@pytest.mark.parametrize(("args", "expected"), [
    (("--vary", "mediation.no_such_key"), "--vary mediation.no_such_key: no such parameter"),
    (("--vary", "handovers.withheld_in_crisis"), "no plausible range"),
    (("--vary", DRAIN, "--vary", DRAIN), "given twice"),
    (("--vary", "exchange.prisoners_per_living_hostage.gaza_detainees"),
     "a scenario cannot give it as a distribution"),
    (("--vary", DRAIN, "--budget", "0"), "--budget must be at least 1"),
    (("--vary", "truce.window_days"), "at 30, an end of its plausible range"),
])
def test_bad_input_is_one_line(tmp_path, args, expected):
    result = invoke(HISTORY, RECORD, *args, "-o", tmp_path)
    one_line_error(result, expected)
    assert not any(tmp_path.iterdir())


def test_a_missing_record_is_one_line(tmp_path):
    result = invoke(HISTORY, tmp_path / "nope.toml", "--vary", DRAIN, "-o", tmp_path)
    one_line_error(result, "nope.toml")


def test_without_the_extra_it_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyabc", None)  # import pyabc raises ImportError
    result = invoke(HISTORY, RECORD, "--vary", DRAIN, "-o", tmp_path)
    one_line_error(result, "pip install 'trucesim[calibrate]'")


def test_a_directory_trucesim_did_not_write_is_left_alone(tmp_path):
    mine = tmp_path / "calibrate-jan-2025"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    result = invoke(HISTORY, RECORD, "--vary", DRAIN, "-o", tmp_path)
    assert result.exit_code == 2 and "trucesim did not write" in result.output
    assert (mine / "notes.txt").read_text() == "mine"


def _pid(_: int) -> int:
    return os.getpid()


def test_a_kept_pool_serves_every_map_with_the_same_workers():
    executor = PoolExecutor(1, keep=True)
    try:
        first = set(executor.map(_pid, range(3)))
        assert set(executor.map(_pid, range(3))) == first and os.getpid() not in first
    finally:
        executor.close()
    fresh = PoolExecutor(1)
    assert set(fresh.map(_pid, range(2))) != set(fresh.map(_pid, range(2)))


def test_the_shipped_posterior_is_an_option_and_base_is_unchanged():
    shipped = ROOT / "scenarios" / "calibrated" / "jan-2025-posterior.toml"
    text = shipped.read_text()
    assert "trucesim calibrate scenarios/history/jan-2025-ceasefire.toml" in text
    assert "not base's defaults" in text
    scenario = load(shipped)
    assert {u.key for u in scenario.uncertain} == {
        DRAIN, SLIP, "crisis.collapse_hazard_per_day",
        "violations.israeli_forces.incidents_per_day"}
    base = load(ROOT / "scenarios" / "base.toml")
    assert not base.uncertain and base.mediation.drain_per_day == 0.3


def test_the_calibration_doc_states_what_the_shipped_posterior_says():
    """docs/calibration.md's table of the January 2025 posterior is the shipped fragment's
    own record of the fit (each line's comment), not numbers typed separately."""
    fragment = (ROOT / "scenarios" / "calibrated" / "jan-2025-posterior.toml").read_text()
    doc = (ROOT / "docs" / "calibration.md").read_text()
    rows = re.findall(r"^([a-z_]+) = \{.*posterior 90% interval (\S+) to (\S+) \(prior "
                      r"uniform (\S+) to (\S+), (\d+)% of its width\)", fragment, re.M)
    assert len(rows) == 4
    for key, lo, hi, p_lo, p_hi, width in rows:
        line = next(ln for ln in doc.splitlines() if ln.startswith("| `") and
                    ln.split("`")[1].endswith("." + key))
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert cells[1] == f"{p_lo} to {p_hi}" and cells[4] == f"{width}%"
        doc_lo, doc_hi = (float(x) for x in cells[3].split(" to "))
        assert doc_lo == pytest.approx(float(lo), rel=0.01, abs=1e-3)
        assert doc_hi == pytest.approx(float(hi), rel=0.01)
        # the width ratio: posterior 90% interval over the uniform prior's (0.9 of its range)
        ratio = (float(hi) - float(lo)) / (0.9 * (float(p_hi) - float(p_lo)))
        assert round(100 * ratio) == pytest.approx(int(width), abs=1)
    widths = {key: width for key, *_, width in rows}
    readme = (ROOT / "README.md").read_text()
    assert (f"(90% intervals {widths['drain_per_day']}% and {widths['incidents_per_day']}% of"
            in readme)


def test_the_same_seed_gives_the_same_posterior_on_one_and_two_workers(tmp_path):
    """pyabc's generator is seeded from (root seed, generation, call), and a particle's
    simulation does not depend on the batch or the worker it ran in, so the posterior is
    reproducible from the seed, whatever the worker count."""
    small = [a for a in SMALL if a not in ("--workers", "1")]
    found = []
    for workers in ("1", "2"):
        result = invoke(HISTORY, RECORD, "--vary", DRAIN, *small, "--workers", workers,
                        "-o", tmp_path / workers)
        assert result.exit_code == 0, result.output
        summary = json.loads((tmp_path / workers / "calibrate-jan-2025" /
                              "summary.json").read_text())
        found.append((summary["simulations"], [p["posterior"] for p in summary["parameters"]]))
    assert found[0] == found[1]
    assert (tmp_path / "1" / "calibrate-jan-2025" / "posterior.toml").read_text() == \
        (tmp_path / "2" / "calibrate-jan-2025" / "posterior.toml").read_text()


def test_batches_give_the_particles_a_sequential_sampler_gives(tmp_path, monkeypatch):
    """The batch sampler judges its proposals in order and stops at the n-th accepted
    one: the same generations, particle for particle, and the same count of simulations
    as pyabc's one-at-a-time sampler seeded the same way (each particle simulated alone,
    a block of one replication)."""
    import pyabc

    from trucesim.analysis import batches

    class Sequential(pyabc.sampler.SingleCoreSampler):
        def __init__(self, simulate, seed, progress=None):
            super().__init__()
            self.seed, self.calls = seed, {}

        def sample_until_n_accepted(self, n, simulate_one, t, **kw):
            call = self.calls[t] = self.calls.get(t, -1) + 1
            state = np.random.SeedSequence([self.seed, t + 1, call]).generate_state(1)
            np.random.seed(int(state[0]))
            return super().sample_until_n_accepted(n, simulate_one, t, **kw)

    scenario = load(HISTORY)
    record = load_record(RECORD)
    bounds = priors(scenario, [DRAIN, SLIP])
    found = []
    for name in ("batches", "sequential"):
        if name == "sequential":
            monkeypatch.setattr(batches, "BatchSampler", Sequential)
        (tmp_path / name).mkdir()
        result = calibrate(Model(scenario, record, list(bounds), 3), bounds, tmp_path / name,
                           400, SerialExecutor(), population=40)
        found.append(result)
    a, b = found
    assert a.generations == b.generations >= 3
    assert a.simulations == b.simulations
    assert np.array_equal(a.particles, b.particles)
    assert np.array_equal(a.weights, b.weights)
