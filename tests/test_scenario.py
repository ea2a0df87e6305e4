"""Scenario files: one test per validation rule, inheritance, overrides, shipped files."""

from __future__ import annotations

import re

import pytest

from conftest import BASE, ROOT, SHIPPED, base
from trucesim.scenario import ScenarioError, digest, load
from trucesim.scenario.docgen import render
from trucesim.scenario.toml import format_path, key_lines, parse_override, parse_path


def issues(path, overrides=()):
    with pytest.raises(ScenarioError) as info:
        load(path, overrides)
    return info.value.issues


def only(path, overrides=()):
    found = issues(path, overrides)
    assert len(found) == 1, found
    return found[0]


def test_toml_syntax_error_names_file_and_line(write):
    path = write('extends = "base.toml"\n[handovers]\nslip_probability = \n')
    issue = only(path)
    assert issue.line == 3 and "TOML syntax error" in issue.message
    assert str(issue).startswith(f"{path}:3: ")


def test_unknown_key_suggests_the_closest_valid_key(write):
    issue = only(write('extends = "base.toml"\n[handovers]\nslip_probabilty = 0.2\n'))
    assert issue.path == "handovers.slip_probabilty"
    assert issue.line == 3
    assert "did you mean 'slip_probability'" in issue.message


def test_unknown_section_is_an_error(write):
    issue = only(write('extends = "base.toml"\n[ceasefire]\nlength = 3\n'))
    assert issue.path == "ceasefire" and "unknown key" in issue.message


def test_wrong_type_is_an_error(write):
    issue = only(write('extends = "base.toml"\n[aid]\ntrucks_per_day_agreed = "many"\n'))
    assert issue.path == "aid.trucks_per_day_agreed" and "'many'" in issue.message


def test_a_bool_is_not_a_number(write):
    issue = only(write('extends = "base.toml"\n[hostages]\nliving_held = true\n'))
    assert issue.path == "hostages.living_held"


def test_negative_count_is_an_error_with_its_key_path_and_line(write):
    issue = only(write('extends = "base.toml"\nconditions = []\n'
                       '[[releases]]\nday = 1\nliving = -3\n'))
    assert (issue.path, issue.line) == ("releases[0].living", 5)
    assert "must be >= 0" in issue.message


def test_release_day_outside_the_window(write):
    path = write('extends = "base.toml"\n[[releases]]\nday = 1\nliving = 3\n'
                 '[[releases]]\nday = 75\nbodies = 2\n')
    issue = only(path)
    assert (issue.path, issue.line) == ("releases[1].day", 6)
    assert "outside the window 0..60" in issue.message


def test_more_releases_than_hostages_held_points_at_the_file_that_changed(write):
    issue = only(write('extends = "base.toml"\n[hostages]\nliving_held = 5\n'))
    assert issue.path == "hostages.living_held" and issue.file.endswith("variant.toml")
    assert "releases 10 living" in issue.message


def test_a_handover_must_release_someone(write):
    issue = only(write('extends = "base.toml"\nconditions = []\n[[releases]]\nday = 3\n'))
    assert issue.path == "releases[0]"


def test_withdrawal_stage_cannot_increase_the_share_held(write):
    path = write('extends = "base.toml"\nconditions = []\n[withdrawal]\ninitial_share = 0.6\n'
                 '[[withdrawal.stages]]\nname = "x"\nday = 3\nshare = 0.7\n')
    issue = only(path)
    assert issue.path == "withdrawal.stages[0].share" and "increase" in issue.message


def test_withdrawal_stage_needs_exactly_one_trigger(write):
    path = write('extends = "base.toml"\nconditions = []\n[[withdrawal.stages]]\nname = "x"\n'
                 'share = 0.5\n')
    assert only(path).path == "withdrawal.stages[0]"


def test_withdrawal_stage_must_name_an_existing_release(write):
    path = write('extends = "base.toml"\nconditions = []\n[[withdrawal.stages]]\nname = "x"\n'
                 'after_release = 5\nshare = 0.5\n')
    issue = only(path)
    assert issue.path == "withdrawal.stages[0].after_release" and "releases[5]" in issue.message


def test_crisis_must_resolve_below_its_threshold():
    issue = only(BASE, ["crisis.resolve_below=20"])
    assert issue.path == "crisis.resolve_below"


def test_share_bounds():
    assert only(BASE, ["withdrawal.initial_share=1.5"]).path == "withdrawal.initial_share"


def test_retaliation_that_would_grow_without_bound_is_refused():
    issue = only(BASE, ["violations.israeli_forces.retaliation=3.0",
                        "violations.palestinian_groups.retaliation=0.5"])
    assert issue.path == "violations"


def test_every_problem_is_reported_at_once(write):
    path = write('extends = "base.toml"\n[aid]\ntrucks_per_day_agreed = -1\n'
                 'closure_days = "two"\n[handovers]\nslip = 1\n')
    assert {i.path for i in issues(path)} == {"aid.trucks_per_day_agreed", "aid.closure_days",
                                             "handovers.slip"}


