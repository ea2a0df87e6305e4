"""The format's extensions for historical deals, each checked by hand: a handover's own
exchange ratios, hostages released outside the deal, an agreed phase shorter than the
window (talks decided at its end, aid halted after an expiry), category tables replaced
whole by `extends`, their validation rules, and the January 2025 scenario that uses them."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import BASE, CALM, ROOT, calm
from test_scenario import only
from trucesim.model.actors import series
from trucesim.model.actors.exchange import Tranche
from trucesim.run.engine import simulate
from trucesim.scenario import load

HISTORY = ROOT / "scenarios" / "history" / "jan-2025-ceasefire.toml"
DAILY_SERIES = [x.name for x in series()]
AID, TENSION = DAILY_SERIES.index("aid_trucks_delivered"), DAILY_SERIES.index("tension")
PROGRESS, HOLDING = DAILY_SERIES.index("talks_progress"), DAILY_SERIES.index("holding")

# Jan 2025 terms: 30 prisoners per civilian, 50 per female soldier
SOLDIERS = ('exchange.prisoners_per_living_hostage={prisoners = 30}',
            'releases=[{day = 1, living = 3}, '
            '{day = 7, living = 4, prisoners_per_living = {prisoners = 50}}]')


def tranches(rep):
    return [(e.day, dict(e.freed)) for e in rep.events if isinstance(e, Tranche)]


def test_a_round_of_four_female_soldiers_frees_exactly_200():
    rep = simulate(calm(*SOLDIERS), seed=1, log=True)
    # 3 civilians x 30 on day 1, 4 soldiers x 50 on day 7, each freed the same day
    assert tranches(rep) == [(1, {"prisoners": 90}), (7, {"prisoners": 200})]
    assert rep.record["detainees_freed_total"] == 290


def test_a_handovers_ratio_replaces_only_the_categories_it_names():
    """Gaza detainees at 46.68 per living hostage throughout, rounded on the running total:
    3 x 46.68 = 140.04 -> 140, then 7 x 46.68 = 326.76 -> 327, so 187 in the second
    tranche; prisoners 30 x 3 = 90, then 50 x 4 = 200."""
    s = calm('exchange.prisoners_per_living_hostage={prisoners = 30, gaza_detainees = 46.68}',
             SOLDIERS[1])
    rep = simulate(s, seed=1, log=True)
    assert tranches(rep) == [(1, {"prisoners": 90, "gaza_detainees": 140}),
                             (7, {"prisoners": 200, "gaza_detainees": 187})]


def test_hostages_outside_the_deal_leave_the_stock_but_free_no_one():
    s = calm("exchange.prisoners_per_living_hostage={prisoners = 30}",
             "releases=[{day = 1, living = 2, living_outside_deal = 5}, {day = 5, bodies = 1}]")
    r = simulate(s, seed=1).record
    assert r["living_released"] == 2 and r["living_released_outside_deal"] == 5
    assert r["living_still_held"] == 20 - 2 - 5
    assert r["detainees_freed_total"] == 60  # 2 x 30: the five free no one
    assert "living_released_outside_deal" not in simulate(calm(), seed=1).record


def _phase(*extra):
    """A calm truce with a 20-day phase in a 30-day window, talks that never move, and no
    return to war after the phase (tested on its own in test_mechanics.py)."""
    return calm("truce.window_days=30", "truce.phase_days=20", "releases=[{day = 1, living = 8}]",
                "withdrawal.stages=[]", "conditions=[]", "negotiations.drift_per_day=0",
                "negotiations.volatility_per_day=0", "mediation.effectiveness_spread=0",
                "phase_end.war_probability=0", *extra)


def test_an_expired_phase_halts_aid_and_the_truce_runs_on():
    rep = simulate(_phase(), seed=2)
    r, daily = rep.record, rep.daily
    assert (r["end_state"], r["end_day"]) == ("expired", 20)
    # aid enters on days 1-20 only; days 21-30 are 10 days held back
    assert r["aid_halt_days"] == 10
    assert (daily[20:, AID] == daily[20, AID]).all() and daily[20, AID] > daily[19, AID]
    assert r["aid_trucks_delivered"] == daily[20, AID]
    # each halt adds 1 to tension, which then fades by 15%: T(d) = 0.85 (T(d-1) + 1);
    # mediators engage at 3 (day 25) and act two days later
    expected, tension = [], 0.0
    for _ in range(21, 27):
        tension = 0.85 * (tension + 1)
        expected.append(tension)
    assert daily[21:27, TENSION] == pytest.approx(expected, abs=0.01)
    assert (daily[:, HOLDING] == 1).all() and r["day_collapse"] is None


def test_an_extended_phase_keeps_aid_flowing_and_talks_stop_at_its_end():
    s = _phase("negotiations.drift_per_day=0.02", "negotiations.extension_threshold=0.3",
               "negotiations.extension_probability=1")
    rep = simulate(s, seed=2)
    assert (rep.record["end_state"], rep.record["end_day"]) == ("extended", 20)
    assert rep.record["aid_halt_days"] == 0 and rep.daily[30, AID] > rep.daily[20, AID]
    progress = rep.daily[:, PROGRESS]
    assert progress[20] == pytest.approx(0.4)  # 20 days x 0.02 from day 1
    assert (progress[20:] == progress[20]).all()


def test_a_breakdown_after_the_phase_is_recorded_but_does_not_change_how_it_ended():
    """Halts push tension to 3.15 on day 25 (see above): with a crisis threshold of 3, no
    mediators and two days allowed, the crisis of day 25 collapses the truce on day 27."""
    s = _phase("crisis.threshold=3", "crisis.resolve_below=1", "crisis.max_days=2",
               "crisis.collapse_hazard_per_day=0", "mediation.engage_threshold=1000")
    r = simulate(s, seed=2).record
    assert (r["day_first_crisis"], r["day_collapse"]) == (25, 27)
    assert (r["end_state"], r["end_day"]) == ("expired", 20)
    assert r["deaths_palestinians"] > 0 == r["deaths_palestinians_truce"]


def test_without_a_phase_nothing_changes():
    """phase_days = 0 is the whole window: the same replication as before the extension."""
    a, b = simulate(calm(), seed=3), simulate(calm("truce.phase_days=60"), seed=3)
    assert a.record == b.record


def test_a_child_that_states_the_category_table_replaces_it_whole(write):
    path = write('extends = "base.toml"\n[exchange.prisoners_per_living_hostage]\n'
                 'prisoners = 30.0\n')
    assert load(path).exchange.prisoners_per_living_hostage == {"prisoners": 30.0}
    child = load(write('extends = "base.toml"\n[exchange]\nverification_lag_days = 0\n'))
    assert set(child.exchange.prisoners_per_living_hostage) == {"life_sentence_prisoners",
                                                                "gaza_detainees"}


@pytest.mark.parametrize(("overrides", "path", "message"), [
    (("truce.phase_days=70",), "truce.phase_days", "longer than the window"),
    (("truce.phase_days=10", "negotiations.start_day=16"), "negotiations.start_day",
     "after the phase ends"),
    (("releases[0].prisoners_per_living={soldiers = 50}",),
     "releases[0].prisoners_per_living.soldiers", "unknown category"),
    (("releases[0].prisoners_per_living={gaza_detainees = -1}",),
     "releases[0].prisoners_per_living.gaza_detainees", "must be >= 0"),
    (("releases[1].prisoners_per_living={gaza_detainees = 50}",),
     "releases[1].prisoners_per_living", "no living hostages"),
    (("releases[0].living_outside_deal=13",), "releases",
     "23 living (13 of them outside the deal)"),
    (("releases[0].living_outside_deal=-1",), "releases[0].living_outside_deal", ">= 0"),
])
def test_extension_validation_rules(overrides, path, message):
    issue = only(BASE, overrides)
    assert issue.path == path and message in issue.message, issue


def test_a_handover_of_hostages_outside_the_deal_alone_is_valid():
    s = calm("releases=[{day = 1, living = 8}, {day = 3, living_outside_deal = 2}]")
    assert simulate(s, seed=1).record["living_released_outside_deal"] == 2


# --- the January 2025 scenario --------------------------------------------------------


def test_the_january_2025_scenario_states_the_agreed_terms():
    s = load(HISTORY)
    assert (s.truce.phase_days, s.truce.window_days) == (42, 59)
    assert s.negotiations.start_day == 16
    assert s.aid.trucks_per_day_agreed == 600 and s.aid.trucks_per_day_after_expiry == 0
    assert s.living_scheduled + s.bodies_scheduled == 33  # the 33 of phase 1
    assert (s.living_scheduled, s.bodies_scheduled) == (25, 8)
    soldiers = [r.living for r in s.releases if r.prisoners_per_living == {"prisoners": 50}]
    assert sum(soldiers) == 5  # 4 on day 7, 1 on day 12
    assert sum(r.living_outside_deal for r in s.releases) == 5  # the Thai nationals
    assert {st.name: st.day for st in s.withdrawal.stages}["netzarim"] == 22
    assert s.exchange.prisoners_per_living_hostage == {"prisoners": 30, "gaza_detainees": 46.68}


def test_every_value_in_the_january_2025_scenario_has_a_comment():
    for number, line in enumerate(HISTORY.read_text().splitlines(), start=1):
        if re.match(r"^\s*[A-Za-z_]+\s*=", line) and not line.startswith("extends"):
            assert "#" in line.split("=", 1)[1], f"line {number} has no comment"


def test_the_january_2025_terms_free_the_agreed_numbers_when_nothing_goes_wrong():
    """By hand: 20 civilians x 30 + 5 female soldiers x 50 = 850 prisoners, and
    25 x 46.68 = 1,167 Gaza detainees, 2,017 in all, the last tranche freed on day 35
    (the day of the last living hostages' handover)."""
    s = load(HISTORY, CALM)
    rep = simulate(s, seed=4)
    r = rep.record
    assert r["detainees_freed_prisoners"] == 850
    assert r["detainees_freed_gaza_detainees"] == 1167
    assert r["living_released"] == 25 and r["bodies_released"] == 8
    assert r["living_released_outside_deal"] == 5
    assert r["day_withdrawal_netzarim"] == 22 and r["end_day"] == 42
    assert rep.daily[34, DAILY_SERIES.index("detainees_freed")] < 2017
    assert rep.daily[35, DAILY_SERIES.index("detainees_freed")] == 2017


# --- invariants with the extensions (hypothesis) ---------------------------------------


@st.composite
def phased(draw):
    window = draw(st.integers(5, 70))
    phase = draw(st.integers(0, window))
    releases, left = [], 20
    for _ in range(draw(st.integers(1, 5))):
        living = draw(st.integers(0, left))
        outside = draw(st.integers(0, left - living))
        left -= living + outside
        ratio = (f", prisoners_per_living = {{gaza_detainees = {draw(st.floats(0, 200)):.2f}}}"
                 if living and draw(st.booleans()) else "")
        bodies = 0 if living + outside else 1
        releases.append(f"{{day = {draw(st.integers(0, window))}, living = {living}, "
                        f"bodies = {bodies}, living_outside_deal = {outside}{ratio}}}")
    overrides = [
        f"truce.window_days={window}", f"truce.phase_days={phase}",
        f"releases=[{', '.join(releases)}]", "withdrawal.stages=[]", "conditions=[]",
        f"negotiations.start_day={draw(st.integers(0, phase or window))}",
        f"aid.trucks_per_day_after_expiry={draw(st.sampled_from([0, 100, 600]))}",
        f"handovers.slip_probability={draw(st.floats(0, 1))}",
        f"handovers.dispute_probability={draw(st.floats(0, 1))}",
        f"crisis.collapse_hazard_per_day={draw(st.floats(0, 0.5))}",
    ]
    return load(BASE, overrides), draw(st.integers(0, 2**32)), draw(st.integers(0, 10**6))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(phased())
def test_invariants_with_phases_ratios_and_hostages_outside_the_deal(case):
    s, seed, index = case
    r = simulate(s, seed, index).record
    end, window = s.truce.phase_end, s.truce.window_days
    outside = r.get("living_released_outside_deal", 0)
    assert r["living_released"] + outside + r["living_still_held"] == s.hostages.living_held
    assert r["living_released"] <= s.living_scheduled
    assert outside <= sum(x.living_outside_deal for x in s.releases)
    # prisoners never exceed the largest ratio applying to the living released
    for name, ratio in s.exchange.prisoners_per_living_hostage.items():
        top = max([ratio, *(x.prisoners_per_living.get(name, 0) for x in s.releases)])
        assert r[f"detainees_freed_{name}"] <= math.floor(top * r["living_released"] + 0.5)
    # how it ended is decided by the end of the phase; a later breakdown is recorded apart
    assert 0 <= r["end_day"] <= end
    collapse, war = r["day_collapse"], r["day_war_resumed"]
    assert (r["end_state"] == "collapsed") == (collapse is not None and collapse <= end)
    assert collapse is None or collapse <= window
    # war resumes the day after a collapse, or after an expired phase, within the window
    assert war is None or (war <= window and (war == (collapse or -2) + 1
                                              or (r["end_state"] == "expired" and war > end)))
    # nothing released can be owed, and nothing owed can be negative
    assert r["owed_living_hostages"] >= 0 and r["owed_hostage_bodies"] >= 0
    assert r["owed_prisoners"] >= 0 and r["owed_palestinian_bodies"] >= 0
    assert r["aid_halt_days"] <= window
