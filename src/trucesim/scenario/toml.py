"""Scenario files as raw TOML: reading, `extends` inheritance, `--set` overrides, and
finding the line a key is written on, so that errors can point at it.

Nothing here knows what a valid scenario is; :mod:`trucesim.scenario` does.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trucesim.scenario.inputs import EXTENDS_DEPTH, SCENARIO_BYTES, read_text

KeyPath = tuple[str | int, ...]


def format_path(path: Sequence[str | int]) -> str:
    """('releases', 2, 'day') -> 'releases[2].day'."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def toml_value(x: Any) -> str:
    """A value as TOML writes it (and `--set` reads it)."""
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, str):
        return '"' + x.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(x, float):
        return repr(round(x, 10))
    return str(x)


_PATH_PART = re.compile(r"([A-Za-z0-9_-]+)|\[(\d+)\]")


def parse_path(text: str) -> KeyPath:
    """'releases[2].day' -> ('releases', 2, 'day'); ValueError if malformed."""
    parts: list[str | int] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        if text[pos] == "." and parts and pos + 1 < len(text):
            pos += 1
        m = _PATH_PART.match(text, pos)
        if not m:
            raise ValueError(f"malformed key path {text!r}")
        parts.append(m.group(1) if m.group(1) is not None else int(m.group(2)))
        pos = m.end()
    if not parts or not isinstance(parts[0], str):
        raise ValueError(f"malformed key path {text!r}")
    return tuple(parts)


class SourceError(Exception):
    """A file that cannot be read or parsed; `line` when the parser gives one."""

    def __init__(self, file: str, message: str, line: int | None = None,
                 path: KeyPath = ()) -> None:
        super().__init__(message)
        self.file, self.message, self.line, self.path = file, message, line, path


@dataclass
class Layer:
    """One file (or the command line) contributing keys to a resolved scenario."""

    file: str
    data: dict[str, Any]
    lines: dict[KeyPath, int | None] = field(default_factory=dict)


@dataclass
class RawScenario:
    """A scenario as merged TOML data, with the layers it came from (child first)."""

    data: dict[str, Any]
    layers: list[Layer]

    def locate(self, path: KeyPath) -> tuple[str, int | None, int]:
        """The file (and line) that wrote the deepest part of `path`, and its layer."""
        for depth in range(len(path), 0, -1):
            prefix = tuple(path[:depth])
            for index, layer in enumerate(self.layers):
                if prefix in layer.lines:
                    return layer.file, layer.lines[prefix], index
                if has(layer.data, prefix):  # written inline: the line of its enclosing key
                    return layer.file, _nearest_line(layer, prefix), index
        return self.layers[0].file, None, len(self.layers)


def _nearest_line(layer: Layer, path: KeyPath) -> int | None:
    """The line of the deepest part of `path` that `layer` records a line for."""
    for depth in range(len(path) - 1, 0, -1):
        line = layer.lines.get(tuple(path[:depth]))
        if line is not None:
            return line
    return None


_ABSENT = object()


def get(data: Any, path: KeyPath, default: Any = None) -> Any:
    """The value nested dicts and lists hold at `path`, or `default`."""
    for part in path:
        if isinstance(part, int):
            if not isinstance(data, list) or part >= len(data):
                return default
        elif not isinstance(data, dict) or part not in data:
            return default
        data = data[part]
    return data


def has(data: Any, path: KeyPath) -> bool:
    """Whether nested dicts and lists hold a value at `path`."""
    return get(data, path, _ABSENT) is not _ABSENT


_TOML_LINE = re.compile(r"at line (\d+)")


def read_source(path: Path, shown: str, limit: int = SCENARIO_BYTES) -> str:
    """A scenario or record file's text; SourceError if it cannot be read as one."""
    try:
        return read_text(path, limit)
    except FileNotFoundError:
        raise SourceError(shown, "file not found") from None
    except OSError as exc:
        raise SourceError(shown, f"cannot read file: {exc.strerror or exc}") from None


