"""Likelihood-free calibration of chosen parameters to a historical record (ABC-SMC).

The priors are uniform over each parameter's plausible range in the registry
(:mod:`trucesim.scenario.registry`). The summary statistics are the record's
observations, read from one replication as the backtest reads them
(:mod:`.observations`, :func:`.backtest.sample`): a cumulative count on a day, the day
of a milestone (one day past the window if it is never reached), and for how the agreed
phase ended, 1 if the replication ended that way, else 0. pyabc's adaptive distance
scales each statistic by its spread (median absolute deviation) in the current
generation, so that no observation weighs more for being counted in larger units.

One replication per particle: the record is one realisation of the truce, so the
likelihood ABC approximates is that of one replication. A mean over several would have
less noise than the record itself and would narrow the posterior too much.

pyabc keeps every generation in an SQLite database in the output directory; a second
call with the same settings continues from the last generation stored. Particles are
simulated in batches, each one block of replications spread over the project's
executors (:mod:`.batches`), and judged in order as a sequential sampler would judge
them. :mod:`.posterior` turns the
last generation into a scenario fragment and checks it against the record.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import struct
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from trucesim.analysis.backtest import sample
from trucesim.analysis.history import Record
from trucesim.analysis.observations import Quantity, quantities
from trucesim.run.engine import Chunk, Piece, run_mixed
from trucesim.run.executors import Executor
from trucesim.scenario.registry import parameters
from trucesim.scenario.schema import Scenario
from trucesim.scenario.uncertain import leaf_type, with_values

DATABASE = "abc.db"
POPULATION = 200  # particles per generation
MAX_GENERATIONS = 40
EXTRA = "pip install 'trucesim[calibrate]'"


class CalibrationError(Exception):
    """Settings that cannot be calibrated; the message is one line for the user."""


def pyabc_module() -> Any:
    """pyabc, or CalibrationError saying how to install it."""
    try:
        import pyabc
    except ImportError:
        raise CalibrationError(f"calibration needs pyabc: {EXTRA}") from None
    for name in ("ABC", "pyabc"):  # pyabc reports every generation at INFO level
        logging.getLogger(name).setLevel(logging.WARNING)
    return pyabc


def priors(scenario: Scenario, keys: Iterable[str]) -> dict[str, tuple[float, float]]:
    """Each key's plausible range from the registry (CalibrationError if it has none)."""
    known = {p.key: p for p in parameters(scenario)}
    out: dict[str, tuple[float, float]] = {}
    for key in keys:
        p = known.get(key)
        if p is None:
            raise CalibrationError(f"--vary {key}: no such parameter (see `trucesim params`)")
        if p.plausible is None or isinstance(p.value, bool) or not isinstance(
                p.value, int | float):
            raise CalibrationError(f"--vary {key}: the registry gives it no plausible range "
                                   "to draw a prior from")
        if not is_number(key):
            raise CalibrationError(f"--vary {key}: a scenario cannot give it as a "
                                   "distribution, so its posterior could not be written")
        low, high = p.plausible
        if not low < high:
            raise CalibrationError(f"--vary {key}: its plausible range is a single value")
        if key in out:
            raise CalibrationError(f"--vary {key}: given twice")
        out[key] = (low, high)
    if not out:
        raise CalibrationError("give at least one --vary KEY")
    return out


def check_ranges(scenario: Scenario, record: Record,
                 bounds: dict[str, tuple[float, float]]) -> None:
    """CalibrationError if an end of a prior makes the scenario invalid, or changes which
    of the record's observations it can produce (a shorter window, say)."""
    from pydantic import ValidationError

    from trucesim.scenario.rules import check

    names = [q.name for q in quantities(record, scenario)[0]]
    for key, ends in bounds.items():
        for end in ends:
            try:
                at = with_values(scenario, {key: end})
                broken = [m for _, m, *_ in check(at)]
            except ValidationError as exc:
                broken = [str(exc.errors()[0]["msg"])]
            if broken:
                raise CalibrationError(f"--vary {key}: at {end:g}, an end of its plausible "
                                       f"range, the scenario is invalid: {broken[0]}")
            if [q.name for q in quantities(record, at)[0]] != names:
                raise CalibrationError(f"--vary {key}: at {end:g}, an end of its plausible "
                                       "range, the scenario no longer produces the same "
                                       "observations of the record")


