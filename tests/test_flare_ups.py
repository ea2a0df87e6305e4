"""Flare-ups (model.actors.flare_ups), each checked on a case worked out by hand from the
flare-up stream's own numbers: when one starts and how long it lasts, its deaths, the
truce restored or collapsed at its end, no crisis while it lasts, and nothing changed
where a scenario leaves flare-ups off."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from conftest import BASE, SCENARIOS, calm
from trucesim.model import actors
from trucesim.model.actors import flare_ups
from trucesim.model.streams import BLOCK, generator
from trucesim.run.engine import Piece, run_chunk, run_mixed, simulate
from trucesim.scenario.load import load

SEED = 7
QUIET_TALKS = ("negotiations.drift_per_day=0", "negotiations.volatility_per_day=0")


def numbers(s, seed=SEED, row=0):
    """The stream's uniforms of replication `row` of draw block 0, by day: start, length,
    Palestinian deaths, Israeli deaths, restore (flare_ups.draw's layout, drawn again)."""
    u = generator(seed, 0, "flare_ups").random((5, BLOCK, s.truce.window_days + 1))
    return u[:, row, :]


def length(mean, u):
    """A geometric number of days >= 1 with this mean, by inversion (by hand)."""
    return 1 if mean <= 1 else 1 + math.floor(math.log(1 - u) / math.log(1 - 1 / mean))


def test_off_by_default_nothing_is_drawn_run_or_recorded():
    s = load(BASE)
    assert not flare_ups.enabled(s)
    assert not any("flare" in f.name for f in actors.fields(s))
    assert flare_ups.draw(s, generator(1, 0, "flare_ups"), 4).start.shape == (4, 0)


def test_a_flare_up_that_is_not_restored_collapses_the_truce_on_its_last_day():
    """No incidents, no talks: the first day whose uniform is below the chance starts a
    flare-up of the length its own uniform gives; on its last day, with no chance of
    restoring the truce, the truce collapses, and war resumes the next day."""
    s = calm(*QUIET_TALKS, "flare_ups.chance_per_day=0.05", "flare_ups.mean_days=3",
             "flare_ups.restore_probability=0")
    start, long, *_ = numbers(s)
    first = next(d for d in range(1, 61) if start[d] < 0.05)
    last = first + length(3, long[first]) - 1
    assert last <= 60, "pick a seed whose flare-up ends inside the window"
    r = simulate(s, SEED).record
    assert r["day_first_flare_up"] == first and r["flare_ups"] == 1
    assert r["flare_up_days"] == last - first + 1
    assert r["end_state"] == "collapsed" and r["day_collapse"] == last
    assert r["day_war_resumed"] == last + 1 and r["crises"] == 0


def test_each_day_of_a_flare_up_adds_its_poisson_deaths_to_the_truce_deaths():
    """A flare-up every day (chance 1, one day each), always restored: the truce holds to
    the end, every day is a flare-up's, and with no incidents the truce's deaths are the
    flare-ups' alone: on day d, the Poisson(30) and Poisson(0.5) counts at that day's
    uniforms (scipy's inverse CDF, independently of the model's inversion)."""
    s = calm(*QUIET_TALKS, "flare_ups.chance_per_day=1", "flare_ups.mean_days=1",
             "flare_ups.restore_probability=1")
    _, _, up, ui, _ = numbers(s)
    want_p = sum(int(stats.poisson.ppf(up[d], 30.0)) for d in range(1, 61))
    want_i = sum(int(stats.poisson.ppf(ui[d], 0.5)) for d in range(1, 61))
    rep = simulate(s, SEED, log=True)
    r = rep.record
    assert r["flare_ups"] == r["flare_up_days"] == 60 and r["end_state"] != "collapsed"
    assert r["flare_up_deaths_palestinians"] == r["deaths_palestinians_truce"] == want_p
    assert r["flare_up_deaths_israelis"] == r["deaths_israelis_truce"] == want_i
    # the story tells each one, its toll adding up to the record's
    ended = [e for e in rep.events if isinstance(e, flare_ups.FlareUpEnded)]
    assert len(ended) == 60 and all(e.restored and e.days == 1 for e in ended)
    assert sum(e.deaths_palestinians for e in ended) == want_p
    assert sum(e.deaths_israelis for e in ended) == want_i


def test_no_crisis_starts_while_a_flare_up_lasts_though_tension_passes_the_threshold():
    """A flare-up every day the truce is not already in one (chance 1), each of the
    length its start day's uniform gives, always restored: flare-ups follow one another
    over the whole window, as counted by hand; tension from their deaths passes a crisis
    threshold of 2, yet no crisis starts and the truce never collapses."""
    s = calm(*QUIET_TALKS, "flare_ups.chance_per_day=1", "flare_ups.mean_days=5",
             "flare_ups.restore_probability=1", "crisis.threshold=2",
             "crisis.resolve_below=1")
    _, long, *_ = numbers(s)
    day, count = 1, 0
    while day <= 60:
        count += 1
        day += length(5, long[day])
    r = simulate(s, SEED).record
    assert r["flare_ups"] == count and r["flare_up_days"] == 60 and 1 < count < 60
    assert r["crises"] == 0 and r["end_state"] != "collapsed"
    assert r["max_tension"] > 2


def test_restored_truce_has_its_tension_brought_down_to_the_crisis_resolve_level():
    """With a crisis threshold below what a day of flare-up adds, a crisis would start on
    the evening a restored flare-up ends unless tension were brought back down first."""
    s = calm(*QUIET_TALKS, "flare_ups.chance_per_day=1", "flare_ups.mean_days=1",
             "flare_ups.restore_probability=1", "crisis.threshold=4", "crisis.resolve_below=3")
    r = simulate(s, SEED).record
    assert r["crises"] == 0 and r["flare_ups"] == 60


def test_the_teaching_scenario_gives_deadly_truces_that_still_hold():
    """What scenarios/flare-ups.toml is for: runs whose truce held to the end with far
    more deaths than any of base's holding runs."""
    s, b = load(SCENARIOS / "flare-ups.toml"), load(BASE)
    names = [f.name for f in actors.fields(s)]
    chunk, plain = run_chunk(s, 1, 0, 2000), run_chunk(b, 1, 0, 2000)

    def held_deaths(c, fields):
        col = [f.name for f in fields]
        ended = c.values[:, col.index("end_state")]
        collapsed = fields[col.index("end_state")].categories.index("collapsed")
        return c.values[ended != collapsed, col.index("deaths_palestinians_truce")]

    held, base_held = held_deaths(chunk, actors.fields(s)), held_deaths(plain, actors.fields(b))
    flared = chunk.values[:, names.index("flare_ups")]
    assert (flared > 0).mean() > 0.5
    assert (held > base_held.max()).sum() > 50


def test_flare_ups_of_several_parameter_sets_mixed_in_one_block_are_as_alone():
    s = load(SCENARIOS / "flare-ups.toml")
    sets = [load(SCENARIOS / "flare-ups.toml", (f"flare_ups.{k}={v}",))
            for k, v in (("mean_days", 1.5), ("restore_probability", 0.3),
                         ("deaths_per_day_palestinians", 80.0),
                         ("deaths_per_day_israelis", 3.0))]
    pieces = [Piece(x, 3, 20 * k, 20 * k + 20) for k, x in enumerate([s, *sets])]
    for got, want in zip(run_mixed(pieces), [run_chunk(p.scenario, p.seed, p.start, p.stop)
                                             for p in pieces], strict=True):
        assert np.array_equal(got.values, want.values)
        assert np.array_equal(got.daily, want.daily)


@pytest.mark.parametrize("bad", ["flare_ups.chance_per_day=1.5", "flare_ups.mean_days=0.5"])
def test_out_of_range_values_are_refused(bad):
    from trucesim.scenario.load import ScenarioError

    with pytest.raises(ScenarioError, match="flare_ups"):
        load(BASE, (bad,))
