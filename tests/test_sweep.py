"""sweep: designs, invalid points, resuming to identical files, indices, the collapse region."""

from __future__ import annotations

import csv
import json
import shutil

import numpy as np
import pytest
from typer.testing import CliRunner

from conftest import BASE, base
from trucesim.analysis import designs as design
from trucesim.analysis import sweep
from trucesim.analysis.designs import DesignError, Factor, build, parse_vary
from trucesim.analysis.sensitivity import where_collapse
from trucesim.cli import app
from trucesim.run.executors import SerialExecutor
from trucesim.scenario import resolved

runner = CliRunner()
DELAY = "mediation.response_delay_days"
RETALIATION = "violations.israeli_forces.retaliation"
INERT = "handovers.recovery_mean_days"  # used only when bodies are released as recovered
VARY = [f"{DELAY}=0:6", f"{RETALIATION}=0.2:0.8", "crisis.max_days=3:14", f"{INERT}=5:40"]
SMALL = ["--method", "morris", "--samples", 2, "-n", 4, "-w", 1]
FILES = ["points.csv", "sensitivity.csv", "summary.md", "manifest.json"]


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def sweep_args(out, *extra, quiet=True):
    args = ["sweep", BASE, "-o", out, *SMALL, *extra, *(["-q"] if quiet else [])]
    for v in VARY:
        args += ["--vary", v]
    return args


def factors(*texts):
    data = resolved(base())
    return [parse_vary(t, data) for t in texts]


def test_grid_has_every_combination_with_integer_keys_rounded():
    d = build("grid", factors(f"{DELAY}=0:3", f"{RETALIATION}=0.2:0.4"), 3, 1)
    # delay levels 0, 1.5, 3 -> 0, 2, 3; retaliation 0.2, 0.3, 0.4
    assert len(d) == 9
    assert d.cells(0) == ["0", "0.2"] and d.cells(4) == ["2", "0.3"]
    assert d.overrides(8) == [f"{DELAY}=3", f"{RETALIATION}=0.4"]


def test_latin_hypercube_uses_each_slice_of_each_range_once():
    d = build("lhs", factors(f"{RETALIATION}=0.2:0.8", "crisis.threshold=8:16"), 10, 3)
    for k, (low, high) in enumerate(((0.2, 0.8), (8, 16))):
        slices = np.floor((d.nominal[:, k] - low) / (high - low) * 10)
        assert sorted(slices.tolist()) == list(range(10))


def test_morris_trajectories_move_one_key_at_a_time():
    fs = factors(*VARY)
    d = build("morris", fs, 3, 5)
    assert len(d) == 3 * (len(fs) + 1)
    for t in range(3):
        steps = np.diff(d.nominal[t * 5:(t + 1) * 5], axis=0)
        assert ((steps != 0).sum(axis=1) == 1).all()
        assert sorted(np.flatnonzero(steps)[:] % len(fs)) == list(range(len(fs)))


def test_sobol_needs_a_power_of_two():
    fs = factors(f"{DELAY}=0:6", f"{RETALIATION}=0.2:0.8")
    assert len(build("sobol", fs, 4, 1)) == 4 * (len(fs) + 2)
    with pytest.raises(DesignError, match="power of 2"):
        build("sobol", fs, 6, 1)


@pytest.mark.parametrize(("text", "message"), [
    ("mediation.response_delay=0:3", "no key mediation.response_delay"),
    ("handovers.withheld_in_crisis=0:1", "is not a number"),
    (f"{DELAY}=5:2", "LOW must be below HIGH"),
    (f"{DELAY}=0-3", "expected KEY=LOW:HIGH"),
    ("releases[9].day=1:3", "no key releases[9].day"),
])
def test_bad_vary_is_one_clear_line(text, message):
    with pytest.raises(DesignError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_vary(text, resolved(base()))


def test_bad_options_are_reported_one_line_each(tmp_path):
    result = run("sweep", BASE, "--vary", "crisis.max_day=1:3", "--vary", f"{DELAY}=4:1",
                 "--vary", f"{DELAY}=0:2", "--vary", f"{DELAY}=0:3", "-o", tmp_path / "out")
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        "error: --vary crisis.max_day=1:3: the scenario has no key crisis.max_day",
        f"error: --vary {DELAY}=4:1: LOW must be below HIGH",
        f"error: --vary {DELAY}: given more than once"]
    result = run("sweep", BASE, "--vary", f"{DELAY}=0:2", "--method", "fast")
    assert result.exit_code == 2 and "--method must be one of grid, lhs, sobol, morris" in (
        result.output)
    assert not (tmp_path / "out").exists()


