"""The classroom page's engine: runs of a scenario on demand, kept warm and cached.

- :class:`WarmPool` is a process pool that lives as long as the page's server, its
  workers started once (from a fork server that has already imported the model), so a
  slider's rerun pays only for the replications.
- :class:`Store` runs a scenario into its own results directory under a temporary folder
  (the ordinary :func:`trucesim.run.runner.run`, so every file, chart and report works on
  it) and remembers it by (scenario digest, seed, replications): moving a slider back
  costs nothing, and the reference is run once.
- :func:`paired` compares the student's version with the reference by
  :func:`trucesim.analysis.compare.from_runs`: the same paired differences, with the same
  intervals, as `trucesim report A B`.
"""

from __future__ import annotations

import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from trucesim.analysis.compare import Comparison, from_runs
from trucesim.run import runner
from trucesim.run.executors import Executor, SerialExecutor, cpu_count
from trucesim.run.results import RunFiles, load_run
from trucesim.scenario.load import digest
from trucesim.scenario.schema import Scenario
from trucesim.teaching.story import Story

T = TypeVar("T")
R = TypeVar("R")
PRELOAD = ["trucesim.run.engine", "trucesim.analysis.compare"]


def _quiet() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _ready(k: int) -> int:
    return k


class WarmPool:
    """A pool of worker processes kept for the life of the server (an Executor)."""

    def __init__(self, workers: int) -> None:
        import multiprocessing

        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        self.workers = max(1, workers)
        self._pool = ProcessPoolExecutor(self.workers, mp_context=context, initializer=_quiet)
        list(self.map(_ready, range(self.workers)))  # start every worker now

    def map(self, task: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        futures = [self._pool.submit(task, item) for item in items]
        try:
            for future in futures:
                yield future.result()
        finally:
            for future in futures:
                future.cancel()

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def executor(workers: int) -> Executor:
    """All cores (0) in a warm pool; one worker, or a pool that cannot start, in-process."""
    from concurrent.futures.process import BrokenProcessPool

    n = workers or cpu_count()
    if n == 1:
        return SerialExecutor()
    try:
        return WarmPool(n)
    except (BrokenProcessPool, OSError, RuntimeError):
        return SerialExecutor()


@dataclass(frozen=True)
class Timed:
    run: RunFiles
    seconds: float  # wall time of the replications and their files, when they ran
    kept: bool = False  # True: from the store, not run again


@dataclass(frozen=True)
class OneRun:
    story: Story
    png: bytes  # the timeline chart
    ended: str


class Store:
    """Runs kept in a temporary folder, by (scenario digest, seed, replications)."""

    def __init__(self, pool: Executor, limit: int = 64) -> None:
        self.pool, self.limit = pool, limit
        self.root = Path(tempfile.mkdtemp(prefix="trucesim-classroom-"))
        self._runs: dict[tuple[str, int, int], Timed] = {}
        self._told: dict[tuple[str, int], OneRun] = {}
        self._lock = threading.Lock()  # one computation at a time: the pool is shared

    def has(self, scenario: Scenario, seed: int, n: int) -> bool:
        """Whether these runs are kept (no need to show progress for them)."""
        return (digest(scenario), seed, n) in self._runs

    def run(self, scenario: Scenario, seed: int, n: int,
            progress: Callable[[int], None] | None = None) -> Timed:
        key = (digest(scenario), seed, n)
        with self._lock:
            if key in self._runs:
                return Timed(self._runs[key].run, self._runs[key].seconds, kept=True)
            started = time.perf_counter()
            folder = self.root / f"{key[0][:16]}-{seed}-{n}"
            done = runner.run(scenario, seed, n, folder, self.pool, progress=progress)
            result = Timed(load_run(done.directory), time.perf_counter() - started)
            if len(self._runs) >= self.limit:  # forget the oldest
                oldest = next(iter(self._runs))
                shutil.rmtree(self._runs.pop(oldest).run.directory.parent, ignore_errors=True)
            self._runs[key] = result
            return result

    def one_run(self, scenario: Scenario, seed: int) -> OneRun:
        """Replication 0 of `scenario` with root seed `seed`: its story and its timeline
        (as `trucesim story --seed`), kept by (digest, seed)."""
        from trucesim.run.engine import simulate
        from trucesim.teaching import plots, story, timeline

        key = (digest(scenario), seed)
        if key not in self._told:
            rep = simulate(scenario, seed, 0, log=True)
            title = f"One run of {scenario.title or scenario.name}: seed {seed}"
            chart = timeline.timeline(scenario, rep, title)
            if len(self._told) >= self.limit:
                self._told.pop(next(iter(self._told)))
            self._told[key] = OneRun(story.tell(scenario, rep, seed), plots.png(chart),
                                     str(rep.record["end_state"]))
        return self._told[key]

    def cleanup(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def paired(reference: RunFiles, yours: RunFiles) -> Comparison:
    """Your version against the reference, replication by replication (same seed)."""
    return from_runs([reference, yours])
