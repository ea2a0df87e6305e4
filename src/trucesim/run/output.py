"""The only module that writes files.

A run's files are written into a hidden temporary directory next to their destination
and moved into place only once all of them are complete, so a failed or refused run
never leaves half-written results; a previous run's directory is replaced as a whole.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from types import TracebackType
from typing import IO, Any


class ResultsDir:
    """Collects a run's files in a temporary directory; `commit` moves them into place.

    Used as a context manager: leaving the block without `commit` (an error, Ctrl-C)
    deletes the temporary directory and leaves the destination untouched.
    """

    def __init__(self, destination: Path) -> None:
        self.destination = destination
        self._tmp: Path | None = None
        self._open: list[IO[str]] = []

    def __enter__(self) -> ResultsDir:
        self.destination.parent.mkdir(parents=True, exist_ok=True)
        self._tmp = Path(tempfile.mkdtemp(prefix=f".{self.destination.name}.",
                                          dir=self.destination.parent))
        self._tmp.chmod(0o777 & ~_umask())  # mkdtemp makes it private; results are shared
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        for handle in self._open:
            handle.close()
        if self._tmp is not None and self._tmp.exists():
            shutil.rmtree(self._tmp, ignore_errors=True)

    @property
    def tmp(self) -> Path:
        assert self._tmp is not None, "use ResultsDir as a context manager"
        return self._tmp

    def stream(self, name: str) -> IO[str]:
        """A text file to append to as results arrive (closed on commit)."""
        handle = (self.tmp / name).open("w", encoding="utf-8", newline="")
        self._open.append(handle)
        return handle

    def text(self, name: str, content: str) -> None:
        (self.tmp / name).write_text(content, encoding="utf-8")

    def json(self, name: str, data: Any) -> None:
        self.text(name, json.dumps(data, indent=2, ensure_ascii=False) + "\n")

    def binary(self, name: str, content: bytes) -> None:
        """A file of bytes (an image)."""
        (self.tmp / name).write_bytes(content)

    def commit(self) -> Path:
        """Move the finished files into place, replacing an earlier run's directory."""
        for handle in self._open:
            handle.flush()
            os.fsync(handle.fileno())
            handle.close()
        self._open.clear()
        old = None
        if self.destination.exists():
            old = self.destination.with_name(f".{self.destination.name}.old-{os.getpid()}")
            os.replace(self.destination, old)
        os.replace(self.tmp, self.destination)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return self.destination


def write_text_atomic(path: Path, content: str) -> None:
    """Write one file via a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.chmod(tmp, 0o666 & ~_umask())  # as an ordinary new file would be
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(content)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class LineLog:
    """A text file that grows by whole lines, each flushed to disk as it is written.

    Used for results that must survive an interruption (a sweep's points.csv): opening
    with `keep` bytes truncates the file to its first `keep` bytes (the complete lines
    a reader has checked) and appends after them; `keep=0` starts it afresh with `header`.
    """

    def __init__(self, path: Path, header: str, keep: int = 0) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        if keep:
            with path.open("r+b") as handle:
                handle.truncate(keep)
            self._handle: IO[str] = path.open("a", encoding="utf-8", newline="")
        else:
            self._handle = path.open("w", encoding="utf-8", newline="")
            self.write(header)

    def write(self, lines: str) -> None:
        self._handle.write(lines)
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> LineLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def remove_files(directory: Path, names: list[str]) -> None:
    """Delete these files of a results directory, if present (e.g. before a fresh sweep)."""
    for name in names:
        (directory / name).unlink(missing_ok=True)


def _umask() -> int:
    """The process's file-creation mask (reading it means setting it; set it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
