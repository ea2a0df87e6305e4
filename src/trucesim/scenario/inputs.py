"""Reading input files safely: regular files only, under a size cap, UTF-8 with or
without a byte-order mark.

A path that is a directory, a FIFO, a device (/dev/zero, /dev/stdin) or a socket is
refused before anything is read (a FIFO is opened without blocking), and a file larger
than its cap is refused without reading it whole, so no input can hang a command or
exhaust memory. The caps (documented in the README):
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

SCENARIO_BYTES = 1 << 20  # a scenario or record file (base.toml is about 8 KB)
RESULTS_BYTES = 64 << 20  # summary.json, manifest.json, daily.csv, differences.csv
EXTENDS_DEPTH = 16  # files in one `extends` chain


class InputError(OSError):
    """An input that is not a regular file, is too large, or is not UTF-8 text."""


def read_text(path: Path, limit: int = SCENARIO_BYTES) -> str:
    """The text of a regular file of at most `limit` bytes (FileNotFoundError if absent)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except IsADirectoryError:
        raise InputError("is a directory, not a file") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise InputError("is a directory, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise InputError("is not a regular file (a device, pipe or socket)")
        if info.st_size > limit:
            raise InputError(f"is larger than {limit:,} bytes ({info.st_size:,})")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(limit + 1)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise InputError(f"is larger than {limit:,} bytes")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
