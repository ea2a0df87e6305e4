"""Where replications run: in this process, a pool of local processes, or a Dask cluster.

An executor maps a task over chunk bounds (read lazily: the bounds of 10**12
replications are never listed) and yields the results in submission order, keeping a
bounded number of chunks in flight, so memory stays flat however many replications are
asked for. Since a replication depends only on (scenario, root seed, index), every
executor gives the same numbers.

Between chunks, and while waiting for one, the executors read the stop flag of
:mod:`.interrupt`. A pool whose worker dies (killed, out of memory) is started afresh
and the chunks in flight run again, twice at most; the results are the same. Workers
leave Ctrl-C to the main process, and exit if the main process dies.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import wait as wait_for
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Literal, Protocol, TypeVar

from trucesim.run import heap, interrupt
from trucesim.run.interrupt import Stopped

T = TypeVar("T")
R = TypeVar("R")

Kind = Literal["auto", "serial", "pool", "dask"]
RESTARTS = 2  # a pool whose worker died is started again at most this often per map
POLL = 0.1  # seconds between looks at the stop flag while waiting for a chunk


class WorkerError(RuntimeError):
    """Workers kept dying: the run cannot go on (the message says how)."""


class Executor(Protocol):
    workers: int

    def map(self, task: Callable[[T], R], items: Iterable[T]) -> Iterator[R]: ...


class SerialExecutor:
    """Runs every chunk in the calling process, one after another."""

    workers = 1

    def map(self, task: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        flag = interrupt.current()
        with heap.frozen():
            for item in items:
                if flag is not None:
                    flag.check()
                yield task(item)


def _worker_start(main: int) -> None:
    """A pool worker leaves Ctrl-C and SIGTERM handling to the main process, which stops
    it in order, and exits when the main process (or its own parent) is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    parent = os.getppid()  # the main process, or a fork server
    with contextlib.suppress(OSError, AttributeError):  # Linux: killed when the parent dies
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if parent == 1 or not _exists(main):  # gone before prctl took effect
        os._exit(1)
    threading.Thread(target=_watch, args=(parent, main), daemon=True).start()
    gc.freeze()  # what the worker inherited stays: the collections after each block are cheap


