"""A total agreed over several days without a split (issue 21, item 2): a handover with
`through_day` releases its living hostages and bodies over days `day`..`through_day`,
each person equally likely on any of the days (a multinomial split drawn per run).
Worked by hand on pause-over-days.toml: 20 living over days 1-4, 40 held."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import ROOT
from trucesim.model import actors, outcomes
from trucesim.model.actors.handovers import HandedOver
from trucesim.run import engine
from trucesim.run.engine import simulate
from trucesim.scenario import ScenarioError, load

SPREAD = ROOT / "scenarios" / "pause-over-days.toml"
CALM = ("violations.israeli_forces.incidents_per_day=0",
        "violations.palestinian_groups.incidents_per_day=0", "handovers.slip_probability=0",
        "handovers.dispute_probability=0", "extensions.probability=0")


def parts(rep):
    return [(e.day, e.living, e.late) for e in rep.events if isinstance(e, HandedOver)]


@pytest.mark.parametrize("seed", range(8))
def test_the_total_is_out_by_through_day_and_no_more(seed):
    """Calm, nothing slips: whatever the split, the 20 are out by day 4, each day's part
    told on its day (a day whose part is empty is not told), each on time."""
    rep = simulate(load(SPREAD, CALM), seed=seed, log=True)
    told = parts(rep)
    assert sum(k for _, k, _ in told) == 20 == rep.record["living_released"]
    assert all(1 <= day <= 4 and k > 0 and late == 0 for day, k, late in told)
    assert len({day for day, _, _ in told}) == len(told)  # one part a day
    assert rep.record["day_schedule_living_complete"] == max(day for day, _, _ in told)
    assert rep.record["owed_living_hostages"] == 0
    released = rep.column("living_released")
    assert released[4] == 20 and all(np.diff(released[:5]) >= 0)


def test_each_day_gets_a_binomial_share():
    """Over 4,000 runs the day-1 part is Binomial(20, 1/4): mean 5, variance 3.75 (by
    hand: 20 x 1/4 and 20 x 1/4 x 3/4); by day 2, Binomial(20, 1/2): mean 10, variance
    5. A split written day by day (5 a day) would have variance 0."""
    s = load(SPREAD, CALM)
    n = 4000
    st = engine.play(s, 11, 0, n)
    series = [x.name for x in st.series]
    living = st.parts.daily[:, series.index("living_released")]  # (day, replication)
    for day, mean, var in ((1, 5.0, 3.75), (2, 10.0, 5.0), (3, 15.0, 3.75)):
        x = living[day].astype(float)
        se = np.sqrt(var / n)
        assert abs(x.mean() - mean) < 4 * se, (day, x.mean())
        assert 0.85 * var < x.var() < 1.15 * var, (day, x.var())
    assert (living[4] == 20).all()


def test_a_slip_moves_every_part():
    """The first part slips 2 days (slip chance 1, mean 1 day: a geometric of mean 1
    is always 1 day, so by hand: days 2-5), and each later part follows the day after
    the one before: the last comes on day 5, one day late, and the handover is not on
    time."""
    s = load(SPREAD, (*CALM, "handovers.slip_probability=1", "handovers.slip_mean_days=1"))
    rep = simulate(s, seed=4, log=True)
    told = parts(rep)
    assert sum(k for _, k, _ in told) == 20
    assert min(day for day, _, _ in told) >= 2 and max(day for day, _, _ in told) <= 5
    assert all(late == 1 for _, _, late in told)  # each part a day after it was due
    fields = {f.name: k for k, f in enumerate(actors.fields(s))}
    st = engine.play(s, 4, 0, 200)
    values = outcomes.read(actors.fields(s), st)
    assert (values[:, fields["living_released"]] == 20).all()
    assert (st.parts.handovers.on_time[0] == 0).all()


def test_a_spread_handover_is_one_handover_of_the_schedule():
    """Cut off by a collapse, the parts still due are cancelled: what is out is what
    came before it, and the rest is owed."""
    s = load(SPREAD, (*CALM, "crisis.threshold=1", "crisis.resolve_below=0.5",
                      "crisis.collapse_hazard_per_day=1",
                      "violations.israeli_forces.incidents_per_day=20"))
    rep = simulate(s, seed=2, log=True)
    out = rep.record["living_released"]
    assert out < 20 and rep.record["owed_living_hostages"] == 20 - out


@pytest.mark.parametrize("setting, problem", [
    ("releases[0].through_day=1", "through_day 1 must come after the handover's day (1)"),
    ("releases[0].through_day=30", "within the window 0..21"),
])
def test_a_through_day_that_cannot_be_is_a_clear_error(setting, problem):
    with pytest.raises(ScenarioError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        load(SPREAD, (setting,))


def test_other_scenarios_draw_no_split():
    """A scenario without a spread handover draws nothing more from the stream (its
    numbers are unchanged: benchmarks/same_bytes.py)."""
    from trucesim.model.actors import spread

    g = np.random.default_rng(0)
    before = g.bit_generator.state
    assert spread.draw(load(ROOT / "scenarios" / "pause-with-extensions.toml"), g, 64) == \
        (None, None, None, None)
    assert g.bit_generator.state == before


def test_the_format_docs_state_what_the_model_gives(tmp_path):
    """docs/scenario-format.md's numbers for pause-over-days (the living out by day 2,
    5th-95th percentile over 2,000 runs at seed 2025) are what a run gives, for both
    ways of writing the same 20."""
    import csv
    import re

    from trucesim.run import runner
    from trucesim.run.executors import SerialExecutor
    from trucesim.scenario.docnotes import RELEASES

    said = re.search(r"range from (\d+) to (\d+) \(5th-95th\s+percentile\) against (\d+) to "
                     r"(\d+)", RELEASES)
    assert said, "the note's sentence changed: update this test"
    got = []
    for name in ("pause-over-days", "pause-with-extensions"):
        runner.run(load(ROOT / "scenarios" / f"{name}.toml"), 2025, 2000, tmp_path,
                   SerialExecutor())
        rows = list(csv.DictReader((tmp_path / name / "daily.csv").read_text().splitlines()))
        day2 = next(r for r in rows if r["day"] == "2")
        got += [int(float(day2["living_released_p05"])), int(float(day2["living_released_p95"]))]
    assert got == [int(x) for x in said.groups()]
