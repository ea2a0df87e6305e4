"""What a record can hold beyond counts by a day (issue 21, item 4): a range where sources
disagree, a milestone that had not come by a day (a withdrawal stage still not completed,
war not resumed), incidents by side, what was owed at the horizon, the day the agreed
phase ended and the extension days; each judged against the replications by hand."""

from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest
from typer.testing import CliRunner

from conftest import BASE
from trucesim.analysis import backtest
from trucesim.analysis import history as records
from trucesim.analysis.observations import Quantity
from trucesim.analysis.verdicts import evaluate
from trucesim.cli import app
from trucesim.scenario import load

runner = CliRunner()
HEAD = 'name = "terms"\nday_one = 2025-07-01\n'


def entry(section: str, day: int, **keys: object) -> str:
    """A [[section]] table on `day` (its date counted from 1 July 2025 as day 1)."""
    date = f"2025-07-{day:02d}" if day <= 31 else f"2025-08-{day - 31:02d}"
    body = "".join(f"{k} = {json.dumps(v)}\n" for k, v in keys.items())
    return f"[[{section}]]\nday = {day}\ndate = {date}\n{body}sources = [\"S7\"]\n"


def ending(key: str, day: int) -> str:
    date = f"2025-07-{day:02d}" if day <= 31 else f"2025-08-{day - 31:02d}"
    return f"[ending.{key}]\nday = {day}\ndate = {date}\nsources = [\"S7\"]\n"


def write(tmp_path, *parts: str):
    path = tmp_path / "terms.toml"
    path.write_text(HEAD + "".join(parts))
    return path


def q(observed, *, qualifier="", span=()):
    return Quantity("x", "dynamics", "deaths", observed, (), qualifier, 1, ("S1",), "",
                    ("daily", "x", 0), tuple(span))


# --- verdicts, by hand ----------------------------------------------------------------


def test_a_range_is_inside_when_the_models_interval_meets_it():
    xs = np.arange(1.0, 101.0)  # 90% interval: 5 to 95
    assert evaluate(q(97, span=(95, 120)), xs).inside  # meets it at 95
    r = evaluate(q(97, span=(96, 120)), xs)
    assert not r.inside and r.verdict == "above the model's 95th percentile"
    r = evaluate(q(2, span=(1, 4)), xs)
    assert not r.inside and r.verdict == "below the model's 5th percentile"
    assert evaluate(q(2, span=(1, 5)), xs).inside
    # the percentile is that of the figure used: 96 runs below 97, one equal
    assert evaluate(q(97, span=(96, 120)), xs).percentile == pytest.approx(0.965)


def test_not_by_a_day_is_inside_while_more_than_5_percent_of_runs_are_later_still():
    days = np.array([10.0] * 94 + [30.0] * 6)  # 6% of runs later than day 20
    assert evaluate(q(20, qualifier="later than"), days).inside
    days = np.array([10.0] * 95 + [30.0] * 5)  # 5%: the 95th percentile is day 10
    r = evaluate(q(20, qualifier="later than"), days)
    assert not r.inside and r.verdict == "above the model's 95th percentile"
    never = np.array([10.0] * 90 + [math.inf] * 10)  # not reached counts as later
    assert evaluate(q(50, qualifier="later than"), never).inside


# --- the record -----------------------------------------------------------------------


def test_each_new_entry_becomes_the_quantity_the_model_reports(tmp_path):
    path = write(
        tmp_path,
        entry("deaths", 10, value=120, range=[100, 150], reported_by="Gaza Health Ministry"),
        entry("incidents", 20, value=30),
        entry("incidents", 60, value=12, side="palestinian_groups"),
        entry("incidents", 30, value=12, side="israeli_forces"),
        entry("owed", 60, value=2, what="living_hostages"),
        entry("owed", 40, value=5, what="prisoners"),
        entry("withdrawal", 25, stage="north", completed=False),
        ending("fighting_not_resumed", 60),
        "[ending]\nphase_end_state = \"expired\"\n",
        ending("phase_end", 60),
        ending("extension_days", 60).replace("sources", "value = 0\nsources"))
    qs, skipped = backtest.quantities(records.load(path), load(BASE))
    by = {x.name: x for x in qs}
    assert by["deaths by day 10"].range == (100, 150)
    assert by["incidents by day 20"].read == ("daily", "incidents", 20)
    assert by["incidents (palestinian groups) by day 60"].read == (
        "field", "incidents_palestinian_groups", 0)
    assert by["owed living hostages on day 60"].read == ("field", "owed_living_hostages", 0)
    north = by["north not done by day 25"]
    assert (north.read, north.qualifier, north.observed) == (
        ("field", "day_withdrawal_north", 0), "later than", 25)
    assert by["war not resumed by day 60"].read == ("field", "day_war_resumed", 0)
    # base's agreed period is its 60-day window: an end on day 60 adds nothing to
    # "expired", an end on another day is compared
    assert "phase ended, day" not in by
    assert by["extension days"].read == ("field", "extension_days", 0)
    cut_short = path.read_text().replace("[ending.phase_end]\nday = 60\ndate = 2025-08-29",
                                         "[ending.phase_end]\nday = 50\ndate = 2025-08-19")
    path.write_text(cut_short.replace('"expired"', '"collapsed"'))
    by = {x.name: x for x in backtest.quantities(records.load(path), load(BASE))[0]}
    assert by["phase ended, day"].read == ("field", "end_day", 0)
    # base's window is 60 days: what the model keeps only at its horizon is not compared
    # on another day, and says why
    assert skipped == [
        "incidents (israeli forces) by day 30: the model keeps this count only at its "
        "horizon (day 60)",
        "owed prisoners on day 40: the model keeps this count only at its horizon (day 60)"]


