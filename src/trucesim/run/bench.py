"""`trucesim bench`: how fast trucesim runs, against two references on the same machine.

Measured in one run, so that machine noise affects every side alike:

(a) bare simpy: environments whose processes do nothing but wait a day at a time, one
    per replication, shaped like a replication of an engine that gives each replication
    its own environment (six daily processes over the window, ten brief ones: about 350
    events). It says what simpy's per-event cost alone would allow such an engine;
(b) a vectorised reference: a numpy day-step toy of a truce of similar scope, all
    replications in arrays (benchmarks/vectorised_reference.py in the repository);
(c) trucesim on one worker: the whole pipeline of a run (draws, the model in blocks,
    outcome records, CSV rows, aggregation; not the disk), in replications a second;
(d) the same with all cores, and the speed-up over one worker (the median over rounds
    of each round's ratio, the two runs of a round back to back).

(a), (b) and (c) alternate for several rounds; rates are medians over rounds, and each
ratio is the median of the rounds' ratios (the parts of a round run back to back, so
machine noise mostly cancels).
"""

from __future__ import annotations

import importlib.util
import statistics
import time
from collections.abc import Callable, Generator
from dataclasses import asdict, dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import simpy

from trucesim.model import actors
from trucesim.run.engine import BLOCK_SIZE, play, replicate
from trucesim.run.executors import Executor, PoolExecutor, SerialExecutor, cpu_count
from trucesim.run.stats import Aggregate
from trucesim.scenario.schema import Scenario

DAILY, SHORT = 6, 10  # the bare workload: daily processes, and brief ones
REFERENCE = Path(__file__).resolve().parents[3] / "benchmarks" / "vectorised_reference.py"


@dataclass
class BenchResult:
    block_size: int
    events_per_block: int
    bare_events_per_replication: int
    bare_replications_per_second: float
    reference_replications_per_second: float | None
    trucesim_replications_per_second: float
    ratio_to_bare: float
    ratio_to_reference: float | None
    rounds: int
    rate_replications: int
    bare_replications: int
    scale_replications: int
    workers: int
    one_worker_replications_per_second: float
    all_workers_replications_per_second: float
    speedup: float
    scale_rounds: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _idle(env: simpy.Environment, days: int) -> Generator[simpy.Event, None, None]:
    for _ in range(days):
        yield env.timeout(1)


def bare_replication(days: int) -> int:
    """One environment of DAILY idle daily processes and SHORT brief ones; its events."""
    env = simpy.Environment()
    for _ in range(DAILY):
        env.process(_idle(env, days))
    for _ in range(SHORT):
        env.process(_idle(env, 2))
    env.run()
    return next(env._eid)


def reference() -> ModuleType | None:
    """The vectorised reference of the repository, if trucesim runs from a clone."""
    if not REFERENCE.is_file():
        return None
    spec = importlib.util.spec_from_file_location("trucesim_vectorised_reference", REFERENCE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def events_per_block(scenario: Scenario, seed: int, n: int) -> int:
    """simpy events one block of n replications schedules (its next event id)."""
    return next(play(scenario, seed, 0, n).env._eid)


def _timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def pipeline(scenario: Scenario, seed: int, n: int, executor: Executor) -> Aggregate:
    """What `trucesim run` computes, without writing files."""
    agg = Aggregate(actors.fields(scenario), actors.series(), scenario.truce.window_days + 1)
    for chunk in replicate(scenario, seed, n, executor=executor):
        agg.merge(chunk.aggregate)
    return agg


def run(scenario: Scenario, *, seed: int = 1, rate_replications: int = 20_000,
        rounds: int = 3, scale_replications: int = 200_000, scale_rounds: int = 3,
        workers: int = 0, bare_replications: int = 2000,
        progress: Callable[[str], None] | None = None) -> BenchResult:
    say = progress or (lambda _: None)
    days = scenario.truce.window_days
    toy = reference()
    bare_rates, toy_rates, our_rates, to_bare, to_toy = [], [], [], [], []
    serial = SerialExecutor()
    pipeline(scenario, seed, min(rate_replications, BLOCK_SIZE), serial)  # warm up
    for r in range(rounds):
        say(f"round {r + 1}/{rounds}: bare simpy, the vectorised reference, trucesim on "
            "one worker")
        bare_rates.append(bare_replications / _timed(
            lambda: [bare_replication(days) for _ in range(bare_replications)]))
        if toy is not None:
            toy_rates.append(toy.replications_per_second(rate_replications, seed + r))
        our_rates.append(rate_replications / _timed(
            lambda: pipeline(scenario, seed, rate_replications, serial)))
        to_bare.append(our_rates[-1] / bare_rates[-1])
        if toy is not None:
            to_toy.append(our_rates[-1] / toy_rates[-1])
    n_workers = workers or cpu_count()
    ones, manys = [], []
    for r in range(scale_rounds):
        say(f"scaling round {r + 1}/{scale_rounds}: {scale_replications:,} replications on "
            f"1 worker, then on {n_workers}")
        ones.append(scale_replications / _timed(
            lambda: pipeline(scenario, seed, scale_replications, serial)))
        manys.append(scale_replications / _timed(
            lambda: pipeline(scenario, seed, scale_replications, PoolExecutor(n_workers))))
    speedup = statistics.median(m / o for m, o in zip(manys, ones, strict=True))
    return BenchResult(
        block_size=BLOCK_SIZE,
        events_per_block=events_per_block(scenario, seed, min(BLOCK_SIZE, rate_replications)),
        bare_events_per_replication=bare_replication(days),
        bare_replications_per_second=round(statistics.median(bare_rates), 1),
        reference_replications_per_second=(round(statistics.median(toy_rates), 1)
                                           if toy_rates else None),
        trucesim_replications_per_second=round(statistics.median(our_rates), 1),
        ratio_to_bare=round(statistics.median(to_bare), 3),
        ratio_to_reference=round(statistics.median(to_toy), 3) if to_toy else None,
        rounds=rounds, rate_replications=rate_replications,
        bare_replications=bare_replications, scale_replications=scale_replications,
        workers=n_workers,
        one_worker_replications_per_second=round(statistics.median(ones), 1),
        all_workers_replications_per_second=round(statistics.median(manys), 1),
        speedup=round(speedup, 2), scale_rounds=scale_rounds,
    )
