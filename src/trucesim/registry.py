"""The parameter registry: every model parameter with its value, unit, source, confidence.

Built by walking the schema (:mod:`trucesim.schema`), which declares each key once with
its metadata; for a given scenario it reports the resolved values, marking those that
differ from the default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from trucesim.schema import Scenario

# lists of records (the schedule), not parameters
_SCHEDULES = {"releases", "stages"}


@dataclass(frozen=True)
class Parameter:
    key: str
    value: Any
    default: Any
    unit: str
    description: str
    source: str
    confidence: str
    plausible: tuple[float, float] | None

    @property
    def changed(self) -> bool:
        return bool(self.value != self.default)


def parameters(scenario: Scenario | None = None) -> list[Parameter]:
    """Every parameter in schema order, with `scenario`'s values (defaults if None)."""
    reference = _defaults()
    actual = scenario if scenario is not None else reference
    out: list[Parameter] = []
    _walk(actual, reference, "", out)
    return out


def _defaults() -> Scenario:
    return Scenario.model_validate({"releases": []})


def _walk(model: BaseModel, default: BaseModel, prefix: str, out: list[Parameter]) -> None:
    for name, info in type(model).model_fields.items():
        value, ref = getattr(model, name), getattr(default, name)
        if name in _SCHEDULES or name in ("name", "title", "description"):
            continue
        if isinstance(value, BaseModel):
            _walk(value, ref, f"{prefix}{name}.", out)
            continue
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        plausible = extra.get("plausible")
        meta = (str(extra.get("unit", "")), info.description or "",
                str(extra.get("source", "")), str(extra.get("confidence", "")))
        if isinstance(value, dict):
            for key, item in value.items():
                out.append(Parameter(f"{prefix}{name}.{key}", item, ref.get(key), *meta, None))
            continue
        bounds = None
        if isinstance(plausible, list):
            low, high = (float(str(v)) for v in plausible)
            bounds = (low, high)
        out.append(Parameter(f"{prefix}{name}", value, ref, *meta, bounds))
