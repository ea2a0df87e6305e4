"""Scenario files -> validated, frozen :class:`~trucesim.schema.Scenario` objects.

Every problem found becomes an :class:`Issue` naming the file, the key path
(``releases[2].day``) and, where known, the line; :class:`ScenarioError` carries all of
them at once, so a user fixes a file in one pass.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from trucesim import tomlsource
from trucesim.schema import Scenario
from trucesim.tomlsource import KeyPath, RawScenario, SourceError, format_path

__all__ = ["Issue", "Scenario", "ScenarioError", "check", "digest", "load"]

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


def load(path: str | Path, overrides: Iterable[str] = ()) -> Scenario:
    """Read, merge (`extends`), override (`--set K=V`) and validate one scenario file."""
    path = Path(path)
    try:
        raw = tomlsource.read(path, whole=VALUE_TABLES)
        for text in overrides:
            try:
                key, value = tomlsource.parse_override(text)
            except ValueError as exc:
                raise SourceError("--set", str(exc)) from None
            tomlsource.apply_override(raw, key, value, text)
    except SourceError as exc:
        raise ScenarioError(
            [Issue(exc.file, format_path(exc.path), exc.message, exc.line)]) from None
    try:
        scenario = Scenario.model_validate(raw.data)
    except ValidationError as exc:
        raise ScenarioError([_issue(raw, err) for err in exc.errors()]) from None
    problems = check(scenario)
    if problems:
        raise ScenarioError([_located(raw, *problem) for problem in problems])
    return scenario


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


Problem = tuple[KeyPath, str] | tuple[KeyPath, str, tuple[KeyPath, ...]]


def check(s: Scenario) -> list[Problem]:
    """Rules that span several keys: (key path, message[, other keys involved])."""
    out: list[Problem] = []
    window = s.truce.window_days
    for i, r in enumerate(s.releases):
        if r.day > window:
            out.append((("releases", i, "day"), f"day {r.day} is outside the window 0..{window}"))
        if r.living == 0 and r.bodies == 0 and r.living_outside_deal == 0:
            out.append((("releases", i), "a handover must release someone (living or bodies)"))
        out += _check_release_ratios(s, i)
    outside = sum(r.living_outside_deal for r in s.releases)
    for key, scheduled, held in (("living", s.living_scheduled + outside, s.hostages.living_held),
                                 ("bodies", s.bodies_scheduled, s.hostages.bodies_held)):
        if scheduled > held:
            extra = f" ({outside} of them outside the deal)" if key == "living" and outside else ""
            out.append((("releases",), f"the schedule releases {scheduled} {key}{extra} but "
                        f"hostages.{key}_held is {held}", (("hostages", f"{key}_held"),)))
    for name in s.exchange.prisoners_per_living_hostage:
        if not name.isidentifier() or not name.islower():
            out.append((("exchange", "prisoners_per_living_hostage", name),
                        "category names must be lower_snake_case"))
    for name, ratio in s.exchange.prisoners_per_living_hostage.items():
        if ratio < 0:
            out.append((("exchange", "prisoners_per_living_hostage", name),
                        f"must be >= 0 (got {ratio!r})"))
    out += _check_withdrawal(s)
    out += _check_thresholds(s)
    if s.negotiations.start_day > window:
        out.append((("negotiations", "start_day"),
                    f"day {s.negotiations.start_day} is outside the window 0..{window}"))
    elif s.negotiations.start_day > s.truce.phase_end:
        out.append((("negotiations", "start_day"), f"day {s.negotiations.start_day} is after "
                    f"the phase ends (truce.phase_days = {s.truce.phase_days})",
                    (("truce", "phase_days"),)))
    if s.truce.phase_days > window:
        out.append((("truce", "phase_days"), f"{s.truce.phase_days} days is longer than the "
                    f"window ({window} days); 0 means the phase is the whole window"))
    return out


def _check_release_ratios(s: Scenario, i: int) -> list[Problem]:
    """A handover's own exchange ratios: known categories, not negative, living to free."""
    out: list[Problem] = []
    r = s.releases[i]
    categories = s.exchange.prisoners_per_living_hostage
    for name, ratio in r.prisoners_per_living.items():
        at: KeyPath = ("releases", i, "prisoners_per_living", name)
        if name not in categories:
            known = ", ".join(categories) or "none"
            out.append((at, f"unknown category; exchange.prisoners_per_living_hostage has: "
                        f"{known}"))
        if ratio < 0:
            out.append((at, f"must be >= 0 (got {ratio!r})"))
    if r.prisoners_per_living and r.living == 0:
        out.append((("releases", i, "prisoners_per_living"),
                    "this handover releases no living hostages for these ratios to apply to"))
    return out


def _check_withdrawal(s: Scenario) -> list[Problem]:
    out: list[Problem] = []
    previous = s.withdrawal.initial_share
    names: set[str] = set()
    for i, stage in enumerate(s.withdrawal.stages):
        at: KeyPath = ("withdrawal", "stages", i)
        if (stage.day is None) == (stage.after_release is None):
            out.append((at, "give exactly one of 'day' or 'after_release'"))
        if stage.day is not None and stage.day > s.truce.window_days:
            out.append(((*at, "day"),
                        f"day {stage.day} is outside the window 0..{s.truce.window_days}"))
        if stage.after_release is not None and stage.after_release >= len(s.releases):
            out.append(((*at, "after_release"), f"there is no releases[{stage.after_release}] "
                        f"(the schedule has {len(s.releases)} handovers)"))
        if stage.share > previous:
            out.append(((*at, "share"), f"{stage.share:g} would increase the share held "
                        f"(previous line: {previous:g}); a withdrawal only moves back"))
        previous = min(previous, stage.share)
        if stage.name in names or not stage.name.isidentifier():
            out.append(((*at, "name"), "stage names must be distinct identifiers"))
        names.add(stage.name)
    return out


def _check_thresholds(s: Scenario) -> list[Problem]:
    out: list[Problem] = []
    if s.crisis.resolve_below >= s.crisis.threshold:
        out.append((("crisis", "resolve_below"), f"must be below crisis.threshold "
                    f"({s.crisis.threshold:g})"))
    aid = s.aid
    if aid.delivery_ratio_sd ** 2 >= aid.delivery_ratio_mean * (1 - aid.delivery_ratio_mean):
        out.append((("aid", "delivery_ratio_sd"), "too large for a share with this mean "
                    "(sd^2 must be < mean * (1 - mean))"))
    v = s.violations
    if v.israeli_forces.retaliation * v.palestinian_groups.retaliation >= 1:
        out.append((("violations",), "retaliation of both sides multiplies to >= 1: violence "
                    "would grow without bound"))
    return out


def resolved(s: Scenario) -> dict[str, Any]:
    """The scenario as plain data, every default filled in."""
    return s.model_dump(mode="json")


def digest(s: Scenario) -> str:
    """A stable fingerprint of everything that determines the results."""
    text = json.dumps(resolved(s), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
