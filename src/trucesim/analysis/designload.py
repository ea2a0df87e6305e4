"""Reading a design file (:mod:`.designfile`) and checking it against its scenarios.

It is validated like a scenario: unknown keys (with a suggestion), wrong types, a lever on
a key the scenario does not have, an empty range, a lever's end that makes an invalid
scenario, an outcome the registry does not know, a mistyped setting of the search, and
rules or constraints that no draft can meet are errors naming the file, the key path and
the line, all reported at once (:class:`~.designfile.DesignError`).
"""

from __future__ import annotations

import difflib
import math
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from trucesim.analysis.designfile import (
    Constraint,
    Design,
    DesignError,
    DesignFile,
    Lever,
    LeverEntry,
    Measured,
    Scalar,
)
from trucesim.run.measures import Measure, measures
from trucesim.scenario.load import Issue, ScenarioError, Variants, issue_at, resolved
from trucesim.scenario.schema import Scenario
from trucesim.scenario.toml import KeyPath, SourceError, get, parse_path, read_file, toml_value
from trucesim.scenario.uncertain import leaf_type


def load(path: str | Path) -> Design:
    """Read and check a design file and the scenarios it names; DesignError listing every
    problem (a scenario's own problems included, located in its file)."""
    path = Path(path)
    shown = str(path)
    try:
        data, lines = read_file(path)
    except SourceError as exc:
        raise DesignError([Issue(exc.file, "", exc.message, exc.line)]) from None

    def at(where: KeyPath, message: str) -> Issue:
        return issue_at(shown, lines, where, message)

    try:
        raw = DesignFile.model_validate(data)
    except ValidationError as exc:
        raise DesignError([_validation(shown, lines, err) for err in exc.errors()]) from None
    scenario_path = path.parent / raw.scenario
    variants = _variants(scenario_path, at, ("scenario",))
    scenario = _loaded(variants)
    uncertain_path = path.parent / raw.uncertainties if raw.uncertainties else None
    uncertainties = (_loaded(_variants(uncertain_path, at, ("uncertainties",)))
                     if uncertain_path else scenario)
    problems: list[Issue] = []
    if raw.uncertainties and not uncertainties.uncertain:
        problems.append(at(("uncertainties",), f"{raw.uncertainties} has no distributions: "
                           "write one in place of a value (see base-uncertain.toml)"))
    uncertain_keys = {u.key for u in uncertainties.uncertain}
    data_of = resolved(scenario)
    levers: list[Lever] = []
    for i, lever in enumerate(raw.levers):
        checked, lever_problems = _lever(lever, data_of, variants, uncertain_keys)
        problems += [at(("levers", i, part), message) for part, message in lever_problems]
        if checked is not None:
            levers.append(checked)
    keys = [lever.key for lever in raw.levers]
    problems += [at(("levers", i, "key"), "the same key is a lever twice")
                 for i, k in enumerate(keys) if k in keys[:i]]
    problems += _rules(raw, {lv.key: lv for lv in levers}, data_of, at)
    known = {m.name: m for m in measures(scenario)}
    used: dict[str, Measure] = {}
    for section, items in (("objectives", raw.objectives), ("constraints", raw.constraints)):
        for i, item in enumerate(items):
            found = [at((section, i, part), message)
                     for part, message in _measured(item, known, section)]
            problems += found
            if not found:
                used[item.outcome] = known[item.outcome]
    if problems:
        raise DesignError(problems)
    return Design(path, raw, raw.name or path.stem, scenario_path, scenario, uncertainties,
                  tuple(levers), tuple(used.values()))


def _validation(shown: str, lines: dict[KeyPath, int | None], err: Any) -> Issue:
    from trucesim.scenario.load import validation_issue

    issue = validation_issue(shown, lines, err)
    if err["type"] == "extra_forbidden":
        path = tuple(p for p in err["loc"] if isinstance(p, str | int))
        parent: Any = DesignFile
        for part in path[:-1]:
            if isinstance(part, int):
                continue
            annotation = parent.model_fields[part].annotation if part in getattr(
                parent, "model_fields", {}) else None
            parent = next((a for a in (annotation, *getattr(annotation, "__args__", ()))
                           if isinstance(a, type) and issubclass(a, BaseModel)), None)
            if parent is None:
                break
        names = list(parent.model_fields) if parent is not None else []
        close = difflib.get_close_matches(str(path[-1]), names, n=1)
        if close:
            return Issue(issue.file, issue.path, f"unknown key; did you mean '{close[0]}'?",
                         issue.line)
    return issue


def _variants(path: Path, at: Any, where: KeyPath) -> Variants:
    try:
        return Variants(path)
    except ScenarioError as exc:
        raise DesignError([at(where, f"{path}: {issue.message}") if issue.file == str(path)
                           and issue.line is None else issue for issue in exc.issues]) from None


def _loaded(variants: Variants) -> Scenario:
    try:
        return variants.load()
    except ScenarioError as exc:
        raise DesignError(list(exc.issues)) from None


