"""`trucesim bench`: throughput against bare simpy and a vectorised numpy reference, and
the speed-up with all cores."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from trucesim.cli.options import WorkersOption, interrupted, load_all

if TYPE_CHECKING:
    from trucesim.run.bench import BenchResult as bench_module_type


def bench(
    scenario: Annotated[Path, typer.Argument(help="Scenario to time.", metavar="[SCENARIO]")]
    = Path("scenarios/base.toml"),
    replications: Annotated[int, typer.Option(
        "--replications", "-n", min=10, metavar="N",
        help="Replications per timing round (trucesim and the vectorised reference).")]
    = 20_000,
    rounds: Annotated[int, typer.Option(min=1, metavar="R",
                                        help="Alternating rounds (medians).")] = 3,
    scale: Annotated[int, typer.Option(
        min=10, metavar="N",
        help="Replications for the one-worker vs all-workers comparison.")] = 200_000,
    scale_rounds: Annotated[int, typer.Option(
        "--scale-rounds", min=1, metavar="R",
        help="Rounds of the scaling comparison (medians).")] = 3,
    workers: WorkersOption = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """Time trucesim against bare simpy and a vectorised numpy reference on this machine,
    and its speed-up on all cores."""
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
    for line in report(s.name, result):
        typer.echo(line)


def report(name: str, r: bench_module_type) -> list[str]:
    """The bench's result in a few lines that fit 80 columns."""
    toy = ("not found (it ships in the repository's benchmarks/)"
           if r.reference_replications_per_second is None else
           f"{r.reference_replications_per_second:>9,.0f} replications/s")
    lines = [
        f"{name}: blocks of {r.block_size:,} replications, {r.events_per_block:,} simpy "
        "events each",
        f"bare simpy ({r.bare_events_per_replication} events/replication): "
        f"{r.bare_replications_per_second:>9,.0f} replications/s",
        f"vectorised numpy reference:    {toy}",
        f"trucesim, 1 worker:            {r.trucesim_replications_per_second:>9,.0f} "
        "replications/s",
        f"ratio to bare simpy {r.ratio_to_bare:.2f}"
        + ("" if r.ratio_to_reference is None else
           f", to the vectorised reference {r.ratio_to_reference:.2f}")
        + f" (medians of {r.rounds} rounds)",
        f"{r.scale_replications:,} replications: "
        f"{r.one_worker_replications_per_second:,.0f}/s on 1 worker, "
        f"{r.all_workers_replications_per_second:,.0f}/s on {r.workers}: "
        f"{r.speedup:.2f}x",
    ]
    return lines
