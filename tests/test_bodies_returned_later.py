"""The other side's bodies on a schedule of their own (issue 21, item 2): the Palestinian
bodies due for hostages' bodies are returned `exchange.bodies_delay_days` after the
prisoners and detainees of their handover, as a tranche of their own; each checked on a
case worked out by hand. Base schedules 8 living on day 1, bodies 5 on day 7, 5 on day
30, 2 living on day 50 and 8 bodies on day 60, 10 Palestinian bodies returned per
hostage body."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import calm
from trucesim.model import actors
from trucesim.model.actors import exchange
from trucesim.run.engine import simulate
from trucesim.scenario.load import ScenarioError

LATER = "exchange.bodies_delay_days=10"


def series(rep, name):
    return rep.daily[:, [s.name for s in actors.series()].index(name)]


def test_the_bodies_come_their_own_days_after_each_handover_the_prisoners_do_not():
    """Bodies handed over on days 7 and 30 are answered on days 17 and 40 (50 each); the
    8 of day 60 would be answered on day 70, after the window: 80 still owed."""
    rep = simulate(calm(LATER), seed=4)
    returned = series(rep, "bodies_returned")
    assert (returned[16], returned[17], returned[39], returned[40], returned[60]) == (
        0, 50, 50, 100, 100)
    assert rep.record["owed_palestinian_bodies"] == 80
    same_day = simulate(calm(), seed=4)
    assert (series(same_day, "bodies_returned")[7], series(same_day, "bodies_returned")[60]
            ) == (50, 180)
    # the prisoners and detainees are freed on the same days with or without the lag
    assert np.array_equal(series(rep, "detainees_freed"), series(same_day, "detainees_freed"))


def test_the_delay_counts_from_the_prisoners_tranche():
    """Verified after 2 days, the bodies 3 days after that: the day-7 bodies' 50 are
    returned on day 12, the day-1 prisoners on day 3."""
    rep = simulate(calm("exchange.verification_lag_days=2", "exchange.bodies_delay_days=3"),
                   seed=4)
    returned, freed = series(rep, "bodies_returned"), series(rep, "detainees_freed")
    assert (returned[11], returned[12]) == (0, 50)
    assert freed[2] == 0 and freed[3] > 0


def test_a_dispute_holds_back_one_tranche_not_two():
    """Day 1 hands over 8 living and 2 bodies, every handover disputed and every disputed
    tranche withheld: the prisoners' tranche of day 1 is withheld once; its bodies come on
    day 11 all the same; a handover of bodies alone has its bodies withheld."""
    rep = simulate(calm(LATER, "releases[0].bodies=2", "handovers.dispute_probability=1",
                        "exchange.withhold_probability_if_disputed=1"), seed=2, log=True)
    withheld = [e for e in rep.events if isinstance(e, exchange.Withheld)]
    assert [e.answers for e in withheld].count("day-1 handover") == 1
    day_1 = next(e for e in withheld if e.answers == "day-1 handover")
    assert day_1.total > 0  # the prisoners' tranche
    assert series(rep, "bodies_returned")[11] == 20
    assert "day-7 handover" in [e.answers for e in withheld]  # bodies alone: withheld
    assert series(rep, "bodies_returned")[17] == 20  # not on day 17


def test_the_lag_is_a_whole_number_of_days_within_its_bounds():
    for bad in ("exchange.bodies_delay_days=-1", "exchange.bodies_delay_days=61",
                "exchange.bodies_delay_days=2.5"):
        with pytest.raises(ScenarioError):
            calm(bad)
