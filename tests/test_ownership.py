"""Ownership of output (issue 13): a run replaces only what trucesim wrote, never writes
outside `--out` (symbolic links, tampered names), cleans up after killed runs, writes
strict JSON, and reads results files back only after checking them."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from attack import attack, leftovers, snapshot
from conftest import BASE, ROOT
from trucesim.cli import app

cli = CliRunner()

MAY = ROOT / "scenarios" / "may-2025.toml"


@pytest.fixture
def results(tmp_path):
    """A sandbox with two earlier runs in results/."""
    out = tmp_path / "results"
    for scenario in (BASE, MAY):
        attack(["run", scenario, "-n", 20, "-q", "-o", out], tmp_path, out, expect=(0,))
    return out


def test_a_scenario_named_dot_cannot_wipe_the_results_folder(tmp_path, results):
    before = snapshot(results)
    for name in (".", "..", "../results", ".base"):
        attack(["run", BASE, "-n", 5, "-q", "-o", results, "--set", f"name={name}"],
               tmp_path, tmp_path / "nowhere", expect=(2,))
    assert snapshot(results) == before


def test_a_folder_of_the_users_is_not_replaced(tmp_path):
    project = tmp_path / "project"
    (project / "docs").mkdir(parents=True)
    (project / "docs" / "mine.txt").write_text("the user's notes")
    result = attack(["run", BASE, "-n", 5, "-q", "-o", project, "--set", "name=docs"],
                    tmp_path, tmp_path / "nowhere", expect=(2,))
    assert f"{project / 'docs'} holds mine.txt, which trucesim did not write" in result.output
    assert "--force" in result.output
    assert (project / "docs" / "mine.txt").read_text() == "the user's notes"


def test_a_results_folder_with_a_file_added_by_the_user_is_not_replaced(tmp_path, results):
    (results / "base" / "notes.md").write_text("mine")
    before = snapshot(results)
    attack(["run", BASE, "-n", 5, "-q", "-o", results], tmp_path, tmp_path / "x", expect=(2,))
    assert snapshot(results) == before


@pytest.mark.parametrize("what", ["symlink", "file", "empty-manifest", "read-only"])
def test_what_trucesim_did_not_write_is_refused_and_force_replaces_it(tmp_path, results,
                                                                      what):
    target = tmp_path / "elsewhere"
    target.mkdir()
    (target / "keep.txt").write_text("keep")
    place = results / "base"
    for child in place.iterdir():
        child.unlink()
    place.rmdir()
    if what == "symlink":
        place.symlink_to(target, target_is_directory=True)
    elif what == "file":
        place.write_text("a file of the user's")
    elif what == "empty-manifest":
        place.mkdir()
        (place / "manifest.json").write_text("{}")
    else:
        place.mkdir()
        (place / "summary.json").write_text("{}")
        place.chmod(0o555)
    try:
        before = snapshot(tmp_path)
        refused = attack(["run", BASE, "-n", 5, "-q", "-o", results], tmp_path,
                         tmp_path / "x", expect=(2,))
        assert f"{place} " in refused.output and snapshot(tmp_path) == before
        attack(["run", BASE, "-n", 5, "-q", "-o", results, "--force"], tmp_path, results,
               expect=(0,), keep=target)
        assert not place.is_symlink() and (place / "manifest.json").is_file()
        assert (target / "keep.txt").read_text() == "keep"  # a link's target is untouched
    finally:
        if place.is_dir() and not place.is_symlink():
            place.chmod(0o755)


def test_an_earlier_run_is_replaced_and_nothing_else_moves(tmp_path, results):
    may = snapshot(results / "may-2025")
    attack(["run", BASE, "-n", 7, "-q", "-o", results], tmp_path, results / "base",
           expect=(0,), keep=results / "may-2025")
    assert json.loads((results / "base" / "summary.json").read_text())["replications"] == 7
    assert snapshot(results / "may-2025") == may
    assert sorted(p.name for p in results.iterdir()) == ["base", "may-2025"]


def test_working_folders_of_killed_runs_are_removed_by_the_next_run(tmp_path, results):
    """One left by a killed run (no living process holds its lock) is removed; one in use
    (this process holds its lock) is kept."""
    from trucesim.run.claims import Working

    stale = results / ".base.trucesim-killed1"
    stale.mkdir()
    (stale / "replications.csv").write_text("replication\n0\n")
    busy = Working(results / "base", directory=True)
    try:
        assert cli.invoke(app, ["run", str(BASE), "-n", "5", "-q", "-o",
                                str(results / "other")]).exit_code == 0
        assert stale.exists()  # another destination's run leaves it alone
        assert cli.invoke(app, ["run", str(BASE), "-n", "5", "-q", "-o",
                                str(results)]).exit_code == 0
        assert not stale.exists() and busy.path.exists()
    finally:
        busy.release()
    assert not leftovers(results)


def test_report_of_runs_with_a_tampered_name_writes_nowhere(tmp_path, results):
    summary = results / "may-2025" / "summary.json"
    data = json.loads(summary.read_text())
    data["scenario"]["name"] = "../../../../x"
    summary.write_text(json.dumps(data))
    before = snapshot(tmp_path)
    result = attack(["report", results / "base", results / "may-2025"], tmp_path,
                    tmp_path / "nowhere", expect=(2,))
    assert f"{summary}: scenario.name: may hold only letters" in result.output
    assert snapshot(tmp_path) == before  # no report.html outside, no stray compare folder


def _tamper(path: Path, change) -> None:
    if path.suffix == ".json":
        data = json.loads(path.read_text())
        change(data)
        path.write_text(json.dumps(data))
    else:
        path.write_text(change(path.read_text()))


TAMPERED = {
    "a number as a string": ("summary.json", lambda d: d["outcomes"]["living_released"]
                             .update(mean="9.7"), "outcomes.living_released.mean"),
    "replications as a string": ("summary.json", lambda d: d.update(replications="20"),
                                 "replications"),
    "p null": ("summary.json", lambda d: d["end_states"]["collapsed"].update(p=None),
               "end_states.collapsed.p"),
    "Infinity": ("summary.json", lambda d: d["outcomes"]["end_day"].update(mean=1e999),
                 "Infinity is not JSON"),
    "an outcome removed": ("summary.json", lambda d: d["outcomes"].pop("bodies_released"),
                           "bodies_released missing"),
    "seed negative": ("manifest.json", lambda d: d.update(seed=-4), "seed"),
    "scenario broken": ("manifest.json", lambda d: d["resolved_scenario"]["aid"].update(
        trucks_per_day_agreed="x"), "resolved_scenario.aid.trucks_per_day_agreed"),
    "not an object": ("manifest.json", lambda d: d.clear(), "seed"),
    "truncated daily": ("daily.csv", lambda t: "\n".join(t.splitlines()[:20]) + "\n",
                        "19 rows, expected one per day (61)"),
    "garbage daily": ("daily.csv", lambda t: t.replace("0.", "x.", 3), "not a number"),
    "garbage replications": ("replications.csv", lambda t: t[:200] + "\x00\x01garbage,,\n",
                             "replications.csv"),
    "a short row": ("replications.csv", lambda t: t + "20,expired\n", "replications.csv:22"),
    "binary": ("summary.json", None, "cannot read it"),
}


@pytest.mark.parametrize("how", TAMPERED)
def test_report_on_tampered_results_is_one_line_per_problem(tmp_path, results, how):
    name, change, expected = TAMPERED[how]
    path = results / "base" / name
    if change is None:
        path.write_bytes(b"\xff\xfe\x00garbage")
    else:
        _tamper(path, change)
    for args in (["report", results / "base"], ["report", results / "base",
                                                 results / "may-2025"]):
        result = attack(args, tmp_path, tmp_path / "nowhere", expect=(2,))
        assert expected in result.output, result.output
        assert all(line.startswith("error: ") for line in result.output.splitlines())


def test_every_json_file_written_is_strict(tmp_path, results, monkeypatch):
    """Parsed with a parser that refuses NaN and Infinity: runs, a partial run, a
    comparison, a sweep, a backtest and a report's folder."""
    out = tmp_path / "results"
    for args in (["compare", BASE, MAY, "-n", 8, "-q", "-o", out],
                 ["sweep", BASE, "--vary", "crisis.max_days=3:9", "--method", "grid",
                  "--samples", 2, "-n", 2, "-q", "-o", out],
                 ["backtest", "-n", 4, "-q", "-o", out],
                 ["run", BASE, "-n", 1, "-q", "-o", out, "--set", "name=single"],
                 ["run", BASE, "-n", 2, "-q", "-o", out, "--set", "name=infinite",
                  "--set", "crisis.threshold=inf"]):  # once accepted, with Infinity in JSON
        if args[0] == "backtest":
            monkeypatch.chdir(ROOT)
        attack(args, tmp_path, out, expect=(2,) if "crisis.threshold=inf" in args else (0,))
    written = list(out.rglob("*.json"))
    assert len(written) >= 8

    def refuse(word):
        raise ValueError(word)

    for path in written:
        json.loads(path.read_text(), parse_constant=refuse)
    from trucesim.run.output import dumps

    with pytest.raises(ValueError):
        dumps({"x": float("nan")})


