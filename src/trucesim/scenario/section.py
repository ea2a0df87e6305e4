"""The building blocks of the scenario schema: one declared key, and one table.

:func:`param` declares a key once with its unit, meaning, the plausible range a user
should stay in, where the default comes from and how much confidence it deserves
(DESIGN.md §5.4: each default lives in one place). :class:`Section` is a table of a
scenario file: unknown keys, loose types, infinities and NaN are errors, and the object
is frozen. Every number has finite bounds the model can handle; :data:`Name`, :data:`Label`
and :data:`Prose` are strings that are safe to use as a path component and to print.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from trucesim.fmt import CONTROL

Confidence = Literal["agreed text", "reported", "estimate", "assumption"]

NAME_LENGTH, LINE_LENGTH, TEXT_LENGTH = 64, 200, 5000
_NAME_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")


def name_problem(text: str) -> str:
    """Why `text` cannot be a name that becomes a directory (OUT/<name>/), or ''."""
    if not text:
        return "must not be empty"
    if len(text) > NAME_LENGTH:
        return f"must be at most {NAME_LENGTH} characters long, as it names a directory"
    if not set(text) <= _NAME_CHARACTERS:
        return "may hold only letters, digits, '_', '-' and '.', as it names a directory"
    if text.startswith("."):
        return "must not start with '.', as it names a directory"
    return ""


def control_characters(text: str, allowed: str = "") -> list[str]:
    """The control characters in `text` (terminal escapes, bidirectional overrides)."""
    return [ch for ch in CONTROL.findall(text) if ch not in allowed]


def _name(text: str) -> str:
    problem = name_problem(text)
    if problem:
        raise PydanticCustomError("name", problem)
    return text


def _printable(allowed: str, limit: int) -> Any:
    def check(text: str) -> str:
        found = control_characters(text, allowed)
        if found:
            raise PydanticCustomError("control_characters", "must not contain control "
                                      "characters such as {found}", {"found": repr(found[0])})
        if len(text) > limit:
            raise PydanticCustomError("too_long", "must be at most {limit} characters long",
                                      {"limit": limit})
        return text
    return AfterValidator(check)


Name = Annotated[str, AfterValidator(_name)]  # a safe single path component
Label = Annotated[str, _printable("", LINE_LENGTH)]  # one line of text
Prose = Annotated[str, _printable("\n\t", TEXT_LENGTH)]  # paragraphs


def param(
    default: Any,
    unit: str,
    doc: str,
    *,
    source: str = "assumption",
    confidence: Confidence = "assumption",
    plausible: tuple[float, float] | None = None,
    off: bool = False,
    **bounds: Any,
) -> Any:
    """Declare one scenario key with its unit, meaning, provenance and bounds. `off`: a
    term added later that does nothing at its default; left at it, the key is not part
    of the scenario's digest (so a scenario written before it keeps its digest)."""
    extra: dict[str, Any] = {"unit": unit, "source": source, "confidence": confidence}
    if off:
        extra["off"] = True
    if plausible is not None:
        extra["plausible"] = list(plausible)
    return Field(default, description=doc, json_schema_extra=extra, **bounds)


class Section(BaseModel):
    """A table of a scenario file: unknown keys, loose types, inf and NaN are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)
