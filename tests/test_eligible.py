"""Extensions bought only while hostages the deal covers remain (issue 21, item 2):
extensions.eligible_living counts the living hostages a deal covers (say, women and
children); every living hostage released under it is one of them, so an extension is
bought only while enough of them are still held, and the pause ends when too few are
left. Worked by hand on pause-with-extensions.toml: 4 handovers of 5 living (20), 40
held, each extension day buys 5 more, at most 4 days."""

from __future__ import annotations

import pytest

from conftest import ROOT
from trucesim.model.actors.endings import PhaseEnded
from trucesim.run.engine import simulate
from trucesim.scenario import load

PAUSE = ROOT / "scenarios" / "pause-with-extensions.toml"
SURE = ("violations.israeli_forces.incidents_per_day=0",
        "violations.palestinian_groups.incidents_per_day=0", "handovers.slip_probability=0",
        "handovers.dispute_probability=0", "extensions.probability=1",
        "extensions.tension_halving=1000")  # no tension: every extension is bought


def pause(*overrides):
    return load(PAUSE, (*SURE, *overrides))


@pytest.mark.parametrize(("eligible", "days", "living"), [
    (0, 4, 40),  # everyone held is eligible: the 4-day limit, 20 + 4 x 5 released
    (30, 2, 30),  # 20 scheduled + 2 x 5: then 0 eligible are left, fewer than 5
    (33, 2, 30),  # 3 left after two extensions: fewer than the 5 a day buys
    (20, 0, 20),  # the schedule releases every eligible hostage: no extension
])
def test_extensions_stop_when_too_few_eligible_hostages_are_left(eligible, days, living):
    rep = simulate(pause(f"extensions.eligible_living={eligible}"), seed=3, log=True)
    assert (rep.record["extension_days"], rep.record["living_released"]) == (days, living)
    (ended,) = [e for e in rep.events if isinstance(e, PhaseEnded)]
    assert ended.state == "expired"
    assert ended.why == ("limit" if eligible == 0 else "few")
