"""A record's observations as quantities the model also produces, for the backtest.

Each entry of a record (:mod:`.history`) becomes a :class:`Quantity`: a cumulative count
on a day (hostages released, prisoners freed, deaths on each side, Palestinian bodies
returned, aid trucks, incidents; read from each replication's daily trajectory), a share
on a day (territory held), the day of a milestone (a withdrawal stage, aid held back
after the phase, war resumed, the phase's end when not on its agreed day) or that it had
not come by a day (a stage still not completed, war not resumed: qualifier "later
than"), a count at the horizon (incidents by side, what was still owed), or how the
agreed phase ended. What the scenario cannot produce is listed as not compared, with why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from trucesim.analysis.history import Entry, Record, Reported, Share, StageDone
from trucesim.model import actors
from trucesim.scenario.schema import Scenario

Group = Literal["schedule", "dynamics"]


@dataclass(frozen=True)
class Quantity:
    """One observed quantity and how to read the same quantity from a replication."""

    name: str
    group: Group
    unit: str
    observed: float | str
    reports: tuple[float, ...]
    qualifier: str
    day: int | None
    sources: tuple[str, ...]
    note: str
    read: tuple[str, str, int]  # (daily, series, day) | (field|category, name, 0)
    range: tuple[float, ...] = ()  # (low, high) where the sources give a range
    share: float = 1.0  # of the quantity read: a channel's count of the aid trucks


HORIZON = "horizon"  # read ("horizon", field, day): a field, compared only on its last day


def _entry(e: Entry) -> tuple[tuple[str, ...], str]:
    return tuple(e.sources), e.note


def _reported(out: list[Quantity], series: str, label: str, unit: str,
              entries: Sequence[Reported] | Sequence[Share]) -> None:
    for r in entries:
        out.append(_figure(r, f"{label} {r.day}", unit, ("daily", series, r.day)))


def _figure(r: Reported | Share, name: str, unit: str, read: tuple[str, str, int],
            group: Group = "dynamics") -> Quantity:
    sources, note = _entry(r)
    note = "; ".join(x for x in (r.reported_by, note) if x)
    return Quantity(name, group, unit, r.value, tuple(r.reports), r.qualifier, r.day,
                    sources, note, read, tuple(r.range) if isinstance(r, Reported) else ())


def _at_horizon(record: Record, out: list[Quantity]) -> None:
    """Incidents (by side: kept only at the horizon) and what was still owed."""
    for r in record.incidents:
        read = (("daily", "incidents", r.day) if r.side == "both"
                else (HORIZON, f"incidents_{r.side}", r.day))
        side = "" if r.side == "both" else f" ({r.side.replace('_', ' ')})"
        out.append(_figure(r, f"incidents{side} by day {r.day}", "incidents", read))
    for o in record.owed:
        unit = "bodies" if o.what.endswith("bodies") else "persons"
        out.append(_figure(o, f"owed {o.what.replace('_', ' ')} on day {o.day}", unit,
                           (HORIZON, f"owed_{o.what}", o.day), "schedule"))


def _channels(record: Record, scenario: Scenario, out: list[Quantity]) -> list[str]:
    """Aid counted by one channel: its share of the trucks by that day; those from a
    channel the scenario does not name, not compared (returned, with why)."""
    skipped = []
    for a in record.aid:
        if not a.channel:
            continue
        name = f"aid trucks by day {a.day} ({a.channel})"
        if a.channel not in scenario.aid.channels:
            known = ", ".join(sorted(scenario.aid.channels)) or "none"
            skipped.append(f"{name}: the scenario has no aid channel '{a.channel}' (its "
                           f"aid.channels: {known})")
            continue
        q = _figure(a, name, "trucks", ("daily", "aid_trucks_delivered", a.day))
        out.append(replace(q, share=scenario.aid.channels[a.channel]))
    return skipped


def _not_by(entry: Entry, name: str, group: Group, field: str) -> Quantity:
    """A milestone that had not come by the entry's day (positions kept, war not
    resumed)."""
    sources, note = _entry(entry)
    return Quantity(f"{name} by day {entry.day}", group, "day", entry.day, (), "later than",
                    entry.day, sources, note, ("field", field, 0))


def _schedule(record: Record, out: list[Quantity]) -> None:
    living = bodies = outside = 0
    for h in record.handovers:
        living, bodies, outside = living + h.living, bodies + h.bodies, outside + h.outside_deal
        sources, note = _entry(h)
        note = "; ".join(x for x in (h.who, note) if x)
        if h.living:
            out.append(Quantity(f"living out by day {h.day}", "schedule", "persons", living,
                                (), "", h.day, sources, note,
                                ("daily", "living_released", h.day)))
        if h.bodies:
            out.append(Quantity(f"bodies out by day {h.day}", "schedule", "bodies", bodies,
                                (), "", h.day, sources, note,
                                ("daily", "bodies_released", h.day)))
    if outside:
        days = [h.day for h in record.handovers if h.outside_deal]
        sources = tuple(s for h in record.handovers if h.outside_deal for s in h.sources)
        out.append(Quantity("out outside the deal", "schedule", "persons", outside, (), "",
                            None, sources, f"on day(s) {days}",
                            ("field", "living_released_outside_deal", 0)))
    freed = 0
    for p in record.prisoner_releases:
        before, freed = freed, freed + p.count
        sources, note = _entry(p)
        out.append(Quantity(f"prisoners by day {p.day}", "schedule", "persons", freed,
                            tuple(before + r for r in p.reports), "", p.day, sources, note,
                            ("daily", "detainees_freed", p.day)))
    for w in record.withdrawal:
        out.append(_stage(w))


def _stage(w: StageDone) -> Quantity:
    field = f"day_withdrawal_{w.stage}"
    if not w.completed:
        return _not_by(w, f"{w.stage} not done", "schedule", field)
    sources, note = _entry(w)
    return Quantity(f"{w.stage} done, day", "schedule", "day", w.day, (), "", w.day, sources,
                    note, ("field", field, 0))


def _ending(record: Record, scenario: Scenario, out: list[Quantity]) -> None:
    e = record.ending
    if e is None:
        return
    if e.phase_end is not None and e.phase_end_state is not None:
        sources, note = _entry(e.phase_end)
        out.append(Quantity(f"phase end (day {e.phase_end.day})", "dynamics", "",
                            e.phase_end_state, (), "", e.phase_end.day, sources, note,
                            ("category", "end_state", 0)))
        if e.phase_end.day != (scenario.truce.phase_days or scenario.truce.window_days):
            # ended on another day than agreed (extended, or cut short): a fact of its own
            out.append(Quantity("phase ended, day", "dynamics", "day", e.phase_end.day, (),
                                "", e.phase_end.day, sources, note, ("field", "end_day", 0)))
    if e.extension_days is not None:
        out.append(_figure(e.extension_days, "extension days", "days",
                           ("field", "extension_days", 0)))
    for label, entry, field in (("aid held back after the phase, day", e.aid_halted,
                                 "day_aid_held_back"),
                                ("war resumed, day", e.fighting_resumed, "day_war_resumed")):
        if entry is not None:
            sources, note = _entry(entry)
            out.append(Quantity(label, "dynamics", "day", entry.day, (), "", entry.day,
                                sources, note, ("field", field, 0)))
    if e.fighting_not_resumed is not None:
        out.append(_not_by(e.fighting_not_resumed, "war not resumed", "dynamics",
                           "day_war_resumed"))


def quantities(record: Record, scenario: Scenario) -> tuple[list[Quantity], list[str]]:
    """The record's observations as model quantities, and those left out (with why)."""
    out: list[Quantity] = []
    _schedule(record, out)
    _reported(out, "deaths_palestinians", "deaths by day", "deaths", record.deaths)
    said = scenario.names
    _reported(out, "deaths_israelis", f"{said.army_people} deaths by day", "deaths",
              record.israeli_deaths)
    _reported(out, "bodies_returned", f"{said.groups_people} bodies returned by day", "bodies",
              record.palestinian_bodies_returned)
    _reported(out, "aid_trucks_delivered", "aid trucks by day", "trucks",
              [a for a in record.aid if not a.channel])
    skipped = _channels(record, scenario, out)
    _reported(out, "territory_share_held", "territory held on day", "share",
              record.territory)
    _at_horizon(record, out)
    _ending(record, scenario, out)
    window = scenario.truce.window_days
    names = {f.name for f in actors.fields(scenario)}
    kept: list[Quantity] = []
    for q in out:
        kind, name, day = q.read
        if kind == "daily" and day > window:
            skipped.append(f"{q.name}: after the scenario's window (day {window})")
        elif kind == HORIZON and day != window:
            skipped.append(f"{q.name}: the model keeps this count only at its horizon (day "
                           f"{window})")
        elif kind != "daily" and name not in names:
            skipped.append(f"{q.name}: the scenario has no outcome '{name}'")
        else:
            kept.append(replace(q, read=("field", name, 0)) if kind == HORIZON else q)
    return kept, skipped
