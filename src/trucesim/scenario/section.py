"""The building blocks of the scenario schema: one declared key, and one table.

:func:`param` declares a key once with its unit, meaning, the plausible range a user
should stay in, where the default comes from and how much confidence it deserves
(DESIGN.md §5.4: each default lives in one place). :class:`Section` is a table of a
scenario file: unknown keys and loose types are errors, and the object is frozen.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Confidence = Literal["agreed text", "reported", "estimate", "assumption"]


def param(
    default: Any,
    unit: str,
    doc: str,
    *,
    source: str = "assumption",
    confidence: Confidence = "assumption",
    plausible: tuple[float, float] | None = None,
    **bounds: Any,
) -> Any:
    """Declare one scenario key with its unit, meaning, provenance and bounds."""
    extra: dict[str, Any] = {"unit": unit, "source": source, "confidence": confidence}
    if plausible is not None:
        extra["plausible"] = list(plausible)
    return Field(default, description=doc, json_schema_extra=extra, **bounds)


class Section(BaseModel):
    """A table of a scenario file: unknown keys and loose types are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
