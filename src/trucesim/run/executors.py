"""Where replications run: in this process, a pool of local processes, or a Dask cluster.

An executor maps a task over chunk bounds and yields the results in submission order,
keeping a bounded number of chunks in flight, so memory stays flat however many
replications are asked for. Since a replication depends only on (scenario, root seed,
index), every executor gives the same numbers.
"""

from __future__ import annotations

import os
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, Literal, Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")

Kind = Literal["auto", "serial", "pool", "dask"]


class Executor(Protocol):
    workers: int

    def map(self, task: Callable[[T], R], items: Iterable[T]) -> Iterator[R]: ...


class SerialExecutor:
    """Runs every chunk in the calling process, one after another."""

    workers = 1

    def map(self, task: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        for item in items:
            yield task(item)


def _ignore_interrupts() -> None:
    """Workers leave Ctrl-C to the main process, which stops them in order."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class PoolExecutor:
    """Runs chunks on a pool of local worker processes."""

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)

    def map(self, task: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        pending: deque[Future[R]] = deque()
        pool = ProcessPoolExecutor(max_workers=self.workers, initializer=_ignore_interrupts)
        try:
            for item in items:
                pending.append(pool.submit(task, item))
                if len(pending) >= 2 * self.workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
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
        pending: deque[Any] = deque()
        try:
            for item in items:
                pending.append(self._client.submit(task, item, pure=False))
                if len(pending) >= 2 * self.workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()

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
