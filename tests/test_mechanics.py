"""Deal mechanics, each checked on a small case worked out by hand: obligations honoured
when they fall due and what is still owed at the horizon, conditions that hold a step
back or change it, extensions bought by releases, what follows an expired phase, an
open-ended ceasefire, and each side's response to its own losses."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from conftest import BASE, SCENARIOS, calm
from test_scenario import only
from trucesim.model import actors
from trucesim.model.actors import conditions, handovers, phase
from trucesim.model.streams import BLOCK, generator
from trucesim.run.engine import run_chunk, simulate
from trucesim.scenario import load

PAUSE = SCENARIOS / "pause-with-extensions.toml"
QUIET = ("violations.israeli_forces.incidents_per_day=0",
         "violations.palestinian_groups.incidents_per_day=0",
         "handovers.slip_probability=0", "handovers.dispute_probability=0")
LATE = ("handovers.slip_probability=1", "handovers.slip_mean_days=1")  # each a day late


def column(s, values, name):
    return values[:, [f.name for f in actors.fields(s)].index(name)]


# --- obligations and what is owed ----------------------------------------------------------
def test_an_on_time_day_60_handover_is_always_exchanged():
    """Slips on, disputes off: whenever the day-60 handover (8 bodies) is on time, its 80
    Palestinian bodies are returned that same day, inside the window."""
    s = calm("handovers.slip_probability=0.5", "crisis.threshold=1000", "crisis.resolve_below=1")
    on_time = 0
    for index in range(60):
        rep = simulate(s, 5, index, log=True)
        last = [e for e in rep.events if isinstance(e, handovers.HandedOver)
                and e.label == "day-60 handover"]
        if last and last[0].day == 60:
            on_time += 1
            tranche = [e for e in rep.events if getattr(e, "answers", "") == "day-60 handover"]
            assert tranche and tranche[0].day == 60 and tranche[0].bodies_returned == 80
    assert on_time > 10


def test_a_handover_that_slips_past_the_horizon_is_owed():
    r = simulate(calm(*LATE), seed=1).record
    # every handover a day late: the day-60 one (8 bodies) falls on day 61
    assert r["bodies_released"] == 10 and r["owed_hostage_bodies"] == 8
    assert r["owed_living_hostages"] == 0 and r["day_schedule_living_complete"] == 51
    # nothing is due in exchange for bodies not yet handed over
    assert r["owed_palestinian_bodies"] == 0 and r["bodies_returned"] == 100


def test_a_withheld_tranche_past_the_horizon_is_owed_by_the_other_side():
    s = calm("handovers.dispute_probability=1", "exchange.withhold_probability_if_disputed=1",
             "exchange.withhold_mean_days=1", "crisis.threshold=1000", "crisis.resolve_below=1")
    r = simulate(s, seed=3).record
    # every tranche is held back one day: the day-60 one (80 bodies) until day 61
    assert r["owed_palestinian_bodies"] == 80 and r["bodies_returned"] == 100
    assert r["owed_prisoners"] == 0


# --- conditions --------------------------------------------------------------------------
def test_a_condition_holds_a_withdrawal_stage_back():
    """Base's south line waits for the day-7 handover; a day late, the line moves on day 8
    (the handover comes in the morning, the withdrawal later that day)."""
    late = simulate(calm(*LATE), seed=2, log=True)
    assert late.record["day_withdrawal_south"] == 8
    held = [e for e in late.events if isinstance(e, conditions.HeldBack)]
    assert [(e.day, e.condition) for e in held] == [(7, "south after the day-7 handover")]
    free = simulate(calm(*LATE, "conditions=[]"), seed=2).record
    assert free["day_withdrawal_south"] == 7


def test_a_handover_can_wait_for_a_line():
    s = calm("withdrawal.stages[1].day=35", "conditions=[{name = 'bodies after the line', "
             "applies_to = 'releases[2]', wait_until = 'reached(south)'}]")
    rep = simulate(s, seed=1, log=True)
    # the line moves on day 35 after the morning's handovers: the day-30 handover, held
    # back from day 30, goes on day 36
    day30 = [e for e in rep.events if isinstance(e, handovers.HandedOver)
             and e.label == "day-30 handover"]
    assert day30[0].day == 36 and day30[0].held == "bodies after the line"
    assert rep.record["day_withdrawal_south"] == 35


def test_aid_falls_while_bodies_are_owed():
    """aid-for-bodies with every handover a day late: bodies are owed on days 7, 30 and 60
    (due that morning, handed over the next), so those days' trucks are cut to 300 of 600:
    the day's delivery ratio applied to 300."""
    s = load(SCENARIOS / "aid-for-bodies.toml", (*QUIET, *LATE))
    m, sd = s.aid.delivery_ratio_mean, s.aid.delivery_ratio_sd
    k = m * (1 - m) / sd**2 - 1
    for index in range(3):
        ratio = generator(9, 0, "aid").beta(m * k, (1 - m) * k, (BLOCK, 61))[index]
        full = np.floor(600 * ratio + 0.5)
        cut = np.floor(np.floor(600 * ratio + 0.5) * 300 / 600 + 0.5)
        expected = sum(cut[d] if d in (7, 30, 60) else full[d] for d in range(1, 61))
        assert simulate(s, 9, index).record["aid_trucks_delivered"] == int(expected)


