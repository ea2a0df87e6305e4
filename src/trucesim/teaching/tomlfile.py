"""A scenario written back as a TOML file that `extends` its reference: only what differs.

The classroom's "download this scenario" button: the student's version becomes a file
that names the reference file in ``extends`` and states the keys that differ, so it reads
as the change it is and loads to exactly the scenario on the page (a test checks the
digest). Tables merge key by key, so a changed value is written alone under its table;
arrays (the handover schedule, the withdrawal stages) and value tables (ratios by
category) replace the reference's whole, so they are written whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from trucesim.scenario.load import VALUE_TABLES, resolved
from trucesim.scenario.schema import Scenario

BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def quote(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def key(name: str) -> str:
    return name if BARE.match(name) else quote(name)


def value(x: Any) -> str:
    """A TOML value (None, which TOML lacks, never reaches here)."""
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, str):
        return quote(x)
    if isinstance(x, float):
        return repr(x)
    if isinstance(x, int):
        return str(x)
    if isinstance(x, dict):
        return "{" + ", ".join(f"{key(k)} = {value(v)}" for k, v in x.items()
                               if v is not None) + "}"
    if isinstance(x, list | tuple):
        return "[" + ", ".join(value(v) for v in x) + "]"
    raise TypeError(f"no TOML for {x!r}")


def _table_lines(path: tuple[str, ...], data: dict[str, Any]) -> list[str]:
    """`key = value` lines; None (no TOML for it) and empty tables (the default) left out."""
    return [f"{key(k)} = {value(v)}" for k, v in data.items() if v is not None and v != {}]


def _changes(path: tuple[str, ...], new: dict[str, Any],
             old: dict[str, Any]) -> Iterator[tuple[tuple[str, ...], str, Any]]:
    """(table path, kind, content) for every part of `new` that differs from `old`:
    kind 'keys' (a dict of changed scalar keys), 'table' (a value table, whole) or
    'array' (an array of tables, whole)."""
    scalars = {}
    for k, v in new.items():
        here = (*path, k)
        if v == old.get(k):
            continue
        if isinstance(v, dict) and here not in VALUE_TABLES:
            yield from _changes(here, v, old.get(k) or {})
        elif isinstance(v, dict):
            yield here, "table", v
        elif isinstance(v, list) and v and all(isinstance(i, dict) for i in v):
            yield here, "array", v
        else:
            scalars[k] = v
    if scalars:
        yield path, "keys", scalars


def scenario_toml(current: Scenario, reference: Scenario, extends: str,
                  header: str = "") -> str:
    """`current` as a file extending `extends` (the reference's file name)."""
    new, old = resolved(current), resolved(reference)
    lines = [f"# {line}".rstrip() for line in header.splitlines()]
    lines += [f"extends = {quote(extends)}", ""]
    top = {k: new[k] for k in ("name", "title", "description") if new.get(k) != old.get(k)}
    lines += _table_lines((), top)
    rest = {k: v for k, v in new.items() if k not in top}
    blocks = sorted(_changes((), rest, old), key=lambda c: c[1] == "array")
    for path, kind, content in blocks:
        if kind == "keys" and not path:
            lines += _table_lines((), content)
            continue
        name = ".".join(key(p) for p in path)
        if kind == "array":
            for item in content:
                lines += ["", f"[[{name}]]", *_table_lines(path, item)]
        else:
            lines += ["", f"[{name}]", *_table_lines(path, content)]
    return "\n".join(lines).strip("\n") + "\n"
