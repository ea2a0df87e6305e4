"""A class on one laptop: N students moving sliders at once (issue 23's load test).

For each N given, starts `trucesim classroom --no-browser` on 127.0.0.1 (never the
machine's network address) and opens N sessions, as N students would, each of which
switches the prediction step off and waits for the first results. A session speaks the
page's own protocol by default (`--client protocol`: Streamlit's protobuf messages over
its websocket, as the browser sends them, so that only the server's work is timed, as
in a class where each student's browser runs on their own machine); with `--client
browser` each is a context of one headless Chromium (Playwright) on this machine, whose
drawing then shares the cores with the server. Then for `--duration` seconds each
session moves the
crisis-threshold slider one step left or right at random (never more than `--spread`
steps from the reference, so students meet each other's settings) every few seconds, and
times each move: from the key press (the message that says the slider moved) until the
page shows the key numbers of the new version (its last line, which names the version,
is drawn after them). Reported per N:

- p50 and p95 of that time over all moves, and apart for moves whose result came from
  the shared cache (the page says "kept from before") and for those that were run;
- the cache hit rate (moves served from the cache);
- the resident memory of the server and its workers (its whole process tree): at start;
  idle, after one visit has started the workers and run the reference (what a class
  finds when it arrives); the peak under load (sampled twice a second); and `--settle`
  seconds after every session closed.

    python benchmarks/classroom_load.py [--sessions 1 10 30] [--duration 60]
        [--replications 1000] [--settle 300] [--client protocol|browser] [--record]

Bounded: at most 40 sessions and 600 s of moves per N, on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import classroom_protocol as protocol
from classroom_latency import ARGS, SLIDER, start, stop, tree
from classroom_protocol import shown

MAX_SESSIONS, MAX_DURATION = 40, 600
ROOT = Path(__file__).resolve().parents[1]
RECORD = ROOT / "docs" / "performance" / "classroom_load.json"


def rss_mb(root: int) -> float:
    """Resident memory of `root`'s process tree, MB."""
    total = 0
    for pid in tree(root):
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except (OSError, ValueError):
            continue
    return total / 1024


class Peak(threading.Thread):
    """Samples `rss_mb` twice a second and keeps the highest."""

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root, self.peak, self.stopped = root, 0.0, threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.5):
            self.peak = max(self.peak, rss_mb(self.root))


async def student(browser, url: str, args: argparse.Namespace, seed: int, duration: float,
                  moves: list[tuple[float, bool]]) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 720})
    page = await context.new_page()
    page.set_default_timeout(300_000)
    values = page.locator('[data-testid="stMetricValue"]')
    await page.goto(url, wait_until="load")
    await page.get_by_text("Show results without a prediction", exact=True).click()
    await page.get_by_text(re.compile(r"runs of the reference took")).wait_for()
    thumb = page.get_by_role("slider", name=SLIDER)
    async for step, value in protocol.paced(seed, args, duration):
        await thumb.focus()
        t0 = time.monotonic()
        await thumb.press("ArrowRight" if step > 0 else "ArrowLeft")
        done = page.get_by_text(re.compile(rf"runs of {re.escape(shown(value))} took"))
        await done.wait_for()
        while await values.count() != 5:
            await asyncio.sleep(0.02)
        kept = "kept from before" in await done.inner_text()  # from the shared cache
        moves.append((time.monotonic() - t0, kept))
    await context.close()


async def drive(url: str, n: int, args: argparse.Namespace, duration: float
                ) -> list[tuple[float, bool]]:
    from playwright.async_api import async_playwright

    moves: list[tuple[float, bool]] = []
    if args.client == "protocol":
        await asyncio.gather(*(protocol.student(url, args, 1000 * n + i, duration, moves)
                               for i in range(n)))
        return moves
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        await asyncio.gather(*(student(browser, url, args, 1000 * n + i, duration, moves)
                               for i in range(n)))
        await browser.close()
    return moves


def p95(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=20, method="inclusive")[-1] if len(xs) > 1 else xs[0]