@dataclass(frozen=True)
class Statistic:
    """One summary statistic: the record's observation and how to read it from a run."""

    name: str
    observed: float
    quantity: Quantity


def statistics(record: Record, scenario: Scenario) -> list[Statistic]:
    """The record's observations as numbers (how the phase ended: 1 = as observed)."""
    out = []
    for q in quantities(record, scenario)[0]:
        kind = q.read[0]
        observed = 1.0 if kind == "category" else float(q.observed)
        out.append(Statistic(q.name, observed, q))
    if not out:
        raise CalibrationError(f"record {record.name}: no observation the scenario produces")
    return out


def name(i: int) -> str:
    """pyabc's name of parameter or statistic i (keys with dots stay out of its tables)."""
    return f"p{i:02d}"


def seed_of(root: int, values: Iterable[float]) -> int:
    """A replication's seed from the root seed and the parameter values (the same
    parameters give the same replication)."""
    data = struct.pack(f"<q{len(list(values))}d", root, *values)
    return int.from_bytes(hashlib.sha256(data).digest()[:8], "little") >> 1


class Noted(Exception):
    """Raised by the model while a batch's parameters are collected: what follows the
    simulation in pyabc's simulate_one (the distance, the weight) is not needed yet."""


class Model:
    """One particle: the scenario at these parameter values, one replication, the
    statistics (a picklable callable, for the executors' processes)."""

    def __init__(self, scenario: Scenario, record: Record, keys: list[str], seed: int,
                 replications: int = 1) -> None:
        self.scenario, self.keys, self.seed = scenario, keys, seed
        self.replications = replications
        self.stats = statistics(record, scenario)
        self.categories = _categories(scenario)
        self.known: dict[tuple[float, ...], dict[str, float]] = {}  # a batch's statistics
        self.noting: list[dict[str, float]] | None = None

    def values(self, pars: dict[str, float]) -> dict[str, float]:
        return {k: float(pars[name(i)]) for i, k in enumerate(self.keys)}

    def __call__(self, pars: dict[str, float]) -> dict[str, float]:
        if self.noting is not None:  # a batch's parameters being collected (.batches)
            self.noting.append(dict(pars))
            raise Noted
        found = self.known.pop(self.key(pars), None)
        if found is not None:  # simulated in a batch
            return found
        return self.batch([pars])[0]

    def key(self, pars: dict[str, float]) -> tuple[float, ...]:
        return tuple(float(pars[name(i)]) for i in range(len(self.keys)))

    def piece(self, pars: dict[str, float]) -> tuple[Scenario, int, int, int]:
        """The particle's scenario, seed and replications."""
        values = self.values(pars)
        return (with_values(self.scenario, values), seed_of(self.seed, values.values()), 0,
                self.replications)

    def batch(self, particles: Sequence[dict[str, float]]) -> list[dict[str, float]]:
        """The statistics of many particles, simulated as one block of replications: each
        the same as the particle's alone (:func:`~trucesim.run.engine.run_mixed`)."""
        chunk = Chunk.joined(run_mixed([Piece(*self.piece(pars)) for pars in particles]))
        values, daily = chunk.values, chunk.daily
        read = np.column_stack([self.read(s, values, daily) for s in self.stats])
        means = read.T.reshape(len(self.stats), len(particles), self.replications).mean(axis=2)
        return [{f"s{i:03d}": x for i, x in enumerate(row)} for row in means.T.tolist()]

    def read(self, s: Statistic, values: np.ndarray, daily: np.ndarray) -> np.ndarray:
        column = sample(s.quantity, self.scenario, values, daily)
        if s.quantity.read[0] == "category":
            return np.asarray(self.categories[column.astype(np.int64)] == s.quantity.observed,
                              dtype=np.float64)
        never = float(self.scenario.truce.window_days + 1)
        return np.where(np.isinf(column), never, column)

    def observed(self) -> dict[str, float]:
        return {f"s{i:03d}": s.observed for i, s in enumerate(self.stats)}