def test_schedule_keys_can_be_varied():
    (f,) = factors("releases[1].day=7:12")
    assert f == Factor("releases[1].day", 7.0, 12.0, True)


def test_invalid_points_are_reported_and_nothing_is_written(tmp_path):
    result = run("sweep", BASE, "--vary", "crisis.resolve_below=4:14", "--method", "grid",
                 "--samples", 3, "-o", tmp_path / "out")
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    # levels 4, 9, 14: only 14 is not below crisis.threshold (12)
    assert lines == ["error: sweep point 2 (crisis.resolve_below=14.0): crisis.resolve_below: "
                     "must be below crisis.threshold (12)"]
    assert not (tmp_path / "out").exists()


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    out = tmp_path_factory.mktemp("whole")
    result = run(*sweep_args(out))
    assert result.exit_code == 0, result.output
    return out / "sweep-base"


def test_sweep_writes_points_indices_and_summary(uninterrupted):
    assert sorted(p.name for p in uninterrupted.iterdir()) == sorted(FILES)
    rows = list(csv.DictReader((uninterrupted / "points.csv").open()))
    assert len(rows) == 2 * (len(VARY) + 1)
    assert [r["point"] for r in rows] == [str(i) for i in range(10)]
    for r in rows:
        assert float(r["p_collapsed_lo"]) <= float(r["p_collapsed"]) <= float(
            r["p_collapsed_hi"])
    manifest = json.loads((uninterrupted / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["identity"]["replications"] == 4
    summary = (uninterrupted / "summary.md").read_text()
    assert "## Where the truce breaks" in summary and "mu*" in summary


def test_morris_mu_star_matches_elementary_effects_by_hand(uninterrupted):
    """mu* = mean over trajectories of |change in outcome| / (step as a share of range)."""
    rows = list(csv.DictReader((uninterrupted / "points.csv").open()))
    fs = factors(*VARY)
    nominal = build("morris", fs, 2, 2025).nominal
    y = np.array([float(r["deaths_palestinians"]) for r in rows])
    span = np.array([f.high - f.low for f in fs])
    effects: dict[int, list[float]] = {k: [] for k in range(len(fs))}
    for t in range(2):
        for s in range(t * 5, t * 5 + 4):
            step = (nominal[s + 1] - nominal[s]) / span
            (k,) = np.flatnonzero(step)
            effects[k].append(abs((y[s + 1] - y[s]) / step[k]))
    indices = {(r["outcome"], r["parameter"]): r
               for r in csv.DictReader((uninterrupted / "sensitivity.csv").open())}
    for k, f in enumerate(fs):
        got = float(indices[("deaths_palestinians", f.key)]["mu_star"])
        assert got == pytest.approx(np.mean(effects[k]), rel=1e-3)
    # with common random numbers, a key the model does not use has no effect at all
    inert = [r for (outcome, key), r in indices.items() if key == INERT]
    assert inert and all(float(r["mu_star"]) == 0 for r in inert)


class Interrupt(Exception):
    pass


def test_interrupted_sweep_resumes_to_identical_files(tmp_path, uninterrupted, monkeypatch):
    fs = factors(*VARY)
    sw = sweep.prepare(BASE, [], build("morris", fs, 2, 2025), 2025, 4)
    done = []

    def stop_after_three(points: int) -> None:
        done.append(points)
        if len(done) == 3:
            raise Interrupt

    directory = tmp_path / "sweep-base"
    with pytest.raises(Interrupt):
        sweep.run_points(sw, directory, SerialExecutor(), progress=stop_after_three)
    assert len((directory / "points.csv").read_text().splitlines()) == 1 + 3
    calls = []
    real = sweep.point_chunk
    monkeypatch.setattr(sweep, "point_chunk", lambda *a: calls.append(a[1][0]) or real(*a))
    result = run(*sweep_args(tmp_path))
    assert result.exit_code == 0, result.output
    assert sorted(set(calls)) == list(range(3, 10))  # only the missing points were run
    for name in FILES:
        assert (directory / name).read_bytes() == (uninterrupted / name).read_bytes(), name


def test_partial_last_row_is_dropped_and_recomputed(tmp_path, uninterrupted):
    directory = tmp_path / "sweep-base"
    shutil.copytree(uninterrupted, directory)
    text = (directory / "points.csv").read_text()
    cut = text.index("\n", text.index("\n5,") + 1) - 20  # in the middle of point 5's row
    (directory / "points.csv").write_text(text[:cut])
    (directory / "sensitivity.csv").unlink()
    result = run(*sweep_args(tmp_path, quiet=False))
    assert result.exit_code == 0, result.output
    assert "10 points (5 already done, resumed)" in result.output
    for name in FILES:
        assert (directory / name).read_bytes() == (uninterrupted / name).read_bytes(), name


def test_a_changed_sweep_is_not_resumed(tmp_path, uninterrupted):
    shutil.copytree(uninterrupted, tmp_path / "sweep-base")
    result = run(*sweep_args(tmp_path, "--seed", 7))
    assert result.exit_code == 2
    assert "holds a different sweep (differs in: seed, design_digest)" in result.output
    assert run(*sweep_args(tmp_path, "--seed", 7, "--fresh")).exit_code == 0
    manifest = json.loads((tmp_path / "sweep-base" / "manifest.json").read_text())
    assert manifest["identity"]["seed"] == 7


def test_where_collapse_finds_a_planted_region():
    fs = [Factor("a.delay_days", 0, 6, True), Factor("b.share", 0.0, 1.0, False)]
    x = np.array([(d, s) for d in range(7) for s in np.linspace(0, 1, 6)])
    y = np.where((x[:, 0] >= 4) & (x[:, 1] > 0.5), 0.6, 0.1)
    box = where_collapse(fs, x, y)
    assert box is not None
    assert box.conditions == ("a.delay_days >= 4", "b.share > 0.5")
    assert (box.inside, box.inside_points, box.outside) == (pytest.approx(0.6), 9,
                                                           pytest.approx(0.1))
    assert box.sentence().startswith("collapse probability 0.60 when a.delay_days >= 4 and")


def test_where_collapse_gives_up_when_nothing_varies():
    fs = [Factor("a", 0, 1, False)]
    assert where_collapse(fs, np.linspace(0, 1, 10)[:, None], np.full(10, 0.2)) is None


def test_grid_sweep_reports_the_region_without_indices(tmp_path):
    result = run("sweep", BASE, "--vary", f"{DELAY}=0:6", "--vary", "crisis.max_days=2:10",
                 "--method", "grid", "--samples", 3, "-n", 3, "-w", 1, "-o", tmp_path)
    assert result.exit_code == 0, result.output
    assert "Where the truce breaks" in result.output and "mu*" not in result.output
    assert not (tmp_path / "sweep-base" / "sensitivity.csv").exists()
    assert design.DEFAULT_SAMPLES["grid"] == 3


def test_sweep_does_not_depend_on_the_worker_count(tmp_path):
    for workers in (1, 2):
        result = run("sweep", BASE, "--vary", f"{DELAY}=0:6", "--method", "grid",
                     "--samples", 2, "-n", 30, "-w", workers, "-q", "-o", tmp_path / str(workers))
        assert result.exit_code == 0, result.output
    one, two = (tmp_path / w / "sweep-base" / "points.csv" for w in "12")
    assert one.read_bytes() == two.read_bytes()
