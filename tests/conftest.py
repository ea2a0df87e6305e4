"""Shared helpers: the shipped scenarios, and small variants of base built with --set."""

from __future__ import annotations

from pathlib import Path

import pytest

from trucesim.scenario import load
from trucesim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
BASE = SCENARIOS / "base.toml"
SHIPPED = sorted(SCENARIOS.glob("*.toml"))

# base with nothing left to chance in the schedule: no incidents, slips or disputes
CALM = (
    "violations.israeli_forces.incidents_per_day=0",
    "violations.palestinian_groups.incidents_per_day=0",
    "handovers.slip_probability=0",
    "handovers.dispute_probability=0",
)


def base(*overrides: str) -> Scenario:
    return load(BASE, overrides)


def calm(*overrides: str) -> Scenario:
    return load(BASE, (*CALM, *overrides))


@pytest.fixture
def write(tmp_path: Path):
    """Write a scenario file next to a copy of base.toml; return its path."""
    (tmp_path / "base.toml").write_text(BASE.read_text())

    def _write(text: str, name: str = "variant.toml") -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path

    return _write


def pytest_terminal_summary(terminalreporter):
    """The fuzz and fault suite's tally (tests/attack.py), when any of it ran."""
    from attack import TALLY, summary

    if TALLY["inputs"]:
        terminalreporter.write_line(summary())