def _categories(scenario: Scenario) -> np.ndarray:
    from trucesim.model import actors, outcomes

    names = outcomes.category(actors.fields(scenario))[1].categories
    return np.asarray(names, dtype=object)


@dataclass(frozen=True)
class Result:
    """The last generation: particles (n, keys) and their weights, and how it went."""

    keys: list[str]
    particles: np.ndarray
    weights: np.ndarray
    generations: int
    simulations: int
    new_simulations: int
    epsilon: float | None  # the last generation's tolerance (None before the first)
    resumed: bool


def calibrate(model: Model, bounds: dict[str, tuple[float, float]], directory: Path,
              budget: int, executor: Executor, population: int = POPULATION,
              progress: Callable[[int], None] | None = None) -> Result:
    """Run ABC-SMC until `budget` simulations in all (counting earlier calls on the same
    database), continuing from the database in `directory` if it holds a run."""
    pyabc = pyabc_module()
    from pyabc.distance.scale import median_absolute_deviation

    prior = pyabc.Distribution(**{name(i): pyabc.RV("uniform", low, high - low)
                                  for i, (low, high) in enumerate(bounds.values())})

    from trucesim.analysis.batches import BatchSampler

    def simulate(count: int, simulate_one: Callable[[], Any]) -> None:
        # the batch's parameters, as simulate_one proposes them (the model only notes them)
        model.known, model.noting = {}, []
        for _ in range(count):
            with contextlib.suppress(Noted):
                simulate_one()
        particles, model.noting = model.noting, None
        # spread over the workers, whole draw blocks' worth of particles each
        size = max(64, -(-len(particles) // max(1, executor.workers)))
        parts = [particles[i:i + size] for i in range(0, len(particles), size)]
        for part, stats in zip(parts, executor.map(model.batch, parts), strict=True):
            model.known.update(zip(map(model.key, part), stats, strict=True))

    abc = pyabc.ABCSMC(model, prior,
                       pyabc.AdaptivePNormDistance(p=2,
                                                   scale_function=median_absolute_deviation),
                       population_size=population,
                       sampler=BatchSampler(simulate, model.seed, progress))
    db = f"sqlite:///{(directory / DATABASE).resolve()}"
    resumed = (directory / DATABASE).exists()
    if resumed:
        abc.load(db, 1)
    else:
        abc.new(db, model.observed())
    before = int(abc.history.total_nr_simulations) if resumed else 0
    if progress is not None:
        progress(before)
    if before < budget:
        abc.run(max_total_nr_simulations=budget, max_nr_populations=MAX_GENERATIONS)
    return _result(abc.history, list(bounds), before, resumed)


def _result(history: Any, keys: list[str], before: int, resumed: bool) -> Result:
    frame, weights = history.get_distribution(m=0, t=history.max_t)
    particles = np.column_stack([frame[name(i)].to_numpy(dtype=np.float64)
                                 for i in range(len(keys))])
    total = int(history.total_nr_simulations)
    eps = history.get_all_populations()["epsilon"].to_numpy(dtype=np.float64)
    return Result(keys, particles, np.asarray(weights, dtype=np.float64) / np.sum(weights),
                  int(history.max_t) + 1, total, total - before,
                  float(eps[-1]) if eps.size and math.isfinite(eps[-1]) else None,
                  resumed)


def is_number(key: str) -> bool:
    """Whether the scenario format takes a distribution for the key (a number field)."""
    from trucesim.scenario.toml import parse_path

    return leaf_type(parse_path(key)) in (int, float)
