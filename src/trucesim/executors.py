"""Where replications run: in this process, or in a pool of local processes.

An executor maps a task over chunk bounds and yields the results in submission order,
keeping a bounded number of chunks in flight so memory stays flat however many
replications are asked for.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Executor(Protocol):
    workers: int

    def map(self, task: Callable[[T], R], items: Iterable[T]) -> Iterator[R]: ...


class SerialExecutor:
    """Runs every chunk in the calling process, one after another."""

    workers = 1

    def map(self, task: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        for item in items:
            yield task(item)


class PoolExecutor:
    """Runs chunks on a pool of local worker processes."""

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)

    def map(self, task: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        pending: deque[Future[R]] = deque()
        with ProcessPoolExecutor(max_workers=self.workers) as pool:
            try:
                for item in items:
                    pending.append(pool.submit(task, item))
                    if len(pending) >= 2 * self.workers:
                        yield pending.popleft().result()
                while pending:
                    yield pending.popleft().result()
            finally:
                for future in pending:
                    future.cancel()


def cpu_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)


def make_executor(workers: int | None) -> Executor:
    """`workers` None or 0 means all cores; 1 runs in-process."""
    n = workers or cpu_count()
    return SerialExecutor() if n == 1 else PoolExecutor(n)
