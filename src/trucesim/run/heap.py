"""Keep memory the engine frees for its next block, instead of returning it to the system.

Each block allocates its arrays afresh (tens of MB at 8,192 replications) and frees them
when it ends. By default glibc's malloc serves allocations above 128 KB with fresh pages
from the system and hands them back when freed, so every block paid again for its pages
being mapped and zeroed (page faults: a tenth of a block's time in system calls,
measured here). Raising malloc's thresholds keeps those pages in the process for the
next block; memory stays flat, at the peak of one block, as before.

Linux with glibc only; elsewhere (or if the C library refuses) nothing changes.
"""

from __future__ import annotations

import contextlib
import ctypes
import sys

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
