"""A draft of a deal over the states of the world: each state's mean of every outcome.

The states are parameter sets sampled from the uncertainties' distributions exactly as
`trucesim run` samples them (:func:`trucesim.run.assumptions.plan`: a Latin hypercube,
one stream per key), K of them with R replications each. A candidate is run in every
state; state k uses replications ``starts[k]`` to ``starts[k] + R - 1`` of a run seeded
with the design's seed, whatever the candidate, so two candidates meet the same states
and the same random numbers (common random numbers): two identical candidates get
identical values, and a candidate's values do not depend on which others are evaluated
with it. All of a candidate's states run together in mixed blocks
(:func:`trucesim.run.engine.run_mixed`), which give each replication what a block of its
own state gives it. Each state starts a draw block of its own (:func:`stride`), so a
state's numbers are drawn once, not partly again by the state beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trucesim.model.streams import BLOCK
from trucesim.run.assumptions import plan
from trucesim.run.engine import Piece, run_mixed
from trucesim.run.measures import matrix, select
from trucesim.scenario.rules import check
from trucesim.scenario.schema import Scenario
from trucesim.scenario.toml import format_path
from trucesim.scenario.uncertain import with_values


@dataclass(frozen=True)
class States:
    """K states of the world: each uncertainty's value in each, and their replications."""

    keys: tuple[str, ...]
    values: np.ndarray  # (states, keys)
    starts: tuple[int, ...]  # first replication of each state
    replications: int  # in each state
    seed: int

    def __len__(self) -> int:
        return len(self.starts)


def stride(replications: int) -> int:
    """Replications between the first of one state and the next: R rounded up to whole
    draw blocks (:data:`trucesim.model.streams.BLOCK`)."""
    return -(-replications // BLOCK) * BLOCK


def sample(uncertainties: Scenario, seed: int, states: int, replications: int) -> States:
    """K states with R replications each (one state if nothing is uncertain)."""
    p = plan(uncertainties, seed, states * replications, states)
    step = stride(replications)
    return States(p.keys, p.values, tuple(range(0, step * len(p.values), step)),
                  replications, seed)  # plan gives one set if nothing is uncertain


def state_scenarios(candidate: Scenario, states: States) -> list[Scenario] | str:
    """The candidate in each state, or why it cannot be run in one (a rule broken by a
    lever together with an uncertainty, say crisis.resolve_below above the threshold)."""
    if not states.keys:
        return [candidate]
    out = []
    for k, row in enumerate(states.values):
        one = with_values(candidate, dict(zip(states.keys, row.tolist(), strict=True)))
        broken = check(one)
        if broken:
            path, message = broken[0][:2]
            return f"in state {k + 1}, {format_path(path)}: {message}"
        out.append(one)
    return out


def state_means(states: States, outcomes: tuple[str, ...],
                item: tuple[int, Scenario]) -> tuple[int, np.ndarray | str]:
    """(the item's key, each state's mean of each outcome, shape (states, outcomes)), or
    why it cannot run; the task a worker runs for one candidate."""
    key, candidate = item
    scenarios = state_scenarios(candidate, states)
    if isinstance(scenarios, str):
        return key, scenarios
    pieces = [Piece(s, states.seed, a, a + states.replications)
              for a, s in zip(states.starts, scenarios, strict=True)]
    chosen = select(candidate, outcomes)
    scales = np.array([m.scale for m in chosen], dtype=np.float64)
    means = np.empty((len(pieces), len(chosen)))
    for k, chunk in enumerate(run_mixed(pieces)):
        stored = matrix(chosen, chunk.values)
        means[k] = stored.sum(axis=0) / stored.shape[0] / scales
    return key, means
