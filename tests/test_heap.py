"""run/heap.py: the process-level memory settings of a run in one process."""

from __future__ import annotations

import gc
import threading

from trucesim.run import heap
from trucesim.run.executors import SerialExecutor


def test_a_serial_run_freezes_what_the_process_held_and_unfreezes_after():
    """While a serial run's chunks run, the objects the process held before are out of
    the cyclic collections; nested and threaded runs unfreeze once the last ends, and an
    abandoned run's generator unfreezes when it is closed."""
    gc.unfreeze()
    held = gc.get_freeze_count()
    assert held == 0
    seen: list[int] = []

    def task(item: int) -> int:
        seen.append(gc.get_freeze_count())
        return item

    assert list(SerialExecutor().map(task, range(3))) == [0, 1, 2]
    assert min(seen) > 0 and gc.get_freeze_count() == 0
    with heap.frozen():
        with heap.frozen():
            assert gc.get_freeze_count() > 0
        assert gc.get_freeze_count() > 0  # the outer one still runs
    assert gc.get_freeze_count() == 0
    started, release = threading.Event(), threading.Event()

    def other() -> None:
        with heap.frozen():
            started.set()
            release.wait(5)

    thread = threading.Thread(target=other)
    thread.start()
    started.wait(5)
    with heap.frozen():
        pass
    assert gc.get_freeze_count() > 0  # the other thread's run goes on
    release.set()
    thread.join(5)
    assert gc.get_freeze_count() == 0
    abandoned = SerialExecutor().map(task, range(5))
    next(abandoned)
    assert gc.get_freeze_count() > 0
    abandoned.close()
    assert gc.get_freeze_count() == 0
