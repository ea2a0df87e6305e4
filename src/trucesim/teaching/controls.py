"""What the classroom page lets a student change: the deal's terms and a few key
assumptions, each one control bound to one scenario key (a ``--set`` path).

The deal's terms come from the scenario itself, so new terms slot in without a change
here: every handover's day and sizes, every withdrawal stage's line (and its day when it
has one), and every parameter the registry labels ``agreed text`` (the exchange's ratios
by category, bodies returned, aid agreed, how bodies are handed over, the talks' start,
and whatever agreed terms a later model declares), except the truce's window and the
hostages held, which set the frame rather than the deal.

The key assumptions are the :data:`KEY_ASSUMPTIONS`, chosen by their influence on the
probability of collapse in a screening sweep (:func:`screening`, run by ``docs/build.py``,
which records the ranking in docs/teaching.md; a test checks that these are its top
five). Their sliders span the registry's plausible ranges.

A student's choices become ``--set`` overrides of the reference file
(:func:`overrides`), so the usual validation applies and the scenario they describe is
exactly what a file with the same keys would give.
"""

from __future__ import annotations

import math
import re
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from trucesim.scenario.load import resolved
from trucesim.scenario.registry import parameters
from trucesim.scenario.schema import Scenario
from trucesim.scenario.toml import parse_path, toml_value

# the seed the one-run view opens at: the lesson's worked example (docs/teaching.md,
# chosen by docs/build.py; tests/test_docs.py checks they agree)
ONE_RUN_SEED = 3
# the five assumptions whose sliders the page shows, in the order of their influence
KEY_ASSUMPTIONS = ("crisis.threshold", "mediation.drain_per_day",
                   "tension.per_palestinian_death", "crisis.resolve_below",
                   "tension.decay_per_day")
SCREENING_SPREAD = 0.3  # the screening sweep moves each assumption +-30% around base
FRAME = ("truce.", "hostages.")  # agreed-text keys that set the frame, not the deal
Kind = Literal["int", "float", "bool", "choice"]


@dataclass(frozen=True)
class Control:
    """One input of the page, bound to the scenario key `key`."""

    key: str
    label: str
    group: str
    kind: Kind
    low: float = 0.0
    high: float = 1.0
    step: float = 1.0
    options: tuple[str, ...] = ()
    help: str = ""
    share: bool = False  # a share of 0..1, shown as a percentage


def value(s: Scenario, key: str) -> Any:
    """The scenario's value at a key path such as 'releases[0].living'."""
    node: Any = resolved(s)
    for part in parse_path(key):
        node = node[part]
    return node


def _step(low: float, high: float, integer: bool, now: float) -> float:
    """A round step (1, 2 or 5 times a power of ten) giving 80 or more steps over the
    range, fine enough for the present value to sit on one (12.5, 111.1)."""
    if integer:
        return 1.0
    most = (high - low) / 80 or 0.01
    top = math.floor(math.log10(most))
    nice = [float(f"{k}e{e}") for e in range(top, top - 8, -1) for k in (5, 2, 1)]
    for step in (s for s in nice if s <= most):
        if all(math.isclose(x / step, round(x / step), abs_tol=1e-6) for x in (now, low)):
            return step
    return nice[-1]


def _choices(key: str) -> tuple[str, ...]:
    """The allowed values of a choice key (a Literal in the schema)."""
    model: Any = Scenario
    annotation: Any = None
    for part in parse_path(key):
        if isinstance(part, int) or not (isinstance(model, type) and
                                         issubclass(model, BaseModel)):
            continue
        annotation = model.model_fields[part].annotation
        model = annotation
    return tuple(str(a) for a in typing.get_args(annotation))


def _group(key: str) -> str:
    return {"exchange": "Exchange", "aid": "Aid", "handovers": "Handovers",
            "withdrawal": "Withdrawal", "negotiations": "Talks"}.get(
        key.split(".")[0], "Other agreed terms")


def heading(group: str, controls: list[Control], now: Callable[[str], Any]) -> str:
    """A section's heading with the day its step is now due (`now`: a key's value as
    chosen on the page), so a handover moved to day 4 is not still called day 1's."""
    due = [now(c.key) for c in controls if c.key.endswith("].day")]  # the step's day
    return f"{group}: day {due[0]}" if due else group


