"""How a process that runs blocks handles its memory: malloc keeps what a block frees for
the next, and Python's cyclic collections leave out what the process held before.

Each block allocates its arrays afresh (tens of MB at 8,192 replications) and frees them
when it ends. By default glibc's malloc serves allocations above 128 KB with fresh pages
from the system and hands them back when freed, so every block paid again for its pages
being mapped and zeroed (page faults: a tenth of a block's time in system calls,
measured here). Raising malloc's thresholds keeps those pages in the process for the
next block; memory stays flat, at the peak of one block, as before.

Linux with glibc only; elsewhere (or if the C library refuses) nothing changes.

The engine collects a block's reference cycles after the block (run.engine.run_chunk);
a full collection looks at every object the process tracks, about 13 ms in a process
that has imported the command line and its libraries. A pool worker freezes what it
inherited at its start (run.executors); :func:`frozen` does the same while one
process runs a run's chunks itself, and unfreezes afterwards.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import sys
import threading
from collections.abc import Iterator

_M_TRIM_THRESHOLD = -1  # mallopt's parameters (malloc.h)
_M_MMAP_THRESHOLD = -3
_MMAP_THRESHOLD = 32 << 20  # glibc's largest on 64-bit systems
_TRIM_THRESHOLD = 256 << 20  # free memory kept at the top of the heap before trimming
_done = False


def keep_freed_memory() -> None:
    """Set malloc's thresholds once per process (the engine calls this for each chunk)."""
    global _done
    if _done:
        return
    _done = True
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None)
        if libc.gnu_get_libc_version:  # glibc, not musl
            libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)
            libc.mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD)


_frozen_depth = 0
_frozen_lock = threading.Lock()


@contextlib.contextmanager
def frozen() -> Iterator[None]:
    """While this lasts, what the process held when it began is left out of the cyclic
    collections (gc.freeze), so that the collection after each block looks at the
    block's own objects only; unfrozen when the last of those in course ends (they may
    nest, or run in several threads), so nothing stays out of them for good."""
    global _frozen_depth
    with _frozen_lock:
        if _frozen_depth == 0:
            gc.freeze()
        _frozen_depth += 1
    try:
        yield
    finally:
        with _frozen_lock:
            _frozen_depth -= 1
            if _frozen_depth == 0:
                gc.unfreeze()