def _watch(parent: int, main: int) -> None:
    """Everywhere else: notice within a second that the parent or main process is gone."""
    while os.getppid() == parent and _exists(main):
        time.sleep(1.0)
    os._exit(1)


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class PoolExecutor:
    """Runs chunks on a pool of local worker processes. With `keep`, the pool (and what
    its workers imported) lives from one map to the next until :meth:`close`."""

    def __init__(self, workers: int, keep: bool = False) -> None:
        self.workers = max(1, workers)
        self.keep = keep
        self._kept: ProcessPoolExecutor | None = None

    def _pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=self.workers, initializer=_worker_start,
                                   initargs=(os.getpid(),))

    def map(self, task: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        flag = interrupt.current()
        source = iter(items)
        pending: deque[tuple[T, Future[R]]] = deque()
        pool, self._kept = self._kept or self._pool(), None
        restarts, finished = 0, False
        try:
            while True:
                while len(pending) < 2 * self.workers:
                    item = next(source, _END)
                    if item is _END:
                        break
                    pending.append((item, _submit(pool, task, item)))
                if not pending:
                    finished = True
                    return
                try:
                    result = _result(pending[0][1], flag)
                except BrokenProcessPool:
                    if flag is not None and flag.requested:
                        raise Stopped from None  # our own stop took the workers down
                    restarts += 1
                    if restarts > RESTARTS:
                        raise WorkerError(f"a worker process died {restarts} times (killed, "
                                          "or out of memory)") from None
                    _stop(pool)
                    pool = self._pool()
                    pending = deque((i, _submit(pool, task, i)) for i, _ in pending)
                    continue
                pending.popleft()
                yield result
        finally:
            for _, future in pending:
                future.cancel()
            if not finished:  # stopped early: whatever is still running is not wanted
                _stop(pool)
            if finished and self.keep:
                self._kept = pool
            else:
                pool.shutdown(wait=True, cancel_futures=True)

    def close(self) -> None:
        """Shut down a kept pool."""
        if self._kept is not None:
            self._kept.shutdown(wait=True, cancel_futures=True)
            self._kept = None


_END: Any = object()


def _submit(pool: ProcessPoolExecutor, task: Callable[[T], R], item: T) -> Future[R]:
    """Submit a chunk; a pool whose workers already died gives a failed future, which
    counts as one more death like any other (not an error of its own)."""
    try:
        return pool.submit(task, item)
    except BrokenProcessPool as exc:
        future: Future[R] = Future()
        future.set_exception(exc)
        return future


def _result(future: Future[R], flag: interrupt.StopFlag | None) -> R:
    """The chunk's result; Stopped if a stop is asked for before it is done (a run keeps
    the chunks finished so far), or at once if the stop flag says so."""
    while flag is not None and not future.done():
        if flag.requested:
            raise Stopped
        wait_for([future], timeout=POLL)
    if flag is not None:
        flag.check()
    return future.result()


def _stop(pool: ProcessPoolExecutor) -> None:
    """Kill a pool's workers at once (their chunks are not wanted).

    A worker killed while it sends a chunk's result leaves half a message in the result
    pipe, and the pool's manager thread waits for the rest forever (the parent holds a
    writing end too, so the pipe never reports its end): shutting down would then hang.
    Once the workers are dead, the parent closes its writing end, so the manager thread
    reads the end of the pipe, marks the pool broken and lets the shutdown finish.
    """
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            process.kill()
    for process in processes:
        with contextlib.suppress(OSError, ValueError, AttributeError, AssertionError):
            process.join(5)
    writer = getattr(getattr(pool, "_result_queue", None), "_writer", None)
    if writer is not None:
        with contextlib.suppress(OSError):
            writer.close()
    pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor:
    """Runs chunks on a Dask cluster: an existing scheduler, or a local cluster it starts.

    Needs the optional extra: pip install 'trucesim[dask]'.
    """

    def __init__(self, workers: int, scheduler: str | None = None) -> None:
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise RuntimeError("the Dask executor needs the 'dask' extra: "
                               "pip install 'trucesim[dask]'") from None
        self._cluster: Any = None
        if scheduler:
            self._client: Any = Client(scheduler, timeout="20s")  # type: ignore[no-untyped-call]
        else:
            self._cluster = LocalCluster(  # type: ignore[no-untyped-call]
                n_workers=max(1, workers), threads_per_worker=1, processes=True,
                dashboard_address=None)
            self._client = Client(self._cluster)  # type: ignore[no-untyped-call]
        info = self._client.scheduler_info()
        self.workers = max(1, sum(w.get("nthreads", 1) for w in info["workers"].values()))

    def map(self, task: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        flag = interrupt.current()
        pending: deque[Any] = deque()
        try:
            for item in items:
                pending.append(self._client.submit(task, item, pure=False))
                if len(pending) >= 2 * self.workers:
                    yield self._result(pending.popleft(), flag)
            while pending:
                yield self._result(pending.popleft(), flag)
        finally:
            for future in pending:
                future.cancel()

    @staticmethod
    def _result(future: Any, flag: interrupt.StopFlag | None) -> Any:
        while flag is not None and not future.done():
            if flag.requested:
                raise Stopped
            time.sleep(POLL)
        if flag is not None:
            flag.check()
        try:
            return future.result()
        except Exception:
            if flag is not None and flag.requested:  # workers stopped by the same Ctrl-C
                raise Stopped from None
            raise

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def cpu_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)


def make_executor(workers: int | None, kind: Kind = "auto",
                  scheduler: str | None = None) -> Executor:
    """`workers` None or 0 means all cores; 'auto' runs in-process on one worker."""
    n = workers or cpu_count()
    if kind == "dask" or scheduler:
        return DaskExecutor(n, scheduler)
    if kind == "serial" or (kind == "auto" and n == 1):
        return SerialExecutor()
    return PoolExecutor(n)


def close(executor: Executor) -> None:
    """Release what an executor holds (a Dask client and cluster)."""
    closer = getattr(executor, "close", None)
    if closer is not None:
        closer()