def deal_terms(s: Scenario) -> list[Control]:
    """Every term of the deal a student may change, grouped for the page."""
    window = s.truce.window_days
    out: list[Control] = []
    for i in range(len(s.releases)):
        group = f"Handover {i + 1} of {len(s.releases)}"  # by position; heading() adds its day
        out += [Control(f"releases[{i}].day", "day due", group, "int", 0, window),
                Control(f"releases[{i}].living", "living hostages", group, "int", 0,
                        s.hostages.living_held),
                Control(f"releases[{i}].bodies", "bodies", group, "int", 0,
                        s.hostages.bodies_held)]
    for j, stage in enumerate(s.withdrawal.stages):
        group = f"Withdrawal stage {j + 1}: {stage.name}"
        out.append(Control(f"withdrawal.stages[{j}].share",
                           f"share of {s.names.territory} held after it", group, "float",
                           0.0, 1.0, 0.01, share=True))
        if stage.day is not None:
            out.append(Control(f"withdrawal.stages[{j}].day", "day due", group, "int", 0,
                               window))
    for p in parameters(s):
        if p.confidence != "agreed text" or p.key.startswith(FRAME):
            continue
        label = p.key.rsplit(".", 1)[1].replace("_", " ")
        if isinstance(p.value, bool):
            out.append(Control(p.key, label, _group(p.key), "bool", help=p.description))
        elif isinstance(p.value, str):
            out.append(Control(p.key, label, _group(p.key), "choice",
                               options=_choices(p.key), help=p.description))
        elif isinstance(p.value, int | float) and p.plausible is not None:
            integer = isinstance(p.value, int)
            low, high = min(p.plausible[0], p.value), max(p.plausible[1], p.value)
            out.append(Control(p.key, f"{label} ({p.unit})", _group(p.key),
                               "int" if integer else "float", low, high,
                               _step(low, high, integer, p.value), help=p.description))
    return out


def assumptions(s: Scenario) -> list[Control]:
    """The key assumptions' sliders, over their plausible ranges."""
    found = {p.key: p for p in parameters(s)}
    out = []
    for key in KEY_ASSUMPTIONS:
        p = found[key]
        assert p.plausible is not None, key
        integer = isinstance(p.value, int)
        low, high = min(p.plausible[0], p.value), max(p.plausible[1], p.value)
        out.append(Control(key, f"{p.description.rstrip('.')} ({p.unit})",
                           "Key assumptions", "int" if integer else "float", low, high,
                           _step(low, high, integer, p.value),
                           help=f"{key}; plausible range {low:g} to {high:g}; {p.source}"))
    return out


def screening(s: Scenario) -> list[tuple[str, float, float, bool]]:
    """The screening sweep's factors: every numeric parameter whose default is an
    assumption (those that matter only when bodies are handed over as recovered, and the
    terms declared off that the scenario leaves at their default, such as flare-ups, left
    out), each moved +-30% around the scenario's value within its plausible range, as
    (key, low, high, integer)."""
    out = []
    for p in parameters(s):
        if (p.confidence != "assumption" or p.plausible is None or isinstance(p.value, bool)
                or not isinstance(p.value, int | float) or p.key.startswith(
                    "handovers.recovery_") or (p.off and p.value == p.default)):
            continue
        integer = isinstance(p.value, int)
        low = max(p.plausible[0], p.value * (1 - SCREENING_SPREAD))
        high = min(p.plausible[1], p.value * (1 + SCREENING_SPREAD))
        if integer:
            low, high = math.floor(low), math.ceil(high)
        if high > low:
            out.append((p.key, float(low), float(high), integer))
    return out


def overrides(reference: Scenario, chosen: Mapping[str, Any]) -> list[str]:
    """`--set` overrides for the chosen values that differ from the reference's."""
    out = []
    for key, new in chosen.items():
        old = value(reference, key)
        if isinstance(old, float) and isinstance(new, int | float) and not isinstance(
                new, bool):
            if math.isclose(float(new), old, rel_tol=1e-9, abs_tol=1e-12):
                continue
            new = float(new)
        elif new == old:
            continue
        out.append(f"{key}={toml_value(new)}")
    return out


WHOLE = {"releases": "the handover schedule", "conditions": "the conditions",
         "withdrawal.stages": "the withdrawal lines"}
KEY = re.compile(r"\b[a-z_]+(?:\[\d+\])?(?:\.[a-z_]+(?:\[\d+\])?)+\b")


def in_words(text: str, s: Scenario) -> str:
    """A validation message ('where: what') with each scenario key said in words (its
    description in the parameter registry, or the page's label for it), for a page
    students read."""
    labels = {c.key: c.label for c in [*deal_terms(s), *assumptions(s)]} | WHOLE
    described = {p.key: p.description.rstrip(".") for p in parameters(s)}

    def word(match: re.Match[str]) -> str:
        key = match.group(0)
        said = described.get(key) or labels.get(key)
        return (said[0].lower() + said[1:]) if said else key

    where, _, what = text.partition(": ")
    out = f"{WHOLE.get(where) or KEY.sub(word, where)}: {KEY.sub(word, what)}"
    return out[0].upper() + out[1:]
