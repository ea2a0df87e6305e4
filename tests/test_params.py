"""The parameter registry's metadata, `trucesim params`, and the assumptions in summary.md."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from conftest import BASE, ROOT
from trucesim.cli import app
from trucesim.scenario import registry

runner = CliRunner()
HISTORY = ROOT / "scenarios" / "history" / "jan-2025-ceasefire.toml"


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_every_parameter_has_unit_plausible_range_source_and_a_confidence_label():
    for p in registry.parameters():
        assert p.unit and p.description and p.source, p.key
        assert p.confidence in registry.CONFIDENCES, p.key
        if isinstance(p.default, int | float) and not isinstance(p.default, bool):
            assert p.plausible is not None, f"{p.key} has no plausible range"


def test_every_default_lies_in_its_plausible_range():
    assert [p.key for p in registry.parameters() if p.implausible] == []


def test_side_defaults_carry_their_own_sources():
    params = {p.key: p for p in registry.parameters()}
    rate = params["violations.israeli_forces.incidents_per_day"]
    assert rate.confidence == "estimate" and "[S58]" in rate.source
    assert params["violations.palestinian_groups.incidents_per_day"].confidence == "assumption"


def test_comment_ignores_hashes_inside_strings():
    assert registry.comment('label = "round #1"   # text; [S29]') == "text; [S29]"
    assert registry.comment("x = 'a#b' # unit") == "unit"
    assert registry.comment('x = "a\\"#b"') == ""


def test_notes_come_from_the_file_that_wrote_the_key_last(write):
    path = write('extends = "base.toml"\n[aid]\nclosure_days = 5   # days; what-if\n')
    notes = registry.notes(path, ["aid.closure_probability_per_incident=0.2"])
    assert notes["aid.closure_days"] == "days; what-if"  # the child's comment wins
    assert notes["aid.trucks_per_day_agreed"].startswith("trucks/day; Jan 2025 terms [S28]")
    assert notes["aid.closure_probability_per_incident"] == (
        "--set aid.closure_probability_per_incident=0.2")


def markdown_rows(output):
    return {line.split("|")[1].strip(" `"): [c.strip() for c in line.split("|")[2:-1]]
            for line in output.splitlines() if line.startswith("| `")}


def test_params_of_base_lists_every_parameter_with_unit_source_and_confidence():
    result = invoke("params", BASE, "--markdown")
    assert result.exit_code == 0, result.output
    rows = markdown_rows(result.output)
    keys = [p.key for p in registry.parameters()]
    assert list(rows) == keys
    for key, (value, default, unit, _plausible, confidence, source, _scenario) in rows.items():
        assert unit and source and confidence in registry.CONFIDENCES, key
        assert value == default, key  # base changes nothing
    assert rows["truce.window_days"][4:6] == ["agreed text",
                                              "July 2025 plan, 60 days (Reuters) [S7]"]
    console = invoke("params", BASE)
    assert console.exit_code == 0 and "violations.israeli_forces.retaliation = 0.6" in (
        console.output)


def test_params_of_a_scenario_marks_changes_and_shows_the_files_own_source():
    result = invoke("params", HISTORY, "--changed", "--markdown")
    assert result.exit_code == 0, result.output
    rows = markdown_rows(result.output)
    assert "aid.trucks_per_day_agreed" not in rows  # 600 as the default
    value, default, *_, scenario = rows["truce.phase_days"]
    assert (value, default) == ("42 *", "0")
    assert "phase 1 lasts 42 days [S27][S28]" in scenario
    # base's category that this deal does not have
    assert rows["exchange.prisoners_per_living_hostage.life_sentence_prisoners"][0] == (
        "not used *")


def test_params_flags_values_outside_the_plausible_range():
    result = invoke("params", BASE, "--changed", "--markdown", "--set", "aid.closure_days=30")
    rows = markdown_rows(result.output)
    assert list(rows) == ["aid.closure_days"]
    assert rows["aid.closure_days"][0] == "30 * !"
    assert rows["aid.closure_days"][-1] == "--set aid.closure_days=30"


@pytest.mark.parametrize("args", [("params", "--set", "aid.closure_days=3"),
                                  ("params", "no/such.toml")])
def test_params_errors_exit_2(args):
    result = invoke(*args)
    assert result.exit_code == 2 and "error:" in result.output


def test_summary_md_lists_the_assumptions_a_run_used(tmp_path):
    path = BASE.parent / "weak-mediation.toml"
    result = invoke("run", path, "-n", 20, "-o", tmp_path, "-q")
    assert result.exit_code == 0, result.output
    text = (tmp_path / "weak-mediation" / "summary.md").read_text()
    section = text[text.index("## Assumptions this run used"):]
    changed = section[:section.index("### Parameters whose default is an assumption")]
    # the six values weak-mediation.toml changes, each with the file's own comment
    assert changed.count("| `") == 6
    assert "| `mediation.drain_per_day` | 0.2 | 0.3 | share/day | share per day; assumption " \
           "(what-if) |" in changed
    assumed = {p.key for p in registry.parameters() if p.confidence == "assumption"}
    for key in assumed:
        assert f"| `{key}` |" in section[len(changed):], key
