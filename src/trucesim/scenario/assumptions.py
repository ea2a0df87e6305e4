"""What a scenario assumes: the keys two scenarios differ in (`trucesim diff`), and the
account of a run's assumptions at the end of its summary.md.

Differences are taken key by key, after `extends` is resolved.

Both scenarios are compared as fully resolved data (every default filled in), so a key a
variant restates with its parent's value is not a difference, and one it inherits
unchanged is not either. The schedule is compared entry by entry (`releases[1].day`,
`withdrawal.stages[0].share`); an entry only one side has shows as absent on the other.
The scenario's own labels (name, title, description) are not assumptions and are left out.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from trucesim.fmt import md
from trucesim.scenario import toml
from trucesim.scenario.load import resolved
from trucesim.scenario.registry import fmt_value, notes, parameters
from trucesim.scenario.schema import Scenario
from trucesim.scenario.toml import format_path

LABELS = ("name", "title", "description")
ABSENT = "(absent)"


def flatten(data: Any, prefix: tuple[str | int, ...] = ()) -> dict[str, Any]:
    """Nested tables and lists -> {'releases[1].day': 7, ...}, leaves only."""
    out: dict[str, Any] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            out |= flatten(value, (*prefix, key))
    elif isinstance(data, list) and data and all(isinstance(v, dict) for v in data):
        for index, value in enumerate(data):
            out |= flatten(value, (*prefix, index))
    else:
        out[format_path(prefix)] = data
    return out


def differences(a: Scenario, b: Scenario) -> list[tuple[str, str, str]]:
    """(key, A's value, B's value) for every key whose resolved values differ."""
    flat_a, flat_b = flatten(resolved(a)), flatten(resolved(b))
    keys = list(flat_a) + [k for k in flat_b if k not in flat_a]
    out = []
    for key in keys:
        if key in LABELS:
            continue
        va, vb = flat_a.get(key, ABSENT), flat_b.get(key, ABSENT)
        if va != vb:
            out.append((key, show(va), show(vb)))
    return out


def show(value: Any) -> str:
    """A value as it would be written in a scenario file (TOML-like)."""
    if value is ABSENT:
        return "(absent)"
    if value is None:
        return "(not set)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(show(v) for v in value) + "]"
    return repr(value)


def render(rows: list[tuple[str, str, str]], label_a: str, label_b: str) -> str:
    """Aligned columns: key, A's value, B's value (with a header naming both)."""
    if not rows:
        return "no assumptions differ\n"
    table = [("key", label_a, label_b), *rows]
    widths = [max(len(r[c]) for r in table) for c in range(2)]
    lines = [f"{k:<{widths[0]}}  {va:<{widths[1]}}  {vb}".rstrip() for k, va, vb in table]
    return "\n".join(lines) + "\n"


def assumptions_markdown(scenario: Scenario, files: Sequence[str] = (),
                         overrides: Sequence[str] = ()) -> str:
    """summary.md's account of what a run assumed: the values that differ from the
    defaults, then every parameter whose default is an assumption, with the value used."""
    found: dict[str, str] = {}
    if files:
        try:
            found = notes(files[0], overrides)
        except (OSError, toml.SourceError):
            found = {}
    params = parameters(scenario, found)
    changed = [p for p in params if p.changed]
    lines = ["## Assumptions this run used", "",
             "The parameter registry (`trucesim params` prints it in full). Confidence of "
             "a default: agreed text, reported, estimate, or assumption (no source gives it).",
             "", f"### Values that differ from the defaults ({len(changed)})", ""]
    if changed:
        lines += ["| key | value | default | unit | source given in the scenario |",
                  "|---|---|---|---|---|"]
        lines += [f"| `{p.key}` | {fmt_value(p.value)} | {fmt_value(p.default)} | {p.unit} | "
                  f"{md(p.note) if p.note else 'not stated'} |" for p in changed]
    else:
        lines.append("None: every parameter has its default value.")
    assumed = [p for p in params if p.confidence == "assumption"]
    lines += ["", f"### Parameters whose default is an assumption ({len(assumed)})", "",
              "| key | value used | unit | plausible range |", "|---|---|---|---|"]
    for p in assumed:
        span = "" if p.plausible is None else f"{p.plausible[0]:g} to {p.plausible[1]:g}"
        mark = " (changed)" if p.changed else ""
        lines.append(f"| `{p.key}` | {fmt_value(p.value)}{mark} | {p.unit} | {span} |")
    return "\n".join(lines)