def _lever(lever: LeverEntry, data: dict[str, Any], variants: Variants,
           uncertain: set[str]) -> tuple[Lever | None, list[tuple[str, str]]]:
    """A lever checked against the scenario: its key exists and holds a value of a kind the
    lever can set, its range is not empty, and each end (or choice) gives a valid
    scenario on its own."""
    try:
        path = parse_path(lever.key)
    except ValueError as exc:
        return None, [("key", str(exc))]
    current = get(data, path)
    if current is None or isinstance(current, dict | list):
        return None, [("key", f"the scenario has no key {lever.key!r} holding a value")]
    if lever.key in uncertain:
        return None, [("key", "this key is one of the uncertainties (a distribution); a "
                       "lever must be something the negotiators choose")]
    if (lever.range is None) == (lever.choices is None):
        return None, [("range", "give either range = [low, high] or choices = [...]")]
    kind = leaf_type(path)
    if kind is None and isinstance(current, int | float) and not isinstance(current, bool):
        kind = type(current)  # a value in a table of values (categories to ratios)
    if lever.range is not None:
        low, high = lever.range
        if kind is None:
            return None, [("range", "a range needs a numeric key; use choices")]
        if not low < high:
            return None, [("range", f"the range is empty: {low:g} to {high:g}")]
        if kind is int and (low != int(low) or high != int(high)):
            return None, [("range", "this key takes whole numbers: give whole-number ends")]
        checked = Lever(lever.key, "integer" if kind is int else "real", low, high)
        values: list[Scalar] = [int(low), int(high)] if kind is int else [low, high]
    else:
        assert lever.choices is not None
        choices = tuple(lever.choices)
        if len(set(choices)) < len(choices):
            return None, [("choices", "a choice is given twice")]
        checked = Lever(lever.key, "choice", choices=choices)
        values = list(choices)
    problems = []
    for value in values:
        try:
            variants.load([f"{lever.key}={toml_value(value)}"])
        except ScenarioError as exc:
            first = exc.issues[0]
            problems.append(("range" if lever.range is not None else "choices",
                             f"{lever.key} = {toml_value(value)} is not a valid scenario: "
                             f"{first.path}: {first.message}"))
    return (None if problems else checked), problems


def _rules(raw: DesignFile, levers: dict[str, Lever], data: dict[str, Any],
           at: Any) -> list[Issue]:
    """Each rule names levers or numeric keys, has a bound (a sum) and can be met."""
    out = []
    for i, rule in enumerate(raw.lever_rules):
        where = ("lever_rules", i)
        if (rule.sum is None) == (rule.ordered is None):
            out.append(at(where, "give either sum = [...] (with at_most or at_least) or "
                          "ordered = [...]"))
            continue
        keys = rule.sum or rule.ordered or []
        spans = []
        for key in keys:
            if key in levers:
                spans.append(levers[key].span)
                continue
            try:
                value = get(data, parse_path(key))
            except ValueError:
                value = None
            if isinstance(value, bool) or not isinstance(value, int | float):
                spans.append((math.nan, math.nan))
                out.append(at((*where, "sum" if rule.sum else "ordered"),
                              f"{key!r} is neither a lever nor a numeric key of the scenario"))
            else:
                spans.append((float(value), float(value)))
        if not any(k in levers for k in keys):
            out.append(at(where, "the rule names no lever"))
        if any(math.isnan(s[0]) for s in spans):
            continue
        if rule.sum is not None:
            if rule.at_most is None and rule.at_least is None:
                out.append(at(where, "a sum needs at_most or at_least"))
                continue
            low, high = sum(s[0] for s in spans), sum(s[1] for s in spans)
            if (rule.at_most is not None and low > rule.at_most) or (
                    rule.at_least is not None and high < rule.at_least) or (
                    rule.at_most is not None and rule.at_least is not None
                    and rule.at_least > rule.at_most):
                out.append(at(where, f"no candidate can meet it: the sum lies between {low:g} "
                              f"and {high:g}"))
        else:
            if rule.at_most is not None or rule.at_least is not None:
                out.append(at(where, "ordered takes no bound"))
            floor = -math.inf
            for key, (low, high) in zip(keys, spans, strict=True):
                floor = max(floor, low)
                if floor > high:
                    out.append(at(where, f"no candidate can meet it: {key} cannot be "
                                  f"{floor:g} or more"))
                    break
    return out


def _measured(item: Measured, known: dict[str, Measure], section: str) -> list[tuple[str, str]]:
    """An objective's or constraint's outcome exists, and its settings fit its measure."""
    if item.outcome not in known:
        close = difflib.get_close_matches(item.outcome, list(known), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else " (see `trucesim params`)"
        return [("outcome", f"no outcome called {item.outcome!r}{hint}")]
    out = []
    if item.robustness == "percentile" and item.percentile is None:
        out.append(("percentile", "robustness = \"percentile\" needs percentile = P (0-100)"))
    if item.robustness == "satisficing" and item.threshold is None:
        out.append(("threshold", "robustness = \"satisficing\" needs threshold = X"))
    if item.robustness not in ("percentile", "regret") and item.percentile is not None:
        out.append(("percentile", f"not used with robustness = \"{item.robustness}\""))
    if item.robustness != "satisficing" and item.threshold is not None:
        out.append(("threshold", f"not used with robustness = \"{item.robustness}\""))
    if isinstance(item, Constraint):
        out += _feasible(item, known[item.outcome])
    return out


def _feasible(c: Constraint, m: Measure) -> list[tuple[str, str]]:
    """A constraint needs a bound that some value of its measure can meet."""
    if c.at_most is None and c.at_least is None:
        return [("at_most", "a constraint needs at_most or at_least")]
    if c.robustness in ("satisficing",) or m.kind == "probability":
        low, high = 0.0, 1.0
    else:
        low, high = (0.0, math.inf)  # counts, days and shares are never negative
    if c.robustness == "regret":
        low, high = 0.0, math.inf
    if c.at_most is not None and c.at_most < low:
        return [("at_most", f"no candidate can meet it: {c.outcome} is never below {low:g}")]
    if c.at_least is not None and c.at_least > high:
        return [("at_least", f"no candidate can meet it: {c.outcome} is never above "
                 f"{high:g}")]
    if c.at_most is not None and c.at_least is not None and c.at_least > c.at_most:
        return [("at_least", "at_least is above at_most")]
    return []
