"""The classroom's shared store of runs (teaching.live.Store): a kept run is the same
bytes as a fresh run, the least recently used run is the one forgotten, and a kept run
is handed out while another session's run is in progress."""

from __future__ import annotations

import threading

import pytest

from conftest import base
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
