"""The parameter registry covers every key of the schema with its metadata."""

from __future__ import annotations

from conftest import BASE, base
from trucesim.scenario import load, registry


def test_every_parameter_has_a_unit_and_a_meaning():
    params = registry.parameters()
    assert len(params) > 60
    for p in params:
        assert p.unit and p.description and p.confidence, p.key


def test_registry_reports_a_scenarios_values_and_what_changed():
    weak = {p.key: p for p in registry.parameters(load(BASE.parent / "weak-mediation.toml"))}
    assert weak["mediation.response_delay_days"].value == 3
    assert weak["mediation.response_delay_days"].changed
    assert not weak["aid.trucks_per_day_agreed"].changed
    assert weak["violations.palestinian_groups.incidents_per_day"].default == 0.1
    assert weak["exchange.prisoners_per_living_hostage.gaza_detainees"].value == 111.1


def test_base_changes_no_default():
    assert [p.key for p in registry.parameters(base()) if p.changed] == []
