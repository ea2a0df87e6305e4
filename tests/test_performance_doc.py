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


def test_the_doc_shows_the_recorded_design_search():
    """docs/performance.md's design block is benchmarks/design_scale.py's rendering of
    its record, and the record adds up: replications are drafts x states x replications,
    and the drafts run are at most those proposed."""
    from design_scale import block

    record = json.loads((DOCS / "performance" / "design.json").read_text(encoding="utf-8"))
    text = (DOCS / "performance.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- design -->\n```text\n(.*?)\n```\n<!-- /design -->", text, re.S)
    assert found, "docs/performance.md lacks its design block"
    assert found.group(1) == block(record)
    assert record["replications"] == (record["run"] * record["states"]
                                      * record["replications_per_state"])
    assert record["run"] <= record["proposed"] == record["population"] * record["generations"]
    assert record["search_seconds"] <= record["total_seconds"]


def test_the_doc_shows_the_recorded_classroom_load_test():
    """docs/performance.md's classroom block is benchmarks/classroom_load.py's rendering
    of its record, and each row adds up: a move is run or cached, p50 <= p95."""
    from classroom_load import block

    record = json.loads((DOCS / "performance" / "classroom_load.json").read_text(
        encoding="utf-8"))
    text = (DOCS / "performance.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- classroom -->\n```text\n(.*?)\n```\n<!-- /classroom -->", text,
                      re.S)
    assert found, "docs/performance.md lacks its classroom block"
    assert found.group(1) == block(record)
    assert [r["sessions"] for r in record["rows"]] == [1, 10, 30]
    for r in record["rows"]:
        assert 0 <= r["cache_hits"] <= r["moves"]
        for pair in (r["all"], r["run"], r["cached"]):
            assert pair is None or pair[0] <= pair[1]
        assert r["mb_idle"] <= r["mb_peak"]


def test_the_doc_shows_the_recorded_memory_runs():
    """docs/performance.md's memory block is benchmarks/peak_memory.py's rendering of its
    record, and the record meets issue 20's targets as it says: the million finished
    (exit 0, every replication) in under 2 minutes under 500 MB; the trillion was
    stopped by Ctrl-C (exit 130) with partial results, under the same memory."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "peak_memory", DOCS.parent / "benchmarks" / "peak_memory.py")
    assert spec is not None and spec.loader is not None
    peak = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(peak)
    record = json.loads((DOCS / "performance" / "memory.json").read_text(encoding="utf-8"))
    text = (DOCS / "performance.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- memory -->\n```text\n(.*?)\n```\n<!-- /memory -->", text, re.S)
    assert found and found.group(1) == "\n".join(peak.render(record))
    million, trillion = record["runs"]
    assert million["command"][-5:-3] == ["-n", "1000000"] and million["exit"] == 0
    assert million["replications"] == 1_000_000 and million["wall_s"] < 120
    assert trillion["exit"] == 130 and 0 < trillion["replications"] < 10**12
    assert max(r["peak_all_mb"] for r in record["runs"]) < 500
