"""docs/extending.md, followed word for word: a new actor in three edits (its module, its
parameters in the schema, one line in the registry) reaches every output, and every
other actor's results stay exactly the same. The test edits no module of the project:
the guide's module is written to a temporary file, its schema section builds a scenario
class, and the registry is extended for the test only."""

from __future__ import annotations

import csv
import importlib.util
import json
import re
import sys

import numpy as np
import pydantic
import pytest
from pydantic import Field

from conftest import BASE, CALM, ROOT
from trucesim.model import actors
from trucesim.model.streams import BLOCK, generator
from trucesim.run import runner
from trucesim.run.engine import run_chunk, simulate
from trucesim.run.executors import SerialExecutor
from trucesim.scenario import load
from trucesim.scenario.schema import Scenario, Section, param
from trucesim.teaching import story

GUIDE = (ROOT / "docs" / "extending.md").read_text()
MODULE, SECTION, FIELD, REGISTRY = re.findall(r"```python\n(.*?)```", GUIDE, re.S)
SEED = 4


@pytest.fixture
def fuel(tmp_path, monkeypatch):
    """The three edits of the guide; yields (the module, the scenario class)."""
    # 1. the module
    path = tmp_path / "fuel.py"
    path.write_text(MODULE)
    spec = importlib.util.spec_from_file_location("fuel_actor_from_the_guide", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    # 2. its parameters in the schema: the section, and one field of Scenario
    namespace = {"Section": Section, "param": param}
    exec(SECTION, namespace)
    section = namespace["Fuel"]
    assert FIELD.strip().startswith("fuel: Fuel = Field(default_factory=Fuel)")
    with_fuel = pydantic.create_model("Scenario", __base__=Scenario,
                                      fuel=(section, Field(default_factory=section)))
    # 3. one line in the registry, before the recorder
    assert REGISTRY.strip().startswith("fuel.ACTOR,")
    monkeypatch.setattr(actors, "ACTORS",
                        (*actors.ACTORS[:-1], module.ACTOR, actors.ACTORS[-1]))
    return module, with_fuel


def scenario(cls, *overrides):
    return cls.model_validate(load(BASE, (*CALM, *overrides)).model_dump())


def test_the_new_outcome_is_counted_as_worked_out_by_hand(fuel):
    _, cls = fuel
    s = scenario(cls)
    u = generator(SEED, 0, "fuel").random((BLOCK, 61))  # the actor's own stream
    for index in range(3):
        r = simulate(s, SEED, index).record
        # calm: no crisis, so 50 trucks on every day whose convoy is not turned back
        assert r["fuel_trucks_delivered"] == 50 * int((u[index, 1:] >= 0.05).sum())


def test_every_other_outcome_is_unchanged_by_adding_the_actor(fuel, monkeypatch):
    _, cls = fuel
    s = scenario(cls)
    fields = [f.name for f in actors.fields(s)]
    # the last count, just before the milestones (the registry lists it before the recorder)
    assert fields.index("fuel_trucks_delivered") == fields.index("extension_days") + 1
    with_fuel = run_chunk(s, SEED, 0, 100).values
    monkeypatch.setattr(actors, "ACTORS", (*actors.ACTORS[:-2], actors.ACTORS[-1]))
    without = run_chunk(s, SEED, 0, 100).values
    keep = [k for k, name in enumerate(fields) if name != "fuel_trucks_delivered"]
    assert np.array_equal(with_fuel[:, keep], without)


def test_the_new_event_is_told_in_the_story(fuel):
    module, cls = fuel
    # a dispute on day 1 against a crisis threshold of 1: a crisis from day 1
    s = scenario(cls, "handovers.dispute_probability=1", "crisis.threshold=1",
                 "crisis.resolve_below=0.5", "mediation.engage_threshold=100")
    rep = simulate(s, SEED, 0, log=True)
    halted = [e for e in rep.events if isinstance(e, module.Halted)]
    assert halted and halted[0].day == 2  # fuel moves before the mediators' day 1
    text = " ".join(line.text for e in story.tell(s, rep, SEED).entries for line in e.lines)
    assert text.count("Fuel deliveries stop while the crisis lasts.") == len(halted)
    assert rep.record["fuel_trucks_delivered"] == 50


def test_the_new_outcome_and_series_reach_the_results_files(fuel, tmp_path):
    _, cls = fuel
    s = scenario(cls)
    result = runner.run(s, SEED, 80, tmp_path, SerialExecutor())
    with (result.directory / "replications.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    delivered = [int(r["fuel_trucks_delivered"]) for r in rows]
    summary = json.loads((result.directory / "summary.json").read_text())
    assert summary["outcomes"]["fuel_trucks_delivered"]["mean"] == pytest.approx(
        np.mean(delivered), rel=1e-5)
    with (result.directory / "daily.csv").open() as handle:
        last = list(csv.DictReader(handle))[-1]
    assert float(last["fuel_trucks_delivered_mean"]) == pytest.approx(np.mean(delivered),
                                                                       rel=1e-5)
    assert "fuel_trucks_delivered" in (result.directory / "summary.md").read_text()


def test_the_new_parameters_are_validated(fuel):
    _, cls = fuel
    with pytest.raises(pydantic.ValidationError):
        cls.model_validate(load(BASE).model_dump() | {"fuel": {"trucks_per_day": -1.0}})