@pytest.mark.parametrize(("text", "path", "message"), [
    ("{name = 'x', applies_to = 'withdrawal.west', wait_until = 'crisis'}",
     "conditions[0].applies_to", "no step 'withdrawal.west'"),
    ("{name = 'x', applies_to = 'aid', while = 'bodies_owd > 0', trucks_per_day = 3}",
     "conditions[0].while", "did you mean 'bodies_owed'"),
    ("{name = 'x', applies_to = 'aid', while = 'bodies_owed', trucks_per_day = 3}",
     "conditions[0].while", "is a number, not yes or no"),
    ("{name = 'x', applies_to = 'talks', while = 'crisis', trucks_per_day = 3}",
     "conditions[0].trucks_per_day", "does not apply to talks"),
    ("{name = 'x', applies_to = 'talks', while = 'crisis'}", "conditions[0]",
     "say what happens while it holds"),
    ("{name = 'x', applies_to = 'releases[1]', wait_until = 'done(releases[1])'}",
     "conditions", "wait for each other for ever: releases[1] -> releases[1]"),
])
def test_conditions_are_validated_with_their_key_path(text, path, message):
    issue = only(BASE, [f"conditions=[{text}]"])
    assert issue.path == path and message in issue.message, issue


def test_a_condition_error_in_a_file_names_its_line(write):
    path = write('extends = "base.toml"\n\n[[conditions]]\nname = "x"\n'
                 'applies_to = "aid"\nwhile = "tension >"\ntrucks_per_day = 300\n')
    issue = only(path)
    assert (issue.path, issue.line) == ("conditions[0].while", 6)


# --- extensions bought by releases ----------------------------------------------------------
def test_an_extension_buys_its_releases_and_their_exchange():
    """A calm pause always extended (chance 1 at no tension): 4 extension days, 5 living
    each, so all 40 held are released (20 + 4 x 5) for 3 prisoners each; the pause ends
    on day 4 + 4 = 8."""
    s = load(PAUSE, (*QUIET, "extensions.probability=1"))
    r = simulate(s, seed=1).record
    assert (r["extension_days"], r["end_day"]) == (4, 8)
    assert r["living_released"] == 40 and r["detainees_freed_total"] == 120
    assert r["owed_living_hostages"] == 0


def test_no_extension_once_too_few_are_held_to_pay_for_it():
    """28 held: the schedule frees 20, one extension day 5 more; 3 are left, fewer than an
    extension day's 5, so the pause ends on day 5."""
    s = load(PAUSE, (*QUIET, "extensions.probability=1", "hostages.living_held=28"))
    r = simulate(s, seed=1).record
    assert (r["extension_days"], r["end_day"], r["living_released"]) == (1, 5, 25)


def test_the_chance_to_extend_halves_with_tension():
    s = load(PAUSE)
    st = SimpleNamespace(scenario=s, living_held=40, bodies_held=20, tension=0.0)
    assert phase.extension_chance(st) == pytest.approx(0.8)
    st.tension = 6.0  # the halving tension
    assert phase.extension_chance(st) == pytest.approx(0.4)
    st.living_held = 4  # fewer than an extension day's 5
    assert phase.extension_chance(st) == 0


# --- after an expired phase -----------------------------------------------------------------
EXPIRES = ("truce.phase_days=10", "conditions=[]", "negotiations.drift_per_day=0",
           "negotiations.volatility_per_day=0", "phase_end.war_probability=0.5",
           "phase_end.war_delay_mean_days=4", "crisis.threshold=1000",
           "crisis.resolve_below=1")


