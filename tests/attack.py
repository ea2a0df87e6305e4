"""The harness of the fuzz and fault suite (issue 13): run the command line on an input
or under a fault, check every promise, and count.

Each attack asserts: the exit code is one of those expected (0, 2 for a user error, 130
for an interrupt), no traceback, nothing written outside the sandbox's `--out` (every
other file in the sandbox is byte-identical afterwards), earlier results intact unless
the attack was meant to replace them, and no working files (``.NAME.trucesim-XXXX``) left
behind. The tally (inputs tried, clean errors, successes, tracebacks, hangs, data lost)
is printed at the end of the test session (conftest.py).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from trucesim.cli import app

TALLY: Counter[str] = Counter()
TRUCESIM = [sys.executable, "-m", "trucesim.cli"]
_cli = CliRunner()


def snapshot(root: Path) -> dict[str, str]:
    """Every file, link and directory under `root`, with a digest of its content."""
    out: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            rel = str(path.relative_to(root))
            if path.is_symlink():
                out[rel] = "link:" + os.readlink(path)
            elif path.is_file():
                out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                out[rel] = "dir"
    return out


def leftovers(root: Path) -> list[str]:
    """Working files of trucesim under `root` (none may remain after a command)."""
    return [str(p) for p in root.rglob("*") if ".trucesim-" in p.name or ".trucesim~" in p.name]


@dataclass
class Outcome:
    code: int
    output: str  # stdout and stderr together


def _check(outcome: Outcome, sandbox: Path, out: Path, before: dict[str, str],
           expect: tuple[int, ...], keep: Path | None, kept: dict[str, str] | None) -> None:
    TALLY["inputs"] += 1
    traceback = "Traceback" in outcome.output
    if traceback or outcome.code not in (0, 2, 130, *expect):
        TALLY["tracebacks"] += 1
    after = snapshot(sandbox)
    outside = {k: v for k, v in after.items() if not _under(k, sandbox, out)}
    lost = {k for k, v in before.items() if not _under(k, sandbox, out) and outside.get(k) != v}
    written = {k for k in outside if k not in before}
    if keep is not None and kept is not None and snapshot(keep) != kept:
        lost.add(str(keep))
    if lost:
        TALLY["data lost"] += 1
    TALLY["clean errors" if outcome.code in (2, 1) else
          "interrupts" if outcome.code == 130 else "successes"] += 1
    assert not traceback, outcome.output
    assert outcome.code in expect, (outcome.code, outcome.output)
    assert not lost, f"changed or removed outside --out: {sorted(lost)}"
    assert not written, f"written outside --out: {sorted(written)}"
    assert not leftovers(sandbox), leftovers(sandbox)
    if outcome.code not in (0, 130):
        errors = [line for line in outcome.output.splitlines() if line.startswith("error: ")]
        assert errors, outcome.output
        assert "\x1b" not in outcome.output and "\x07" not in outcome.output


def _under(rel: str, sandbox: Path, out: Path) -> bool:
    path = sandbox / rel
    return path == out or out in path.parents


def attack(args: list[object], sandbox: Path, out: Path, expect: tuple[int, ...] = (0, 2),
           keep: Path | None = None) -> Outcome:
    """Run `trucesim ARGS` in this process and check it kept every promise."""
    before = snapshot(sandbox)
    kept = snapshot(keep) if keep is not None else None
    result = _cli.invoke(app, [str(a) for a in args])
    output = result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        output += "Traceback\n" + "".join(traceback.format_exception(result.exception))
    outcome = Outcome(result.exit_code, output)
    _check(outcome, sandbox, out, before, expect, keep, kept)
    return outcome


class Process:
    """`trucesim ARGS` as a child process, for faults: signals, killed workers."""

    def __init__(self, args: list[object], sandbox: Path, out: Path,
                 code: str | None = None, keep: Path | None = None) -> None:
        self.sandbox, self.out, self.keep = sandbox, out, keep
        self.before = snapshot(sandbox)
        self.kept = snapshot(keep) if keep is not None else None
        command = ([sys.executable, "-c", code, *map(str, args)] if code
                   else [*TRUCESIM, *map(str, args)])
        self.started = time.monotonic()
        self.popen = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})

    @property
    def pid(self) -> int:
        return self.popen.pid

    def workers(self) -> list[int]:
        try:
            with open(f"/proc/{self.pid}/task/{self.pid}/children") as handle:
                return [int(x) for x in handle.read().split()]
        except OSError:
            return []

    def finish(self, expect: tuple[int, ...], timeout: float = 60) -> Outcome:
        """Wait for the end (a hang fails the attack), then check every promise."""
        try:
            stdout, stderr = self.popen.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            TALLY["inputs"] += 1
            TALLY["hangs"] += 1
            self.popen.kill()
            self.popen.communicate()
            raise AssertionError(f"no exit within {timeout} s") from None
        outcome = Outcome(self.popen.returncode, stdout + stderr)
        _check(outcome, self.sandbox, self.out, self.before, expect, self.keep, self.kept)
        return outcome


def summary() -> str:
    t = TALLY
    return (f"attack suite: {t['inputs']} inputs tried; {t['clean errors']} clean errors "
            f"(exit 1 or 2, one line each), {t['successes']} accepted and run, "
            f"{t['interrupts']} interrupts (exit 130); {t['tracebacks']} tracebacks, "
            f"{t['hangs']} hangs, {t['data lost']} data lost")
