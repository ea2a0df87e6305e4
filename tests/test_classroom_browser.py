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


CUT = """() => [...document.querySelectorAll('[data-testid="stMetricLabel"]')].map(label => {
  const box = label.getBoundingClientRect();
  const range = document.createRange();
  range.selectNodeContents(label);
  const text = [...range.getClientRects()];  // where each line of its text is drawn
  return {text: label.innerText.trim(), size: parseFloat(getComputedStyle(label).fontSize),
          outside: text.some(r => r.right > box.right + 1 || r.bottom > box.bottom + 1),
          clipped: [label, ...label.querySelectorAll('*')].some(e =>
              e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflow !== 'visible')};
})"""
# each line of each text in the charts (a label of two lines is two tspans)
SVG_TEXT = """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"] svg text')]
  .flatMap(t => (t.querySelector('tspan') ? [...t.querySelectorAll('tspan')] : [t])
    .map(line => ({text: line.textContent, size: parseFloat(getComputedStyle(t).fontSize)})))
  .filter(line => line.text.trim())"""


def test_on_a_1280x720_projector_no_label_is_cut_and_none_is_small(server, tmp_path):
    """What a class sees projected: every metric label whole (wrapped, not cut with an
    ellipsis), chart text at 14 px or more, the endings' labels on whole lines."""
    from playwright.sync_api import sync_playwright

    from trucesim.teaching.vega import LABEL

    url, _ = server
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.goto(url, wait_until="load")
        page.get_by_text("Show results without a prediction", exact=True).click()
        page.locator('[data-testid="stMetricValue"]').first.wait_for(timeout=120_000)
        page.locator('[data-testid="stVegaLiteChart"] svg text').first.wait_for(
            timeout=60_000)
        page.wait_for_timeout(1500)
        page.screenshot(path=str(tmp_path / "projected.png"))
        labels = page.evaluate(CUT)
        texts = page.evaluate(SVG_TEXT)
        title = page.locator("h1 [data-heading-text]").first  # the text, not its link
        title_lines = title.evaluate("h => { const r = document.createRange(); "
                                     "r.selectNodeContents(h); return new Set([...r."
                                     "getClientRects()].map(x => Math.round(x.top))).size }")
        browser.close()
    assert len(labels) == 5 and all(label["text"] for label in labels), labels
    assert not [label for label in labels if label["outside"] or label["clipped"]], labels
    assert min(label["size"] for label in labels) >= 14, labels
    shown = [t["text"] for t in texts]
    assert not [t for t in shown if "…" in t], shown  # Vega's mark of a cut label
    assert {"permanent", "agreement", "reference", "your version"} <= set(shown), shown
    assert min(t["size"] for t in texts) >= LABEL, texts
    assert title_lines == 1  # the scenario's title does not wrap
