"""The parameter registry: every model parameter with its value, unit, source, confidence.

Built by walking the schema (:mod:`trucesim.scenario.schema`), which declares each key once with
its metadata (unit, meaning, plausible range, the source of the default and a confidence
label: agreed text, reported, estimate, assumption). For a given scenario it reports the
resolved values, marks those that differ from the default, and attaches the source the
scenario file itself gives for the key: the comment after '#' on the line that sets it,
in the file of the `extends` chain that wrote it last (or the `--set` that overrode it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from trucesim.scenario import toml
from trucesim.scenario.schema import Scenario

# lists of records (the schedule), not parameters
_SCHEDULES = {"releases", "stages", "conditions", "uncertain"}
# what the scenario and its texts are called, not parameters of the model ([names]: what
# the sides, the territory and the mediators are called)
_LABELS = {"name", "title", "description", "names"}
CONFIDENCES = ("agreed text", "reported", "estimate", "assumption")


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
    note: str = ""  # the scenario file's own source for this key (its trailing comment)
    distribution: str = ""  # the distribution it is given as, if uncertain (value: its mean)
    off: bool = False  # a term added later that does nothing at its default (param(off=))

    @property
    def changed(self) -> bool:
        return bool(self.value != self.default or self.distribution)

    @property
    def implausible(self) -> bool:
        """A number outside the range a user should normally stay in."""
        if self.plausible is None or not isinstance(self.value, int | float):
            return False
        low, high = self.plausible
        return not low <= float(self.value) <= high


def parameters(scenario: Scenario | None = None,
               notes: dict[str, str] | None = None) -> list[Parameter]:
    """Every parameter in schema order, with `scenario`'s values (defaults if None)."""
    reference = _defaults(type(scenario) if scenario is not None else Scenario)
    actual = scenario if scenario is not None else reference
    out: list[Parameter] = []
    _walk(actual, reference, "", out, {}, notes or {})
    dists = {u.key: u.dist.describe() for u in actual.uncertain}
    return [replace(p, distribution=dists[p.key]) if p.key in dists else p for p in out]


def _defaults(cls: type[Scenario]) -> Scenario:
    return cls.model_validate({"releases": []})


def _walk(model: BaseModel, default: BaseModel, prefix: str, out: list[Parameter],
          provenance: dict[str, Any], notes: dict[str, str]) -> None:
    for name, info in type(model).model_fields.items():
        value, ref = getattr(model, name), getattr(default, name)
        if name in _SCHEDULES or name in _LABELS:
            continue
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        if isinstance(value, BaseModel):
            inner = extra.get("provenance")
            _walk(value, ref, f"{prefix}{name}.", out,
                  inner if isinstance(inner, dict) else {}, notes)
            continue
        source, confidence = str(extra.get("source", "")), str(extra.get("confidence", ""))
        if name in provenance:
            source, confidence = (str(v) for v in provenance[name])
        plausible = extra.get("plausible")
        bounds = None
        if isinstance(plausible, list):
            low, high = (float(str(v)) for v in plausible)
            bounds = (low, high)
        meta = (str(extra.get("unit", "")), info.description or "", source, confidence,
                bounds)
        key = f"{prefix}{name}"
        if isinstance(value, dict):
            for item in sorted(set(value) | set(ref), key=[*value, *ref].index):
                out.append(Parameter(f"{key}.{item}", value.get(item), ref.get(item), *meta,
                                     notes.get(f"{key}.{item}", notes.get(key, "")),
                                     off=bool(extra.get("off"))))
            continue
        out.append(Parameter(key, value, ref, *meta, notes.get(key, ""),
                             off=bool(extra.get("off"))))


def notes(path: str | Path, overrides: Iterable[str] = ()) -> dict[str, str]:
    """Each key's source as the scenario file states it: the trailing comment of the line
    that sets it, from the file that wrote it last in the `extends` chain; `--set K=V`
    overrides are noted as such. Keys are dotted paths (`aid.closure_days`)."""
    raw = toml.read(Path(path))
    out: dict[str, str] = {}
    for layer in reversed(raw.layers):  # parent first, so the child's comment wins
        lines = toml.read_source(Path(layer.file), layer.file).splitlines()
        for key_path, number in layer.lines.items():
            if number is not None and not any(isinstance(p, int) for p in key_path):
                out[toml.format_path(key_path)] = comment(lines[number - 1])
    for text in overrides:
        key, _, _ = text.partition("=")
        out[key.strip()] = f"--set {text}"
    return out


def comment(line: str) -> str:
    """The text after '#' on a TOML line, ignoring '#' inside strings."""
    quote = ""
    i = 0
    while i < len(line):
        ch = line[i]
        if quote:
            if ch == "\\" and quote == '"':
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            return line[i + 1:].strip()
        i += 1
    return ""


def fmt_value(value: Any) -> str:
    if value is None:  # a category the scenario does not have
        return "not used"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
