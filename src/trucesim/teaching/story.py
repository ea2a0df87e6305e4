"""One replication told day by day, in plain and neutral words, for teaching.

The story reads the run's typed events (each actor's, :mod:`trucesim.model.actors`),
which carry what their sentences need and tell themselves (``lines``), and the run's
daily series: days on which nothing is logged are summarised together, and after a
collapse the days of war are summed up. Deaths are the model's counts in this run, never
reports. Rendering (console, markdown, HTML) is in :mod:`trucesim.teaching.render`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from trucesim import fmt
from trucesim.model.events import Event
from trucesim.run.engine import Replication
from trucesim.scenario.names import Names
from trucesim.scenario.schema import Scenario

NOTE = ("One illustrative run of the model under the scenario's stated assumptions, not a "
        "forecast. Deaths are the model's counts in this run, not reports.")


@dataclass(frozen=True)
class Line:
    """One sentence of the story; `kind` says what it is about (for colour)."""

    kind: str  # release, exchange, withdrawal, violence, aid, mediation, crisis, talks, end, quiet
    text: str


@dataclass(frozen=True)
class Entry:
    """What happened on day `first` (or, for a quiet stretch, days first..last)."""

    first: int
    last: int
    lines: tuple[Line, ...]

    @property
    def label(self) -> str:
        return f"Day {self.first}" if self.first == self.last else \
            f"Days {self.first}-{self.last}"


@dataclass(frozen=True)
class Story:
    title: str
    subtitle: str
    note: str
    entries: tuple[Entry, ...]
    summary: tuple[str, ...]


@dataclass
class Narration:
    """What an event's wording may look at besides the event (model.events.Narration)."""

    scenario: Scenario
    rep: Replication
    memo: dict[str, Any] = field(default_factory=dict)

    def tension(self, day: int) -> float:
        return float(self.rep.column("tension")[day])

    def tell(self, events: Sequence[Event]) -> list[Line]:
        return [Line(kind, text) for e in events for kind, text in e.lines(self)]


def tell(scenario: Scenario, rep: Replication, seed: int) -> Story:
    """The story of replication `rep` (simulated with log=True) of `scenario`."""
    title = f"One run of {scenario.title or scenario.name}"
    subtitle = (f"Scenario {scenario.name}, seed {seed}, replication {rep.index}: "
                f"a {scenario.truce.window_days}-day truce window, day 0 = the truce "
                f"takes effect.")
    return Story(title, subtitle, NOTE, tuple(entries(scenario, rep)),
                 tuple(closing(scenario, rep)))


def entries(s: Scenario, rep: Replication) -> list[Entry]:
    """Day 0, then each day with events, quiet stretches, and the days of war together."""
    n = Narration(s, rep)
    window = s.truce.window_days
    by_day: dict[int, list[Event]] = {}
    for event in rep.events:
        by_day.setdefault(event.day, []).append(event)
    war = rep.record["day_war_resumed"]  # the days from then on are told together
    assert war is None or isinstance(war, int)
    out = [Entry(0, 0, tuple(opening(s)))]
    day = 1
    while day <= window:
        if war is not None and day >= war:
            told = [e for d in range(day, window + 1) for e in by_day.get(d, ())]
            summed = war_summary(s.names, rep, day, window)
            out.append(Entry(day, window, (*n.tell(told), summed)))
            break
        if day in by_day:
            out.append(Entry(day, day, tuple(n.tell(by_day[day]))))
            day += 1
            continue
        last = day
        while last + 1 <= window and last + 1 not in by_day and not (
                war is not None and last + 1 >= war):
            last += 1
        out.append(Entry(day, last, (quiet(s, rep, day, last),)))
        day = last + 1
    return out


def opening(s: Scenario) -> list[Line]:
    scheduled = fmt.people(s.living_scheduled, s.bodies_scheduled)
    held = fmt.people(s.hostages.living_held, s.hostages.bodies_held)
    where = s.names.territory
    hostages = (f"{held} are held in {where}; the deal schedules "
                f"{fmt.count(len(s.releases), 'handover')} of {scheduled} in all."
                if s.concerns_hostages else "The deal concerns no hostages.")
    aid = (f"Aid: {s.aid.trucks_per_day_agreed:,.0f} trucks a day agreed."
           if s.aid.trucks_per_day_agreed else "The deal agrees no aid.")
    return [
        Line("quiet", f"The truce takes effect. {hostages}"),
        Line("quiet", f"The army holds {fmt.percent(s.withdrawal.initial_share)} of {where}. "
             f"{aid}"),
    ]


def quiet(s: Scenario, rep: Replication, first: int, last: int) -> Line:
    """Days with no event: no incidents, and the aid that entered (if the deal agrees
    any)."""
    aid = np.diff(rep.column("aid_trucks_delivered"))[first - 1:last]
    open_days = aid[aid > 0]
    if not open_days.size and not s.aid.trucks_per_day_agreed:
        return Line("quiet", "No incidents.")
    if not open_days.size:
        return Line("quiet", "No incidents. No aid enters: the crossings stay closed.")
    if open_days.size == 1 and aid.size == 1:
        return Line("quiet", f"No incidents. Aid: {aid[0]:,.0f} trucks enter.")
    text = f"No incidents. Aid: about {open_days.mean():,.0f} trucks a day"
    if open_days.size < aid.size:
        text += " on the days the crossings are open"
    return Line("quiet", text + ".")


