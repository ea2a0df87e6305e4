"""An extension of several days bought at once (issue 21, item 2), checked on
pause-with-extensions.toml worked by hand: a 4-day pause with 5 living hostages a day
(20), 40 held, extensions of 5 living hostages per extension day up to 4 days, here 2
days at a time, calm and always extended while it can be paid for."""

from __future__ import annotations

import numpy as np

from conftest import SCENARIOS
from test_scenario import only
from trucesim.model.actors import handovers
from trucesim.run.engine import Piece, run_chunk, run_mixed, simulate
from trucesim.scenario import load

PAUSE = SCENARIOS / "pause-with-extensions.toml"
QUIET = ("violations.israeli_forces.incidents_per_day=0",
         "violations.palestinian_groups.incidents_per_day=0",
         "handovers.slip_probability=0", "handovers.dispute_probability=0",
         "extensions.probability=1", "extensions.days_each=2")
AT_ONCE = "extensions.paid_at_once=true"


def released(rep):
    return [(e.day, e.living) for e in rep.events if isinstance(e, handovers.HandedOver)
            and e.kind == "extension"]


def test_each_extension_s_releases_come_on_its_first_day():
    """Extended at the end of day 4 (to day 6) and of day 6 (to day 8): 10 living on
    days 5 and 7, rather than 5 on each of days 5 to 8; 40 out either way."""
    at_once = simulate(load(PAUSE, (*QUIET, AT_ONCE)), seed=1, log=True)
    assert released(at_once) == [(5, 10), (7, 10)]
    assert (at_once.record["extension_days"], at_once.record["end_day"]) == (4, 8)
    assert at_once.record["living_released"] == 40
    assert at_once.record["owed_living_hostages"] == 0
    daily = simulate(load(PAUSE, QUIET), seed=1, log=True)
    assert released(daily) == [(5, 5), (6, 5), (7, 5), (8, 5)]


def test_an_extension_bought_at_once_needs_all_its_price_held():
    """27 held: 7 left after the schedule's 20. At once, an extension costs 10: none is
    bought and the pause ends on day 4. Paid day by day, the first day's 5 are held: it
    is extended 2 days, 5 out on day 5 and the last 2 on day 6, 3 owed."""
    few = "hostages.living_held=27"
    r = simulate(load(PAUSE, (*QUIET, AT_ONCE, few)), seed=1).record
    assert (r["extension_days"], r["end_day"], r["living_released"]) == (0, 4, 20)
    r = simulate(load(PAUSE, (*QUIET, few)), seed=1).record
    assert (r["extension_days"], r["end_day"], r["living_released"]) == (2, 6, 27)
    assert r["owed_living_hostages"] == 3


def test_sets_that_differ_in_paying_at_once_run_as_each_runs_alone():
    sets = [load(PAUSE, ("extensions.days_each=2", f"extensions.paid_at_once={v}"))
            for v in ("false", "true")]
    pieces = [Piece(s, 11 + k, 5 + 13 * k, 18 + 13 * k) for k, s in enumerate(sets)]
    for got, want in zip(run_mixed(pieces), [run_chunk(p.scenario, p.seed, p.start, p.stop)
                                             for p in pieces], strict=True):
        assert np.array_equal(got.values, want.values)


def test_paying_at_once_needs_an_extension():
    issue = only(PAUSE, ["extensions.days_each=0", "extensions.living_per_day=0", AT_ONCE])
    assert issue.path == "extensions.paid_at_once" and "days_each" in issue.message