@pytest.mark.parametrize(("part", "where", "message"), [
    (entry("deaths", 10, value=120, range=[130, 150]), "deaths[0].range",
     "give range = [low, high] with the figure used (120) between them"),
    (entry("deaths", 10, value=120, range=[100]), "deaths[0].range",
     "give range = [low, high] with the figure used (120) between them"),
    (entry("aid", 10, value=120, range=[100, 150], qualifier="more than"), "aid[0].range",
     "a range and qualifier = \"more than\" say different things: give one"),
    (entry("withdrawal", 12, stage="north") + entry("withdrawal", 20, stage="north",
                                                    completed=False),
     "withdrawal[1].day", "north was completed on day 12: it cannot be still not completed "
     "on day 20"),
    (ending("fighting_resumed", 30) + ending("fighting_not_resumed", 40),
     "ending.fighting_not_resumed.day", "fighting resumed on day 30: it cannot be 'not "
     "resumed' by day 40"),
    (entry("owed", 10, value=1, what="hostages"), "owed[0].what",
     "input should be 'living_hostages', 'hostage_bodies', 'prisoners' or"),
])
def test_a_contradiction_in_the_new_entries_is_an_error_naming_its_key(tmp_path, part, where,
                                                                       message):
    with pytest.raises(records.RecordError) as info:
        records.load(write(tmp_path, part))
    (issue,) = info.value.issues
    assert issue.path == where and issue.message.startswith(message)
    assert issue.line is not None


# --- the command ----------------------------------------------------------------------


def test_backtest_judges_the_new_entries_as_the_runs_of_trucesim_run_give_them(tmp_path):
    """The verdicts worked from the replications `trucesim run` writes with the seed."""
    record = write(tmp_path, entry("withdrawal", 5, stage="north", completed=False),
                   ending("fighting_not_resumed", 60),
                   entry("incidents", 60, value=20, side="israeli_forces",
                         range=[10, 20]))
    out = tmp_path / "out"
    result = runner.invoke(app, ["backtest", str(BASE), str(record), "-n", "200",
                                 "--seed", "3", "-o", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    got = {x["name"]: x for x in json.loads(
        (out / "backtest-terms" / "summary.json").read_text())["quantities"]}
    result = runner.invoke(app, ["run", str(BASE), "-n", "200", "--seed", "3", "-o",
                                 str(tmp_path / "run"), "--quiet"])
    assert result.exit_code == 0, result.output
    (folder,) = (tmp_path / "run").iterdir()
    with open(folder / "replications.csv", newline="") as f:
        rows = list(csv.DictReader(f))

    def days(name: str) -> np.ndarray:
        return np.array([math.inf if r[name] == "" else float(r[name]) for r in rows])

    north, war = days("day_withdrawal_north"), days("day_war_resumed")
    assert got["north not done by day 5"]["model"]["inside"] == bool(np.mean(north > 5) > 0.05)
    assert got["war not resumed by day 60"]["model"]["inside"] == bool(
        np.mean(war > 60) > 0.05)
    incidents = np.sort(np.array([float(r["incidents_israeli_forces"]) for r in rows]))
    p05, p95 = incidents[9], incidents[189]  # the 10th and 190th of 200
    side = got["incidents (israeli forces) by day 60"]
    assert side["range"] == [10, 20]
    assert side["model"]["inside"] == bool(p05 <= 20 and p95 >= 10)


def test_validate_says_what_the_backtest_will_not_compare_and_why(tmp_path):
    path = write(tmp_path, entry("owed", 40, value=3, what="prisoners"),
                 entry("owed", 60, value=3, what="prisoners"))
    path.write_text(path.read_text().replace(
        "day_one", f"scenario = {json.dumps(str(BASE))}\nday_one"))
    result = runner.invoke(app, ["validate", "--record", str(path)])
    said = " ".join(result.output.split())
    assert result.exit_code == 0, result.output
    assert "1 observation to compare with base" in said
    assert ("not compared: owed prisoners on day 40: the model keeps this count only at its "
            "horizon (day 60)") in said
