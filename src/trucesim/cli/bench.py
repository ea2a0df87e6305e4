"""`trucesim bench`: throughput against bare simpy, and the speed-up with all cores."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from trucesim.cli.options import WorkersOption, interrupted, load_all


def bench(
    scenario: Annotated[Path, typer.Argument(help="Scenario to time.")]
    = Path("scenarios/base.toml"),
    replications: Annotated[int, typer.Option(
        "--replications", "-n", min=10, help="Replications per timing round.")] = 2000,
    rounds: Annotated[int, typer.Option(min=1, help="Alternating rounds (medians).")] = 5,
    scale: Annotated[int, typer.Option(
        min=10, help="Replications for the one-worker vs all-workers comparison.")] = 20000,
    scale_rounds: Annotated[int, typer.Option(
        "--scale-rounds", min=1, help="Rounds of the scaling comparison (medians).")] = 3,
    workers: WorkersOption = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """Time trucesim against bare simpy on this machine, and its speed-up on all cores."""
    from trucesim.run import bench as bench_module

    (s,) = load_all([scenario], None)

    def say(text: str) -> None:
        if not as_json:
            typer.echo(text, err=True)

    with interrupted("bench"):
        result = bench_module.run(s, rate_replications=replications, rounds=rounds,
                                  scale_replications=scale, scale_rounds=scale_rounds,
                                  workers=workers, progress=say)
    if as_json:
        typer.echo(json.dumps(result.as_dict(), indent=2))
        return
    from trucesim.cli import console
    from trucesim.fmt import count

    out, r = console.console(), result
    rounds_, workers_ = count(r.rounds, "round"), count(r.workers, "worker")
    model = "compiled with mypyc" if r.compiled else "plain Python"
    console.say(out, f"a replication of {s.name}: {r.events_per_replication:,.0f} events, "
                     f"{r.processes_per_replication:.0f} processes (bare simpy workload: "
                     f"{r.bare_events_per_replication:,} events, "
                     f"{r.bare_processes_per_replication} "
                     f"processes); model: {model}")
    console.say(out, f"bare simpy:            {r.bare_events_per_second:>12,.0f} events/s")
    console.say(out, f"trucesim, 1 worker:    {r.trucesim_events_per_second:>12,.0f} events/s  "
                     f"({r.trucesim_replications_per_second:,.0f} replications/s)")
    console.say(out, f"ratio trucesim / bare: {r.ratio_trucesim_to_bare:>12.2f}  "
                     f"(medians of {rounds_} of {r.rate_replications:,} replications)")
    console.say(out, f"{r.scale_replications:,} replications: "
                     f"{r.one_worker_replications_per_second:,.0f}/s on 1 worker, "
                     f"{r.all_workers_replications_per_second:,.0f}/s on {workers_}: "
                     f"speed-up {r.speedup:.2f}x (median of {count(r.scale_rounds, 'round')})")
