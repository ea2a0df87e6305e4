"""docs/performance.md shows the recorded bench (docs/performance/bench.json) exactly as
`trucesim bench` prints it: the numbers in the doc cannot drift from the record."""

from __future__ import annotations

import json
import re
from pathlib import Path

from trucesim.cli.bench import report
from trucesim.run.bench import BenchResult

DOCS = Path(__file__).resolve().parent.parent / "docs"


def shown_block() -> str:
    text = (DOCS / "performance.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- bench -->\n```text\n(.*?)\n```\n<!-- /bench -->", text, re.S)
    assert found, "docs/performance.md lacks its bench block"
    return found.group(1)


def test_the_doc_shows_the_recorded_bench():
    record = json.loads((DOCS / "performance" / "bench.json").read_text(encoding="utf-8"))
    expected = "\n".join(report("base", BenchResult(**record)))
    assert shown_block() == expected


def test_the_recorded_ratios_follow_from_the_recorded_rates():
    """An independent check of the record: the ratios are medians of per-round ratios,
    so they lie near the ratio of the median rates (within the rounds' spread)."""
    r = json.loads((DOCS / "performance" / "bench.json").read_text(encoding="utf-8"))
    approx = r["trucesim_replications_per_second"] / r["reference_replications_per_second"]
    assert abs(r["ratio_to_reference"] - approx) < 0.25 * approx