def parse(text: str, shown: str) -> dict[str, Any]:
    """TOML text as data; SourceError (with the line) if it is not valid TOML."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = _TOML_LINE.search(str(exc))
        raise SourceError(shown, f"TOML syntax error: {exc}",
                          int(m.group(1)) if m else None) from None
    except RecursionError:
        raise SourceError(shown, "TOML syntax error: arrays or tables nested too deeply") \
            from None


def read_file(path: Path) -> tuple[dict[str, Any], dict[KeyPath, int | None]]:
    """A single TOML input file (a record, a design: no `extends`) as data, and the line
    each key is written on; SourceError if it cannot be read or parsed."""
    text = read_source(path, str(path))
    return parse(text, str(path)), key_lines(text)


def read(path: Path, _seen: tuple[Path, ...] = (),
         whole: frozenset[KeyPath] = frozenset()) -> RawScenario:
    """Read a scenario file and the files it `extends`, merged child-over-parent.

    Tables at the key paths in `whole` (tables that are values, such as a mapping of
    categories to ratios) are replaced whole by a child that states them, like arrays.
    """
    shown = str(path)
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError) as exc:  # a symlink loop
        raise SourceError(shown, f"cannot read file: {exc}") from None
    if resolved in _seen:
        chain = " -> ".join(p.name for p in (*_seen, resolved))
        raise SourceError(shown, f"'extends' forms a cycle: {chain}", path=("extends",))
    if len(_seen) >= EXTENDS_DEPTH:
        raise SourceError(shown, f"'extends' chains more than {EXTENDS_DEPTH} files",
                          path=("extends",))
    text = read_source(path, shown)
    data = parse(text, shown)
    layer = Layer(shown, data, key_lines(text))
    parent_name = data.pop("extends", None)
    if parent_name is None:
        data.setdefault("name", path.stem)
        return RawScenario(data, [layer])
    if not isinstance(parent_name, str):
        raise SourceError(shown, "'extends' must be a file name (a string)",
                          layer.lines.get(("extends",)), ("extends",))
    parent = read(path.parent / parent_name, (*_seen, resolved), whole)
    merged = merge(parent.data, data, whole)
    merged["name"] = data.get("name", path.stem)
    return RawScenario(merged, [layer, *parent.layers])


def merge(base: Mapping[str, Any], child: Mapping[str, Any],
          whole: frozenset[KeyPath] = frozenset(), _at: KeyPath = ()) -> dict[str, Any]:
    """Tables merge key by key; any other value (arrays included), and tables at the key
    paths in `whole`, replace the base's."""
    out = dict(base)
    for key, value in child.items():
        if (isinstance(value, dict) and isinstance(out.get(key), dict)
                and (*_at, key) not in whole):
            out[key] = merge(out[key], value, whole, (*_at, key))
        else:
            out[key] = value
    return out


def parse_override(text: str) -> tuple[KeyPath, Any]:
    """'releases[0].living=6' -> (('releases', 0, 'living'), 6); values are TOML."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise ValueError(f"--set expects KEY=VALUE, got {text!r}")
    path = parse_path(key)
    try:
        parsed = tomllib.loads(f"v = {value.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        parsed = value.strip()  # a bare word is taken as a string
    except RecursionError:
        raise ValueError(f"--set {key.strip()}: value nested too deeply") from None
    return path, parsed


def apply_override(raw: RawScenario, path: KeyPath, value: Any, text: str) -> None:
    """Set one key of the merged data in place, recording the command line as its source."""
    source = f"--set {text}"
    node: Any = raw.data
    for i, part in enumerate(path):
        last = i == len(path) - 1
        if isinstance(part, int):
            if not isinstance(node, list) or part >= len(node):
                size = f" (it has {len(node)} entries)" if isinstance(node, list) else ""
                raise SourceError(source, f"{format_path(path[: i + 1])} does not exist{size}")
        elif not isinstance(node, dict):
            raise SourceError(source, f"{format_path(path[:i])} is not a table")
        if last:
            node[part] = value
        elif isinstance(part, str) and part not in node:
            node[part] = [] if isinstance(path[i + 1], int) else {}
        if not last:
            node = node[part]
    raw.layers.insert(0, Layer(source, {}, {path: None}))


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_ASSIGN = re.compile(r"^\s*([A-Za-z0-9_.\"' -]+?)\s*=")


def key_lines(text: str) -> dict[KeyPath, int | None]:
    """Map each key path written in a TOML text to its 1-based line (best effort).

    Handles tables, arrays of tables and dotted keys, which is all scenario files use;
    keys inside inline tables map to the line of the enclosing key.
    """
    lines: dict[KeyPath, int | None] = {}
    counts: dict[tuple[str, ...], int] = {}
    prefix: KeyPath = ()
    depth = 0  # bracket depth of a multi-line array value
    for number, line in enumerate(text.splitlines(), start=1):
        if depth > 0:
            depth += _bracket_balance(line)
            continue
        header = _HEADER.match(line)
        if header:
            names = tuple(_split_key(header.group(2)))
            if header.group(1) == "[[":
                counts[names] = counts.get(names, -1) + 1
                prefix = (*names, counts[names])
            else:
                prefix = names
            lines.setdefault(prefix, number)
            continue
        assign = _ASSIGN.match(line)
        if assign:
            path = (*prefix, *_split_key(assign.group(1)))
            lines[path] = number
            depth = max(0, _bracket_balance(line.split("=", 1)[1]))
    return lines


def _split_key(key: str) -> list[str]:
    return [part.strip().strip("\"'") for part in key.split(".")]


def _bracket_balance(text: str) -> int:
    text = re.sub(r'"[^"]*"|\'[^\']*\'', "", text).split("#", 1)[0]
    return text.count("[") + text.count("{") - text.count("]") - text.count("}")
