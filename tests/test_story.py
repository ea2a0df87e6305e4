"""`trucesim story`: one run told day by day, checked against hand-worked schedules."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from conftest import BASE, CALM, SCENARIOS, calm
from trucesim.cli import app
from trucesim.model.actors.exchange import Withheld
from trucesim.model.actors.handovers import HandedOver
from trucesim.run import engine
from trucesim.scenario import load as load_path
from trucesim.teaching import render, story

runner = CliRunner()
# calm base, and talks without noise: progress 0.012/day x 60 days = 0.72, no agreement
STEADY = ("negotiations.volatility_per_day=0",)


def told(scenario, seed=2025, index=0):
    rep = engine.simulate(scenario, seed, index, log=True)
    return rep, story.tell(scenario, rep, seed)


def text_of(tale, first, last=None):
    (entry,) = [e for e in tale.entries if (e.first, e.last) == (first, last or first)]
    return " ".join(line.text for line in entry.lines)


def test_calm_story_tells_each_handover_on_its_day_with_the_scheduled_numbers():
    _, tale = told(calm(*STEADY))
    # base's schedule: day 1: 8 living; 7: 5 bodies; 30: 5 bodies; 50: 2 living; 60: 8 bodies
    for day, what in ((1, "8 living hostages"), (7, "5 hostages' bodies"),
                      (30, "5 hostages' bodies"), (50, "2 living hostages"),
                      (60, "8 hostages' bodies")):
        assert f"The day-{day} handover: {what} handed over, on time." in text_of(tale, day)
    # tranches the same day (verification lag 0): 12.5 and 111.1 per living hostage,
    # rounded cumulatively: 8 -> 100 + 889 (888.8); 10 -> 125 + 1,111, so 25 + 222 on day 50
    assert ("In return for the day-1 handover, Israel frees 989 prisoners and detainees "
            "(100 life-sentence prisoners, 889 Gaza detainees).") in text_of(tale, 1)
    assert "frees 247 prisoners and detainees (25 life-sentence prisoners, 222 Gaza detainees)" \
        in text_of(tale, 50)
    for day in (7, 30):  # 5 bodies x 10
        assert "Israel returns 50 Palestinian bodies." in text_of(tale, day)
    assert "Israel returns 80 Palestinian bodies." in text_of(tale, 60)  # 8 bodies x 10
    assert "now holds 55% of Gaza" in text_of(tale, 1)
    assert "now holds 40% of Gaza" in text_of(tale, 7)
    assert "Still held in Gaza: 10 living hostages and 12 hostages' bodies." in text_of(tale, 60)


def test_calm_story_summarises_quiet_days_and_nothing_else():
    _, tale = told(calm(*STEADY))
    # events: handovers 1, 7, 30, 50, 60 with their tranches the same day; talks start on
    # day 1 and the truce ends on day 60
    assert story.days_told(tale) == [
        (0, 0), (1, 1), (2, 6), (7, 7), (8, 29), (30, 30), (31, 49), (50, 50), (51, 59),
        (60, 60)]
    assert re.fullmatch(r"No incidents\. Aid: about [\d,]+ trucks a day\.", text_of(tale, 8, 29))
    assert "incident attributed" not in " ".join(
        line.text for e in tale.entries for line in e.lines)


def test_calm_story_ends_and_sums_up_consistently():
    rep, tale = told(calm(*STEADY))
    end = text_of(tale, 60)
    assert "The talks have come 72% of the way" in end
    state = rep.record["end_state"]
    assert state in ("extended", "expired")
    assert ("the truce is extended" in end) == (state == "extended")
    totals = " ".join(tale.summary)
    assert "Released: 10 of 10 scheduled living hostages and 18 of 18 scheduled bodies" in totals
    # 125 + 1,111 freed; 10 bodies returned for each of the 18 hostages' bodies
    assert "1,236 prisoners and detainees (125 life-sentence prisoners, 1,111 Gaza detainees)" \
        in totals
    assert "180 Palestinian bodies returned" in totals
    assert "Still owed under the deal at the end of the window: nothing." in totals
    assert "the model counts 0 Palestinian deaths and 0 Israeli deaths" in totals
    assert "the army holds 40% of Gaza at the end (67% at the start)" in totals


def test_forced_collapse_is_told():
    # every handover slips (+2 tension), a crisis starts at 1 and any crisis day collapses
    scenario = calm("handovers.slip_probability=1", "crisis.threshold=1",
                    "crisis.resolve_below=0.5", "crisis.collapse_hazard_per_day=1")
    rep, tale = told(scenario)
    assert rep.record["end_state"] == "collapsed"
    # the slip's tension (2, faded by 15% to 1.7) starts a crisis on day 1; day 2 collapses
    assert rep.record["day_collapse"] == 2
    assert "The day-1 handover is late" in text_of(tale, 1)
    assert "a crisis begins" in text_of(tale, 1)
    # the hazard of 1 ends the crisis on its second day, before the 7-day limit
    assert ("The truce collapses on day 2 of the crisis (by chance: each day of crisis "
            "carries a 100% risk of collapse)") in text_of(tale, 2)
    war = text_of(tale, 3, 60)
    for day in (7, 30, 50, 60):
        assert f"The day-{day} handover does not take place" in war
    deaths = rep.record["deaths_palestinians"]
    assert f"the model counts {deaths:,} Palestinian deaths" in war
    assert tale.summary[0] == "How it ended: the truce collapsed on day 2."
    assert "Released: 0 of 10" in tale.summary[1]


def test_withheld_tranche_is_released_later_for_the_right_handover():
    scenario = calm("handovers.dispute_probability=1",
                    "exchange.withhold_probability_if_disputed=1", "crisis.threshold=100")
    rep, tale = told(scenario)
    withheld = [e for e in rep.events if isinstance(e, Withheld)]
    assert len(withheld) == 5  # every handover's, the day-60 one's included
    for event, label in zip(withheld, ("day-1", "day-7", "day-30", "day-50", "day-60"),
                            strict=True):
        assert f"withholds its part of the exchange for the {label} handover" in \
            text_of(tale, event.day)
        released = event.day + event.days
        if released <= 60:
            assert f"In return for the {label} handover, Israel" in text_of(tale, released)
        else:  # released after the horizon: still owed at its end
            assert "Still owed under the deal at the end of the window" in " ".join(tale.summary)


def test_story_cli_prints_plain_text_when_not_a_terminal():
    result = runner.invoke(app, ["story", str(BASE), "--seed", "1"])
    assert result.exit_code == 0, result.output
    assert "\x1b[" not in result.output
    assert not [line for line in result.output.splitlines() if line.endswith(" ")]
    words = " ".join(result.output.split())  # rich wraps lines at 80 columns off a terminal
    assert "Day 1" in words and "The day-1 handover" in words
    assert "not a forecast" in words and "In sum" in words


def test_story_cli_set_seed_and_replication_reach_the_story(tmp_path):
    a = runner.invoke(app, ["story", str(BASE), "-s", "3", "-r", "1",
                            "--set", "releases[0].living=6"])
    assert a.exit_code == 0, a.output
    assert "The day-1 handover: 6 living hostages handed over" in a.output
    assert "seed 3, replication 1" in a.output
    b = runner.invoke(app, ["story", str(BASE), "-s", "3", "-r", "2",
                            "--set", "releases[0].living=6"])
    assert a.output != b.output


def test_story_markdown_file_written(tmp_path):
    out = tmp_path / "handout" / "story.md"
    result = runner.invoke(app, ["story", str(BASE), "--seed", "1", "--markdown", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert text.startswith("# One run of July 2025 plan: 60-day truce\n")
    assert "**Day 1**" in text and "## In sum" in text
    assert "- The day-1 handover: 8 living hostages" in text
    assert str(out) in result.output


def test_markdown_escapes_scenario_text():
    scenario = calm(*STEADY, 'releases[0].label="*bold* <b>day_1</b>"')
    _, tale = told(scenario)
    text = render.markdown(tale)
    assert r'The handover "\*bold\* \<b\>day\_1\</b\>": 8 living hostages' in text


def test_bad_scenario_exits_2_and_writes_nothing(write, tmp_path):
    bad = write('extends = "base.toml"\n[handovers]\nslip_probabilty = 0.2\n', "bad.toml")
    out = tmp_path / "story.md"
    result = runner.invoke(app, ["story", str(bad), "--markdown", str(out)])
    assert result.exit_code == 2
    assert "error:" in result.output and "slip_probabilty" in result.output
    assert not out.exists()
    missing = runner.invoke(app, ["story", str(tmp_path / "nope.toml")])
    assert missing.exit_code == 2


def test_console_is_coloured_on_a_terminal():
    import io

    from rich.console import Console

    _, tale = told(calm(*STEADY))
    buffer = io.StringIO()
    render.console(tale, Console(file=buffer, force_terminal=True, color_system="standard",
                                    width=100))
    assert "\x1b[32m" in buffer.getvalue()  # handovers in green


TEACHING = {  # each teaching scenario changes exactly these parameters of base
    "slow-mediators.toml": {"mediation.response_delay_days": 5},
    "no-retaliation.toml": {"violations.israeli_forces.retaliation": 0.0,
                            "violations.palestinian_groups.retaliation": 0.0},
}


@pytest.mark.parametrize("name", TEACHING)
def test_teaching_scenarios_change_one_thing_and_comment_every_value(name):
    from trucesim.scenario import load
    from trucesim.scenario.registry import parameters

    path = SCENARIOS / "teaching" / name
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if re.match(r"^\s*[A-Za-z_]+\s*=", line) and not line.startswith("extends"):
            assert "#" in line.split("=", 1)[1], f"{name}:{number} has no comment"
    scenario = load(path)
    reference = {p.key: p.value for p in parameters(load(BASE))}
    changed = {p.key: p.value for p in parameters(scenario) if p.value != reference[p.key]}
    assert changed == TEACHING[name]
    assert scenario.releases == load(BASE).releases


def test_bodies_as_recovered_are_told_without_a_schedule():
    scenario = load_path(SCENARIOS / "bodies-as-recovered.toml")
    rep, tale = told(scenario, seed=4)
    text = " ".join(line.text for e in tale.entries for line in e.lines)
    recovered = [e for e in rep.events if isinstance(e, HandedOver) and e.as_recovered]
    assert recovered and text.count("As they are recovered:") == len(recovered)
    # the bodies-only handovers of the schedule (days 7, 30, 60) do not take place: their
    # bodies come as they are recovered
    scheduled = {e.label for e in rep.events if isinstance(e, HandedOver)}
    assert scheduled == {"day-1 handover", "day-50 handover", "recovered bodies"}
    assert "day-7 handover" not in text and "day-30 handover" not in text
    assert "no one handed over" not in text


# the story and the deal mechanics (issue 19, item 8) -------------------------------------
def full_text(tale):
    return " ".join(line.text for e in tale.entries for line in e.lines)


EXPIRES_ON_DAY_20 = ("truce.phase_days=20", "negotiations.extension_probability=0",
                     "negotiations.volatility_per_day=0", "phase_end.war_probability=1")


def test_a_handover_after_an_expiry_is_not_said_to_follow_a_collapse():
    # calm, talks at 0.012/day: 24% by day 20, short of 35%: the phase expires on day 20
    # and fighting returns (probability 1); the day-30 handover cannot take place
    rep, tale = told(calm(*EXPIRES_ON_DAY_20), seed=1)
    assert rep.record["end_state"] == "expired"
    text = full_text(tale)
    assert "The day-30 handover does not take place: the truce has expired" in text
    assert "collapsed" not in text


def test_a_handover_after_a_collapse_still_says_so():
    from trucesim.model.actors.handovers import Cancelled

    class N:
        scenario = calm()

    (tone, text), = Cancelled(9, "day-30 handover", "collapsed", True).lines(N())
    assert (tone, text) == ("crisis", "The day-30 handover does not take place: the truce "
                            "has collapsed.")
    (_, text), = Cancelled(9, "day-30 handover", "ended", False).lines(N())
    assert text == "The day-30 handover does not take place: the truce has ended."


PAUSE = SCENARIOS / "pause-with-extensions.toml"


def test_releases_under_extensions_are_not_added_to_the_schedule():
    s = load_path(PAUSE)
    for seed in range(1, 30):  # a run with an extension bought by releases
        rep, tale = told(s, seed=seed)
        bought = [e for e in rep.events if isinstance(e, HandedOver) and e.kind == "extension"]
        if bought:
            break
    assert bought, "no run of the pause was extended"
    extra = sum(e.living for e in bought)
    scheduled = int(rep.record["living_released"]) - extra
    closing = " ".join(tale.summary)
    assert f"Released: {scheduled} of {s.living_scheduled} scheduled living hostages" in closing
    assert scheduled <= s.living_scheduled
    assert f"and {extra} living hostages under extensions" in closing


def test_an_expiry_after_a_declined_extension_says_it_was_declined():
    s = load_path(PAUSE, ["extensions.probability=0"])  # never extended by releases
    rep, tale = told(s, seed=2)
    assert rep.record["end_state"] == "expired"
    text = full_text(tale)
    assert "No further extension in exchange for releases is agreed." in text
    # calm, and certain to extend: one day at a time up to the limit of 4, then it expires
    limit = load_path(PAUSE, [*CALM, "extensions.probability=1"])
    rep, tale = told(limit, seed=2)
    assert (rep.record["end_state"], rep.record["extension_days"]) == ("expired", 4)
    assert "The extensions have reached the deal's limit of 4 days." in full_text(tale)


def test_labels_are_not_used_raw():
    from trucesim import fmt

    assert fmt.handover("day-1 handover") == "the day-1 handover"
    assert fmt.handover("all 20 living") == 'the handover "all 20 living"'
    assert fmt.line("yellow_line") == "the yellow line"
    assert fmt.line("north") == "the north line"
    assert fmt.line("population_centres") == "the population centres line"
    _, tale = told(calm('releases[0].label="all 20 living"'), seed=1)
    text = full_text(tale)
    assert "The all 20" not in text and 'The handover "all 20 living": 8' in text
    assert "'north' line" not in text and "the north line" in text


def test_a_crisis_averted_by_the_mediators_is_told():
    # base, seed 3: day 11 adds 14.0 and ends at 9.5, under the crisis threshold of 12
    _, tale = told(load_path(BASE), seed=3)
    day = text_of(tale, 11)
    assert "Tension +14.0; at the end of the day it is 9.5" in day
    assert "bring tension down by 6.0 (from 15.5 to 9.5), below the 12" in day


def test_a_deal_without_hostages_tells_its_story_without_them():
    """A cessation of hostilities with a withdrawal and no hostages: no sentence speaks
    of hostages, handovers or an exchange (it read "no one are held in Gaza; the deal
    schedules 0 handovers of no one")."""
    s = load_path(BASE, ("releases=[]", "conditions=[]", "hostages.living_held=0",
                         "hostages.bodies_held=0",
                         'withdrawal.stages=[{name = "east", day = 10, share = 0.5}]'))
    _, tale = told(s, seed=3)
    words = " ".join(render.markdown(tale).split())
    assert "The deal concerns no hostages." in words
    assert not re.search(r"hostage|handover|no one|Freed in exchange", words.replace(
        "The deal concerns no hostages.", ""))
