"""Output is inert (issue 13): text from a scenario, a record, a path or a results file
never reaches a terminal as escape sequences or rich markup, nor a markdown file as
HTML."""

from __future__ import annotations

import json

import pytest

from attack import attack
from conftest import BASE, ROOT

ESCAPES = ["\\u001b]0;owned\\u0007", "\\u001b[31mred", "\\u009b31m", "bell\\u0007",
           "\\u202eevil"]


@pytest.mark.parametrize("escape", ESCAPES)
def test_escape_sequences_in_a_title_are_refused_everywhere(tmp_path, escape):
    variant = tmp_path / "variant.toml"
    variant.write_text(f'extends = "{BASE}"\nname = "variant"\ntitle = "{escape}"\n')
    out = tmp_path / "out"
    for args in (["run", variant, "-n", 2, "-o", out], ["story", variant],
                 ["compare", BASE, variant, "-n", 2, "-o", out], ["validate", variant],
                 ["params", variant], ["diff", BASE, variant]):
        result = attack(args, tmp_path, out, expect=(2,))
        assert f"{variant}:3: title: must not contain control characters" in result.output


@pytest.mark.parametrize("key", ["releases[1].label", "description", "name"])
def test_escape_sequences_in_other_text_are_refused(tmp_path, key):
    out = tmp_path / "out"
    result = attack(["run", BASE, "-n", 2, "-o", out, "--set", f'{key}="a\\u001b[2Jb"'],
                    tmp_path, out, expect=(2,))
    assert "\\x1b" in result.output  # shown as an escape, never sent raw


def test_a_path_with_escapes_is_shown_escaped(tmp_path):
    out = tmp_path / "out\x1b]0;owned\x07"
    result = attack(["run", BASE, "-n", 3, "-o", out], tmp_path, out, expect=(0,))
    shown = result.output.replace("\n", "")  # rich wraps long lines
    assert "\x1b" not in shown and "out\\x1b]0;owned\\x07/base/" in shown
    result = attack(["report", out / "base" / "absent"], tmp_path, out, expect=(2,))
    assert "\x1b" not in result.output


@pytest.mark.parametrize("title", ["[/bold]", "[red]red[/red]", "[link=http://x]x[/link]"])
def test_rich_markup_in_a_title_is_printed_as_written(tmp_path, title):
    out = tmp_path / "out"
    variant = tmp_path / "variant.toml"
    variant.write_text(f'extends = "{BASE}"\nname = "variant"\ntitle = "{title}"\n')
    result = attack(["run", variant, "-n", 3, "-o", out], tmp_path, out, expect=(0,))
    assert title in result.output
    result = attack(["compare", BASE, variant, "-n", 3, "-o", out], tmp_path, out,
                    expect=(0,))
    assert title in result.output
    attack(["story", variant], tmp_path, out, expect=(0,))


SCRIPT = "<script>alert(1)</script>"


def test_html_in_a_title_and_in_sources_is_escaped_in_summary_md(tmp_path):
    variant = tmp_path / "variant.toml"
    variant.write_text(f'extends = "{BASE}"\nname = "variant"\ntitle = "{SCRIPT}"\n'
                       f"[aid]\nclosure_days = 3  # days; {SCRIPT} | a cell\n")
    out = tmp_path / "out"
    attack(["run", variant, "-n", 3, "-q", "-o", out], tmp_path, out, expect=(0,))
    text = (out / "variant" / "summary.md").read_text()
    assert "<script>" not in text and "# \\<script\\>alert(1)\\</script\\>" in text
    assert "\\<script\\>alert(1)\\</script\\> \\| a cell" in text


def test_html_in_a_record_title_is_escaped_in_the_backtest_summary(tmp_path):
    record = tmp_path / "record.toml"
    text = (ROOT / "data" / "records" / "jan-2025.toml").read_text()
    record.write_text(text.replace('title = "', f'title = "{SCRIPT} ', 1))
    scenario = ROOT / "scenarios" / "history" / "jan-2025-ceasefire.toml"
    out = tmp_path / "out"
    attack(["backtest", scenario, record, "-n", 3, "-q", "-o", out], tmp_path, out,
           expect=(0,))
    summary = next(out.glob("backtest-*/summary.md")).read_text()
    assert "<script>" not in summary and "\\<script\\>" in summary


def test_a_tampered_title_in_results_reaches_no_terminal_and_no_page_raw(tmp_path):
    out = tmp_path / "out"
    attack(["run", BASE, "-n", 3, "-q", "-o", out], tmp_path, out, expect=(0,))
    summary = out / "base" / "summary.json"
    data = json.loads(summary.read_text())
    data["scenario"]["title"] = "\x1b]0;owned\x07"
    summary.write_text(json.dumps(data))
    result = attack(["report", out / "base"], tmp_path, out, expect=(2,))
    assert "scenario.title: must not contain control characters" in result.output
