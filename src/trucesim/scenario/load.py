"""Scenario files -> validated, frozen :class:`~trucesim.scenario.schema.Scenario` objects.

Every problem found becomes an :class:`Issue` naming the file, the key path
(``releases[2].day``) and, where known, the line; :class:`ScenarioError` carries all of
them at once, so a user fixes a file in one pass.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from trucesim.scenario import toml, uncertain
from trucesim.scenario.rules import Problem, check
from trucesim.scenario.schema import Scenario
from trucesim.scenario.toml import KeyPath, RawScenario, SourceError, format_path

__all__ = ["Issue", "Scenario", "ScenarioError", "Variants", "check", "digest", "issue_at", "load",
           "validation_issue"]

# tables that are one value (category -> ratio): a file that states them replaces them whole
VALUE_TABLES: frozenset[KeyPath] = frozenset({("exchange", "prisoners_per_living_hostage")})


@dataclass(frozen=True)
class Issue:
    """One problem in a scenario: where it is and what is wrong, on one line."""

    file: str
    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class ScenarioError(Exception):
    """A scenario that cannot be used; `issues` lists every problem found."""

    def __init__(self, issues: Sequence[Issue]) -> None:
        self.issues = list(issues)
        super().__init__("\n".join(str(i) for i in self.issues))


def issue_at(file: str, lines: dict[KeyPath, int | None], path: KeyPath,
             message: str) -> Issue:
    """An issue at `path` of a single file (no `extends`), on the line of the deepest part
    of the path that the file writes."""
    line = None
    for depth in range(len(path), 0, -1):
        if path[:depth] in lines:
            line = lines[path[:depth]]
            break
    return Issue(file, format_path(path), message, line)


def validation_issue(file: str, lines: dict[KeyPath, int | None], err: Any) -> Issue:
    """One pydantic error of a single-file input (a record, a design) as an issue."""
    path = tuple(p for p in err["loc"] if isinstance(p, str | int))
    if err["type"] == "extra_forbidden":
        message = "unknown key"
    elif err["type"] == "missing":
        message = "required key is missing"
    else:
        got = repr(err.get("input"))
        message = f"{err['msg'][0].lower()}{err['msg'][1:]} (got {got[:40]})"
    return issue_at(file, lines, path, message)


def load(path: str | Path, overrides: Iterable[str] = ()) -> Scenario:
    """Read, merge (`extends`), override (`--set K=V`) and validate one scenario file."""
    return Variants(path).load(overrides)


class Variants:
    """A scenario file read once, then validated with any number of sets of `--set`
    overrides (a sweep's design points), without reading the files again."""

    def __init__(self, path: str | Path) -> None:
        try:
            self._raw = toml.read(Path(path), whole=VALUE_TABLES)
        except SourceError as exc:
            raise ScenarioError(
                [Issue(exc.file, format_path(exc.path), exc.message, exc.line)]) from None

    def load(self, overrides: Iterable[str] = ()) -> Scenario:
        """The scenario with these overrides; ScenarioError listing every problem."""
        raw = RawScenario(copy.deepcopy(self._raw.data), list(self._raw.layers))
        try:
            for text in overrides:
                try:
                    key, value = toml.parse_override(text)
                except ValueError as exc:
                    raise SourceError("--set", str(exc)) from None
                toml.apply_override(raw, key, value, text)
        except SourceError as exc:
            raise ScenarioError(
                [Issue(exc.file, format_path(exc.path), exc.message, exc.line)]) from None
        found, distributions = uncertain.extract(raw.data)
        if distributions:
            raise ScenarioError([_located(raw, *problem) for problem in distributions])
        try:
            scenario = Scenario.model_validate(raw.data)
        except ValidationError as exc:
            errors = exc.errors()
            issues = [_issue(raw, err) for err in errors]
            issues += [_blamed(raw, problem) for problem in _rules_despite(raw.data, errors)]
            raise ScenarioError(issues) from None
        problems = check(scenario)
        if problems:
            raise ScenarioError([_blamed(raw, problem) for problem in problems])
        if found:
            scenario, ranges = uncertain.attach(scenario, found)
            if ranges:
                raise ScenarioError([_located(raw, *problem) for problem in ranges])
        return scenario


def _rules_despite(data: dict[str, Any], errors: Sequence[Any]) -> list[Problem]:
    """The rules that span several keys, checked on the file with its invalid keys left
    out (so each takes its default), so one pass reports every problem: a rule is kept
    only if it does not touch a key left out. Empty if a required key is missing or the
    file is still invalid without them (the rules need a whole scenario)."""
    data = copy.deepcopy(data)
    removed: list[KeyPath] = []
    for err in errors:
        path = tuple(p for p in err["loc"] if isinstance(p, str | int))
        if err["type"] == "missing" or not path or not _remove(data, path):
            return []
        removed.append(path)
    try:
        repaired = Scenario.model_validate(data)
    except ValidationError:
        return []

    def touches(problem: Problem) -> bool:
        paths = (problem[0], *(problem[2] if len(problem) > 2 else ()))
        return any(a[:len(b)] == b or b[:len(a)] == a for a in paths for b in removed)

    return [problem for problem in check(repaired) if not touches(problem)]


def _remove(data: Any, path: KeyPath) -> bool:
    """Delete the key at `path` from nested dicts and lists; False if it is not there."""
    for part in path[:-1]:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return False
    last = path[-1]
    if isinstance(data, dict) and last in data:
        del data[last]
        return True
    return False


# lists a file replaces whole, which inherited conditions may refer to by step
REPLACED: tuple[tuple[KeyPath, str], ...] = ((("releases",), "[[releases]]"),
                                             (("withdrawal", "stages"), "withdrawal.stages"))


def _blamed(raw: RawScenario, problem: Problem) -> Issue:
    """A rule's problem as an issue; an inherited condition that names a step the
    extending file replaced is the extending file's problem, at the line where it
    replaced the list, with what to do about it."""
    issue = _located(raw, *problem)
    path = problem[0]
    if not path or path[0] != "conditions" or len(path) < 2:
        return issue
    _, _, written = raw.locate(path[:2])
    found = [(raw.locate(key), key, name) for key, name in REPLACED
             if toml.has(raw.data, key)]
    newer = [f for f in found if f[0][2] < written]
    if not newer or written >= len(raw.layers):
        return issue
    (file, line, layer), key, name = min(newer, key=lambda f: f[0][2])
    if line is None:  # an array of tables: the line of its first entry
        line = raw.layers[layer].lines.get((*key, 0))
    where = f"{issue.file}:{issue.line}" if issue.line else issue.file
    fix = ("give this file its own [[conditions]], or write 'conditions = []' to drop the "
           "inherited ones")
    step = message.split("'")[1] if (message := issue.message).startswith("no step '") else ""
    text = (f"the condition inherited from {where} names step '{step}', which this file's "
            f"{name} no longer has; {fix}" if step else
            f"{message} (in the condition inherited from {where}, written for the {name} "
            f"this file replaced; {fix})")
    return Issue(file, format_path(path), text, line)


def _located(raw: RawScenario, path: KeyPath, message: str,
             also: tuple[KeyPath, ...] = ()) -> Issue:
    """An issue at `path`, or at whichever of `also` was written last (child over parent)."""
    best = min((path, *also), key=lambda p: raw.locate(p)[2])
    file, line, _ = raw.locate(best)
    return Issue(file, format_path(best), message, line)


def _issue(raw: RawScenario, err: Any) -> Issue:
    path = tuple(p for p in err["loc"] if isinstance(p, str | int))
    kind, got = err["type"], err.get("input")
    if kind == "extra_forbidden":
        message = "unknown key" + _suggestion(path)
    elif kind == "missing":
        message = "required key is missing"
    elif kind in {"greater_than_equal", "greater_than", "less_than_equal", "less_than"}:
        op = {"greater_than_equal": ">=", "greater_than": ">", "less_than_equal": "<=",
              "less_than": "<"}[kind]
        bound = next(iter(err.get("ctx", {}).values()), "?")
        message = f"must be {op} {bound:g} (got {got!r})"
    else:
        message = f"{err['msg'][0].lower()}{err['msg'][1:]} (got {_short(got)})"
    return _located(raw, path, message)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _suggestion(path: KeyPath) -> str:
    """'; did you mean ...' for an unknown key, from the keys valid at that place."""
    model: Any = Scenario
    for part in path[:-1]:
        if isinstance(part, int) or model is None:
            continue
        info = model.model_fields.get(part)
        model = _model_of(info.annotation) if info is not None else None
    if model is None or not isinstance(path[-1], str):
        return ""
    word, keys = path[-1], list(model.model_fields)
    close = difflib.get_close_matches(word, keys, n=1, cutoff=0.6) or [
        k for k in keys if k.startswith(word) or (len(word) > 3 and word in k)]
    return f"; did you mean '{close[0]}'?" if close else ""


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def resolved(s: Scenario) -> dict[str, Any]:
    """The scenario as plain data, every default filled in."""
    return s.model_dump(mode="json")


def digest(s: Scenario) -> str:
    """A stable fingerprint of everything that determines the results (a term that is
    off, at its default, determines nothing and is left out)."""
    text = json.dumps(_determining(s, resolved(s)), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _determining(model: Any, data: Any) -> Any:
    """`data` (the dump of `model`) without the keys declared off that are at their
    default, in every table and list of tables (and without a table whose keys are all
    such)."""
    if isinstance(model, BaseModel):
        out = {}
        for name, info in type(model).model_fields.items():
            extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
            value = getattr(model, name)
            if extra.get("off") and value == info.get_default(call_default_factory=True):
                continue
            if name in data:
                kept = _determining(value, data[name])
                if kept == {} and data[name]:  # a table of terms all off (added later)
                    continue
                out[name] = kept
        return out
    if isinstance(model, tuple | list) and isinstance(data, list):
        return [_determining(m, d) for m, d in zip(model, data, strict=True)]
    return data

