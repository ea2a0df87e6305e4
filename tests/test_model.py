"""The processes of the model, each pinned on a tiny scenario whose result is known by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from conftest import base, calm
from trucesim.model.actors import exchange, handovers, series
from trucesim.model.streams import BLOCK, generator
from trucesim.run.engine import simulate

DAILY_SERIES = [x.name for x in series()]
TENSION = DAILY_SERIES.index("tension")


def events(rep, kind):
    return [e for e in rep.events if isinstance(e, kind)]


def test_a_calm_truce_follows_the_schedule_exactly():
    """No incidents, slips or disputes: every count follows from the July plan by hand."""
    rep = simulate(calm(), seed=7, index=3, log=True)
    r = rep.record
    assert (r["living_released"], r["bodies_released"]) == (8 + 2, 5 + 5 + 8)
    assert (r["living_still_held"], r["bodies_still_held"]) == (20 - 10, 30 - 18)
    # May 2025 ratios: 125 life-sentence prisoners and 1,111 detainees for 10 living
    assert r["detainees_freed_life_sentence_prisoners"] == 125
    assert r["detainees_freed_gaza_detainees"] == 1111
    assert r["detainees_freed_total"] == 1236
    # 10 bodies per body, on the day of each handover (Jan 2025 record): 50 + 50 + 80,
    # the day-60 handover's included
    assert r["bodies_returned"] == 180
    # everything the deal made due by the horizon was delivered, on both sides
    assert (r["owed_living_hostages"], r["owed_hostage_bodies"], r["owed_prisoners"],
            r["owed_palestinian_bodies"]) == (0, 0, 0, 0)
    assert r["day_withdrawal_north"] == 1 and r["day_withdrawal_south"] == 7
    assert r["territory_share_end"] == 0.40
    assert (r["day_schedule_living_complete"], r["day_schedule_bodies_complete"]) == (50, 60)
    assert r["deaths_palestinians"] == r["deaths_israelis"] == 0
    assert r["deaths_averted"] == pytest.approx(60 * (67 + 0.35))
    assert r["end_state"] in ("permanent", "extended", "expired") and r["end_day"] == 60
    assert [e.day for e in events(rep, handovers.HandedOver)] == [1, 7, 30, 50, 60]
    # the first tranche: 8 living -> round(12.5 * 8) = 100 and round(111.1 * 8) = 889
    first = events(rep, exchange.Tranche)[0]
    assert first.day == 1
    assert dict(first.freed) == {"life_sentence_prisoners": 100, "gaza_detainees": 889}


def test_aid_on_a_calm_day_is_the_days_share_of_the_agreed_trucks():
    s = calm()
    for index in range(5):
        r = simulate(s, seed=11, index=index).record
        # the aid stream of block 0, drawn here independently of the model
        g = generator(11, 0, "aid")
        m, sd = s.aid.delivery_ratio_mean, s.aid.delivery_ratio_sd
        k = m * (1 - m) / sd**2 - 1
        ratio = g.beta(m * k, (1 - m) * k, (BLOCK, 61))[index]
        assert r["aid_trucks_delivered"] == int(np.floor(600 * ratio[1:] + 0.5).sum())
        assert r["aid_trucks_agreed"] == 36_000


def test_every_handover_one_day_late():
    r = simulate(calm("handovers.slip_probability=1", "handovers.slip_mean_days=1"),
                 seed=1).record
    assert r["day_schedule_living_complete"] == 51
    # the day-60 handover slips to day 61, beyond the window
    assert r["bodies_released"] == 10 and r["day_schedule_bodies_complete"] is None


def test_slips_follow_a_geometric_delay_with_the_given_mean():
    s = calm("handovers.slip_probability=1", "handovers.slip_mean_days=3")
    delays = [e.delay for i in range(300)
              for e in events(simulate(s, seed=2, index=i, log=True), handovers.Slipped)]
    assert min(delays) >= 1
    # mean 3 days; sd of a geometric(1/3) is sqrt(6): 4 standard errors of tolerance
    assert abs(np.mean(delays) - 3) < 4 * math.sqrt(6 / len(delays))


def test_a_disputed_handover_can_see_its_tranche_withheld():
    s = calm("handovers.dispute_probability=1", "exchange.withhold_probability_if_disputed=1",
             "exchange.withhold_mean_days=1", "crisis.threshold=1000", "crisis.resolve_below=1")
    rep = simulate(s, seed=3, log=True)
    withheld = events(rep, exchange.Withheld)
    assert withheld and withheld[0].day == 1
    assert events(rep, exchange.Tranche)[0].day == 2  # held back one day
    assert rep.record["detainees_freed_total"] == 1236


def _crisis_on_day_one(*extra):
    """A dispute (+4 tension) on day 1 against a crisis threshold of 1: a crisis at once.

    Mediators never engage and tension only fades, so it stays above 0.5 and the crisis
    is never resolved: with max_days = 3 the truce collapses on day 1 + 3 = 4.
    """
    return calm("handovers.dispute_probability=1", "exchange.withhold_probability_if_disputed=0",
                "crisis.threshold=1", "crisis.resolve_below=0.5", "crisis.max_days=3",
                "crisis.collapse_hazard_per_day=0", "mediation.engage_threshold=1000", *extra)


def test_an_unresolved_crisis_collapses_the_truce():
    rep = simulate(_crisis_on_day_one(), seed=5, log=True)
    r = rep.record
    assert (r["day_first_crisis"], r["day_collapse"]) == (1, 4)
    assert (r["end_state"], r["end_day"]) == ("collapsed", 4)
    # the day-1 handover and its tranche (the same morning) came before the crisis began
    # that evening: 8 living for round(12.5 * 8) + round(111.1 * 8) = 100 + 889
    assert r["living_released"] == 8 and r["detainees_freed_total"] == 989
    # the handovers due on days 7, 30, 50 and 60 were cancelled: all still owed
    assert (r["owed_living_hostages"], r["owed_hostage_bodies"]) == (2, 5 + 5 + 8)
    assert r["owed_prisoners"] == 0 and r["day_war_resumed"] == 5
    # the army went north on day 1, never south, and returned to its lines on collapse
    assert r["day_withdrawal_north"] == 1 and r["day_withdrawal_south"] is None
    assert r["territory_share_end"] == 0.67
    # war resumes the day after the collapse, at the counterfactual rate
    assert r["deaths_palestinians"] > 0 and r["deaths_palestinians_truce"] == 0
    assert r["deaths_averted"] == pytest.approx(
        60 * 67.35 - r["deaths_palestinians"] - r["deaths_israelis"])
    assert len(events(rep, handovers.Cancelled)) == 4


def test_aid_is_halted_as_leverage_in_a_crisis():
    r = simulate(_crisis_on_day_one("aid.halt_probability_per_crisis_day=1",
                                    "aid.trucks_per_day_after_collapse=100"), seed=5).record
    # aid moves before the mediators' day: day 1's trucks enter before the crisis starts
    # that evening, days 2-4 are halted (the collapse comes on the evening of day 4), and
    # 100 trucks a day enter from day 5 to day 60
    assert r["aid_halt_days"] == 3
    day_one = simulate(calm(), seed=5).daily[1, DAILY_SERIES.index("aid_trucks_delivered")]
    assert r["aid_trucks_delivered"] == day_one + 100 * (60 - 5 + 1)


def test_mediators_drain_tension_after_their_delay():
    """Tension by hand: a dispute adds 4 on day 1, it fades 15% a day, mediators (acting at
    once, exactly 30%) drain it while it is at least 3."""
    s = calm("handovers.dispute_probability=1", "exchange.withhold_probability_if_disputed=0",
             "mediation.response_delay_days=0", "mediation.effectiveness_spread=0")
    tension = simulate(s, seed=1).daily[:, TENSION]
    day1 = 4 * 0.85 * 0.7
    assert tension[1] == pytest.approx(day1, abs=1e-9)
    assert tension[2] == pytest.approx(day1 * 0.85, abs=1e-9)  # below 3: no drain
    delayed = simulate(calm("handovers.dispute_probability=1",
                            "exchange.withhold_probability_if_disputed=0",
                            "mediation.response_delay_days=1"), seed=1).daily[:, TENSION]
    assert delayed[1] == pytest.approx(4 * 0.85, abs=1e-9)


def test_talks_with_steady_progress_reach_agreement_on_the_day_computed_by_hand():
    s = calm("negotiations.volatility_per_day=0", "negotiations.drift_per_day=0.0625")
    r = simulate(s, seed=1).record
    assert r["day_agreement"] == 16  # 16 days x 1/16 from day 1
    assert r["end_state"] == "permanent"


@pytest.mark.parametrize(("probability", "state"), [(1.0, "extended"), (0.0, "expired")])
def test_serious_but_unfinished_talks_extend_the_truce(probability, state):
    s = calm("negotiations.volatility_per_day=0", "negotiations.drift_per_day=0.01",
             f"negotiations.extension_probability={probability}")
    r = simulate(s, seed=1).record
    assert r["talks_progress_end"] == pytest.approx(0.60)  # 60 days x 0.01
    assert r["end_state"] == state


NO_CRISIS = ("crisis.threshold=1000000", "crisis.resolve_below=1")


def test_incidents_are_poisson_with_the_base_rate():
    s = calm("violations.israeli_forces.incidents_per_day=2",
             "violations.israeli_forces.retaliation=0",
             "violations.palestinian_groups.retaliation=0", *NO_CRISIS)
    counts = [simulate(s, seed=4, index=i).record["incidents_israeli_forces"]
              for i in range(300)]
    # 60 days x 2 a day; Poisson variance = mean
    assert abs(np.mean(counts) - 120) < 4 * math.sqrt(120 / len(counts))
    assert np.var(counts) == pytest.approx(120, rel=0.3)


def test_retaliation_follows_the_branching_expectation():
    """Israeli forces answer each incident by Palestinian groups with 0.5 incidents on average,
    spread over later days with a geometric kernel; retaliation due after day 60 is lost.
    Expected answers: 0.5 * sum over days t of (1 - keep**(60 - t)), keep = exp(-1/3)."""
    s = calm("violations.palestinian_groups.incidents_per_day=1",
             "violations.palestinian_groups.retaliation=0",
             "violations.israeli_forces.retaliation=0.5", *NO_CRISIS)
    keep = math.exp(-1 / 3)
    expected = 0.5 * (60 - (1 - keep**60) / (1 - keep))
    answers = [simulate(s, seed=8, index=i).record["incidents_israeli_forces"]
               for i in range(300)]
    assert abs(np.mean(answers) - expected) < 4 * np.std(answers) / math.sqrt(len(answers))


def test_deaths_average_the_fatalities_per_incident():
    s = calm("violations.israeli_forces.incidents_per_day=1",
             "violations.israeli_forces.retaliation=0", *NO_CRISIS)
    records = [simulate(s, seed=9, index=i).record for i in range(300)]
    ratio = sum(r["deaths_palestinians"] for r in records) / sum(
        r["incidents_israeli_forces"] for r in records)
    assert ratio == pytest.approx(2.5, rel=0.12)


def test_attacks_close_the_crossings():
    s = calm("violations.palestinian_groups.incidents_per_day=30",
             "violations.israeli_forces.retaliation=0", "aid.closure_probability_per_incident=1",
             "tension.per_incident=0", "tension.per_palestinian_death=0",
             "tension.per_israeli_death=0")
    r = simulate(s, seed=1).record
    assert r["aid_closed_days"] == 60 and r["aid_trucks_delivered"] == 0


def test_bodies_as_recovered_come_on_their_recovery_days():
    s = calm("handovers.bodies_mode=\"as_recovered\"")
    for index in range(5):
        rep = simulate(s, seed=6, index=index, log=True)
        g = generator(6, 0, "recovery")  # the recovery actor's own stream
        days = np.ceil(g.gamma(2.0, 10.0, (BLOCK, 18)))[index]
        assert rep.record["bodies_released"] == int((days <= 60).sum())
        handed = [e.day for e in events(rep, handovers.HandedOver) if e.bodies]
        assert handed == sorted({max(int(d), 1) for d in days if d <= 60})


def test_a_replication_is_a_function_of_scenario_seed_and_index():
    s = base()
    assert simulate(s, 1, 5).record == simulate(s, 1, 5).record
    records = {tuple(simulate(s, 1, i).record.values()) for i in range(10)}
    assert len(records) > 5


def test_common_random_numbers_keep_unrelated_processes_identical():
    """Crossing capacity changes only the trucks that enter (nothing feeds back from them),
    so violence, day by day, is the same in both scenarios."""
    a, b = base(), base("aid.crossing_capacity_trucks_per_day=450")
    differs = 0
    for i in range(40):
        ra, rb = simulate(a, 3, i).record, simulate(b, 3, i).record
        for key in ("incidents_israeli_forces", "incidents_palestinian_groups",
                    "deaths_palestinians_truce", "living_released"):
            assert ra[key] == rb[key]
        differs += ra["aid_trucks_delivered"] != rb["aid_trucks_delivered"]
    assert differs > 0
