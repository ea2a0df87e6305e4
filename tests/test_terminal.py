"""The commands as a person types them: on a pseudo-terminal, where rich draws the
progress bar and colour (issue 19). Tests that pipe the output never draw the bar: the
README's first command crashed on every terminal while 983 piped tests passed.

Each command runs long enough for the bar to be drawn (after 0.5 s) and redrawn with
new counts before the end; the test checks that it was, that the command exited 0
without a traceback, and that its results were written. Another sends Ctrl-C through
the terminal (the byte a keyboard sends, \\x03) mid-run.
"""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import BASE, ROOT, SCENARIOS

RECORD = ROOT / "data" / "records" / "jan-2025.toml"
HISTORY = SCENARIOS / "history" / "jan-2025-ceasefire.toml"
ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
COUNTS = re.compile(r"(\d[\d,]*)/(\d[\d,]*)")  # the bar's "done/total"


def on_a_terminal(args: list[object], cwd: Path, *, interrupt_after: float | None = None,
                  limit: float = 300) -> tuple[int, str]:
    """Run `trucesim ARGS` with a pty as its stdin, stdout and stderr (80 columns, a
    colour terminal); return its exit code and everything it drew. With
    `interrupt_after`, type Ctrl-C that many seconds after the bar first appears."""
    main, child = os.openpty()
    os.set_blocking(main, False)
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "CI")}
    env |= {"TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24"}
    process = subprocess.Popen([sys.executable, "-m", "trucesim.cli", *map(str, args)],
                               stdin=child, stdout=child, stderr=child, cwd=cwd, env=env,
                               start_new_session=True,  # the pty becomes its terminal
                               preexec_fn=lambda: _take_terminal(child))
    os.close(child)
    chunks: list[bytes] = []
    deadline, bar_seen = time.monotonic() + limit, None
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([main], [], [], 0.1)
            if ready:
                try:
                    data = os.read(main, 65536)
                except OSError:  # EIO: the child closed its end
                    data = b""
                if not data and process.poll() is not None:
                    break
                chunks.append(data)
                if bar_seen is None and "━".encode() in data:
                    bar_seen = time.monotonic()
            elif process.poll() is not None:
                break
            if interrupt_after is not None and bar_seen is not None and \
                    time.monotonic() - bar_seen > interrupt_after:
                os.write(main, b"\x03")  # Ctrl-C, as typed
                interrupt_after = None
        else:
            os.killpg(process.pid, signal.SIGKILL)
            pytest.fail(f"trucesim {' '.join(map(str, args))} did not end in {limit} s")
        code = process.wait(timeout=30)
    finally:
        os.close(main)
    return code, b"".join(chunks).decode("utf-8", errors="replace")


def _take_terminal(fd: int) -> None:
    import fcntl
    import termios

    fcntl.ioctl(fd, termios.TIOCSCTTY, 0)


def frames(screen: str) -> list[tuple[int, int]]:
    """The (done, total) counts the bar showed, one per redraw, in order."""
    plain = ESCAPES.sub("", screen)
    return [(int(a.replace(",", "")), int(b.replace(",", "")))
            for line in re.split(r"[\r\n]", plain) if "━" in line
            for a, b in COUNTS.findall(line)[:1]]


def assert_bar_redrawn(screen: str) -> None:
    shown = frames(screen)
    assert shown, "no progress bar was drawn:\n" + ESCAPES.sub("", screen)[-2000:]
    done = sorted({d for d, _ in shown})
    assert len(done) >= 2 and done[0] < shown[0][1], f"the bar was not redrawn: {shown}"
    assert "\x1b[" in screen  # drawn in colour: rich saw a terminal


def assert_clean(code: int, screen: str) -> None:
    assert code == 0, ESCAPES.sub("", screen)[-3000:]
    assert "Traceback" not in screen and "error:" not in screen, screen[-3000:]


def test_run_on_a_terminal_draws_the_bar_and_prints_the_table(tmp_path):
    code, screen = on_a_terminal(["run", BASE, "-n", 20_000, "-o", tmp_path / "r"], ROOT)
    assert_clean(code, screen)
    assert_bar_redrawn(screen)
    assert "living hostages released" in screen and "mean [95% CI]" in screen
    assert (tmp_path / "r" / "base" / "summary.json").exists()


def test_compare_on_a_terminal(tmp_path):
    code, screen = on_a_terminal(["compare", BASE, SCENARIOS / "may-2025.toml", "-n", 6_000,
                                  "-o", tmp_path / "c"], ROOT)
    assert_clean(code, screen)
    assert_bar_redrawn(screen)
    assert list((tmp_path / "c").glob("compare-*/*.csv"))


def test_sweep_on_a_terminal(tmp_path):
    code, screen = on_a_terminal(["sweep", BASE, "--vary", "crisis.max_days=3:9",
                                  "--method", "grid", "--samples", 6, "-n", 1_500,
                                  "-o", tmp_path / "s"], ROOT)
    assert_clean(code, screen)
    assert_bar_redrawn(screen)
    assert (tmp_path / "s" / "sweep-base" / "points.csv").exists()


def test_backtest_on_a_terminal(tmp_path):
    code, screen = on_a_terminal(["backtest", HISTORY, RECORD, "-n", 12_000,
                                  "-o", tmp_path / "b"], ROOT)
    assert_clean(code, screen)
    assert_bar_redrawn(screen)
    assert list((tmp_path / "b").glob("backtest-*/summary.json"))


def test_calibrate_on_a_terminal(tmp_path):
    code, screen = on_a_terminal(["calibrate", HISTORY, RECORD, "--vary",
                                  "mediation.drain_per_day", "--budget", 400,
                                  "--population", 50, "-o", tmp_path / "k"], ROOT)
    assert_clean(code, screen)
    assert_bar_redrawn(screen)
    assert list((tmp_path / "k").glob("calibrate-*/*"))


def test_ctrl_c_typed_at_the_terminal_stops_the_run(tmp_path):
    out = tmp_path / "r"
    started = time.monotonic()
    code, screen = on_a_terminal(["run", BASE, "-n", 2_000_000, "-o", out], ROOT,
                                 interrupt_after=1.0, limit=120)
    plain = ESCAPES.sub("", screen)
    assert code == 130, plain[-2000:]
    assert "Traceback" not in screen
    assert plain.count("error: interrupted") == 1, plain[-2000:]
    assert time.monotonic() - started < 100
    if "partial results in" in plain:  # a chunk had finished: its files are whole
        assert (out / "base" / "manifest.json").exists()
    else:
        assert not (out / "base").exists()
    assert not list(out.glob(".*trucesim-*"))  # no working files left
