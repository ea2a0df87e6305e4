"""Bodies of which some are located and the others searched for, with a deadline for
the located ones, and bodies not yet recovered counted as owed (issue 21, item 2), each
checked on a case worked out by hand. Base schedules 18 bodies (5 on day 7, 5 on day 30,
8 on day 60); in as_recovered mode they come as each is recovered."""

from __future__ import annotations

import numpy as np

from conftest import BASE, calm
from test_scenario import only
from trucesim.model import actors
from trucesim.run.engine import Piece, run_chunk, run_mixed, simulate
from trucesim.scenario import load

RECOVERED = ("handovers.bodies_mode=as_recovered", "crisis.threshold=1000",
             "crisis.resolve_below=1")
NEVER_FOUND = "handovers.recovery_mean_days=1000"  # gamma(2, 500): rarely within 60 days


def column(s, values, name):
    return values[:, [f.name for f in actors.fields(s)].index(name)]


def test_bodies_all_located_within_a_day_are_out_on_day_1():
    r = simulate(calm(*RECOVERED, "handovers.located_bodies=18",
                      "handovers.located_within_days=1"), seed=5).record
    assert r["bodies_released"] == 18 and r["day_schedule_bodies_complete"] == 1


def test_located_bodies_are_out_within_their_deadline():
    """18 located, within 3 days: each body's day is 1, 2 or 3, so all are out by day 3,
    and on day 3 unless all 18 fall on days 1-2 (chance (2/3)**18 = 0.07%)."""
    s = calm(*RECOVERED, "handovers.located_bodies=18", "handovers.located_within_days=3")
    days = column(s, run_chunk(s, 5, 0, 128).values, "day_schedule_bodies_complete")
    assert (days >= 1).all() and (days <= 3).all()
    assert (days == 3).mean() > 0.95


def test_a_body_not_yet_recovered_is_owed():
    """8 located (out by day 3), 10 searched for with a mean of 1,000 days: a searched body
    is recovered within the 60 days with chance 1 - e**-0.12 * 1.12 = 0.66%. With
    unrecovered_owed every scheduled body is due, so what is not out is owed (18 minus
    those released: 10 in most runs); without it nothing is owed, the same bodies out."""
    terms = (*RECOVERED, NEVER_FOUND, "handovers.located_bodies=8")
    owed_s = calm(*terms, "handovers.unrecovered_owed=true")
    plain_s = calm(*terms)
    owed_v, plain_v = run_chunk(owed_s, 9, 0, 128).values, run_chunk(plain_s, 9, 0, 128).values
    released = column(owed_s, owed_v, "bodies_released")
    owed = column(owed_s, owed_v, "owed_hostage_bodies")
    assert (owed == 18 - released).all()
    assert np.median(owed) == 10 and (released >= 8).all()
    assert (column(plain_s, plain_v, "owed_hostage_bodies") == 0).all()
    assert (column(plain_s, plain_v, "bodies_released") == released).all()


def test_a_condition_on_bodies_owed_acts_while_bodies_are_searched_for():
    """The south line waits until no body is owed: with the searched bodies owed it is
    not reached in the window; with bodies due only once recovered it moves on day 7."""
    wait = ("conditions=[{name = 'no body owed', applies_to = 'withdrawal.south', "
            "wait_until = 'bodies_owed == 0'}]")
    terms = (*RECOVERED, NEVER_FOUND, "handovers.located_bodies=8",
             "handovers.recovery_shape=1000", wait)  # searched bodies: ~1000 days each
    held = simulate(calm(*terms, "handovers.unrecovered_owed=true"), seed=5).record
    assert held["day_withdrawal_south"] is None and held["owed_hostage_bodies"] == 10
    free = simulate(calm(*terms), seed=5).record
    assert free["day_withdrawal_south"] == 7 and free["owed_hostage_bodies"] == 0


def test_sets_that_differ_in_the_deadline_run_as_each_runs_alone():
    sets = [load(BASE, ("handovers.bodies_mode=as_recovered", "handovers.located_bodies=6",
                        f"handovers.located_within_days={d}")) for d in (1, 3, 10)]
    pieces = [Piece(s, 11 + k, 5 + 13 * k, 18 + 13 * k) for k, s in enumerate(sets)]
    for got, want in zip(run_mixed(pieces), [run_chunk(p.scenario, p.seed, p.start, p.stop)
                                             for p in pieces], strict=True):
        assert np.array_equal(got.values, want.values)


def test_the_terms_are_validated_with_their_key_path():
    issue = only(BASE, ["handovers.located_bodies=3"])
    assert issue.path == "handovers.located_bodies" and "as_recovered" in issue.message
    issue = only(BASE, ["handovers.unrecovered_owed=true"])
    assert issue.path == "handovers.unrecovered_owed" and "as_recovered" in issue.message
    issue = only(BASE, ["handovers.bodies_mode=as_recovered", "handovers.located_bodies=19"])
    assert issue.path == "handovers.located_bodies" and "releases 18 bodies" in issue.message
