"""War after a collapse, and the counterfactual: deaths at the no-truce rate (DESIGN.md §2).

Once the truce collapses, fighting resumes the next day and deaths follow the scenario's
counterfactual rates (Palestinian deaths as reported by the Gaza Health Ministry, Israeli
soldiers' deaths as reported by the IDF), with gamma day-to-day variation. The same
rates, over the whole window, give the deaths each run is compared against ("deaths
averted").
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np

from trucesim.model.declare import HUNDREDTHS, Actor, Outcome, scaled
from trucesim.model.state import VIOLENCE, Proc, TruceState, at
from trucesim.model.streams import BLOCK
from trucesim.scenario.schema import Scenario

NAME = "war"
WarDeaths = Callable[[], tuple[list[int], list[int]]]  # per day: Palestinians, Israelis


class _Block:
    """Deaths per day at war for a block, drawn the first time a replication needs them.

    The war stream is its own generator, so drawing it late changes no other number.
    """

    def __init__(self, s: Scenario, g: np.random.Generator) -> None:
        self.s, self.g = s, g
        self.deaths: np.ndarray | None = None  # (side, replication, day)

    def row(self, r: int) -> tuple[list[int], list[int]]:
        if self.deaths is None:
            cf = self.s.counterfactual
            g, shape, k = self.g, (BLOCK, self.s.truce.window_days + 1), cf.daily_dispersion
            self.deaths = np.stack([g.poisson(mean * g.gamma(k, 1 / k, shape)) for mean in
                                    (cf.deaths_per_day_palestinians,
                                     cf.deaths_per_day_israelis)])
        return self.deaths[0, r].tolist(), self.deaths[1, r].tolist()


def draw(s: Scenario, g: np.random.Generator, n: int) -> list[WarDeaths]:
    block = _Block(s, g)
    return [partial(block.row, r) for r in range(n)]


def start(st: TruceState) -> None:
    st.on_collapse.append(resume)


def resume(st: TruceState, first_day: int) -> None:
    st.start(war(st, first_day))


def war(st: TruceState, first_day: int) -> Proc:
    """After a collapse: deaths at the counterfactual (no-truce) rate."""
    env = st.env
    deaths: WarDeaths = st.draws[NAME]
    palestinians, israelis = deaths()
    yield at(env, first_day, VIOLENCE)
    for day in range(first_day, st.scenario.truce.window_days + 1):
        st.deaths_palestinians += palestinians[day]
        st.deaths_israelis += israelis[day]
        yield env.timeout(1)


def outcomes(s: Scenario) -> tuple[Outcome, ...]:
    cf = s.counterfactual
    counterfactual = s.truce.window_days * (cf.deaths_per_day_palestinians
                                            + cf.deaths_per_day_israelis)
    return (
        Outcome("deaths_averted", "number", "deaths", "Counterfactual (no-truce) deaths minus "
                "deaths, both sides, over the window",
                lambda st: scaled(counterfactual - st.deaths_palestinians - st.deaths_israelis,
                                  HUNDREDTHS), HUNDREDTHS, label="deaths averted vs no truce"),
    )


ACTOR = Actor(NAME, start, stream="war", draw=draw, outcomes=outcomes)
