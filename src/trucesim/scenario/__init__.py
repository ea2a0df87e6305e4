"""Scenarios: TOML files read, merged (`extends`, `--set`), validated into frozen objects.

- :mod:`.schema` (with :mod:`.deal`, :mod:`.behaviour`, :mod:`.section`): every key with
  its unit, default, bounds and source;
- :mod:`.toml`: reading files, `extends`, `--set`, the line each key is written on;
- :mod:`.load` (with :mod:`.rules`): validation, and errors naming the key path and line;
- :mod:`.registry`: the parameters with their provenance (`trucesim params`);
- :mod:`.assumptions`: what two scenarios differ in, and what a run assumed;
- :mod:`.docgen`: docs/scenario-format.md, generated from the schema.

The lowest layer: nothing here imports the model, runs, analysis or teaching.
"""

from trucesim.scenario.load import Issue, ScenarioError, digest, load, resolved
from trucesim.scenario.schema import Scenario

__all__ = ["Issue", "Scenario", "ScenarioError", "digest", "load", "resolved"]
