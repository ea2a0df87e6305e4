"""The only module that writes files.

A run's files are written into a hidden working directory next to their destination and
moved into place only once all of them are complete, so a failed or refused run never
leaves half-written results. A previous run's directory is replaced as a whole, and only
if trucesim wrote it (:mod:`.claims`); anything else there is an error unless forced.
Working files of killed runs beside the destination are removed by the next write.
Written JSON is strict: no NaN or Infinity.
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from trucesim.run.claims import WRITER, NotOurs, Working, check, claim, clean_stale, discard


def dumps(data: Any) -> str:
    """JSON as trucesim writes it: indented, UTF-8, strict (ValueError on NaN or inf)."""
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


class ResultsDir:
    """Collects a run's files in a working directory; `commit` moves them into place.

    Used as a context manager: entering checks that the destination may be replaced
    (:class:`~trucesim.run.claims.NotOurs` if not, unless `force`); leaving the block
    without `commit` (an error, Ctrl-C) deletes the working directory and leaves the
    destination untouched.
    """

    def __init__(self, destination: Path, force: bool = False) -> None:
        self.destination = destination
        self.force = force
        self._work: Working | None = None
        self._open: list[IO[str]] = []

    def __enter__(self) -> ResultsDir:
        self.destination.parent.mkdir(parents=True, exist_ok=True)
        clean_stale(self.destination.parent, self.destination.name)
        check(self.destination, self.force)
        self._work = Working(self.destination, directory=True)
        os.mkdir(self._work.path / "new")  # permissions as for any new directory
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        for handle in self._open:
            handle.close()
        if self._work is not None:
            self._work.release()

    @property
    def tmp(self) -> Path:
        assert self._work is not None, "use ResultsDir as a context manager"
        return self._work.path / "new"

    def stream(self, name: str) -> IO[str]:
        """A text file to append to as results arrive (closed on commit)."""
        handle = (self.tmp / name).open("w", encoding="utf-8", newline="")
        self._open.append(handle)
        return handle

    def text(self, name: str, content: str) -> None:
        (self.tmp / name).write_text(content, encoding="utf-8")

    def json(self, name: str, data: Any) -> None:
        self.text(name, dumps(data))

    def binary(self, name: str, content: bytes) -> None:
        """A file of bytes (an image)."""
        (self.tmp / name).write_bytes(content)

    def commit(self, destination: Path | None = None) -> Path:
        """Move the finished files into place, replacing an earlier run's directory; to
        `destination` (beside the one entered, as a partial run's files go) if given."""
        destination = destination or self.destination
        for handle in self._open:
            handle.flush()
            os.fsync(handle.fileno())
            handle.close()
        self._open.clear()
        check(destination, self.force)  # it may have changed while the run ran
        assert self._work is not None
        if os.path.lexists(destination):
            os.replace(destination, self._work.path / "old")  # removed on release
        os.replace(self.tmp, destination)
        return destination


def holds_complete_run(directory: Path) -> bool:
    """Whether `directory` holds the results of a run that finished (its manifest says
    status complete): what an interrupted rerun must not replace."""
    try:
        record = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (isinstance(record, dict) and record.get("written_by") == WRITER
            and record.get("status") == "complete")


def write_text_atomic(path: Path, content: str) -> None:
    """Write one file via a locked working file beside it and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(path.parent, path.name)
    if path.is_dir() and not path.is_symlink():
        raise IsADirectoryError(errno.EISDIR, "Is a directory", str(path))
    if os.path.lexists(path) and (path.is_symlink() or not path.is_file()):
        # never replace a device (/dev/full), a pipe or a link by a file
        raise FileExistsError(errno.EEXIST, "exists and is not a regular file", str(path))
    work = Working(path, directory=False)
    try:
        os.chmod(work.path, 0o666 & ~_umask())  # as an ordinary new file would be
        with work.path.open("w", encoding="utf-8") as handle:
            handle.write(content)
        os.replace(work.path, path)
    finally:
        work.release()


def write_into(directory: Path, name: str, content: str) -> Path:
    """Write one file into a results directory (a report into a run's or comparison's
    directory): a new directory is made with a manifest saying trucesim wrote it; an
    existing one must hold trucesim's results, or at least not a file of that name."""
    path = directory / name
    clean_stale(directory.parent, directory.name)
    if not os.path.lexists(directory):
        with ResultsDir(directory) as results:
            results.json("manifest.json", {"written_by": WRITER, "kind": "report"})
            results.text(name, content)
            return results.commit() / name
    what = claim(directory)
    if what and (os.path.lexists(path) or directory.is_symlink()):
        raise NotOurs(directory, what)
    write_text_atomic(path, content)
    return path


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


def prepare_directory(directory: Path, force: bool = False) -> None:
    """Make `directory` ready to be written in place (a sweep's): removes working files
    of killed runs in it; NotOurs unless trucesim wrote what it holds (or `force`, which
    removes it first)."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(directory.parent, directory.name)
    try:
        check(directory, force=False)
    except NotOurs:
        if not force:
            raise
        discard(directory)
    directory.mkdir(exist_ok=True)


def _umask() -> int:
    """The process's file-creation mask (reading it means setting it; set it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
