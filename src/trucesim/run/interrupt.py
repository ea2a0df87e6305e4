"""Ctrl-C and SIGTERM: stop in order, within seconds, however many times they come.

While a command runs replications, SIGINT and SIGTERM only count presses on a
:class:`StopFlag`; they never raise inside the executors' machinery (an exception raised
there, half-way through a pool's bookkeeping, is what used to hang a second Ctrl-C). The
executors read the flag between chunks and while they wait for one, and stop waiting as
soon as it is raised; the workers are then killed (their chunks are not wanted):

- a run (``raise_in_map=False``) keeps the chunks that had finished, in order, and
  writes them as partial results (in-process, the chunk at hand finishes first; a
  second press changes nothing then, as the files are written once);
- other commands (``raise_in_map=True``) stop with :class:`Stopped`, writing nothing.

Outside a run, :func:`raise_stopped` makes both signals raise :class:`Stopped`, which the
command line turns into one line and exit code 130. Once the user has asked a command to
stop, the command line ignores further presses (:func:`ignore`) while it writes what it
keeps and exits: a press then could only cut that short, or, once Python has begun to
shut down and restored the default handler, kill the process without its exit code.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Stopped(Exception):
    """The user asked to stop (Ctrl-C or SIGTERM)."""


class StopFlag:
    """How many times the user asked to stop, and what a stop means here."""

    def __init__(self, raise_in_map: bool = False) -> None:
        self.presses = 0
        self.raise_in_map = raise_in_map

    @property
    def requested(self) -> bool:
        return self.presses > 0

    @property
    def aborting(self) -> bool:
        """Stop at once, without finishing the chunk at hand."""
        return self.presses >= 2 or (self.presses > 0 and self.raise_in_map)

    def check(self) -> None:
        """Raise Stopped if the work should stop at once."""
        if self.aborting:
            raise Stopped


_current: StopFlag | None = None
# set by the command line: after a stop was asked for, ignore further presses
ignore_after_stop = False


def current() -> StopFlag | None:
    """The flag of the run in progress in this process, if any."""
    return _current


@contextmanager
def stop_on_interrupt(raise_in_map: bool = False) -> Iterator[StopFlag]:
    """Count SIGINT and SIGTERM on a flag while the block runs (main thread only)."""
    global _current
    flag = StopFlag(raise_in_map)
    if threading.current_thread() is not threading.main_thread():
        yield flag  # signals reach only the main thread; nothing to install
        return

    def count(signum: int, frame: FrameType | None) -> None:
        flag.presses += 1

    previous = {s: signal.signal(s, count) for s in SIGNALS}
    outer, _current = _current, flag
    try:
        yield flag
    finally:
        _current = outer
        if flag.requested and ignore_after_stop:
            ignore()
        else:
            for s, handler in previous.items():
                signal.signal(s, handler)


def _stop(signum: int, frame: FrameType | None) -> None:
    raise Stopped


def raise_stopped() -> None:
    """Make SIGINT and SIGTERM raise Stopped (outside runs; the CLI's default)."""
    for s in SIGNALS:
        signal.signal(s, _stop)


def ignore() -> None:
    """Ignore SIGINT and SIGTERM from now on (a command that is stopping or exiting)."""
    if threading.current_thread() is threading.main_thread():
        for s in SIGNALS:
            signal.signal(s, signal.SIG_IGN)
