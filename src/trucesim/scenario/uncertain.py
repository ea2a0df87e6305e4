"""Distributions written in place of numbers: taken out of a file, checked, and applied.

:func:`extract` finds every ``{ dist = ... }`` table where the schema expects a number,
validates it, and puts the distribution's mean in its place (rounded for a whole-number
key), so that the scenario validates as usual; :func:`attach` then records the
distributions in ``Scenario.uncertain`` after checking that both ends of each
distribution's range respect the key's bounds and the scenario's rules.
:func:`with_values` makes the scenario of one parameter set.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, get_args

from pydantic import BaseModel, TypeAdapter, ValidationError

from trucesim.scenario.distributions import Distribution, Uncertain
from trucesim.scenario.schema import Scenario
from trucesim.scenario.toml import KeyPath, format_path, parse_path

_ADAPTER: TypeAdapter[Any] = TypeAdapter(Distribution)
Found = list[tuple[KeyPath, Any]]  # (key path, the validated distribution)
Problem = tuple[KeyPath, str]


def leaf_type(path: KeyPath) -> type | None:
    """The Python type the schema expects at `path` (int, float, ...), if a scalar."""
    model: Any = Scenario
    annotation: Any = None
    for part in path:
        if isinstance(part, int):
            continue
        fields = getattr(model, "model_fields", None)
        if fields is None or part not in fields:
            return None
        annotation = fields[part].annotation
        model = _model_of(annotation)
        if model is None and part != path[-1]:
            return None
    for t in (annotation, *get_args(annotation)):
        if t in (int, float):
            return t  # type: ignore[no-any-return]
    return None


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def extract(data: dict[str, Any]) -> tuple[Found, list[Problem]]:
    """Replace every distribution in `data` (merged TOML) by its mean, in place."""
    found: Found = []
    problems: list[Problem] = []
    if "uncertain" in data:
        problems.append((("uncertain",), "not a key of its own: write a distribution in "
                         "place of a value, e.g. drain_per_day = { dist = \"uniform\", "
                         "low = 0.2, high = 0.4 }"))

    def walk(node: Any, path: KeyPath) -> None:
        items = node.items() if isinstance(node, dict) else enumerate(node) \
            if isinstance(node, list) else ()
        for key, value in list(items):
            here = (*path, key)
            if isinstance(value, dict) and "dist" in value:
                kind = leaf_type(here)
                if kind is None:
                    problems.append((here, "a distribution can only stand for a number"))
                    continue
                try:
                    dist = _ADAPTER.validate_python(value)
                except ValidationError as exc:
                    err = exc.errors()[0]
                    where = ".".join(str(x) for x in err["loc"][1:])
                    message = str(err["msg"]).removeprefix("Value error, ")
                    problems.append((here, "invalid distribution: "
                                     f"{where + ': ' if where else ''}{message}"))
                    continue
                mean = dist.mean()
                node[key] = round(mean) if kind is int else float(mean)
                found.append((here, dist))
            elif isinstance(value, dict | list):
                walk(value, here)

    walk(data, ())
    return found, problems


def with_values(s: Scenario, values: Mapping[str, float]) -> Scenario:
    """The scenario with these keys (dotted paths) set, validated, with no distributions."""
    data = s.model_dump()
    data["uncertain"] = ()
    for key, value in values.items():
        path = parse_path(key)
        node: Any = data
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = round(value) if leaf_type(path) is int else float(value)
    return Scenario.model_validate(data)


def attach(s: Scenario, found: Found) -> tuple[Scenario, list[Problem]]:
    """The scenario with its distributions recorded, and what their ranges break."""
    from trucesim.scenario.rules import check

    problems: list[Problem] = []
    for path, dist in found:
        key = format_path(path)
        for end in dist.support():
            try:
                broken = [m for _, m, *_ in check(with_values(s, {key: end}))]
            except ValidationError as exc:
                broken = [exc.errors()[0]["msg"]]
            if broken:
                problems.append((path, f"{dist.describe()} reaches {end:g}, where: "
                                 f"{broken[0]}"))
                break
    uncertain = tuple(Uncertain(key=format_path(p), dist=d) for p, d in found)
    return s.model_copy(update={"uncertain": uncertain}), problems
