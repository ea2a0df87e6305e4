"""The scenario's [names]: what every text calls the sides, the territory and the
mediators (issue 21, item 5). A truce elsewhere must read as itself, and the names must
change no number."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from conftest import BASE, SCENARIOS
from trucesim.cli import app
from trucesim.run import engine, runner
from trucesim.run.executors import SerialExecutor
from trucesim.scenario import load
from trucesim.scenario.load import digest
from trucesim.teaching import render, story

NAMED = SCENARIOS / "teaching" / "named-sides.toml"
# every word of base's names that a text could print
BASE_WORDS = re.compile(r"Israel|Palestin|Gaza|Qatar|Egypt|\bUS\b|hostage|handover|"
                        r"prisoner|detainee")
# base's names, given to the hypothetical scenario to show that names change no number
AS_BASE = ('names.army="Israeli forces"', 'names.army_party="Israel"',
           'names.army_people="Israeli"', 'names.groups="Palestinian armed groups"',
           'names.groups_people="Palestinian"', 'names.territory="Gaza"',
           'names.mediators="the US, Qatar and Egypt"')
cli = CliRunner()


def stories(scenario, seeds):
    """Every line of the stories of these seeds' first runs, as one text."""
    out = []
    for seed in seeds:
        rep = engine.simulate(scenario, seed, 0, log=True)
        out.append(" ".join(render.markdown(story.tell(scenario, rep, seed)).split()))
    return "\n".join(out)


def test_the_stories_of_a_truce_elsewhere_use_its_names_and_no_one_elses():
    """Over 30 runs of named-sides (collapses, crises, incidents by both sides among
    them), every sentence names the scenario's sides, territory and mediators, and no
    sentence names base's or speaks of hostages."""
    text = stories(load(NAMED), range(30))
    found = BASE_WORDS.findall(text.replace("The deal concerns no hostages.", ""))
    assert not found, f"base's words in the story: {sorted(set(found))}"
    for words in ("attributed to Northern forces", "attributed to Southern armed groups",
                  "Southern death", "of the border zone", "two neighbouring states",
                  "The deal concerns no hostages.", "The deal agrees no aid.",
                  "Aid: none agreed; 0 trucks entered."):
        assert words in text, words
    # no aid agreed: a quiet day is not one on which 'the crossings stay closed'
    assert "No aid enters" not in text and "trucks entered of 0 agreed" not in text


def test_base_keeps_its_words():
    """Left at their defaults, the names give base's sentences (the words test_story's
    hand-worked cases check), so nothing changed for a scenario that does not set them."""
    text = stories(load(BASE), range(5))
    for words in ("attributed to Israeli forces", "Palestinian death", "of Gaza",
                  "mediators (the US, Qatar and Egypt)", "Still held in Gaza"):
        assert words in text, words


def test_names_change_no_number(tmp_path):
    """named-sides with base's names written in: the same results, byte for byte
    (replications.csv and daily.csv); in summary.json only the words differ."""
    own, as_base = load(NAMED), load(NAMED, AS_BASE)
    for s, where in ((own, tmp_path / "own"), (as_base, tmp_path / "base")):
        runner.run(s, 5, 300, where, SerialExecutor())
    for name in ("replications.csv", "daily.csv"):
        assert (tmp_path / "own" / "named-sides" / name).read_bytes() == \
            (tmp_path / "base" / "named-sides" / name).read_bytes(), name
    a, b = (json.loads((tmp_path / d / "named-sides" / "summary.json").read_text())
            for d in ("own", "base"))
    assert a["outcomes"]["deaths_palestinians"]["mean"] == \
        b["outcomes"]["deaths_palestinians"]["mean"]
    assert a["outcomes"]["deaths_palestinians"]["description"] == \
        "Southern deaths over the whole window"
    assert b["outcomes"]["deaths_palestinians"]["description"] == \
        "Palestinian deaths over the whole window"


def test_base_with_its_names_written_out_keeps_its_digest():
    """The [names] keys are declared off: base, which states them at their defaults, has
    the digest of base without the table (so earlier results still match their file)."""
    assert digest(load(BASE)) == digest(load(BASE, AS_BASE))
    assert digest(load(BASE)) != digest(load(BASE, ('names.territory="the Strip"',)))


def test_a_deal_without_hostages_or_aid_tables_neither(tmp_path):
    """The headline table of named-sides has no hostage, exchange or aid-share rows (the
    deal has none of them); base's has each."""
    out = cli.invoke(app, ["run", str(NAMED), "-n", "200", "-o", str(tmp_path)],
                     terminal_width=120)
    assert out.exit_code == 0, out.output
    assert "Southern deaths" in out.output and "Northern deaths" in out.output
    for row in ("living hostages released", "hostages' bodies released",
                "prisoners/detainees freed", "aid delivered / agreed",
                "P(all scheduled living out)"):
        assert row not in out.output, row
    base = cli.invoke(app, ["run", str(BASE), "-n", "200", "-o", str(tmp_path)],
                      terminal_width=120)
    assert base.exit_code == 0
    for row in ("living hostages released", "prisoners/detainees freed",
                "aid delivered / agreed", "Palestinian deaths"):
        assert row in base.output, row


