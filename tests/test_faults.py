"""Faults (issue 13): Ctrl-C once, twice or thrice, SIGTERM, the parent killed, a worker
killed, workers that keep dying, and a run of 10**12 replications stopped. Each ends in
exit 0, 1 (one line) or 130 within seconds, with no traceback, no working files left and
earlier results intact (tests/attack.py checks and counts).

The tests that start real processes and send signals are marked `slow`: the default
test command skips them, `.ci/run` runs them (`pytest -m slow`).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from functools import partial
from pathlib import Path

import pytest

from attack import Process, attack, snapshot
from conftest import BASE, ROOT
from peak_memory import rss_mb
from trucesim.run.executors import PoolExecutor, WorkerError

MAY = ROOT / "scenarios" / "may-2025.toml"
slow = pytest.mark.slow


# in-process: a dead worker's chunk runs again, or the run stops with one clear error
def _dies_once(marker: Path, item: int) -> int:
    if item == 3 and not marker.exists():
        marker.touch()
        os._exit(9)  # as if killed
    return item * item


def _always_dies(item: int) -> int:
    os._exit(9)


def test_a_dead_worker_is_replaced_and_its_chunk_run_again(tmp_path):
    results = list(PoolExecutor(2).map(partial(_dies_once, tmp_path / "died"), range(12)))
    assert (tmp_path / "died").exists()
    assert results == [i * i for i in range(12)]


def test_workers_that_keep_dying_are_one_clear_error():
    with pytest.raises(WorkerError, match="a worker process died 3 times"):
        list(PoolExecutor(2).map(_always_dies, range(4)))


def _half_sent(item: int) -> int:
    """Start sending a result and stop half-way, as a worker killed mid-send does."""
    import gc
    import struct
    from multiprocessing.queues import SimpleQueue

    queues = [q for q in gc.get_objects() if isinstance(q, SimpleQueue)]
    result_queue = queues[-1]  # the worker's copy of the pool's result queue
    os.write(result_queue._writer.fileno(), struct.pack("!i", 10**6) + b"half")
    time.sleep(600)
    return item


def test_a_worker_killed_while_it_sends_its_result_does_not_hang_the_stop():
    import threading
    from concurrent.futures import ProcessPoolExecutor

    from trucesim.run.executors import _stop

    pool = ProcessPoolExecutor(1)
    pool.submit(_half_sent, 1)
    time.sleep(1.5)  # the manager thread now waits for the rest of the message
    stopper = threading.Thread(target=_stop, args=(pool,), daemon=True)
    stopper.start()
    stopper.join(20)
    assert not stopper.is_alive(), "stopping the pool hangs"


# with real processes and signals --------------------------------------------------
def _rows_so_far(out: Path, name: str = "base") -> int:
    """Replications written so far by a run in progress (in its working directory)."""
    total = 0
    for working in out.glob(f".{name}.trucesim-*/new/replications.csv"):
        with contextlib.suppress(OSError):
            total += max(0, len(working.read_bytes().splitlines()) - 1)
    return total


def _started(process: Process, out: Path, rows: int = 1, limit: float = 120) -> None:
    """Wait until the run has written some replications (the machine may be slow)."""
    deadline = time.monotonic() + limit
    while _rows_so_far(out) < rows and time.monotonic() < deadline:
        assert process.popen.poll() is None, process.popen.communicate()
        time.sleep(0.1)


def _whole(directory: Path) -> int:
    """Check a partial run's files are whole and agree; return its replications."""
    manifest = json.loads((directory / "manifest.json").read_text())
    done = manifest["replications_completed"]
    assert manifest["status"] == "partial" and 0 < done < manifest["replications"]
    rows = (directory / "replications.csv").read_text().splitlines()
    width = rows[0].count(",")
    assert len(rows) == done + 1 and all(r.count(",") == width for r in rows)
    summary = json.loads((directory / "summary.json").read_text())
    assert summary["replications"] == done and summary["status"] == "partial"
    assert "Partial results" in (directory / "summary.md").read_text()
    return int(done)


@pytest.fixture
def earlier(tmp_path):
    """An earlier run in the output folder, which no fault may touch."""
    out = tmp_path / "results"
    attack(["run", MAY, "-n", 10, "-q", "-o", out], tmp_path, out, expect=(0,))
    return out


def _run(tmp_path: Path, out: Path, n: int = 200_000, *extra: object) -> Process:
    return Process(["run", BASE, "-n", n, "-w", 2, "-o", out, *extra], tmp_path, out,
                   keep=out / "may-2025")


@slow
@pytest.mark.parametrize("how", ["SIGINT", "SIGTERM"])
def test_one_interrupt_writes_partial_results(tmp_path, earlier, how):
    process = _run(tmp_path, earlier)
    _started(process, earlier)
    sent = time.monotonic()
    process.popen.send_signal(getattr(signal, how))
    outcome = process.finish(expect=(130,), timeout=60)
    assert time.monotonic() - sent < 15
    assert "interrupted:" in outcome.output and "partial results" in outcome.output
    _whole(earlier / "base")


