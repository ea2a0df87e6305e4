"""docs/scenario-format.md, generated from the schema so it cannot drift from the code.

Run `python -m trucesim.scenario.docgen > docs/scenario-format.md`; a test checks the committed
file matches.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from trucesim.scenario.docnotes import AID, EXCHANGE, HANDOVERS, NAMES, RELEASES, STAGES
from trucesim.scenario.schema import (
    Condition,
    FlareUps,
    Release,
    Scenario,
    Side,
    Violations,
    WithdrawalStage,
)

CONDITIONS = """A condition ties one step of the deal to the state of the truce: the step
waits until the condition holds (`wait_until`), or is paused or changed while it holds
(`while` with `pause = true` or one of the step's keys). Steps: `aid`, `talks`,
`exchange` (every tranche), `releases[i]` (or a handover's label), `withdrawal.<stage>`.
Conditions are checked each day at the step's own time. Steps that would wait for each
other in a circle are an error.

The language: quantities `day`, `living_held`, `bodies_held`, `living_owed`,
`bodies_owed` (due under the deal by now, not yet handed over), `prisoners_owed`,
`palestinian_bodies_owed`, `tension`, `share_held`, `aid_days_at_least(TRUCKS)`
(consecutive days up to yesterday with at least that many trucks); facts `crisis`,
`done(H)`, `on_time(H)` (H: `releases[i]` or a label in quotes), `reached(STAGE)`;
comparisons `< <= > >= == !=`; `and`, `or`, `not`, parentheses.

```toml
[[conditions]]
name = "aid for bodies"             # aid falls to 300 trucks a day while bodies are owed
applies_to = "aid"
while = "bodies_owed > 0"
trucks_per_day = 300

[[conditions]]
name = "south after the day-7 handover"   # a withdrawal stage waits for a handover
applies_to = "withdrawal.south"
wait_until = "done(releases[1])"

[[conditions]]
name = "no talks in a crisis"       # the talks pause while a crisis lasts
applies_to = "talks"
while = "crisis"
pause = true
```"""

EXTENSIONS = """```toml
[truce]
window_days = 14        # observe two weeks
phase_days = 4          # a 4-day pause...
phase_name = "pause"

[extensions]
days_each = 1           # ...extended a day at a time
max_days = 3            # for at most 3 more days
living_per_day = 10     # each extension day buys 10 more living hostages
```

An extension of several days may be **bought at once** (`paid_at_once = true`, off by
default): all its releases (the per-day counts times `days_each`) come on its first day,
and it is bought only while that many are still held. `scenarios/pause-bought-at-once.toml`
extends a pause two days at a time for 10 living hostages on the first of them.

A deal may cover only some of the living hostages (say, women and children):
`eligible_living` counts them (0, the default: everyone held). Every living hostage
released under the deal is one of them, so an extension is bought only while enough of
them are still held, and the pause ends when too few are left ("too few hostages are
still held to pay for another extension"). `scenarios/pause-eligible.toml` covers 30 of
the 40 held: after the 20 of the schedule, two extension days at most."""

PHASE_END = """A phase that expires (no permanent agreement, no extension) is followed by a
return to war after a delay with probability `war_probability`, otherwise by a quiet
lapse. An open-ended ceasefire (`truce.open_ended = true`) has no verdict at its phase's
end: the talks go on, and a run still holding at the horizon ends as `ongoing`.

```toml
[truce]
window_days = 90
phase_days = 42
open_ended = true       # phase 1, then talks with no deadline
```"""

FLARE_UPS = """A flare-up is a run of days of mass-casualty strikes and attacks while the
truce formally holds. On a day the truce holds, with no crisis and no flare-up under way,
one starts with probability `chance_per_day` and lasts a geometric number of days (at
least one, mean `mean_days`). Each of its days adds Poisson deaths at its rates to those
of the day's incidents (counted as deaths while the truce held), and their tension at
`tension.per_palestinian_death` and `tension.per_israeli_death`. No crisis starts while
it lasts. On its last day mediators restore the truce with probability
`restore_probability` (tension is then brought down to `crisis.resolve_below` at most);
otherwise the truce collapses and war resumes the next day. Handovers, exchanges and the
withdrawal do not wait for a flare-up to end. Off unless a scenario sets a chance; its
outcomes (`flare_ups`, `flare_up_days`, `flare_up_deaths_palestinians`,
`flare_up_deaths_israelis`, `day_first_flare_up`) are recorded only then. Every default
is an assumption; scenarios/flare-ups.toml shows the mechanic.

```toml
[flare_ups]
chance_per_day = 0.03   # about one day in thirty
mean_days = 2.0
deaths_per_day_palestinians = 30.0
deaths_per_day_israelis = 0.5
restore_probability = 0.8
```"""

INTRO = """# Scenario file format

A scenario is a TOML file. Every key is optional except `releases` (a scenario must
state its handover schedule); a missing key takes the default below. Unknown keys, wrong
types and impossible values are errors naming the file, the key path and the line.

- `extends = "base.toml"` (top level) inherits every key of another file, relative to
  this one; the file then states only what it changes. Tables merge key by key; arrays
  (`releases`, `withdrawal.stages`, `conditions`) and the category table
  `exchange.prisoners_per_living_hostage` are replaced whole. A file that replaces
  `[[releases]]` or `withdrawal.stages` still inherits the parent's `[[conditions]]`; a
  condition that names a handover or stage the file no longer has is an error in that
  file, at the line where it replaced the list, saying which inherited condition it is
  (its file and line) and what to do: give the file its own `[[conditions]]`, or
  `conditions = []` to drop the inherited ones. Conditions are not dropped silently: a
  step that waits for another is part of the deal, and a file that loses it should say so.
- Every problem of a file is reported in one pass, each on its own line: unknown keys and
  wrong types, and the rules that span several keys (a handover on day 75 of a 60-day
  window). A rule that involves a key with a problem of its own is checked once that key
  is fixed.
- `trucesim run FILE --set KEY=VALUE` overrides one key for a run, e.g.
  `--set releases[0].living=6`, `--set aid.trucks_per_day_agreed=300`. Values are TOML
  (`--set 'handovers.bodies_mode="as_recovered"'`); a bare word is taken as text.
- Day 0 is the day the truce takes effect; "the window" is days 0 to `truce.window_days`.
- Confidence of a default: `agreed text` (in an agreement), `reported` (a party's or
  agency's report), `estimate` (inferred from reports), `assumption` (no source gives it).
  Sources [Sn] are listed in [sources.md](sources.md). "Plausible" is
  the range a user should normally stay in (not enforced; `trucesim params` flags values
  outside it). `trucesim params FILE` lists every parameter with its resolved value.
- "Allowed" is enforced: a value outside it, `inf`, `nan`, or a number of the wrong type
  is an error. The bounds are far wider than anything plausible; they keep every outcome
  the model computes within the range its statistics count exactly.
- Limits on a file: at most 1 MB, a regular file (not a directory, device or pipe),
  UTF-8 (a byte-order mark is allowed); at most 16 files in an `extends` chain; at most
  400 `releases`, 100 `withdrawal.stages` and 20 prisoner categories. `name` may hold
  only letters, digits, `_`, `-` and `.`, must not start with `.` and has at most 64
  characters (it names the results directory); `title`, `label` and stage names are one
  line of at most 200 characters and `description` at most 5,000; no text may hold
  control characters (such as the escape character of terminal sequences).

This file is generated by `python -m trucesim.scenario.docgen`; do not edit it by hand.
"""


def _default(info: FieldInfo) -> str:
    if info.is_required():
        return "required"
    value: Any = info.get_default(call_default_factory=True)
    if isinstance(value, BaseModel | tuple):
        return "see below" if isinstance(value, BaseModel) else "[]"
    if isinstance(value, dict):
        return ", ".join(f"{k} = {v:g}" for k, v in value.items()) or "{} (none)"
    if isinstance(value, bool):
        return str(value).lower()
    if value is None:
        return "none"
    return f'"{value}"' if isinstance(value, str) else f"{value:g}"


def _allowed(info: FieldInfo) -> str:
    """The enforced bounds of a number, e.g. '0 to 1', '> 0 to 1,000', '>= 0'."""
    found: dict[str, Any] = {}
    metadata = list(info.metadata)
    for arg in getattr(info.annotation, "__args__", ()):  # dict[str, Ratio]
        metadata += getattr(arg, "__metadata__", ())
        for inner in getattr(arg, "__metadata__", ()):
            metadata += getattr(inner, "metadata", [])
    for item in metadata:
        for bound in ("ge", "gt", "le", "lt"):
            value = getattr(item, bound, None)
            if value is not None:
                found[bound] = value
    low = (f"{found['ge']:,g}" if "ge" in found else
           f"> {found['gt']:,g}" if "gt" in found else "")
    high = (f"{found['le']:,g}" if "le" in found else
            f"< {found['lt']:,g}" if "lt" in found else "")
    if low and high:
        return f"{low} to {high}"
    return f">= {low}" if low and not low.startswith(">") else low or high


def _table(title: str, model: type[BaseModel], note: str = "",
           defaults: BaseModel | None = None,
           provenance: dict[str, Any] | None = None) -> list[str]:
    lines = [f"## `{title}`", ""]
    if model.__doc__ and model.__doc__.strip() and model is not Scenario:
        lines += [" ".join(model.__doc__.split()), ""]
    if note:
        lines += [note, ""]
    lines += ["| key | unit | default | plausible | allowed | meaning | source of the default "
              "(confidence) |", "|---|---|---|---|---|---|---|"]
    for name, info in model.model_fields.items():
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        if not extra:
            continue
        default = (f"{getattr(defaults, name):g}" if defaults is not None
                   else _default(info))
        source, confidence = extra.get("source", ""), extra.get("confidence", "")
        if provenance and name in provenance:
            source, confidence = provenance[name]
        source = source if source == confidence else f"{source} ({confidence})"
        span = extra.get("plausible")
        plausible = f"{span[0]:g} to {span[1]:g}" if isinstance(span, list) else ""
        lines.append(f"| `{info.alias or name}` | {extra.get('unit', '')} | {default} | "
                     f"{plausible} | {_allowed(info)} | {info.description} | {source} |")
    return [*lines, ""]


def render() -> str:
    parts = [INTRO, *_table("top level", Scenario)]
    for name, info in Scenario.model_fields.items():
        model = info.annotation
        if name == "releases":
            parts += _table("[[releases]]", Release, RELEASES)
        elif name == "conditions":
            parts += _table("[[conditions]]", Condition, CONDITIONS)
        elif name in ("extensions", "phase_end"):
            assert isinstance(model, type) and issubclass(model, BaseModel)
            parts += _table(name, model, EXTENSIONS if name == "extensions" else PHASE_END)
        elif name == "flare_ups":
            parts += _table(name, FlareUps, FLARE_UPS)
        elif name == "violations":
            parts += _table("violations", Violations)
            defaults = Violations()
            for side in ("israeli_forces", "palestinian_groups"):
                info = Violations.model_fields[side]
                extra = info.json_schema_extra if isinstance(info.json_schema_extra,
                                                             dict) else {}
                provenance = extra.get("provenance")
                parts += _table(f"violations.{side}", Side, info.description or "",
                                getattr(defaults, side),
                                provenance if isinstance(provenance, dict) else None)
        elif isinstance(model, type) and issubclass(model, BaseModel):
            parts += _table(name, model, {"handovers": HANDOVERS, "exchange": EXCHANGE,
                                          "aid": AID, "names": NAMES}.get(name, ""))
            if name == "withdrawal":
                parts += _table("[[withdrawal.stages]]", WithdrawalStage, STAGES)
    return "\n".join(parts).rstrip() + "\n"


if __name__ == "__main__":
    print(render(), end="")