def test_report_says_a_run_is_partial(tmp_path):
    import signal

    from trucesim.run import runner
    from trucesim.run.executors import SerialExecutor
    from trucesim.scenario import load

    out = tmp_path / "results"
    with pytest.raises(runner.Interrupted):
        runner.run(load(BASE), 1, 640, out, SerialExecutor(), chunk_size=64,
                   progress=lambda done: os.kill(os.getpid(), signal.SIGINT))
    partial = "interrupted: the files cover replications 0 to 63 only (64 of the 640 asked for)"
    assert partial in (out / "base" / "summary.md").read_text()
    attack(["report", out / "base"], tmp_path, out, expect=(0,))
    assert partial in (out / "base" / "report.html").read_text()
    attack(["run", MAY, "-n", 64, "-q", "-o", out, "-s", "1"], tmp_path, out, expect=(0,))
    attack(["report", out / "base", out / "may-2025"], tmp_path, out, expect=(0,))
    html = (out / "compare-base-vs-may-2025" / "report.html").read_text()
    assert partial in html


@pytest.mark.parametrize("how", ["traversal", "seed", "garbage csv", "no rows"])
def test_report_on_a_tampered_comparison_directory(tmp_path, how):
    out = tmp_path / "results"
    attack(["compare", BASE, MAY, "-n", 6, "-q", "-o", out], tmp_path, out, expect=(0,))
    directory = out / "compare-base-vs-may-2025"
    manifest = directory / "manifest.json"
    data = json.loads(manifest.read_text())
    if how == "traversal":
        data["scenarios"] = ["../../../x", "may-2025"]
    elif how == "seed":
        data["seed"] = "x"
    manifest.write_text(json.dumps(data))
    table = directory / "differences.csv"
    if how == "garbage csv":
        table.write_bytes(table.read_bytes()[:300] + b"\x00\xff,,\n")
    elif how == "no rows":
        table.write_text(table.read_text().splitlines()[0] + "\n")
    before = snapshot(tmp_path)
    result = attack(["report", directory], tmp_path, tmp_path / "nowhere", expect=(2,))
    assert str(directory) in result.output and snapshot(tmp_path) == before