def one(n: int, args: argparse.Namespace) -> dict[str, Any]:
    """The load test at N sessions, as the record holds it."""
    server, url = start(args.replications)
    try:
        time.sleep(2)
        cold = rss_mb(server.pid)
        asyncio.run(drive(url, 1, args, 0))  # one visit: the workers start, the reference runs
        time.sleep(2)
        idle = rss_mb(server.pid)  # warm and idle: what a class finds when it arrives
        peak = Peak(server.pid)
        peak.start()
        moves = asyncio.run(drive(url, n, args, args.duration))
        peak.stopped.set()
        time.sleep(args.settle)
        after = rss_mb(server.pid)
    finally:
        stop(server)

    def times(xs: list[float]) -> list[float] | None:
        return [round(statistics.median(xs), 3), round(p95(xs), 3)] if xs else None

    return {"sessions": n, "moves": len(moves), "all": times([t for t, _ in moves]),
            "run": times([t for t, kept in moves if not kept]),
            "cached": times([t for t, kept in moves if kept]),
            "cache_hits": sum(kept for _, kept in moves), "mb_start": round(cold),
            "mb_idle": round(idle), "mb_peak": round(max(peak.peak, idle)),
            "mb_after": round(after)}


def block(record: dict[str, Any]) -> str:
    """The record as docs/performance.md shows it."""
    s = record["settings"]

    def cell(pair: list[float] | None) -> str:
        return f"{pair[0]:.2f} / {pair[1]:.2f}" if pair else "-"

    lines = [f"{s['replications']:,} replications per version, {s['cpus']} cores, "
             f"{s['duration']:g} s of moves per N, a move every {s['pause']:g} s on average "
             f"within {s['spread']} steps of the reference, memory read again {s['settle']:g} "
             f"s after the sessions close; sessions: {s['client']}", "",
             "| sessions | moves | all: p50 / p95 s | run: p50 / p95 s | cached: p50 / p95 s "
             "| cache hits | MB at start | MB idle | MB peak | MB after |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    lines += [f"| {r['sessions']} | {r['moves']} | {cell(r['all'])} | {cell(r['run'])} | "
              f"{cell(r['cached'])} | {r['cache_hits'] / max(r['moves'], 1):.0%} | "
              f"{r['mb_start']:,} | {r['mb_idle']:,} | {r['mb_peak']:,} | {r['mb_after']:,} |"
              for r in record["rows"]]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sessions", type=int, nargs="+", default=[1, 10, 30])
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of moves per N")
    ap.add_argument("--pause", type=float, default=4.0, help="mean seconds between moves")
    ap.add_argument("--spread", type=int, default=3, help="steps either side of base")
    ap.add_argument("--replications", type=int, default=1000)
    ap.add_argument("--settle", type=float, default=300.0,
                    help="seconds after the sessions close before memory is read again")
    ap.add_argument("--client", choices=("protocol", "browser"), default="protocol",
                    help="how a session talks to the server (see above)")
    ap.add_argument("--record", action="store_true",
                    help=f"write the table to {RECORD.relative_to(ROOT)} (docs/performance.md "
                    "shows it)")
    args = ap.parse_args()
    if not all(1 <= n <= MAX_SESSIONS for n in args.sessions):
        ap.error(f"--sessions: each from 1 to {MAX_SESSIONS}")
    if not 0 < args.duration <= MAX_DURATION:
        ap.error(f"--duration: more than 0 and at most {MAX_DURATION} s")
    settings = {k: getattr(args, k) for k in ("replications", "duration", "pause", "spread",
                                              "settle", "client")}
    record: dict[str, Any] = {"settings": settings | {"cpus": os.cpu_count()}, "rows": []}
    for n in args.sessions:
        record["rows"].append(one(n, args))
        print(block(record).splitlines()[-1] if len(record["rows"]) > 1 else block(record),
              flush=True)
    if args.record:
        RECORD.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        print(f"recorded in {RECORD.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
