"""The HTML report in a real browser: headless Chromium (Debian's `chromium`) driven by
Playwright opens it from disk, takes a screenshot, and checks that the charts rendered
and that nothing but the report's own file was requested.

Without Chromium or Playwright the test is skipped, with the reason; in CI (.ci/run sets
TRUCESIM_REQUIRE_BROWSER=1) it fails instead, so the check cannot silently vanish.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from conftest import BASE, SCENARIOS
from trucesim.run import runner
from trucesim.run.executors import SerialExecutor
from trucesim.scenario import load
from trucesim.teaching.report import write_report

# TRUCESIM_CHROMIUM names another Chromium binary (e.g. /usr/bin/chromium-browser)
CHROMIUM = Path(os.environ.get("TRUCESIM_CHROMIUM") or shutil.which("chromium")
                or "/usr/bin/chromium")
REQUIRED = os.environ.get("TRUCESIM_REQUIRE_BROWSER") == "1"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def need(condition: bool, reason: str) -> None:
    if condition:
        return
    if REQUIRED:
        pytest.fail(f"{reason} (TRUCESIM_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    need(CHROMIUM.is_file(), f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need(False, "Playwright for Python is not installed: pip install -e '.[test]'")
    pytest.importorskip("matplotlib")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


def open_report(browser, report: Path, screenshot: Path):
    """Load the report from disk; return the page and every URL it requested."""
    page = browser.new_page(viewport={"width": 1100, "height": 1400})
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(report.as_uri(), wait_until="load")
    page.screenshot(path=str(screenshot), full_page=True)
    return page, requested


def check_rendered(page, images: int) -> None:
    widths = page.eval_on_selector_all(
        "img", "imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)")
    assert len(widths) == images and all(w > 0 for w in widths), widths
    headings = page.eval_on_selector_all("h2", "hs => hs.map(h => h.textContent)")
    for heading in ("Key findings", "Charts", "Assumptions", "Glossary",
                    "What the model leaves out"):
        assert heading in headings
    findings = page.eval_on_selector_all("ul.findings li", "lis => lis.length")
    assert findings >= 2
    # the first chart is laid out on the page, not collapsed to nothing
    box = page.locator("img").first.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 100


def test_run_report_renders_offline_in_chromium(browser, tmp_path):
    runner.run(load(BASE), 2025, 60, tmp_path, SerialExecutor())
    report = write_report([tmp_path / "base"])
    shot = tmp_path / "report.png"
    page, requested = open_report(browser, report, shot)
    check_rendered(page, images=7)
    assert page.title() == "July 2025 plan: 60-day truce"
    assert page.locator("table.story tr").count() > 10  # the typical run, day by day
    assert requested == [report.as_uri()]
    assert shot.stat().st_size > 50_000 and shot.read_bytes()[:4] == b"\x89PNG"
    page.close()


def test_comparison_report_renders_offline_in_chromium(browser, tmp_path):
    for path in (BASE, SCENARIOS / "strong-mediation.toml"):
        runner.run(load(path), 2025, 40, tmp_path, SerialExecutor())
    report = write_report([tmp_path / "base", tmp_path / "strong-mediation"])
    page, requested = open_report(browser, report, tmp_path / "compare.png")
    check_rendered(page, images=11)
    assert requested == [report.as_uri()]
    page.close()
