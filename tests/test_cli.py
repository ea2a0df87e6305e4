"""The command line: outputs, reproducibility, errors that leave results untouched."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from conftest import BASE, SHIPPED
from trucesim.cli import app

runner = CliRunner()
FILES = {"summary.json", "summary.md", "replications.csv", "daily.csv", "manifest.json"}


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_run_writes_every_output(tmp_path):
    result = run("run", BASE, "-n", 60, "--out", tmp_path)
    assert result.exit_code == 0, result.output
    out = tmp_path / "base"
    assert {p.name for p in out.iterdir()} == FILES
    assert "P(truce collapsed)" in result.output and "95% CI" in result.output
    rows = (out / "replications.csv").read_text().splitlines()
    assert len(rows) == 61 and rows[0].startswith("replication,end_state,")
    assert [int(r.split(",")[0]) for r in rows[1:]] == list(range(60))
    daily = (out / "daily.csv").read_text().splitlines()
    assert len(daily) == 62 and daily[0].startswith("day,survival,survival_lo,survival_hi")
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["replications"] == 60 and manifest["status"] == "complete"
    assert manifest["resolved_scenario"]["releases"][0]["living"] == 8
    summary = json.loads((out / "summary.json").read_text())
    assert summary["replications"] == 60 and "not forecasts" in summary["note"]
    assert summary["outcomes"]["living_released"]["ci95_mean"][0] <= 10


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        assert run("run", BASE, "-n", 80, "-s", seed, "-o", tmp_path / name, "-q").exit_code == 0
    a, b, c = ((tmp_path / n / "base" / "summary.json").read_bytes() for n in "abc")
    assert a == b and a != c
    csv = [(tmp_path / n / "base" / "replications.csv").read_bytes() for n in "ab"]
    assert csv[0] == csv[1]


def test_results_do_not_depend_on_the_worker_count(tmp_path):
    for name, workers in (("one", 1), ("two", 2)):
        result = run("run", BASE, "-n", 300, "-w", workers, "-o", tmp_path / name, "-q")
        assert result.exit_code == 0, result.output
    for file in ("summary.json", "replications.csv", "daily.csv"):
        assert (tmp_path / "one" / "base" / file).read_bytes() == (
            tmp_path / "two" / "base" / file).read_bytes()


def test_set_override_reaches_the_run(tmp_path):
    result = run("run", BASE, "-n", 20, "-o", tmp_path, "-q", "--set", "releases[0].living=6",
                 "--set", "name=six")
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "six" / "manifest.json").read_text())
    assert manifest["overrides"] == ["releases[0].living=6", "name=six"]
    assert manifest["resolved_scenario"]["releases"][0]["living"] == 6


BAD = {
    "syntax": ('[handovers]\nslip_probability = \n', "TOML syntax error"),
    "unknown": ('[handovers]\nslip_probabilty = 0.2\n', "did you mean 'slip_probability'"),
    "type": ('[aid]\ntrucks_per_day_agreed = "many"\n', "aid.trucks_per_day_agreed"),
    "negative": ('conditions = []\n[[releases]]\nday = 1\nliving = -3\n',
                 "releases[0].living: must be >= 0"),
    "window": ('conditions = []\n[[releases]]\nday = 75\nliving = 3\n',
               "releases[0].day: day 75 is outside"),
    "too-many": ('[hostages]\nliving_held = 5\n', "hostages.living_held"),
}


@pytest.mark.parametrize("kind", BAD)
def test_bad_file_one_line_exit_2_nothing_written(kind, write, tmp_path):
    text, expected = BAD[kind]
    path = write('extends = "base.toml"\n' + text, f"{kind}.toml")
    out = tmp_path / "results"
    result = run("run", path, "-n", 10, "-o", out)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {path}") and expected in lines[0]
    assert "Traceback" not in result.output
    assert not out.exists()


def test_a_bad_file_among_good_ones_writes_nothing(write, tmp_path):
    bad = write('extends = "base.toml"\n[aid]\nclosure_days = -1\n')
    out = tmp_path / "results"
    result = run("run", BASE, bad, "-n", 10, "-o", out)
    assert result.exit_code == 2 and not out.exists()


def test_a_failed_run_leaves_the_previous_results_intact(tmp_path, monkeypatch):
    assert run("run", BASE, "-n", 20, "-o", tmp_path, "-q").exit_code == 0
    before = (tmp_path / "base" / "summary.json").read_bytes()

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("trucesim.run.summary.markdown", boom)
    result = run("run", BASE, "-n", 20, "-s", 9, "-o", tmp_path, "-q")
    assert result.exit_code != 0
    assert (tmp_path / "base" / "summary.json").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["base"]  # no temporary leftovers


def test_validate_reports_every_file(write):
    bad = write('extends = "base.toml"\n[aid]\nclosure_days = -1\n[crisis]\nmax_days = 0\n')
    result = run("validate", *SHIPPED, bad)
    assert result.exit_code == 2
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 2
    good = run("validate", *SHIPPED)
    assert good.exit_code == 0 and good.output.count("ok:") == len(SHIPPED)


def test_every_shipped_scenario_runs(tmp_path):
    result = run("run", *SHIPPED, "-n", 30, "-o", tmp_path, "-q")
    assert result.exit_code == 0, result.output
    assert {p.name for p in tmp_path.iterdir()} == {p.stem for p in SHIPPED}


def test_quiet_prints_nothing(tmp_path):
    result = run("run", BASE, "-n", 10, "-o", tmp_path, "-q")
    assert result.exit_code == 0 and result.output == ""


def test_bad_option_is_a_usage_error(tmp_path):
    result = run("run", BASE, "-n", 0, "-o", tmp_path)
    assert result.exit_code == 2 and not tmp_path.joinpath("base").exists()


def test_results_are_readable_like_any_new_file(tmp_path):
    import os
    import stat

    mask = os.umask(0o022)
    try:
        assert run("run", BASE, "-n", 10, "-o", tmp_path, "-q").exit_code == 0
    finally:
        os.umask(mask)
    out = tmp_path / "base"
    assert stat.S_IMODE(out.stat().st_mode) == 0o755
    assert {stat.S_IMODE(p.stat().st_mode) for p in out.iterdir()} == {0o644}


@pytest.mark.parametrize("line, names", [
    (["run"], "Missing argument 'SCENARIO...'"),
    (["run", BASE, "--bogus", "1"], "No such option: --bogus"),
    (["run", BASE, "-n", "abc"], "'--replications'"),
    (["frob"], "No such command 'frob'"),
])
def test_a_mistyped_command_line_is_one_line_and_exit_2(line, names, tmp_path):
    """As typed at a shell (the `trucesim` entry point, not the test runner): Click's
    four-line usage block would bury the one thing to fix."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "trucesim.cli", *map(str, line)],
                          capture_output=True, text=True, cwd=tmp_path, timeout=60)
    lines = done.stderr.splitlines()
    assert done.returncode == 2 and done.stdout == "" and len(lines) == 1, done.stderr
    command = "trucesim run" if line[0] == "run" else "trucesim"
    assert lines[0].startswith(f"error: {command}: ") and names in lines[0]
    assert lines[0].endswith(f"see '{command} --help'") and list(tmp_path.iterdir()) == []