@slow
@pytest.mark.parametrize("gaps", [(0.4,), (0.7,), (1.0,), (0.1, 0.1), (0.0, 0.5, 0.5)])
def test_more_interrupts_end_the_run_within_seconds(tmp_path, earlier, gaps):
    process = _run(tmp_path, earlier)
    _started(process, earlier)
    process.popen.send_signal(signal.SIGINT)
    for gap in gaps:
        time.sleep(gap)
        process.popen.send_signal(signal.SIGINT)
    sent = time.monotonic()
    outcome = process.finish(expect=(130,), timeout=30)
    assert time.monotonic() - sent < 10, outcome.output
    assert outcome.output.count("error: interrupted") == 1
    if (earlier / "base").exists():  # written once, whole
        _whole(earlier / "base")


@slow
def test_a_killed_parent_takes_its_workers_along_and_the_next_run_cleans_up(tmp_path,
                                                                         earlier):
    process = _run(tmp_path, earlier)
    _started(process, earlier)
    workers = process.workers()
    assert len(workers) == 2
    process.popen.send_signal(signal.SIGKILL)
    process.popen.wait()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.1)
    assert not any(_alive(w) for w in workers), "workers outlived their parent"
    assert list(earlier.glob(".base.trucesim-*"))  # what the killed run left
    attack(["run", BASE, "-n", 20, "-q", "-o", earlier], tmp_path, earlier, expect=(0,),
           keep=earlier / "may-2025")
    assert sorted(p.name for p in earlier.iterdir()) == ["base", "may-2025"]


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@slow
def test_a_killed_worker_changes_nothing(tmp_path, earlier):
    clean = tmp_path / "clean"
    n = 24_000  # chunks of 3,008: eight of them, so workers still run after the first
    attack(["run", BASE, "-n", n, "-w", 2, "-q", "-o", clean], tmp_path, clean,
           expect=(0,))
    process = _run(tmp_path, earlier, n, "-q")
    _started(process, earlier)
    workers = process.workers()
    assert workers, "the run ended before a worker could be killed"
    os.kill(workers[0], signal.SIGKILL)
    process.finish(expect=(0,), timeout=300)
    for name in ("summary.json", "replications.csv", "daily.csv"):
        assert (earlier / "base" / name).read_bytes() == (clean / "base" / name).read_bytes()


DYING = """
import os, sys
import trucesim.run.engine as engine
parent = os.getpid()
real = engine.summarise_chunk
def dying(*args):
    if os.getpid() != parent:
        os._exit(9)  # every worker dies at its first chunk
    return real(*args)
engine.summarise_chunk = dying
sys.argv = ["trucesim", *sys.argv[1:]]
from trucesim.cli import main
main()
"""


@slow
def test_workers_that_keep_dying_end_the_run_with_one_line(tmp_path, earlier):
    before = snapshot(earlier)
    process = Process(["run", BASE, "-n", 5000, "-w", 2, "-o", earlier], tmp_path, earlier,
                      code=DYING)
    outcome = process.finish(expect=(1,), timeout=120)
    assert outcome.output.strip().splitlines() == [
        "error: run of base: a worker process died 3 times (killed, or out of memory); "
        "nothing was written"]
    assert snapshot(earlier) == before


@slow
def test_compare_backtest_and_sweep_stop_on_ctrl_c(tmp_path, earlier):
    out = tmp_path / "out"
    for args in (["compare", BASE, MAY, "-n", 100_000, "-w", 2, "-o", out],
                 ["backtest", ROOT / "scenarios/history/jan-2025-ceasefire.toml",
                  ROOT / "data/records/jan-2025.toml", "-n", 100_000, "-w", 2, "-o", out]):
        process = Process(args, tmp_path, out, keep=earlier)
        time.sleep(4)
        process.popen.send_signal(signal.SIGINT)
        outcome = process.finish(expect=(130,), timeout=30)
        assert "interrupted" in outcome.output and not list(out.glob("*"))
    sweep = ["sweep", BASE, "--vary", "crisis.max_days=3:9", "--method", "grid",
             "--samples", 7, "-n", 2000, "-w", 2, "-q"]
    process = Process([*sweep, "-o", out], tmp_path, out, keep=earlier)
    time.sleep(8)
    process.popen.send_signal(signal.SIGINT)
    outcome = process.finish(expect=(130, 0), timeout=30)
    if outcome.code == 130:
        assert "run the same command again to resume" in outcome.output
    attack([*sweep, "-o", out], tmp_path, out, expect=(0,))
    attack([*sweep, "-o", tmp_path / "whole"], tmp_path, tmp_path / "whole", expect=(0,))
    for name in ("points.csv", "summary.md", "manifest.json"):
        assert (out / "sweep-base" / name).read_bytes() == \
            (tmp_path / "whole" / "sweep-base" / name).read_bytes()


@slow
def test_a_trillion_replications_stay_flat_in_memory(tmp_path, earlier):
    """-n 10**12: memory flat while it runs, partial results once stopped."""
    process = _run(tmp_path, earlier, 10**12, "-q")
    peak, started = 0.0, time.monotonic()
    while time.monotonic() - started < 8 or _rows_so_far(earlier) == 0:
        assert time.monotonic() - started < 120 and process.popen.poll() is None
        peak = max(peak, sum(rss_mb(p) for p in [process.pid, *process.workers()]))
        time.sleep(0.2)
    process.popen.send_signal(signal.SIGINT)
    process.finish(expect=(130,), timeout=60)
    # issue 20's target for every -n; blocks of 8,192 replications peak at about 455 MB
    # on 2 workers (docs/performance.md), blocks of 2,048 at about 330 MB
    assert peak < 500, f"{peak:.0f} MB"
    _whole(earlier / "base")
