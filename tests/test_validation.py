"""Validation closes the gap with the model (issue 13): names that are safe path
components, text without control characters, finite bounds on every number, and input
files read safely. Each problem is one line naming the file, the key path and the line."""

from __future__ import annotations

import json
import os

import pytest
from typer.testing import CliRunner

from conftest import BASE, ROOT
from trucesim.cli import app
from trucesim.scenario import load
from trucesim.scenario.load import ScenarioError

cli = CliRunner()


def invoke(*args):
    return cli.invoke(app, [str(a) for a in args])


def one_error(result):
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and result.exception.__class__ is SystemExit
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    return lines[0]


@pytest.mark.parametrize("name", [".", "..", ".hidden", "a/b", "../x", "a\\b", "x" * 65, "",
                                  "tab\there", "esc\x1b[31m"])
def test_a_name_that_is_not_one_safe_path_component_is_refused_with_its_line(write, name,
                                                                             tmp_path):
    path = write(f'extends = "base.toml"\nname = {json.dumps(name)}\n')
    line = one_error(invoke("run", path, "-n", 2, "-o", tmp_path / "out"))
    assert line.startswith(f"error: {path}:2: name: ")
    assert "\x1b" not in line
    assert not (tmp_path / "out").exists()


def test_set_name_dot_does_not_touch_the_results_folder(tmp_path):
    out = tmp_path / "results"
    assert invoke("run", BASE, "-n", 2, "-q", "-o", out).exit_code == 0
    line = one_error(invoke("run", BASE, "-n", 2, "-q", "-o", out, "--set", "name=."))
    assert line.startswith("error: --set name=.: name: must not start with '.'")
    assert sorted(p.name for p in out.iterdir()) == ["base"]


@pytest.mark.parametrize("key", ["title", "releases[0].label", "withdrawal.stages[0].name"])
def test_control_characters_in_text_are_refused(key, tmp_path):
    line = one_error(invoke("validate", BASE, "--set", f'{key}="\\u001b]0;owned\\u0007"'))
    assert f"{key}: must not contain control characters" in line and "\x1b" not in line


def test_a_description_may_hold_paragraphs_but_no_escapes():
    assert load(BASE, ['description="one\\n\\ntwo\\tthree"']).description == "one\n\ntwo\tthree"
    with pytest.raises(ScenarioError, match="control characters"):
        load(BASE, ['description="\\u001b[2J"'])


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "1e300", "1e20"])
def test_infinite_and_absurd_numbers_are_errors_with_key_path_and_line(write, value,
                                                                        tmp_path):
    path = write(f'extends = "base.toml"\n[aid]\ntrucks_per_day_agreed = {value}\n')
    line = one_error(invoke("run", path, "-n", 2, "-o", tmp_path / "out"))
    assert line.startswith(f"error: {path}:3: aid.trucks_per_day_agreed: ")
    assert not (tmp_path / "out").exists()
    assert invoke("validate", path).exit_code == 2


def test_every_key_the_model_overflowed_on_is_bounded():
    """The 1e300 of issue 13: each of these gave an OverflowError traceback in `run`."""
    for key in ("aid.trucks_per_day_agreed", "tension.per_incident",
                "tension.per_palestinian_death",
                "crisis.incident_multiplier", "counterfactual.deaths_per_day_palestinians",
                "exchange.bodies_returned_per_body",
                "exchange.prisoners_per_living_hostage.gaza_detainees",
                "violations.israeli_forces.fatalities_per_incident"):
        with pytest.raises(ScenarioError, match=key.replace(".", r"\.") + ": must be <="):
            load(BASE, [f"{key}=1e300"])
    with pytest.raises(ScenarioError, match=r"negotiations\.drift_per_day: input should be "
                                            r"a finite number"):
        load(BASE, ["negotiations.drift_per_day=nan"])


def test_a_utf8_byte_order_mark_is_not_a_syntax_error(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + BASE.read_bytes())
    assert load(path).name == "base"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_only_regular_files_are_read(tmp_path):
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)  # opening it for reading would block until a writer came
    huge = tmp_path / "huge.toml"
    huge.write_bytes(b"#" * (1 << 20) + b"\n")
    result = invoke("validate", fifo, tmp_path, huge, "/dev/zero")
    assert result.exit_code == 2 and "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert lines == [f"error: {fifo}: cannot read file: is not a regular file (a device, pipe "
                     "or socket)",
                     f"error: {tmp_path}: cannot read file: is a directory, not a file",
                     f"error: {huge}: cannot read file: is larger than 1,048,576 bytes "
                     "(1,048,577)",
                     "error: /dev/zero: cannot read file: is not a regular file (a device, "
                     "pipe or socket)"]