def war_summary(names: Names, rep: Replication, first: int, last: int) -> Line:
    """Days of war after the truce broke down or lapsed, summed up."""
    pal, isr = (rep.column(c) for c in ("deaths_palestinians", "deaths_israelis"))
    return Line("crisis", f"War (in the model). Over these days the model counts "
                f"{fmt.count(pal[last] - pal[first - 1], names.groups_death)} and "
                f"{fmt.count(isr[last] - isr[first - 1], names.army_death)}.")


def closing(s: Scenario, rep: Replication) -> list[str]:
    """The closing totals of one run, in sentences."""
    r = rep.record

    def num(key: str) -> float:
        value = r[key]
        assert isinstance(value, int | float), key
        return float(value)

    count, pct, names = fmt.count, fmt.percent, s.names
    name, day = s.truce.phase_name, r["end_day"]
    ended = {"permanent": f"the {name} became a permanent ceasefire on day {day}",
             "extended": f"the {name} was extended on day {day}",
             "expired": f"the {name} expired on day {day}",
             "ongoing": f"the {name} was still holding at the end of the window, the talks "
                        "going on",
             "collapsed": f"the truce collapsed on day {day}"}[str(r["end_state"])]
    if r["day_war_resumed"] is not None and r["end_state"] != "collapsed":
        ended += f"; fighting resumed on day {r['day_war_resumed']}"
    owed = [x for x in (
        fmt.people(int(num("owed_living_hostages")), int(num("owed_hostage_bodies"))),
        count(num("owed_prisoners"), *fmt.PRISONERS) if num("owed_prisoners") else "",
        count(num("owed_palestinian_bodies"), f"{names.groups_people} body",
              f"{names.groups_people} bodies")
        if num("owed_palestinian_bodies") else "") if x and x != "no one"]
    by_category = ", ".join(fmt.freed(num(f"detainees_freed_{c}"), c)
                            for c in s.exchange.prisoners_per_living_hostage)
    total = count(num("detainees_freed_total"), *fmt.PRISONERS)
    exchanged = f"{total} ({by_category})" if num("detainees_freed_total") else "none"
    pal, isr = num("deaths_palestinians"), num("deaths_israelis")
    pal_truce, isr_truce = num("deaths_palestinians_truce"), num("deaths_israelis_truce")
    deaths = (f"Deaths: in this run, the model counts {count(pal, names.groups_death)} and "
              f"{count(isr, names.army_death)} over the window")
    if (pal, isr) != (pal_truce, isr_truce):
        deaths += f" ({pal_truce:,.0f} and {isr_truce:,.0f} while the truce held)"
    deaths += (f"; against the scenario's no-truce rates, about {num('deaths_averted'):,.0f} "
               f"deaths averted.")
    still = fmt.people(int(num("living_still_held")), int(num("bodies_still_held")))
    aid = (f"Aid: {num('aid_trucks_delivered'):,.0f} trucks entered of "
           f"{num('aid_trucks_agreed'):,.0f} agreed ({pct(num('aid_share_of_agreed'))}); "
           f"halted {count(num('aid_halt_days'), 'day')}, crossings closed "
           f"{count(num('aid_closed_days'), 'day')}." if num("aid_trucks_agreed") else
           f"Aid: none agreed; {num('aid_trucks_delivered'):,.0f} trucks entered.")
    returned = count(num("bodies_returned"), f"{names.groups_people} body",
                     f"{names.groups_people} bodies")
    bought = [e for e in rep.events if getattr(e, "kind", "") == "extension"]
    living_bought = sum(int(getattr(e, "living", 0)) for e in bought)
    bodies_bought = sum(int(getattr(e, "bodies", 0)) for e in bought)
    released = (f"Released: {num('living_released') - living_bought:.0f} of "
                f"{s.living_scheduled} scheduled living hostages")
    if s.bodies_scheduled or num("bodies_released") > bodies_bought:
        released += (f" and {num('bodies_released') - bodies_bought:.0f} of "
                     f"{s.bodies_scheduled} scheduled bodies")
    if bought:
        released += f", and {fmt.people(living_bought, bodies_bought)} under extensions"
    hostages = [
        f"{released}; still held in {names.territory} at the end: {still}.",
        f"Freed in exchange: {exchanged}; "
        f"{returned} returned.",
    ] if s.concerns_hostages else []
    return [
        f"How it ended: {ended}.",
        *hostages,
        f"Territory: the army holds {pct(num('territory_share_end'))} of {names.territory} "
        "at the end "
        f"({pct(s.withdrawal.initial_share)} at the start).",
        aid,
        f"Incidents: {num('incidents_israeli_forces'):,.0f} attributed to {names.army}, "
        f"{num('incidents_palestinian_groups'):,.0f} to {names.groups}.",
        deaths,
        f"Crises: {num('crises'):.0f} ({count(num('crisis_days'), 'day')} in crisis); highest "
        f"tension {num('max_tension'):.1f}.",
        "Still owed under the deal at the end of the window: " + (", ".join(owed) or "nothing")
        + ".",
    ]


def days_told(story: Story) -> Sequence[tuple[int, int]]:
    """(first, last) day of each entry, in order: a compact view of the story's shape."""
    return [(e.first, e.last) for e in story.entries]
