"""War after a collapse, and the counterfactual: deaths at the no-truce rate (DESIGN.md §2).

Once the truce collapses, fighting resumes the next day and deaths follow the scenario's
counterfactual rates (Palestinian deaths as reported by the Gaza Health Ministry, Israeli
soldiers' deaths as reported by the IDF), with gamma day-to-day variation. The same
rates, over the whole window, give the deaths each run is compared against ("deaths
averted").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from trucesim.model.declare import HUNDREDTHS, Actor, Outcome, scaled
from trucesim.model.state import MISSING, VIOLENCE, Mask, Proc, TruceState, add, at, ints
from trucesim.model.streams import BLOCK
from trucesim.scenario.schema import Scenario

NAME = "war"


@dataclass
class WarDeaths:
    """Deaths per day at war, (side, replication, day), for consecutive replications: the
    rows lo..hi-1 of each piece's draw blocks, each drawn the first time the engine asks
    (the war stream is its own generator, so drawing it late changes no other number).
    Pieces of several parameter sets join into one block's numbers."""

    pieces: list[tuple[Scenario, list[np.random.Generator], int, int]]
    drawn: np.ndarray | None = field(default=None, repr=False)

    def rows(self, lo: int, hi: int) -> WarDeaths:
        (s, generators, first, _), = self.pieces  # rows of a single piece's blocks
        return WarDeaths([(s, generators, first + lo, first + hi)])

    @classmethod
    def join(cls, parts: Sequence[WarDeaths]) -> WarDeaths:
        """Consecutive pieces: whole draw blocks of one set, merged into one piece, or
        pieces of several sets, kept apart."""
        pieces = [piece for p in parts for piece in p.pieces]
        whole = all(lo == 0 and hi == BLOCK * len(g) for _, g, lo, hi in pieces)
        if whole and all(p[0] is pieces[0][0] for p in pieces):
            return WarDeaths([(pieces[0][0], [g for p in pieces for g in p[1]], 0,
                               BLOCK * len(pieces))])
        return WarDeaths(pieces)

    def deaths(self) -> np.ndarray:
        if self.drawn is None:
            self.drawn = np.concatenate([_drawn(*piece) for piece in self.pieces], axis=1)
        return self.drawn


def _drawn(s: Scenario, generators: list[np.random.Generator], lo: int, hi: int) -> np.ndarray:
    cf = s.counterfactual
    k, shape = cf.daily_dispersion, (BLOCK, s.truce.window_days + 1)
    out = np.empty((2, BLOCK * len(generators), shape[1]), dtype=np.int64)
    for b, g in enumerate(generators):  # each draw block's rows, drawn in place
        for side, mean in enumerate((cf.deaths_per_day_palestinians,
                                     cf.deaths_per_day_israelis)):
            out[side, b * BLOCK:(b + 1) * BLOCK] = g.poisson(mean * g.gamma(k, 1 / k, shape))
    return out[:, lo:hi]


def draw(s: Scenario, g: np.random.Generator, n: int) -> WarDeaths:
    return WarDeaths([(s, [g], 0, n)])


def start(st: TruceState) -> None:
    st.parts.war = ints(st.n, MISSING)  # the first day of war, in each replication
    st.on_collapse.append(resume)
    st.env.process(war(st))


def resume(st: TruceState, mask: Mask, first_day: int) -> None:
    st.parts.war[mask] = first_day


def war(st: TruceState) -> Proc:
    """After a collapse: deaths at the counterfactual (no-truce) rate."""
    env, since = st.env, st.parts.war
    deaths: WarDeaths = st.draws[NAME]
    for day in range(1, st.scenario.truce.window_days + 1):
        yield at(env, day, VIOLENCE)
        at_war = (since != MISSING) & (since <= day)
        if at_war.any():
            drawn = deaths.deaths()
            add(st.deaths_palestinians, drawn[0, :, day], at_war)
            add(st.deaths_israelis, drawn[1, :, day], at_war)


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