def test_extends_chains_are_capped(tmp_path):
    (tmp_path / "f0.toml").write_text(BASE.read_text())
    for i in range(1, 20):
        (tmp_path / f"f{i}.toml").write_text(f'extends = "f{i - 1}.toml"\n')
    assert load(tmp_path / "f15.toml").name == "f15"
    with pytest.raises(ScenarioError, match="'extends' chains more than 16 files"):
        load(tmp_path / "f19.toml")


def test_deeply_nested_toml_is_a_syntax_error(tmp_path):
    path = tmp_path / "deep.toml"
    path.write_text("x = " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(ScenarioError, match="nested too deeply"):
        load(path)
    with pytest.raises(ScenarioError, match="nested too deeply"):
        load(BASE, ["title=" + "[" * 5000 + "]" * 5000])


def test_names_written_inline_are_located_at_their_line(write):
    path = write('extends = "base.toml"\n\n'
                 'exchange = { prisoners_per_living_hostage = { "Bad-Name" = 1.0 } }\n'
                 'withdrawal = { stages = [{ name = "no good", day = 3, share = 0.5 }] }\n')
    with pytest.raises(ScenarioError) as info:
        load(path)
    shown = sorted(str(issue) for issue in info.value.issues)
    # replacing the stages also drops the one base's own condition waits for: that error
    # is this file's, at the line where it replaced them (issue 19, item 2)
    assert shown == [
        f"{path}:3: exchange.prisoners_per_living_hostage.Bad-Name: category names must be "
        "lower_snake_case",
        f"{path}:4: conditions[0].applies_to: the condition inherited from "
        f"{path.parent / 'base.toml'}:{_base_line('applies_to')} names step "
        "'withdrawal.south', which this file's "
        "withdrawal.stages no longer has; give this file its own [[conditions]], or write "
        "'conditions = []' to drop the inherited ones",
        f"{path}:4: withdrawal.stages[0].name: stage names must be distinct identifiers"]


def test_a_record_naming_an_unknown_stage_names_the_record_file_and_line(tmp_path):
    text = (ROOT / "data" / "records" / "jan-2025.toml").read_text()
    assert 'stage = "netzarim"' in text
    record = tmp_path / "record.toml"
    record.write_text(text.replace('stage = "netzarim"', 'stage = "elsewhere"'))
    line_no = record.read_text().splitlines().index('stage = "elsewhere"') + 1
    scenario = ROOT / "scenarios" / "history" / "jan-2025-ceasefire.toml"
    line = one_error(invoke("backtest", scenario, record, "-n", 2, "-o", tmp_path / "out"))
    assert line == (f"error: {record}:{line_no}: withdrawal[0].stage: the scenario has no "
                    "withdrawal stage 'elsewhere' (it has: netzarim, philadelphi, "
                    "population_centres)")
    assert not (tmp_path / "out").exists()


def test_error_lines_show_control_characters_as_escapes(tmp_path):
    missing = tmp_path / "\x1b]0;owned\x07.toml"
    result = invoke("validate", missing)
    assert result.exit_code == 2
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "\\x1b]0;owned\\x07.toml: file not found" in result.output


# the most violent corner the bounds allow: near-critical retaliation, every rate and
# toll at its maximum, crises that never end the truce
CORNER = ("truce.window_days=365", "violations.israeli_forces.incidents_per_day=50.0",
          "violations.palestinian_groups.incidents_per_day=50.0",
          "crisis.incident_multiplier=10.0",
          "violations.israeli_forces.fatalities_per_incident=100.0",
          "violations.palestinian_groups.fatalities_per_incident=100.0",
          "violations.israeli_forces.fatality_dispersion=0.05",
          "violations.palestinian_groups.fatality_dispersion=0.05",
          "violations.israeli_forces.retaliation=20.0",
          "violations.palestinian_groups.retaliation=0.04999999",
          "violations.retaliation_decay_days=0.1", "tension.per_palestinian_death=50.0",
          "tension.per_incident=50.0", "crisis.threshold=1000.0", "crisis.resolve_below=999.0",
          "crisis.collapse_hazard_per_day=0.0", "crisis.max_days=365",
          "aid.trucks_per_day_agreed=0.02", "aid.trucks_per_day_after_collapse=10000.0")


def test_at_the_corner_of_the_bounds_the_statistics_stay_exact():
    """Outcomes beyond 2**39 (tension in the hundreds of billions) are counted exactly:
    the histogram's maximum is the largest value of any replication, sums are exact."""
    import json

    from trucesim.model import actors
    from trucesim.run import summary
    from trucesim.run.engine import run_chunk, summarise_chunk

    s = load(BASE, CORNER)
    raw = run_chunk(s, 1, 0, 16)
    agg = summarise_chunk(s, 1, (0, 16)).aggregate
    k = [f.name for f in actors.fields(s)].index("max_tension")  # stored in tenths
    top = raw.values[:, k]
    assert int(top.max()) > 2**39  # beyond what the aggregates used to count
    d = agg.describe(k)
    assert d["max"] == int(top.max()) / 10 and d["min"] == int(top.min()) / 10
    assert agg.sums[k] == sum(int(x) for x in top)
    assert agg.squares[k] == sum(int(x) ** 2 for x in top)  # beyond int64
    json.dumps(summary.build(s, agg, 1), allow_nan=False)


# one pass, and inherited conditions (issue 19, items 1 and 2) ----------------------------
THREE_PROBLEMS = '''extends = "base.toml"

[handovers]
slip_probabilty = 0.2
dispute_probability = "often"

[[releases]]
label = "day-1 handover"
day = 1
living = 8

[[releases]]
label = "late"
day = 75
bodies = 2
'''


def test_validate_reports_every_problem_in_one_pass(write, tmp_path):
    path = write(THREE_PROBLEMS)
    result = invoke("validate", path)
    assert result.exit_code == 2 and "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 3, result.output
    assert any(f"{path}:4: handovers.slip_probabilty: unknown key" in x for x in lines)
    assert any(f"{path}:5: handovers.dispute_probability:" in x for x in lines)
    assert any(f"{path}:14: releases[1].day: day 75 is outside the window 0..60" in x
               for x in lines)
    out = tmp_path / "out"
    ran = invoke("run", path, "-n", 5, "-q", "-o", out)
    assert ran.exit_code == 2 and len(ran.output.strip().splitlines()) == 3
    assert not out.exists()


def test_a_rule_on_a_key_with_its_own_problem_waits_for_that_key(write):
    # the window is not a number: the day-75 rule cannot be judged, and is not guessed at
    path = write('extends = "base.toml"\n[truce]\nwindow_days = "long"\n')
    with pytest.raises(ScenarioError) as info:
        load(path)
    assert [i.path for i in info.value.issues] == ["truce.window_days"]


def _base_line(key):
    """The line of base.toml's own [[conditions]] that sets `key` (its only condition)."""
    lines = BASE.read_text().splitlines()
    return 1 + next(i for i, text in enumerate(lines) if text.startswith(f"{key} ="))


STAGES = ('extends = "base.toml"\n\n[withdrawal]\n'
          'stages = [{ name = "east", day = 3, share = 0.5 }]\n')


def test_an_inherited_condition_on_a_replaced_stage_is_the_extending_files_error(write):
    path = write(STAGES)
    line = one_error(invoke("validate", path))
    assert line.startswith(f"error: {path}:4: conditions[0].applies_to: ")
    assert "inherited from" in line and f"base.toml:{_base_line('applies_to')}" in line
    assert "'withdrawal.south'" in line and "conditions = []" in line


def test_an_inherited_condition_on_replaced_releases_is_the_extending_files_error(write):
    path = write('extends = "base.toml"\n\n[[releases]]\nlabel = "first"\nday = 2\nliving = 8\n')
    line = one_error(invoke("validate", path))
    assert line.startswith(f"error: {path}:3: conditions[0].wait_until: ")
    assert f"base.toml:{_base_line('wait_until')}" in line and "[[releases]]" in line


def test_conditions_cleared_as_the_error_says_make_the_file_valid(write):
    path = write(STAGES.replace('extends = "base.toml"\n',
                                'extends = "base.toml"\nconditions = []\n'))
    assert load(path).conditions == ()
    assert invoke("validate", path).exit_code == 0