def test_missing_file():
    issue = only("no/such/file.toml")
    assert issue.message == "file not found"


def test_extends_cycle(write):
    write('extends = "b.toml"\n', "a.toml")
    path = write('extends = "a.toml"\n', "b.toml")
    assert "cycle" in only(path).message


def test_extends_inherits_everything_not_restated(write):
    child = load(write('extends = "base.toml"\n[aid]\nclosure_days = 5\n'))
    parent = load(BASE)
    assert child.aid.closure_days == 5
    assert child.aid.trucks_per_day_agreed == parent.aid.trucks_per_day_agreed
    assert child.releases == parent.releases
    assert child.name == "variant"  # a child is named after its own file


def test_extends_replaces_arrays_whole(write):
    child = load(write('extends = "base.toml"\nconditions = []\n[[releases]]\nday = 2\n'
                       'living = 4\n'))
    assert [(r.day, r.living) for r in child.releases] == [(2, 4)]


def test_set_overrides_a_key():
    s = base("releases[0].living=6", "aid.trucks_per_day_agreed=300", "name=variant")
    assert s.releases[0].living == 6 and s.aid.trucks_per_day_agreed == 300
    assert s.name == "variant"


def test_set_errors_name_the_override():
    issue = only(BASE, ["releases[9].living=3"])
    assert issue.file == "--set releases[9].living=3" and "does not exist" in issue.message
    issue = only(BASE, ["aid.truck=3"])
    assert issue.file == "--set aid.truck=3" and "did you mean" in issue.message


def test_set_needs_key_equals_value():
    assert "KEY=VALUE" in only(BASE, ["aid.trucks_per_day_agreed"]).message


def test_scenarios_are_frozen():
    s = base()
    with pytest.raises(Exception, match="frozen"):
        s.aid.closure_days = 3  # type: ignore[misc]


def test_key_paths_round_trip():
    for text in ("releases[2].day", "a.b.c", "withdrawal.stages[0].share"):
        assert format_path(parse_path(text)) == text
    assert parse_override("releases[0].living=6") == (("releases", 0, "living"), 6)
    assert parse_override("name=weak") == (("name",), "weak")


def test_key_lines_follow_tables_and_arrays_of_tables():
    text = 'a = 1\n[t]\nx = 2\n[[r]]\nday = 1\n[[r]]\nday = 2\n[t.sub]\ny = [\n 1,\n]\nz = 3\n'
    lines = key_lines(text)
    assert lines[("a",)] == 1 and lines[("t", "x")] == 3
    assert lines[("r", 0, "day")] == 5 and lines[("r", 1, "day")] == 7
    assert lines[("t", "sub", "y")] == 9 and lines[("t", "sub", "z")] == 12


def test_digest_changes_with_any_value():
    assert digest(base()) == digest(base())
    assert digest(base()) != digest(base("aid.closure_days=3"))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_scenarios_are_valid(path):
    window = {"pause-with-extensions": 21, "pause-bought-at-once": 21, "pause-eligible": 21,
              "pause-over-days": 21, "open-ended": 90}.get(path.stem, 60)
    assert load(path).truce.window_days == window


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_value_in_a_shipped_scenario_has_a_comment(path):
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if re.match(r"^\s*[A-Za-z_]+\s*=", line) and not line.startswith("extends"):
            assert "#" in line.split("=", 1)[1], f"{path.name}:{number} has no comment"


def test_base_states_every_parameter_of_the_model():
    """base.toml is the documented reference: it leaves no parameter to a silent default."""
    import tomllib

    data = tomllib.loads(BASE.read_text())
    resolved = base().model_dump()

    def walk(ref, got, path):
        for key, value in ref.items():
            if key in ("releases", "stages", "uncertain"):  # "uncertain" is set by the loader
                continue
            assert key in got, f"{path}{key} is not stated in base.toml"
            if isinstance(value, dict) and key != "prisoners_per_living_hostage":
                walk(value, got[key], f"{path}{key}.")

    walk(resolved, data, "")


def test_schema_defaults_match_base():
    """The single table of defaults agrees with the sourced reference scenario."""
    from trucesim.scenario.schema import Scenario

    defaults = Scenario.model_validate({"releases": [r.model_dump() for r in base().releases],
                                        "withdrawal": base().withdrawal.model_dump(),
                                        "conditions": [c.model_dump() for c in
                                                       base().conditions],
                                        "name": "base", "title": base().title,
                                        "description": base().description})
    assert defaults == base()


def test_the_format_documentation_is_generated_from_the_schema():
    committed = (ROOT / "docs" / "scenario-format.md").read_text()
    assert committed == render(), \
        "run: python -m trucesim.scenario.docgen > docs/scenario-format.md"