def test_the_report_of_a_truce_elsewhere_uses_its_names(tmp_path):
    """The findings, the charts' captions, the story, the glossary and the model's limits
    of the report of named-sides name its sides, territory and mediators, and not base's.
    (The assumptions table documents each key, named for base's sides, with the source
    of base's value, which named-sides keeps: it is left out of the check.)"""
    pytest.importorskip("matplotlib")
    runner.run(load(NAMED), 3, 200, tmp_path, SerialExecutor())
    result = cli.invoke(app, ["report", str(tmp_path / "named-sides")])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "named-sides" / "report.html").read_text()
    page = re.sub(r'<h2 id="assumptions">.*?(?=<h2 id="glossary">)', "", page, flags=re.S)
    assert '<h2 id="findings">' in page and '<h2 id="limits">' in page
    words = " ".join(re.sub(r"<[^>]+>|data:[^\"']+", " ", page).split())
    assert not re.findall(r"Israel|Palestin|Gaza|Qatar", words), \
        sorted(set(re.findall(r"\w*(?:Israel|Palestin|Gaza|Qatar)\w*", words)))
    for said in ("Southern deaths", "Two neighbouring states; in the model",
                 "Northern forces, or Southern armed groups", "of the border zone"):
        assert said in words, said
    # no hostages, no aid: no chart of releases or of aid, and no such panels in the
    # typical run's timeline (tension, deaths and territory only)
    figures = {p.stem for p in (tmp_path / "named-sides" / "figures").glob("*.png")}
    assert "releases" not in figures and "aid" not in figures and "deaths" in figures
    from trucesim.teaching.timeline import timeline

    rep = engine.simulate(load(NAMED), 3, 0, log=True)
    titles = [ax.get_title(loc="left") for ax in timeline(load(NAMED), rep).axes]
    assert titles == ["Tension", "Deaths the model counts each day",
                      "Share of the border zone held by the army"]
    rep = engine.simulate(load(BASE), 3, 0, log=True)
    assert len(timeline(load(BASE), rep).axes) == 5


@pytest.mark.parametrize("setting, problem", [
    ('names.territory=""', "names.territory"),
    ('names.army="a\u202eb"', "control characters"),
])
def test_a_bad_name_is_a_clear_one_line_error(tmp_path, setting, problem):
    result = cli.invoke(app, ["validate", str(NAMED), "--set", setting])
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert problem in result.output and len(lines) <= 2, result.output


def test_a_class_predicts_what_a_deal_without_hostages_is_about():
    """The class's second question follows the deal: living hostages released where it
    concerns hostages, else the deaths the model counts on the other side, in the
    scenario's names; the lecturer's bins for deaths are ten of a round width past the
    highest value (409 -> width 50, by hand: 10 x 20 < 409 <= 10 x 50)."""
    from trucesim.teaching.lecturer import edges_for
    from trucesim.teaching.predictions import second

    base, named = second(load(BASE)), second(load(NAMED))
    assert base.name == "living_released" and "(the schedule names 10)" in base.question
    assert named.name == "deaths_palestinians"
    assert named.question == ("On average, how many Southern deaths does the model count "
                              "over the window?")
    assert edges_for("second", 409, per_whole=False) == [50.0 * k for k in range(11)]
    assert edges_for("second", 3) == [-0.5, 0.5, 1.5, 2.5, 3.5]


def test_the_classroom_page_of_a_truce_elsewhere(monkeypatch):
    """The classroom on named-sides asks about Southern deaths, scores the guess against
    the model's Southern deaths, and its page names none of base's sides."""
    pytest.importorskip("streamlit")
    from streamlit.testing.v1 import AppTest

    from conftest import ROOT

    monkeypatch.setenv("TRUCESIM_CLASSROOM_SCENARIO", str(NAMED))
    monkeypatch.setenv("TRUCESIM_CLASSROOM_REPLICATIONS", "200")
    monkeypatch.setenv("TRUCESIM_CLASSROOM_WORKERS", "1")
    at = AppTest.from_file(str(ROOT / "src" / "trucesim" / "teaching" / "classroom.py"),
                           default_timeout=180)
    at.run()
    assert not at.exception, at.exception
    assert "Southern deaths" in at.number_input(key="guess_living").label
    at.number_input(key="guess_collapse").set_value(10)
    at.number_input(key="guess_living").set_value(400).run()
    at.button(key="lock").click().run()
    assert "400 Southern deaths on average" in at.success[0].value
    at.button(key="reveal").click().run()
    assert not at.exception, at.exception
    assert list(at.table[0].value["question"]) == ["P(truce collapsed)", "Southern deaths"]
    shown = " ".join([*(m.value for m in at.markdown), *(m.label for m in at.metric)])
    assert not re.findall(r"Israel|Palestin|Gaza|Qatar", shown), shown
