"""The classroom's shared store of runs (teaching.live.Store): a kept run is the same
bytes as a fresh run, the least recently used run is the one forgotten, and a kept run
is handed out while another session's run is in progress."""

from __future__ import annotations

import os
import threading

import pytest

from conftest import BASE, base
from trucesim.run import runner
from trucesim.run.executors import SerialExecutor
from trucesim.teaching.live import Store

FILES = ("summary.json", "replications.csv", "daily.csv")
N = 60


@pytest.fixture
def store():
    kept = Store(SerialExecutor(), limit=2)
    yield kept
    kept.cleanup()


def test_a_kept_run_is_the_same_bytes_as_a_fresh_run(store, tmp_path):
    scenario = base("aid.trucks_per_day_agreed=450")
    first = store.run(scenario, 7, N)
    again = store.run(scenario, 7, N)
    assert not first.kept and again.kept
    assert again.run.directory == first.run.directory
    fresh = runner.run(scenario, 7, N, tmp_path, SerialExecutor()).directory
    for name in FILES:
        assert (again.run.directory / name).read_bytes() == (fresh / name).read_bytes(), name
    assert again.run.summary == first.run.summary
    assert (store.hits, store.misses) == (1, 1)


def test_the_least_recently_used_run_is_forgotten_first(store):
    a, b, c = (base(f"aid.trucks_per_day_agreed={k}") for k in (400, 410, 420))
    ran_a = store.run(a, 1, N)
    store.run(b, 1, N)
    assert store.run(a, 1, N).kept  # a is now the more recently used
    store.run(c, 1, N)  # the store holds two: b goes
    assert len(store) == 2
    assert store.has(a, 1, N) and store.has(c, 1, N) and not store.has(b, 1, N)
    assert ran_a.run.directory.exists()
    assert not store.run(b, 1, N).kept  # run again when asked again


def test_the_key_is_digest_seed_and_replications(store):
    scenario = base()
    store.run(scenario, 1, N)
    assert store.has(scenario, 1, N)
    assert not store.has(scenario, 2, N) and not store.has(scenario, 1, N + 1)
    assert store.has(base(), 1, N)  # the same terms loaded again: the same digest


def test_a_kept_run_is_handed_out_while_another_run_is_in_progress(store):
    scenario = base()
    store.run(scenario, 1, N)
    got = []
    with store._lock:  # as if another session's run held the pool
        reader = threading.Thread(target=lambda: got.append(store.run(scenario, 1, N)))
        reader.start()
        reader.join(timeout=30)
        assert not reader.is_alive(), "a kept run waited for the run in progress"
    assert got[0].kept


def test_a_comparison_and_the_charts_of_two_kept_runs_are_made_once_for_every_session(
        store):
    """What is derived from kept runs is made once: a second session gets the same
    object, equal to one made afresh; the least recently used goes past 4 x limit."""
    from trucesim.teaching import live, vega

    ref, mine = (store.run(base(*c), 7, N).run for c in ((), ("crisis.threshold=8",)))
    made = []

    def make():
        made.append(1)
        return live.paired(ref, mine)

    first = store.kept(("paired", ref.directory, mine.directory), make)
    again = store.kept(("paired", ref.directory, mine.directory), make)
    assert again is first and len(made) == 1
    fresh = live.paired(ref, mine)
    assert [(d.measure.name, d.b, d.diff) for d in first.differences] == [
        (d.measure.name, d.b, d.diff) for d in fresh.differences]
    charts = live.charts(store, ref, mine)
    assert charts == [vega.projected(vega.end_states([ref, mine])),
                      vega.projected(vega.survival([ref, mine]))]
    assert all(a is b for a, b in zip(charts, live.charts(store, ref, mine), strict=True))
    for k in range(4 * store.limit):  # 8 more: the comparison is the oldest, forgotten
        store.kept(("other", k), lambda: None)
    store.kept(("paired", ref.directory, mine.directory), make)
    assert len(made) == 2


def test_a_scenario_is_loaded_once_for_every_session_and_again_when_its_file_changes(
        store, tmp_path):
    from trucesim.scenario.load import ScenarioError, load

    path = tmp_path / "s.toml"
    path.write_text(BASE.read_text())
    first = store.scenario(path, ["crisis.threshold=9"])
    assert store.scenario(path, ["crisis.threshold=9"]) is first
    assert first == load(path, ["crisis.threshold=9"])
    assert store.scenario(path) is not first and store.scenario(path).crisis.threshold == 12
    path.write_text(BASE.read_text().replace("threshold = 12", "threshold = 11", 1))
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    assert store.scenario(path).crisis.threshold == 11  # the file changed: read again
    for _ in range(2):  # an invalid version is an error each time, never kept
        with pytest.raises(ScenarioError):
            store.scenario(path, ["crisis.threshold=-1"])
