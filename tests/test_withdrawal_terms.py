"""A withdrawal stage that is late or partial (issue 21, item 2), each checked on a case
worked out by hand from base's lines: 67% held on day 0, 'north' at 55% after the day-1
handover, 'south' at 40% on day 7 once the day-7 handover is done."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import BASE, calm
from test_scenario import only
from trucesim.model import actors
from trucesim.model.actors import withdrawal
from trucesim.run.engine import Piece, run_chunk, run_mixed, simulate
from trucesim.scenario import digest, load

SOUTH = "withdrawal.stages[1]"
NORTH = "withdrawal.stages[0]"
LATE_HANDOVERS = ("handovers.slip_probability=1", "handovers.slip_mean_days=1")


def fields(s):
    return [f.name for f in actors.fields(s)]


def test_the_terms_are_off_by_default_and_report_nothing_new():
    s = load(BASE)
    assert not withdrawal.uses_terms(s)
    assert "withdrawal_kept_share_end" not in fields(s)
    r = simulate(calm(), seed=4).record
    assert r["day_withdrawal_south"] == 7 and r["territory_share_end"] == 0.40


def test_a_late_stage_comes_a_day_after_it_is_due():
    """Late for sure, by a geometric delay of mean 1 (always one day): day 7 -> day 8."""
    s = calm(f"{SOUTH}.late_probability=1", f"{SOUTH}.late_mean_days=1")
    assert "withdrawal_kept_share_end" in fields(s)
    rep = simulate(s, seed=4, log=True)
    assert rep.record["day_withdrawal_south"] == 8
    assert rep.record["day_withdrawal_north"] == 1
    late = [e for e in rep.events if isinstance(e, withdrawal.Late)]
    assert [(e.day, e.name, e.days) for e in late] == [(7, "south", 1)]


def test_a_stage_late_past_the_horizon_is_never_reached():
    """Late by a geometric delay of mean 365 days from day 7: reached inside the 60-day
    window only if the delay is at most 53 days, with chance 1 - (364/365)**53 = 13.5%;
    the others end at the north line (55%)."""
    s = calm(f"{SOUTH}.late_probability=1", f"{SOUTH}.late_mean_days=365",
             "crisis.threshold=1000", "crisis.resolve_below=1")
    n = 640
    values = run_chunk(s, 7, 0, n).values
    names = fields(s)
    day = values[:, names.index("day_withdrawal_south")]
    share = values[:, names.index("territory_share_end")]
    reached = day != -1
    assert abs(reached.mean() - (1 - (364 / 365) ** 53)) < 0.04  # ~3 sd of 640 draws
    assert (day[reached] >= 8).all() and (day[reached] <= 60).all()
    assert (share[~reached] == 5500).all() and (share[reached] == 4000).all()


@pytest.mark.parametrize(("kept", "held", "beyond"), [
    (0.5, 0.475, 0.075),  # 40% + half of the 15 points from 55% to 40%
    (1.0, 0.55, 0.15),  # the stage refused: the north line stays
])
def test_a_partial_stage_keeps_a_share_of_its_pull_back(kept, held, beyond):
    s = calm(f"{SOUTH}.kept_share={kept}", "crisis.threshold=1000", "crisis.resolve_below=1")
    rep = simulate(s, seed=4, log=True)
    assert rep.record["territory_share_end"] == held
    assert rep.record["withdrawal_kept_share_end"] == beyond
    assert rep.record["day_withdrawal_south"] == 7
    told = [e for e in rep.events if isinstance(e, withdrawal.Kept)]
    assert [(e.day, e.name) for e in told] == [(7, "south")]


def test_positions_are_kept_only_where_the_condition_holds():
    """Kept where the day-7 handover was not on its day: each handover a day late, the
    south line (waiting for it) moves on day 8 and keeps half; on time, it does not."""
    terms = (f"{SOUTH}.kept_share=0.5", f"{SOUTH}.kept_if='not on_time(releases[1])'",
             "crisis.threshold=1000", "crisis.resolve_below=1")
    late = simulate(calm(*terms, *LATE_HANDOVERS), seed=4).record
    assert late["day_withdrawal_south"] == 8 and late["territory_share_end"] == 0.475
    on_time = simulate(calm(*terms), seed=4).record
    assert on_time["territory_share_end"] == 0.40
    assert on_time["withdrawal_kept_share_end"] == 0


def test_a_later_stage_made_as_agreed_ends_the_positions_kept():
    """North keeps half of 67% -> 55% (61% held, 6 points beyond); south then goes to 40%
    as agreed, and nothing is held beyond the agreed line at the end."""
    rep = simulate(calm(f"{NORTH}.kept_share=0.5", "crisis.threshold=1000",
                        "crisis.resolve_below=1"), seed=4, log=True)
    told = [e for e in rep.events if isinstance(e, withdrawal.Kept)]
    assert [(e.day, e.name, round(e.kept, 9)) for e in told] == [(1, "north", 0.06)]
    north = [e for e in rep.events if isinstance(e, withdrawal.StageReached)]
    assert [round(e.share, 9) for e in north] == [0.61, 0.40]
    assert rep.record["territory_share_end"] == 0.40
    assert rep.record["withdrawal_kept_share_end"] == 0


def test_after_a_collapse_no_positions_count_as_kept():
    s = load(BASE, (f"{SOUTH}.kept_share=1",))
    values = run_chunk(s, 3, 0, 400).values
    names = fields(s)
    collapsed = values[:, names.index("day_collapse")] != -1
    assert collapsed.any() and (~collapsed).any()
    kept = values[:, names.index("withdrawal_kept_share_end")]
    assert (kept[collapsed] == 0).all()
    assert (values[collapsed, names.index("territory_share_end")] == 6700).all()


def test_sets_that_differ_in_a_stage_term_run_as_each_runs_alone():
    sets = [load(BASE, (f"{SOUTH}.late_probability={p}",)) for p in (0.0, 0.5, 1.0)]
    pieces = [Piece(s, 11 + k, 5 + 13 * k, 18 + 13 * k) for k, s in enumerate(sets)]
    for got, want in zip(run_mixed(pieces), [run_chunk(p.scenario, p.seed, p.start, p.stop)
                                             for p in pieces], strict=True):
        assert np.array_equal(got.values, want.values)


@pytest.mark.parametrize(("overrides", "path", "message"), [
    ((f"{SOUTH}.kept_share=0.5", f"{SOUTH}.kept_if='bodies_owd > 0'"),
     "withdrawal.stages[1].kept_if", "did you mean 'bodies_owed'"),
    ((f"{SOUTH}.kept_if='crisis'",), "withdrawal.stages[1].kept_if",
     "no effect while kept_share is 0"),
    ((f"{SOUTH}.late_probability=1.5",), "withdrawal.stages[1].late_probability", "1"),
    ((f"{SOUTH}.late_mean_days=0.5",), "withdrawal.stages[1].late_mean_days", "1"),
])
def test_the_terms_are_validated_with_their_key_path(overrides, path, message):
    issue = only(BASE, list(overrides))
    assert issue.path == path and message in issue.message, issue


def test_a_term_left_off_is_not_part_of_the_digest():
    """A scenario written before the terms keeps its digest: stating one at its default
    changes nothing, and turning one on changes the digest."""
    plain = digest(load(BASE))
    assert digest(load(BASE, (f"{SOUTH}.late_probability=0", f"{SOUTH}.kept_if=''",
                              "handovers.located_within_days=3"))) == plain
    assert digest(load(BASE, (f"{SOUTH}.late_probability=0.1",))) != plain
    assert digest(load(BASE, ("handovers.located_within_days=4",))) != plain
