"""What trucesim may replace, and the working files of runs that were killed.

trucesim replaces only what it wrote itself. A results directory is its own when it is a
real directory (not a symbolic link) whose manifest.json says trucesim wrote it and whose
every entry is a file trucesim writes; an empty directory holds nothing to lose. Anything
else at a destination (a directory of the user's, a file, a symbolic link, a directory
holding other files) is refused with :class:`NotOurs`, naming it, unless the user forces
the replacement (``--force``).

Work in progress lives next to its destination under a hidden name
(``.<name>.trucesim-XXXX``) that its process holds an exclusive lock on (``flock``) while
it lives. A lock is released when its process ends, however it ends (even SIGKILL), so
the next command writing beside it can tell a working file of a killed run from one in
use, and removes it (:func:`clean_stale`). Without ``fcntl`` nothing is removed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import tempfile
from pathlib import Path

from trucesim.scenario.inputs import RESULTS_BYTES, read_text

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]

TAG = ".trucesim-"  # in the name of every working file: .<name>.trucesim-XXXX
WRITER = "trucesim"  # manifest.json's "written_by"
FILES = frozenset({"summary.json", "summary.md", "replications.csv", "daily.csv",
                   "manifest.json", "report.html", "differences.csv", "compare.md",
                   "points.csv", "sensitivity.csv", "parameter_sets.csv",
                   # a calibration's: pyabc's database (and SQLite's journal), the posterior
                   "abc.db", "abc.db-journal", "abc.db-wal", "posterior.toml",
                   # a design search's (its drafts are pareto/<name>.toml)
                   "evaluations.jsonl", "candidates.csv", "pareto.csv", "generations.csv",
                   "design.json"})
DRAFT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,100}\.toml$")  # pareto/<draft>.toml
FIGURE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,100}\.(svg|png)$")  # figures/<chart>.svg|png
NESTED = 2  # a comparison holding its runs, each holding figures/


class NotOurs(Exception):
    """A destination holding something trucesim did not write; the message names it."""

    def __init__(self, path: Path, what: str) -> None:
        super().__init__(f"{path} {what}, which trucesim did not write; move it away, choose "
                         "another --out, or pass --force to replace it")
        self.path = path


def written_by_trucesim(manifest: object) -> bool:
    """Whether a manifest's data says trucesim wrote it (older manifests: by its fields)."""
    if not isinstance(manifest, dict):
        return False
    if manifest.get("written_by") == WRITER:
        return True
    identity = manifest.get("identity")
    return isinstance(manifest.get("trucesim_version"), str) or (
        isinstance(identity, dict) and isinstance(identity.get("trucesim_version"), str))


def claim(path: Path, depth: int = NESTED) -> str:
    """'' if trucesim may replace what is at `path`, else what is there, in words.

    Besides its files, a results directory may hold directories trucesim wrote in turn
    (figures/, or the runs inside a comparison made with --report), to `depth` levels.
    """
    try:
        info = path.lstat()
    except FileNotFoundError:
        return ""
    if stat.S_ISLNK(info.st_mode):
        return "is a symbolic link"
    if not stat.S_ISDIR(info.st_mode):
        return "is a file"
    clean_stale(path)
    entries = sorted(os.listdir(path))
    if not entries:
        return ""
    foreign = [e for e in entries if not _ours(path / e, depth)]
    if foreign:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if
                                          len(foreign) > 5 else "")
        return f"holds {shown}"
    try:
        manifest = json.loads(read_text(path / "manifest.json", RESULTS_BYTES))
    except (OSError, ValueError):
        return "has no manifest.json saying it holds trucesim's results"
    if not written_by_trucesim(manifest):
        return "has a manifest.json that does not say it holds trucesim's results"
    return ""


def _ours(entry: Path, depth: int) -> bool:
    """Whether an entry of a results directory is one trucesim writes there."""
    try:
        info = entry.lstat()
    except FileNotFoundError:
        return True  # gone meanwhile
    if stat.S_ISREG(info.st_mode):
        return entry.name in FILES or (entry.parent.name == "figures"
                                       and FIGURE.match(entry.name) is not None) or (
            entry.parent.name == "pareto" and DRAFT.match(entry.name) is not None)
    if stat.S_ISDIR(info.st_mode) and entry.name == "pareto":  # a design's drafts
        return all(DRAFT.match(e) and _ours(entry / e, 0) for e in os.listdir(entry))
    if stat.S_ISDIR(info.st_mode) and depth > 0:
        return bool(os.listdir(entry)) and claim(entry, depth - 1) == ""
    return False


def check(path: Path, force: bool) -> None:
    """Raise NotOurs unless trucesim may replace `path` (or `force` is given)."""
    what = claim(path)
    if what and not force:
        raise NotOurs(path, what)


class Working:
    """A working directory or file beside `destination`, locked while this process lives.

    It is made under a name no cleaner looks at, locked, and only then renamed to its
    working name (.<name>.trucesim-XXXX), so a cleaner never sees it unlocked.
    """

    def __init__(self, destination: Path, directory: bool) -> None:
        parent, hidden = destination.parent, f".{destination.name}"
        if directory:
            made = Path(tempfile.mkdtemp(prefix=f"{hidden}.trucesim~", dir=parent))
        else:
            fd, name = tempfile.mkstemp(prefix=f"{hidden}.trucesim~", dir=parent)
            os.close(fd)
            made = Path(name)
        self.fd = os.open(made, os.O_RDONLY)
        if fcntl is not None:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self.path = made.with_name(made.name.replace(".trucesim~", TAG, 1))
        os.replace(made, self.path)

    def release(self) -> None:
        """Remove what is left of it, then release the lock."""
        if self.fd < 0:
            return
        try:
            if self.path.is_dir() and not self.path.is_symlink():
                shutil.rmtree(self.path, ignore_errors=True)
            else:
                self.path.unlink(missing_ok=True)
        finally:
            os.close(self.fd)  # closing releases the lock
            self.fd = -1


def _abandoned(path: Path) -> bool:
    """Whether no living process holds the lock on this working file or directory."""
    if fcntl is None:
        return False
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def clean_stale(directory: Path, name: str = "") -> list[Path]:
    """Remove the working files of killed runs in `directory` (those of destination
    `name` only, if given); return what was removed."""
    prefix = f".{name}{TAG}" if name else "."
    try:
        entries = os.listdir(directory)
    except OSError:
        return []
    removed = []
    for entry in entries:
        if not entry.startswith(prefix) or TAG not in entry:
            continue
        path = directory / entry
        if path.is_symlink() or not _abandoned(path):
            continue
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def discard(path: Path) -> None:
    """Remove a file, symbolic link or directory tree (never following a link)."""
    if path.is_symlink() or not path.is_dir():
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path)