def test_an_expired_phase_leads_to_war_at_the_stated_rate():
    """Talks that never move: every phase expires on day 10. War resumes with probability
    0.5, after a geometric delay of mean 4 days (at least 1)."""
    s = calm(*EXPIRES)
    n = 2000
    values = run_chunk(s, 11, 0, n).values
    assert (column(s, values, "end_state") == phase.END_STATES.index("expired")).all()
    war = column(s, values, "day_war_resumed")
    resumed = war[war >= 0]
    # a delay beyond day 60 (P = 0.75**50, negligible) would not be seen
    assert abs(len(resumed) / n - 0.5) < 4 * math.sqrt(0.25 / n)
    delays = resumed - 10
    assert delays.min() >= 1
    # geometric with mean 4 has sd sqrt(12)
    assert abs(delays.mean() - 4) < 4 * math.sqrt(12 / len(delays))


def test_war_after_an_expiry_costs_lives_at_the_counterfactual_rate():
    s = calm(*EXPIRES)
    values = run_chunk(s, 12, 0, 600).values
    war = column(s, values, "day_war_resumed")
    deaths = column(s, values, "deaths_palestinians")
    days = np.where(war >= 0, 60 - war + 1, 0)  # days of war, from war day to day 60
    assert (deaths[war < 0] == 0).all()  # no incidents in the calm scenario, no war
    per_day = deaths[war >= 0].sum() / days[war >= 0].sum()
    assert per_day == pytest.approx(67, rel=0.05)  # the scenario's no-truce rate


# --- an open-ended ceasefire ----------------------------------------------------------------
def test_an_open_ended_ceasefire_has_no_verdict_and_its_talks_go_on():
    """Steady talks at 0.005 a day from day 1: 0.30 when the first phase ends on day 60,
    0.45 on day 90, no agreement; the run ends 'ongoing'."""
    s = load(SCENARIOS / "open-ended.toml", (*QUIET, "negotiations.volatility_per_day=0",
                                             "negotiations.drift_per_day=0.005",
                                             "crisis.threshold=1000", "crisis.resolve_below=1"))
    rep = simulate(s, seed=1)
    progress = rep.column("talks_progress")
    assert progress[60] == pytest.approx(0.30) and progress[90] == pytest.approx(0.45)
    assert (rep.record["end_state"], rep.record["end_day"]) == ("ongoing", 90)
    assert rep.record["aid_halt_days"] == 0  # no expiry: aid as agreed after day 60


# --- each side's response to its own losses ---------------------------------------------------
def test_each_side_can_answer_its_own_losses():
    """Israeli deaths (from incidents by Palestinian armed groups) raise Israeli forces'
    incidents when they respond to their own losses; with the same random numbers, runs
    differ only there."""
    common = ("violations.palestinian_groups.incidents_per_day=0.5",
              "violations.palestinian_groups.fatalities_per_incident=1",
              "violations.israeli_forces.incidents_per_day=0.2",
              "violations.israeli_forces.retaliation=0", "crisis.threshold=1000",
              "crisis.resolve_below=1")
    off = base_values(*common)
    on = base_values(*common, "violations.israeli_forces.retaliation_per_own_death=2")
    heavy = base_values(*common, "violations.israeli_forces.mass_casualty_probability=1",
                        "violations.israeli_forces.mass_casualty_multiplier=10")
    assert on["incidents_israeli_forces"].mean() > 1.2 * off["incidents_israeli_forces"].mean()
    assert heavy["deaths_palestinians"].mean() > 1.2 * off["deaths_palestinians"].mean()
    # Palestinian armed groups' own incidents, drawn first each day, are the same
    assert (on["incidents_palestinian_groups"] >= 0).all()


def base_values(*overrides):
    s = load(BASE, overrides)
    values = run_chunk(s, 21, 0, 300).values
    names = [f.name for f in actors.fields(s)]
    return {name: values[:, k] for k, name in enumerate(names)}


def test_aid_never_agreed_is_never_halted_as_leverage():
    """A deal with no aid: a crisis cannot halt it, and no halt adds tension (issue 21,
    item 5). With aid agreed, the same runs do halt it (the control)."""
    crisis_halts = ("aid.halt_probability_per_crisis_day=1",
                    "aid.trucks_per_day_after_collapse=0")
    for agreed, halted in ((0, False), (600, True)):
        s = load(BASE, [*crisis_halts, f"aid.trucks_per_day_agreed={agreed}"])
        values = run_chunk(s, 3, 0, 400).values
        halts, crises = column(s, values, "aid_halt_days"), column(s, values, "crises")
        assert crises.sum() > 0  # there were crises in which aid could have been halted
        assert (halts.sum() > 0) == halted, (agreed, halts.sum())
