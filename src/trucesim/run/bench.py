"""`trucesim bench`: how fast trucesim runs, against bare simpy on the same machine.

Measured in one run, so that machine noise affects both sides alike:

(a) bare simpy: environments whose processes do nothing but wait a day at a time, with
    as many processes and events per environment as a base replication (six live all
    window long like the model's daily actors, the rest for a few events, like its
    handovers and exchanges);
(b) trucesim on one worker: the whole pipeline of a run (draws, the model, outcome
    records, CSV rows, aggregation; not the disk), in replications and events a second;
(c) the same with all cores, and the speed-up over one worker (the median over rounds
    of each round's ratio, the two runs of a round back to back).

(a) and (b) alternate for several rounds; rates are medians over rounds, and the ratio
of events a second, trucesim over bare simpy, is the median of each round's ratio (the
two halves of a round run back to back, so machine noise mostly cancels). It says how
much the model's own work costs on top of simpy's event handling.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Generator
from dataclasses import asdict, dataclass
from typing import Any

import simpy

from trucesim.model import COMPILED, actors
from trucesim.model.streams import block_of, draw_block
from trucesim.run.engine import play, replicate
from trucesim.run.executors import Executor, PoolExecutor, SerialExecutor, cpu_count
from trucesim.run.stats import Aggregate
from trucesim.scenario.schema import Scenario


@dataclass
class BenchResult:
    events_per_replication: float
    processes_per_replication: float
    bare_events_per_replication: int
    bare_processes_per_replication: int
    bare_events_per_second: float
    trucesim_replications_per_second: float
    trucesim_events_per_second: float
    ratio_trucesim_to_bare: float
    rounds: int
    rate_replications: int
    scale_replications: int
    workers: int
    one_worker_replications_per_second: float
    all_workers_replications_per_second: float
    speedup: float
    scale_rounds: int
    compiled: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Shape:
    """The size of a replication in simpy's terms: events scheduled, processes started."""

    events: float
    processes: float


def replication_shape(scenario: Scenario, seed: int, n: int = 200) -> Shape:
    """Mean events and processes of a replication (simpy numbers every event it schedules)."""
    events = processes = 0
    for index in range(n):
        block, row = block_of(index)
        if row == 0 or index == 0:
            draws = draw_block(scenario, seed, block, actors.ACTORS)
        st = play(scenario, seed, index, draws=draws[row])
        events += next(st.env._eid)  # the id the next event would get = events so far
        processes += len(st.processes)
    return Shape(events / n, processes / n)


DAILY = 6  # long-lived processes: the daily actors; the others live a few events each


def _idle(env: simpy.Environment, days: int) -> Generator[simpy.Event, None, None]:
    for _ in range(days):
        yield env.timeout(1)


def bare_replication(short: int, days: int) -> int:
    """One environment of DAILY idle daily processes and `short` brief ones; its events."""
    env = simpy.Environment()
    for _ in range(DAILY):
        env.process(_idle(env, days))
    for _ in range(short):
        env.process(_idle(env, 2))
    env.run()
    return next(env._eid)


def bare_shape(shape: Shape) -> tuple[int, int]:
    """A bare workload with the replication's processes and (about) its events.

    Each process schedules its start and its end besides its timeouts; the brief ones
    wait twice, the daily ones share the rest of the events.
    """
    short = max(0, round(shape.processes) - DAILY)
    days = max(1, round((shape.events - 4 * short) / DAILY) - 2)
    return short, days


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


def run(scenario: Scenario, *, seed: int = 1, rate_replications: int = 2000, rounds: int = 5,
        scale_replications: int = 20000, scale_rounds: int = 3, workers: int = 0,
        progress: Callable[[str], None] | None = None) -> BenchResult:
    say = progress or (lambda _: None)
    shape = replication_shape(scenario, seed)
    events = shape.events
    short, days = bare_shape(shape)
    bare_events = bare_replication(short, days)
    bare_rates, our_rates, ratios = [], [], []
    serial = SerialExecutor()
    for r in range(rounds):
        say(f"round {r + 1}/{rounds}: bare simpy, then trucesim on one worker")
        seconds = _timed(lambda: [bare_replication(short, days)
                                  for _ in range(rate_replications)])
        bare_rates.append(rate_replications * bare_events / seconds)
        seconds = _timed(lambda: pipeline(scenario, seed, rate_replications, serial))
        our_rates.append(rate_replications / seconds)
        # each round's pair ran back to back: their ratio is steadier than either rate
        ratios.append(our_rates[-1] * events / bare_rates[-1])
    reps_per_second = statistics.median(our_rates)
    bare_per_second = statistics.median(bare_rates)
    n_workers = workers or cpu_count()
    ones, manys = [], []
    for r in range(scale_rounds):
        say(f"scaling round {r + 1}/{scale_rounds}: {scale_replications:,} replications on "
            f"1 worker, then on {n_workers}")
        ones.append(scale_replications / _timed(
            lambda: pipeline(scenario, seed, scale_replications, serial)))
        manys.append(scale_replications / _timed(
            lambda: pipeline(scenario, seed, scale_replications, PoolExecutor(n_workers))))
    one, many = statistics.median(ones), statistics.median(manys)
    speedup = statistics.median(m / o for m, o in zip(manys, ones, strict=True))
    return BenchResult(
        events_per_replication=round(events, 1),
        processes_per_replication=round(shape.processes, 1),
        bare_events_per_replication=bare_events, bare_processes_per_replication=DAILY + short,
        bare_events_per_second=round(bare_per_second),
        trucesim_replications_per_second=round(reps_per_second, 1),
        trucesim_events_per_second=round(reps_per_second * events),
        ratio_trucesim_to_bare=round(statistics.median(ratios), 3),
        rounds=rounds, rate_replications=rate_replications,
        scale_replications=scale_replications, workers=n_workers,
        one_worker_replications_per_second=round(one, 1),
        all_workers_replications_per_second=round(many, 1), speedup=round(speedup, 2),
        scale_rounds=scale_rounds,
        compiled=COMPILED,
    )
