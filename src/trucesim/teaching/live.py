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
  intervals, as `trucesim report A B`. :meth:`Store.kept` keeps such a comparison, and the
  charts drawn from two kept runs, for every session, so that a setting another student
  already tried costs its page only the drawing.
"""

from __future__ import annotations

import shutil
import signal
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from trucesim.analysis.compare import Comparison, from_runs
from trucesim.run import runner
from trucesim.run.executors import Executor, SerialExecutor, cpu_count
from trucesim.run.results import RunFiles, load_run
from trucesim.scenario.load import digest, load
from trucesim.scenario.schema import Scenario
from trucesim.teaching import vega
from trucesim.teaching.story import Story

T = TypeVar("T")
R = TypeVar("R")
PRELOAD = ["trucesim.run.engine", "trucesim.analysis.compare"]
PROJECTED_DPI = 120  # the one-run timeline, 900 px wide: the page shows it at its size


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
    """Runs kept in a temporary folder, by (scenario digest, seed, replications), shared
    by every session of the server: at most `limit` runs, the least recently used
    forgotten first (its folder removed). A kept run is looked up without waiting for a
    run in progress; runs themselves go one at a time (the pool is shared), and a session
    that waited for another's run of the same setting gets it from the store."""

    def __init__(self, pool: Executor, limit: int = 64) -> None:
        self.pool, self.limit = pool, max(1, limit)
        self.root = Path(tempfile.mkdtemp(prefix="trucesim-classroom-"))
        self._runs: OrderedDict[tuple[str, int, int], Timed] = OrderedDict()
        self._told: dict[tuple[str, int], OneRun] = {}
        self._made: OrderedDict[tuple[Any, ...], Any] = OrderedDict()  # see kept()
        self._kept = threading.Lock()  # guards the dictionaries and the counts
        self._lock = threading.Lock()  # one computation at a time: the pool is shared
        self.hits = self.misses = 0

    def has(self, scenario: Scenario, seed: int, n: int) -> bool:
        """Whether these runs are kept (no need to show progress for them)."""
        with self._kept:
            return (digest(scenario), seed, n) in self._runs

    def _lookup(self, key: tuple[str, int, int]) -> Timed | None:
        with self._kept:
            found = self._runs.get(key)
            if found is None:
                return None
            self._runs.move_to_end(key)
            self.hits += 1
            return Timed(found.run, found.seconds, kept=True)

    def run(self, scenario: Scenario, seed: int, n: int,
            progress: Callable[[int], None] | None = None) -> Timed:
        key = (digest(scenario), seed, n)
        found = self._lookup(key)
        if found is not None:
            return found
        with self._lock:
            found = self._lookup(key)  # run by another session while this one waited
            if found is not None:
                return found
            started = time.perf_counter()
            folder = self.root / f"{key[0][:16]}-{seed}-{n}"
            done = runner.run(scenario, seed, n, folder, self.pool, progress=progress)
            result = Timed(load_run(done.directory), time.perf_counter() - started)
            with self._kept:
                self.misses += 1
                while len(self._runs) >= self.limit:  # forget the least recently used
                    _, oldest = self._runs.popitem(last=False)
                    shutil.rmtree(oldest.run.directory.parent, ignore_errors=True)
                self._runs[key] = result
            return result

    def __len__(self) -> int:
        with self._kept:
            return len(self._runs)

    def scenario(self, path: Path, overrides: Sequence[str] = ()) -> Scenario:
        """The scenario file with these overrides, loaded once for every session (and
        again once the file itself changes; a file it extends is not watched); a
        ScenarioError if they make no valid scenario."""
        key = ("scenario", str(path), path.stat().st_mtime_ns, tuple(overrides))
        return self.kept(key, partial(load, path, list(overrides)))

    def kept(self, key: tuple[Any, ...], make: Callable[[], T]) -> T:
        """What `make` returns, made once for every session and kept by `key`, which must
        name everything it is made from (kept runs, by their folders, which hold the same
        bytes whenever they are run again; a scenario file, by its modification time), so
        the same key always stands for the same thing. At most 4 x `limit` are kept, the
        least recently used forgotten first."""
        with self._kept:
            if key in self._made:
                self._made.move_to_end(key)
                return self._made[key]  # type: ignore[no-any-return]
        made = make()  # outside the lock: two sessions may make it at once, alike
        with self._kept:
            self._made[key] = made
            while len(self._made) > 4 * self.limit:
                self._made.popitem(last=False)
        return made

    def one_run(self, scenario: Scenario, seed: int) -> OneRun:
        """Replication 0 of `scenario` with root seed `seed`: its story and its timeline
        (as `trucesim story --seed`), kept by (digest, seed)."""
        from trucesim.run.engine import simulate
        from trucesim.teaching import plots, story, timeline

        key = (digest(scenario), seed)
        with self._kept:
            told = self._told.get(key)
        if told is None:
            rep = simulate(scenario, seed, 0, log=True)
            title = f"One run of {scenario.title or scenario.name}: seed {seed}"
            chart = timeline.timeline(scenario, rep, title)
            told = OneRun(story.tell(scenario, rep, seed), plots.png(chart, PROJECTED_DPI),
                          str(rep.record["end_state"]))
            with self._kept:
                while len(self._told) >= self.limit:
                    self._told.pop(next(iter(self._told)))
                self._told[key] = told
        return told

    def cleanup(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def charts(store: Store, reference: RunFiles, yours: RunFiles) -> list[dict[str, Any]]:
    """The outcome bars and the survival curve of your version beside the reference, as
    Vega-Lite specs, drawn once for every session."""
    return [store.kept((chart.__name__, reference.directory, yours.directory),
                       partial(_drawn, chart, [reference, yours]))
            for chart in (vega.end_states, vega.survival)]


def _drawn(chart: Callable[[list[RunFiles]], Any], runs: list[RunFiles]) -> dict[str, Any]:
    return vega.projected(chart(runs))


def paired(reference: RunFiles, yours: RunFiles) -> Comparison:
    """Your version against the reference, replication by replication (same seed)."""
    return from_runs([reference, yours])
