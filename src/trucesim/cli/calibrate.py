"""`trucesim calibrate SCENARIO RECORD --vary KEY...`: fit chosen parameters to a record.

ABC-SMC (:mod:`trucesim.analysis.calibrate`) with priors from the registry's plausible
ranges; writes OUT/calibrate-<record>/: abc.db (pyabc's generations, kept so that the
same command resumes), posterior.toml (a scenario fragment of distributions),
summary.json and summary.md (narrowing per parameter, the posterior predictive check),
figures/prior-posterior.svg|png, manifest.json. The directory is written in place, as a
sweep's is: it must be absent, empty or trucesim's, and hold a calibration with the same
settings (else an error, unless --force starts afresh). Needs the `calibrate` extra.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer

from trucesim.cli.options import (
    DEFAULT_SEED,
    ForceOption,
    OutOption,
    QuietOption,
    SeedOption,
    WorkersOption,
    executor_for,
    fail,
    interrupted,
    load_all,
    progress_bar,
)

# simulations in all, one replication each: about 6 minutes on 2 busy cores for the four
# parameters of docs/calibration.md (measured there)
BUDGET = 12_000
POPULATION = 200  # particles per generation


def calibrate(
    scenario_file: Annotated[Path, typer.Argument(
        metavar="SCENARIO", help="Scenario TOML file (e.g. the historical one).")],
    record_file: Annotated[Path, typer.Argument(
        metavar="RECORD", help="Record of what happened (e.g. data/records/jan-2025.toml).")],
    vary: Annotated[list[str], typer.Option(
        "--vary", metavar="KEY", help="A parameter to calibrate (repeat for several); its prior is "
        "uniform over the registry's plausible range.")],
    budget: Annotated[int, typer.Option(
        "--budget", metavar="N", help="Simulations in all (one replication each); stops after the "
        "generation that reaches it. Rerun with a larger budget to continue.")] = BUDGET,
    population: Annotated[int, typer.Option(
        "--population", metavar="N", help="Particles per generation.")] = POPULATION,
    seed: SeedOption = DEFAULT_SEED,
    out: OutOption = Path("results"),
    workers: WorkersOption = 0,
    quiet: QuietOption = False,
    force: ForceOption = False,
) -> None:
    """Fit the --vary parameters of SCENARIO to RECORD by ABC-SMC; write the posterior as
    a scenario fragment and check it against the record (OUT/calibrate-<record>/)."""
    if budget <= 0:
        fail(f"--budget must be at least 1 simulation (got {budget})")
    if not 2 <= population <= 100_000:
        fail(f"--population must be between 2 and 100,000 (got {population})")
    from trucesim.analysis import calibrate as cal
    from trucesim.analysis import history

    try:
        cal.pyabc_module()
    except cal.CalibrationError as exc:
        fail(str(exc))
    scenario = load_all([scenario_file], None)[0]
    try:
        record = history.load(record_file)
        problems = [str(p) for p in history.stage_issues(record, scenario, record_file)]
    except history.RecordError as exc:
        problems = [str(issue) for issue in exc.issues]
    if problems:
        fail(problems)
    try:
        bounds = cal.priors(scenario, vary)
        cal.check_ranges(scenario, record, bounds)
        model = cal.Model(scenario, record, list(bounds), seed)
    except cal.CalibrationError as exc:
        fail(str(exc))
    from trucesim.scenario.load import digest

    identity = {"scenario": digest(scenario), "record": _digest(record_file),
                "vary": list(bounds), "priors": {k: list(v) for k, v in bounds.items()},
                "population": population, "replications_per_particle": 1, "seed": seed}
    directory = out / f"calibrate-{record.name}"
    _prepare(directory, identity, force)
    with executor_for(budget, workers, "auto", None) as executor, \
            interrupted("calibrate", "the generations finished so far are kept in abc.db; "
                        "run the same command again to resume"), \
            progress_bar(budget, f"calibrate {record.name}", quiet) as advance:
        if hasattr(executor, "keep"):
            executor.keep = True  # one pool for every generation
        result = cal.calibrate(model, bounds, directory, budget, executor, population,
                               advance)
        from trucesim.analysis import posterior

        ms = posterior.marginals(result.keys, bounds, result.particles, result.weights)
        check = posterior.predictive(scenario, record, ms, seed, executor)
    info = {"scenario": scenario.name, "record": record.name, "seed": seed,
            "population": population, "budget": budget, "generations": result.generations,
            "simulations": result.simulations, "epsilon": result.epsilon,
            "files": {"scenario": str(scenario_file), "record": str(record_file)}}
    data = posterior.data(ms, check, info)
    _write(directory, identity, data, posterior.fragment(
        ms, _extends(scenario_file, directory), f"{record.name}-posterior",
        f"{len(bounds)} parameters calibrated to the record {record.name} (ABC-SMC)",
        _header(data),
        _units(scenario)), result, ms)
    if not quiet:
        from trucesim.cli.console import console, markdown, say

        screen = console()  # summary.md, its tables drawn to the terminal's width
        markdown(screen, posterior.markdown(data))
        say(screen, f"Written to {directory}/" + (" (resumed)" if result.resumed else ""))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _prepare(directory: Path, identity: dict[str, Any], force: bool) -> None:
    """The directory ready to resume or start: ours and with these settings, or forced."""
    from trucesim.run.claims import NotOurs, discard
    from trucesim.run.output import prepare_directory
    from trucesim.scenario.inputs import RESULTS_BYTES, read_text

    try:
        prepare_directory(directory, force)
        manifest = directory / "manifest.json"
        if manifest.exists():
            old = json.loads(read_text(manifest, RESULTS_BYTES)).get("identity")
            if old != identity:
                differs = sorted(k for k in identity if (old or {}).get(k) != identity[k])
                if not force:
                    fail(f"{directory} holds a calibration with other settings (differs: "
                         f"{', '.join(differs) or 'all'}); choose another --out or pass "
                         "--force to start afresh")
                discard(directory)
                directory.mkdir()
        elif any(directory.iterdir()):  # a database without its manifest
            if not force:
                fail(f"{directory} holds no manifest.json; pass --force to start afresh")
            discard(directory)
            directory.mkdir()
        _manifest(directory, identity, "running")
    except NotOurs as exc:
        fail(str(exc))
    except (OSError, ValueError) as exc:
        fail(f"cannot prepare {directory}: {exc}", 1)


def _manifest(directory: Path, identity: dict[str, Any], status: str) -> None:
    from trucesim import __version__
    from trucesim.run.claims import WRITER
    from trucesim.run.output import dumps, write_text_atomic

    write_text_atomic(directory / "manifest.json", dumps(
        {"written_by": WRITER, "kind": "calibrate", "status": status, "identity": identity,
         "trucesim_version": __version__}))


def _extends(scenario_file: Path, directory: Path) -> str:
    """What the fragment extends: the scenario's own parent (so the fragment changes only
    the calibrated keys of it), or the scenario itself; relative to the directory."""
    from trucesim.scenario.toml import parse, read_source

    parent = parse(read_source(scenario_file, str(scenario_file)), str(scenario_file)).get(
        "extends")
    target = scenario_file.parent / parent if isinstance(parent, str) else scenario_file
    return Path(os.path.relpath(target.resolve(), directory.resolve())).as_posix()


def _units(scenario: Any) -> dict[str, str]:
    from trucesim.scenario.registry import parameters

    return {p.key: p.unit for p in parameters(scenario)}


def _header(data: dict[str, Any]) -> list[str]:
    keys = " ".join(f"--vary {p['key']}" for p in data["parameters"])
    files = data["files"]
    return [f"Posterior of a calibration to the record {data['record']}, written by",
            f"  trucesim calibrate {files['scenario']} {files['record']} {keys} "
            f"--budget {data['budget']} --seed {data['seed']}",
            f"(ABC-SMC, pyabc: {data['generations']} generations, {data['simulations']:,} "
            "simulations of one replication each; docs/calibration.md).",
            "Each parameter: a beta on its plausible range with the posterior's mean and sd",
            "(independent: correlations between parameters are not kept). An option for other",
            "scenarios (extends = this file), not base's defaults: it is fitted to one case.",
            "Model results under stated assumptions, not measurements.", ""]


def _write(directory: Path, identity: dict[str, Any], data: dict[str, Any], fragment: str,
           result: Any, ms: Any) -> None:
    from trucesim.analysis.posterior import markdown
    from trucesim.run.claims import NotOurs
    from trucesim.run.output import dumps, write_text_atomic

    try:
        write_text_atomic(directory / "posterior.toml", fragment)
        write_text_atomic(directory / "summary.json", dumps(data))
        write_text_atomic(directory / "summary.md", markdown(data))
        from trucesim.teaching import calibration as charts

        charts.write(charts.prior_posterior(ms, result.particles, result.weights), directory)
        _manifest(directory, identity, "complete")
    except NotOurs as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot write results to {directory}: {exc.strerror or exc}", 1)