def _paths(data, prefix=()):
    """Every key path of a JSON document."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield (*prefix, key)
            yield from _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield (*prefix, index)
            yield from _paths(value, (*prefix, index))


JSON_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20),
                        st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=8),
                        st.lists(st.integers(), max_size=3), st.just({}))


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_hypothesis_tampered_results(tmp_path_factory, data):
    """Any value of summary.json or manifest.json replaced, or any file cut short: the
    report is made, or refused with one line per problem; never a traceback."""
    tmp = tmp_path_factory.mktemp("tamper")
    out = tmp / "results"
    cli.invoke(app, ["run", str(BASE), "-n", "12", "-q", "-o", str(out)])
    name = data.draw(st.sampled_from(["summary.json", "manifest.json", "daily.csv",
                                      "replications.csv"]))
    path = out / "base" / name
    if name.endswith(".json") and data.draw(st.booleans()):
        document = json.loads(path.read_text())
        at = data.draw(st.sampled_from(sorted(_paths(document), key=str)))
        node = document
        for part in at[:-1]:
            node = node[part]
        node[at[-1]] = data.draw(JSON_VALUES)
        path.write_text(json.dumps(document))
    else:
        raw = path.read_bytes()
        cut = data.draw(st.integers(0, 10**6)) % (len(raw) + 1)  # sizes vary (wall time)
        path.write_bytes(raw[:cut] + data.draw(st.binary(max_size=4)))
    attack(["report", out / "base"], tmp, out / "base", expect=(0, 2))
