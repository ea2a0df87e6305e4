"""docs/sources.md lists every source tag the repository cites ([S7] in scenario files,
the registry and the docs; "S29" in a record's `sources`), each with a date, an address
and what cites it; the report's glossary, `trucesim params` and the README point to it."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from trucesim.cli import app
from trucesim.scenario.registry import parameters
from trucesim.teaching.glossary import GLOSSARY

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "docs" / "sources.md"
TAG = re.compile(r"\[(S\d+)\]")
IN_RECORD = re.compile(r"\"(S\d+)\"")  # a record's sources = ["S29", "S34"]
SUFFIXES = {".toml", ".md", ".py", ".j2", ".html", ".ipynb", ".txt", ".cfg"}
# tests/ are left out: their fixtures use made-up keys ("S1" in a throwaway record)
SEARCHED = ["README.md", "pyproject.toml", "scenarios", "designs", "data", "docs", "src",
            "benchmarks"]


def text_files() -> list[Path]:
    out = []
    for name in SEARCHED:
        top = ROOT / name
        files = [top] if top.is_file() else sorted(top.rglob("*"))
        out += [f for f in files if f.is_file() and f.suffix in SUFFIXES
                and "__pycache__" not in f.parts]
    return out


def cited() -> dict[str, set[str]]:
    """Each tag and the files (relative paths) that cite it."""
    out: dict[str, set[str]] = {}
    for path in text_files():
        text = path.read_text(encoding="utf-8")
        tags = TAG.findall(text) + (IN_RECORD.findall(text) if path.suffix == ".toml" else [])
        for tag in tags:
            out.setdefault(tag, set()).add(path.relative_to(ROOT).as_posix())
    return out


def entries() -> dict[str, str]:
    """Each entry's tag and text, from its heading '## [Sn] title' to the next heading."""
    sections = re.split(r"^## ", SOURCES.read_text(encoding="utf-8"), flags=re.MULTILINE)
    out = {}
    for section in sections[1:]:
        m = re.match(r"\[(S\d+)\] ", section)
        if m:
            assert m.group(1) not in out, f"{m.group(1)} listed twice"
            out[m.group(1)] = section
    return out


def test_the_search_finds_the_citations_of_every_kind():
    found = cited()
    assert len(found) > 50
    assert "scenarios/base.toml" in found["S7"] and "README.md" in found["S133"]
    assert "data/records/jan-2025.toml" in found["S146"]  # only in a record's sources
    assert "src/trucesim/scenario/behaviour.py" in found["S137"]


def test_every_tag_cited_in_the_repository_has_an_entry():
    listed = entries()
    missing = {tag: sorted(files) for tag, files in cited().items() if tag not in listed}
    assert missing == {}


def test_every_entry_has_a_publisher_a_title_a_date_and_an_address():
    for tag, text in entries().items():
        heading = text.splitlines()[0]
        assert len(heading) > len(f"[{tag}] ") + 5, tag
        assert re.search(r"^- By: \S", text, re.MULTILINE), tag
        date = re.search(r"^- Date: (.+)$", text, re.MULTILINE)
        assert date and re.search(r"\b(19|20)\d\d\b", date.group(1)), tag
        assert re.search(r"^- Address: <https?://[^\s>]+\.[^\s>]+>", text, re.MULTILINE), tag


def test_every_entry_says_what_cites_it():
    listed = entries()
    for p in parameters():
        for tag in TAG.findall(p.source):
            assert f"`{p.key}`" in listed[tag], (tag, p.key)
    for tag, files in cited().items():
        for name in files - {"docs/sources.md"}:
            if not name.startswith("src/"):  # src/ cites through the registry (above)
                assert name in listed[tag], (tag, name)


def test_the_glossary_params_and_readme_point_to_the_list():
    assert [t for t in GLOSSARY.values() if "docs/sources.md" in t]
    runner = CliRunner()
    for args in (["params"], ["params", "--markdown"]):
        result = runner.invoke(app, args, env={"COLUMNS": "80"})
        assert result.exit_code == 0, result.output
        assert "docs/sources.md" in result.output.replace("\n", " ")
    assert "](docs/sources.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
