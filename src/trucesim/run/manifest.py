"""manifest.json: what produced a results directory (DESIGN.md §5.7). The only builder.

A run's manifest names its scenario (files, `--set` overrides, digest and the resolved
scenario, from which reports rebuild it), the seed, the replication count, where it ran,
the versions of what computed it, the command and the wall time; a comparison's names
each scenario; a sweep's holds the sweep's identity, which decides whether a later run
may resume it. Wall time and platform live here, not in summary.json, so the same seed
gives byte-identical summaries.
"""

from __future__ import annotations

import platform
import sys
from collections.abc import Sequence
from typing import Any

from trucesim import __version__
from trucesim.run.claims import WRITER
from trucesim.scenario.load import digest, resolved
from trucesim.scenario.schema import Scenario

NOTE = "Model results under stated assumptions, not forecasts."


def command() -> str:
    return " ".join(["trucesim", *sys.argv[1:]])


def run(scenario: Scenario, seed: int, n: int, wall: float, workers: int, executor: str,
        sources: Sequence[str], overrides: Sequence[str]) -> dict[str, Any]:
    """The manifest of a run of one scenario."""
    import numpy
    import simpy

    return {
        "written_by": WRITER,
        "status": "complete",
        "scenario": scenario.name,
        "scenario_files": list(sources),
        "overrides": list(overrides),
        "scenario_digest": digest(scenario),
        "seed": seed,
        "replications": n,
        "workers": workers,
        "executor": executor,
        "trucesim_version": __version__,
        "python": sys.version.split()[0],
        "numpy": numpy.__version__,
        "simpy": simpy.__version__,
        "platform": platform.platform(),
        "command": command(),
        "wall_seconds": round(wall, 3),
        "resolved_scenario": resolved(scenario),
    }


def partial(manifest: dict[str, Any], done: int) -> dict[str, Any]:
    """The manifest of a run interrupted after `done` replications."""
    return manifest | {"status": "partial", "replications_completed": done,
                       "note": PARTIAL.format(done=done, last=done - 1,
                                              requested=manifest["replications"])}


PARTIAL = ("interrupted: the files cover replications 0 to {last} only ({done:,} of the "
           "{requested:,} asked for)")


def compare(scenarios: Sequence[Scenario], seed: int, n: int, sources: Sequence[str],
            workers: int, wall: float) -> dict[str, Any]:
    """The manifest of a paired comparison."""
    import numpy

    return {"written_by": WRITER, "status": "complete", "kind": "compare",
            "scenarios": [s.name for s in scenarios],
            "scenario_files": list(sources),
            "scenario_digests": {s.name: digest(s) for s in scenarios},
            "seed": seed, "replications": n, "workers": workers,
            "trucesim_version": __version__, "python": sys.version.split()[0],
            "numpy": numpy.__version__, "platform": platform.platform(),
            "command": command(), "wall_seconds": round(wall, 3)}


def sweep(identity: dict[str, Any], status: str) -> dict[str, Any]:
    """The manifest of a sweep: its identity and status (no times: the files are exact)."""
    return {"written_by": WRITER, "kind": "sweep", "status": status, "identity": identity,
            "note": NOTE}


def design(identity: dict[str, Any], status: str) -> dict[str, Any]:
    """The manifest of a design search: its identity (which decides whether a later run
    may resume it) and status."""
    return {"written_by": WRITER, "kind": "design", "status": status, "identity": identity,
            "note": NOTE}


def backtest(scenario: Scenario, record: str, seed: int, n: int,
             files: dict[str, str]) -> dict[str, Any]:
    """The manifest of a backtest: what was held against what, and how."""
    return {"written_by": WRITER, "status": "complete", "kind": "backtest",
            "scenario": scenario.name, "scenario_digest": digest(scenario), "record": record,
            "files": files, "seed": seed, "replications": n,
            "trucesim_version": __version__, "python": sys.version.split()[0],
            "platform": platform.platform(), "command": command(), "note": NOTE}
