"""A comparison that keeps its runs, so that its report has every section.

`trucesim compare` keeps only the paired totals. With ``--report`` it calls
:func:`compare_with_runs` instead: each scenario is run with the same seed into its own
results directory *inside* the comparison's (``OUT/compare-A-vs-B/A/``, ``.../B/``), the
comparison is computed from those runs' files (:func:`trucesim.analysis.compare.
from_runs`, the pipeline ``trucesim report A B`` uses) and written beside them. The
numbers are the same as without ``--report`` (the totals are exact integers either way);
the whole directory is moved into place at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

from trucesim.analysis import compare, tables
from trucesim.analysis.compare import Comparison
from trucesim.run import runner
from trucesim.run.executors import Executor
from trucesim.run.output import ResultsDir
from trucesim.run.results import load_run
from trucesim.scenario.schema import Scenario


def compare_with_runs(scenarios: Sequence[Scenario], seed: int, n: int, out: Path,
                      executor: Executor, sources: Sequence[str],
                      progress: Callable[[int], None] | None = None, force: bool = False,
                      parameter_sets: int | None = None) -> tuple[Comparison, Path, float]:
    """Run and compare `scenarios`; return the comparison, its directory and wall time.
    An earlier directory there is replaced only if trucesim wrote it (or `force`)."""
    started = time.perf_counter()
    names = [s.name for s in scenarios]
    with ResultsDir(out / tables.directory_name(names), force) as results:
        runs = []
        for k, scenario in enumerate(scenarios):
            own = [sources[k]] if k < len(sources) else []
            done = runner.run(scenario, seed, n, results.tmp, executor, sources=own,
                              progress=progress, parameter_sets=parameter_sets)
            runs.append(load_run(done.directory))
        c = compare.from_runs(runs)
        wall = time.perf_counter() - started
        results.text("differences.csv", tables.differences_csv(c))
        results.text("compare.md", tables.markdown(c, scenarios))
        results.json("manifest.json", tables.compare_manifest(c, scenarios, sources,
                                                              executor.workers, wall))
        return c, results.commit(), wall
