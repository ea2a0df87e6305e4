"""The classroom page in a real browser: `trucesim classroom --no-browser` on a free port,
driven by Playwright in headless Chromium (Debian's `chromium`). A slider is moved; the
key numbers and the chart change; no request leaves 127.0.0.1.

Skipped without Chromium, Playwright or Streamlit; in CI (.ci/run sets
TRUCESIM_REQUIRE_BROWSER=1) it fails instead.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from urllib.parse import urlparse

import pytest

from conftest import BASE
from test_browser import ARGS, CHROMIUM, need

LOCAL = {"127.0.0.1", "localhost"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    need(CHROMIUM.is_file(), f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    try:
        import playwright  # noqa: F401
        import streamlit  # noqa: F401
    except ImportError as exc:
        need(False, f"{exc.name} is not installed: pip install -e '.[test]'")
    port = free_port()
    log = tmp_path_factory.mktemp("classroom") / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "trucesim", "classroom", str(BASE), "--no-browser",
             "--port", str(port), "-n", "200"], stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True)
    deadline = time.monotonic() + 120
    while "trucesim classroom: http://127.0.0.1" not in log.read_text(errors="replace"):
        assert process.poll() is None, log.read_text(errors="replace")
        assert time.monotonic() < deadline, log.read_text(errors="replace")
        time.sleep(0.5)
    yield f"http://127.0.0.1:{port}", log
    os.killpg(process.pid, signal.SIGTERM)  # the command and the server it started
    process.wait(30)


def test_the_classroom_serves_on_localhost_only_and_reacts_to_a_slider(server, tmp_path):
    from playwright.sync_api import sync_playwright

    url, log = server
    assert f"trucesim classroom: {url}" in log.read_text()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1600})
        requested: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        page.on("websocket", lambda socket_: requested.append(socket_.url))
        page.goto(url, wait_until="load")
        page.get_by_text("Show results without a prediction", exact=True).click()
        values = page.locator('[data-testid="stMetricValue"]')
        values.first.wait_for(timeout=120_000)
        chart = page.locator('[data-testid="stVegaLiteChart"]').nth(1)  # survival curve
        chart.wait_for(timeout=60_000)
        page.wait_for_timeout(1500)  # let the chart finish drawing
        before, picture = values.all_inner_texts(), chart.screenshot()
        page.screenshot(path=str(tmp_path / "before.png"))
        # the crisis threshold to its highest value: far fewer crises
        thumb = page.get_by_role("slider", name="Tension at which a crisis starts (tension)")
        thumb.focus()
        thumb.press("End")
        page.get_by_text("crisis.threshold=30.0").wait_for(timeout=120_000)
        deadline = time.monotonic() + 120
        after = before
        while after == before or len(after) != len(before):  # a rerun removes them a moment
            assert time.monotonic() < deadline, "the numbers did not change"
            page.wait_for_timeout(250)
            after = values.all_inner_texts()
        page.wait_for_timeout(1500)
        assert float(after[0].rstrip("%")) < float(before[0].rstrip("%"))  # P(collapse)
        assert chart.screenshot() != picture
        page.screenshot(path=str(tmp_path / "after.png"))
        browser.close()
    hosts = {urlparse(u).hostname for u in requested}
    assert hosts <= LOCAL, hosts
    assert any(u.startswith("ws://127.0.0.1") for u in requested)  # the page's websocket
