"""pyabc's sampling of a generation, in batches of particles that the engine runs as one
block of replications each (:func:`trucesim.run.engine.run_mixed`).

pyabc's samplers propose, simulate and judge one particle at a time. A particle of a
calibration is one replication, and a block of one replication costs the engine about
as much as a hundred replications in one block. So this sampler runs pyabc's own
``simulate_one`` twice over each batch, from the same state of NumPy's global generator
(which pyabc's proposals draw from): first to learn the batch's parameters, with the
model only noting them; then, once the engine has simulated them all at once (spread
over the executor's workers), to judge them in order, exactly as a sequential sampler
would, stopping at the n-th accepted particle. The particles proposed after it are
discarded and not counted, so the sample and the count of simulations are those of a
sequential sampler.

This needs the random numbers a proposal uses not to depend on the simulated data:
true of pyabc's proposals and of the uniform acceptor a calibration uses (it draws
nothing), not of a stochastic acceptor.

Reproducible: the generator is seeded from the root seed, the generation and the call,
and a particle's simulation depends only on its parameters
(:func:`trucesim.analysis.calibrate.seed_of`), not on the batch it ran in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from pyabc.sampler import Sampler

FIRST_BATCH = 256  # proposals of a generation's first batch
MOST = 2048  # proposals in one batch at most


class BatchSampler(Sampler):  # type: ignore[misc]
    """A sampler that simulates each batch of proposals with `simulate`, which stores the
    statistics where the model pyabc calls will find them."""

    def __init__(self, simulate: Callable[[int, Callable[[], Any]], None], seed: int,
                 progress: Callable[[int], None] | None = None) -> None:
        super().__init__()
        self.simulate, self.seed, self.progress = simulate, seed, progress
        self.calls: dict[int, int] = {}

    def sample_until_n_accepted(self, n: int, simulate_one: Callable[[], Any], t: int, *,
                                max_eval: float = np.inf, all_accepted: bool = False,
                                ana_vars: Any = None) -> Any:
        call = self.calls[t] = self.calls.get(t, -1) + 1
        np.random.seed(int(np.random.SeedSequence([self.seed, t + 1, call])
                           .generate_state(1)[0]))
        sample, accepted, evaluations, batch = self._create_empty_sample(), 0, 0, FIRST_BATCH
        while accepted < n:
            state = np.random.get_state()
            self.simulate(batch, simulate_one)  # learns the batch's parameters, runs them
            np.random.set_state(state)
            before = evaluations
            for _ in range(batch):
                particle = simulate_one()
                evaluations += 1
                sample.append(particle)
                if particle.accepted:
                    accepted += 1
                    if accepted == n:
                        break
            if self.progress is not None:
                self.progress(evaluations - before)
            # the next batch: enough to finish at this generation's acceptance rate
            rate = max(accepted, 1) / evaluations
            batch = int(min(MOST, max(64, 1.2 * (n - accepted) / rate)))
        self.nr_evaluations_ = evaluations
        return sample
