"""How long the classroom page takes to update after a slider moves.

Starts `trucesim classroom --no-browser` (1,000 replications of each version by default),
opens it in headless Chromium (Playwright), switches the prediction step off, waits for
the reference's results, then moves the crisis-threshold slider to several values, one
key press each, and times each update: from the key press until the page's key numbers
show the new version's results and the page is idle again.

    python benchmarks/classroom_latency.py [--workers W] [--replications N] [--moves K]

The first update of a session also starts the workers and runs the reference; it is
reported apart. Prints one line per move and the median.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]
SLIDER = "Tension at which a crisis starts (tension)"
# each press lowers the threshold by one step (0.2): every move is a new version


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=0)
    ap.add_argument("--replications", type=int, default=1000)
    ap.add_argument("--moves", type=int, default=6)
    ap.add_argument("--screenshot", type=Path)
    args = ap.parse_args()
    server, url = start(args.replications, args.workers)
    try:
        measure(url, args, server.pid)
    finally:
        stop(server)


def start(replications: int, workers: int = 0) -> tuple[subprocess.Popen[str], str]:
    """`trucesim classroom --no-browser` for base on a free port of 127.0.0.1 (never the
    machine's network address), once it says it serves; the process and its address."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "trucesim", "classroom", str(ROOT / "scenarios" / "base.toml"),
         "--no-browser", "--port", str(port), "-n", str(replications),
         "--workers", str(workers)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True, text=True)
    assert server.stdout is not None
    for line in server.stdout:
        if line.startswith("trucesim classroom:"):
            assert "http://127.0.0.1:" in line, line  # loopback only
            break
    return server, f"http://127.0.0.1:{port}"


def stop(server: subprocess.Popen[str]) -> None:
    """SIGTERM to the command's group: it stops the server it started."""
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(30)


def tree(root: int) -> set[int]:
    """`root` and every process it started, at any depth (Linux /proc): the command,
    Streamlit (which runs in a session of its own) and its workers."""
    parent: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    found, grown = {root}, True
    while grown:
        more = {pid for pid, ppid in parent.items() if ppid in found} - found
        found |= more
        grown = bool(more)
    return found


def cpu_seconds(root: int) -> float:
    """CPU time used so far by `root`'s process tree (Linux /proc): the command,
    Streamlit and its workers. Unlike wall time, it does not grow when other programs
    compete for the cores."""
    total, tick = 0, os.sysconf("SC_CLK_TCK")
    for pid in tree(root):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])
    return total / tick


def idle(page, values, change: str, deadline: float) -> list[str]:
    """Wait until the page's last line says the runs of the version with `change` are
    done (it is drawn after everything else) and the key numbers are shown; return
    them."""
    what = rf"your version \({re.escape(change)}\)" if change else "the reference"
    done = page.get_by_text(re.compile(rf"runs of {what} took"))
    while True:
        shown = values.all_inner_texts()
        if done.count() and len(shown) == 5:
            return shown
        if time.monotonic() > deadline:
            raise TimeoutError("no update")
        page.wait_for_timeout(20)


def measure(url: str, args: argparse.Namespace, root: int) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1600})
        page.goto(url, wait_until="load")
        started = time.monotonic()
        page.get_by_text("Show results without a prediction", exact=True).click()
        values = page.locator('[data-testid="stMetricValue"]')
        numbers = idle(page, values, "", time.monotonic() + 300)
        print(f"first results (workers starting, reference and your version run): "
              f"{time.monotonic() - started:.2f} s")
        thumb = page.get_by_role("slider", name=SLIDER)
        times, cpu = [], []
        for k in range(1, args.moves + 1):
            value = f"crisis.threshold={12.0 - 0.2 * k:.1f}"
            thumb.focus()
            t0, c0 = time.monotonic(), cpu_seconds(root)
            thumb.press("ArrowLeft")
            numbers = idle(page, values, value, time.monotonic() + 300)
            times.append(time.monotonic() - t0)
            cpu.append(cpu_seconds(root) - c0)
            print(f"{value}: {times[-1]:.2f} s, {cpu[-1]:.2f} CPU s "
                  f"(P(collapse) {numbers[0]})")
        if args.screenshot:
            page.screenshot(path=str(args.screenshot))
        browser.close()
    print(f"median update after a slider move: {statistics.median(times):.2f} s "
          f"({args.replications:,} replications, workers={args.workers or os.cpu_count()}, "
          f"{os.cpu_count()} cores; min {min(times):.2f}, max {max(times):.2f}); CPU time "
          f"used by the server and its workers per update: median "
          f"{statistics.median(cpu):.2f} s; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
