"""Invariants that must hold for any valid scenario and any seed (hypothesis)."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import BASE
from trucesim.model.actors import series
from trucesim.run.engine import simulate
from trucesim.scenario import load

DAILY_SERIES = [x.name for x in series()]

CUMULATIVE = ("living_released", "bodies_released", "detainees_freed", "aid_trucks_delivered",
              "deaths_palestinians", "deaths_israelis", "incidents")


@st.composite
def scenarios(draw):
    window = draw(st.integers(5, 90))
    living_held, bodies_held = draw(st.integers(0, 30)), draw(st.integers(0, 30))
    releases, living_left, bodies_left = [], living_held, bodies_held
    for _ in range(draw(st.integers(1, 6))):
        living = draw(st.integers(0, living_left))
        bodies = draw(st.integers(0 if living else min(1, bodies_left), bodies_left))
        if living + bodies == 0:
            continue
        living_left, bodies_left = living_left - living, bodies_left - bodies
        releases.append(f"{{day = {draw(st.integers(0, window))}, living = {living}, "
                        f"bodies = {bodies}}}")
    if not releases:
        living_held = max(living_held, 1)
        releases.append(f"{{day = {draw(st.integers(0, window))}, living = 1}}")
    p = st.floats(0, 1)
    overrides = [
        f"truce.window_days={window}", f"hostages.living_held={living_held}",
        f"hostages.bodies_held={bodies_held}", f"releases=[{', '.join(releases)}]",
        "conditions=[]", "withdrawal.stages=[{name = \"a\", after_release = 0, share = 0.5}, "
        f"{{name = \"b\", day = {draw(st.integers(0, window))}, share = 0.3}}]",
        f"handovers.slip_probability={draw(p)}", f"handovers.dispute_probability={draw(p)}",
        f"handovers.bodies_mode=\"{draw(st.sampled_from(['scheduled', 'as_recovered']))}\"",
        f"exchange.withhold_probability_if_disputed={draw(p)}",
        f"exchange.verification_lag_days={draw(st.integers(0, 5))}",
        f"violations.israeli_forces.incidents_per_day={draw(st.floats(0, 4))}",
        f"violations.palestinian_groups.incidents_per_day={draw(st.floats(0, 2))}",
        f"violations.israeli_forces.retaliation={draw(st.floats(0, 0.95))}",
        f"violations.palestinian_groups.retaliation={draw(st.floats(0, 0.95))}",
        f"mediation.response_delay_days={draw(st.integers(0, 10))}",
        f"mediation.drain_per_day={draw(p)}",
        f"crisis.max_days={draw(st.integers(1, 20))}",
        f"crisis.collapse_hazard_per_day={draw(st.floats(0, 0.5))}",
        f"aid.halt_probability_per_crisis_day={draw(p)}",
        f"negotiations.start_day={draw(st.integers(0, window))}",
    ]
    return load(BASE, overrides), draw(st.integers(0, 2**32)), draw(st.integers(0, 10**6))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_invariants(case):
    s, seed, index = case
    rep = simulate(s, seed, index, log=True)
    r, daily, window = rep.record, rep.daily, s.truce.window_days
    # never more released than held or scheduled; nothing negative
    assert 0 <= r["living_released"] <= min(s.hostages.living_held, s.living_scheduled)
    assert 0 <= r["bodies_released"] <= min(s.hostages.bodies_held, s.bodies_scheduled)
    assert r["living_released"] + r["living_still_held"] == s.hostages.living_held
    assert r["bodies_released"] + r["bodies_still_held"] == s.hostages.bodies_held
    for name, value in r.items():
        if isinstance(value, int | float) and name != "deaths_averted":
            assert value >= 0, name
    # prisoners freed never exceed the ratio for the living released
    for name, ratio in s.exchange.prisoners_per_living_hostage.items():
        assert r[f"detainees_freed_{name}"] <= math.floor(ratio * r["living_released"] + 0.5)
    assert r["deaths_palestinians_truce"] <= r["deaths_palestinians"]
    # every event, milestone and end inside the window
    assert all(0 <= e.day <= window for e in rep.events)
    for name, value in r.items():
        if name.startswith("day_") and value is not None:
            assert 0 <= value <= window, name
    assert 0 <= r["end_day"] <= window
    assert (r["end_state"] == "collapsed") == (r["day_collapse"] is not None)
    # trajectories: shares within [0, 1]; cumulative counts never go down
    share = daily[:, DAILY_SERIES.index("territory_share_held")]
    assert ((share >= 0) & (share <= 1)).all()
    holding = daily[:, DAILY_SERIES.index("holding")]
    assert (np.diff(holding) <= 0).all()
    for name in CUMULATIVE:
        assert (np.diff(daily[:, DAILY_SERIES.index(name)]) >= 0).all(), name
    # while the truce holds, the army only moves back
    held = share[holding == 1]
    assert (np.diff(held) <= 1e-12).all()
    assert daily.shape == (window + 1, len(DAILY_SERIES))
