"""One replication told day by day, in plain and neutral words, for teaching.

The story is built from a replication's event log (:class:`trucesim.model.Event`) and its
daily trajectory: each handover (how many, on time or late and why, disputed or not),
each exchange tranche, each withdrawal stage, the day's incidents with the deaths the
model counts and the tension they cause, mediators, crises, a collapse, the talks, and
how the truce ends. Days on which nothing is logged are summarised together. Deaths are
the model's counts in this run, never reports. Rendering (console, markdown, HTML) is in
:mod:`trucesim.storytext`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from trucesim import storywords as w
from trucesim.engine import Replication
from trucesim.model import DAILY_SERIES, Event
from trucesim.schema import Scenario

NOTE = ("One illustrative run of the model under the scenario's stated assumptions, not a "
        "forecast. Deaths are the model's counts in this run, not reports.")
SIDES = {"israeli_forces": ("Israeli forces", "Palestinian"),
         "palestinian_groups": ("Palestinian armed groups", "Israeli")}
MEDIATORS = "mediators (US, Qatar, Egypt)"
PRISONERS = ("prisoner or detainee", "prisoners and detainees")


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


def tell(scenario: Scenario, rep: Replication, seed: int) -> Story:
    """The story of replication `rep` (simulated with log=True) of `scenario`."""
    teller = _Teller(scenario, rep)
    title = f"One run of {scenario.title or scenario.name}"
    subtitle = (f"Scenario {scenario.name}, seed {seed}, replication {rep.index}: "
                f"a {scenario.truce.window_days}-day truce window, day 0 = the truce "
                f"takes effect.")
    return Story(title, subtitle, NOTE, tuple(teller.entries()),
                 tuple(w.summary(scenario, rep)))


@dataclass
class _Pending:
    """A handover whose exchange tranche has not been released yet."""

    day: int
    label: str
    living: int
    bodies: int
    ready_day: int


@dataclass
class _Teller:
    s: Scenario
    rep: Replication
    living_held: int = 0
    bodies_held: int = 0
    share: float = 0.0
    slips: dict[str, int] = field(default_factory=dict)
    waited: set[str] = field(default_factory=set)
    pending: list[_Pending] = field(default_factory=list)
    told_threshold: bool = False

    def __post_init__(self) -> None:
        self.living_held = self.s.hostages.living_held
        self.bodies_held = self.s.hostages.bodies_held
        self.share = self.s.withdrawal.initial_share

    def entries(self) -> list[Entry]:
        window = self.s.truce.window_days
        by_day: dict[int, list[Event]] = {}
        for event in self.rep.events:
            by_day.setdefault(event.day, []).append(event)
        collapse = next((e.day for e in self.rep.events if e.kind == "collapse"), None)
        out = [Entry(0, 0, tuple(self.opening()))]
        day = 1
        while day <= window:
            if collapse is not None and day > collapse:
                out.append(Entry(day, window, tuple(self.war(day, by_day))))
                break
            if day in by_day:
                out.append(Entry(day, day, tuple(self.day(by_day[day]))))
                day += 1
                continue
            last = day
            while last + 1 <= window and last + 1 not in by_day and not (
                    collapse is not None and last + 1 > collapse):
                last += 1
            out.append(Entry(day, last, (self.quiet(day, last),)))
            day = last + 1
        return out

    def opening(self) -> list[Line]:
        s = self.s
        n = len(s.releases)
        scheduled = w.people(s.living_scheduled, s.bodies_scheduled)
        return [
            Line("quiet", f"The truce takes effect. {w.people(self.living_held, self.bodies_held)}"
                 f" are held in Gaza; the deal schedules {w.count(n, 'handover')} of {scheduled} "
                 f"in all."),
            Line("quiet", f"The army holds {w.pct(self.share)} of Gaza's territory. Aid: "
                 f"{s.aid.trucks_per_day_agreed:,.0f} trucks a day agreed."),
        ]

    def column(self, name: str) -> np.ndarray:
        return self.rep.daily[:, DAILY_SERIES.index(name)]

    def quiet(self, first: int, last: int) -> Line:
        aid = np.diff(self.column("aid_trucks_delivered"))[first - 1:last]
        open_days = aid[aid > 0]
        if not open_days.size:
            return Line("quiet", "No incidents. No aid enters: the crossings stay closed.")
        if open_days.size == 1 and aid.size == 1:
            return Line("quiet", f"No incidents. Aid: {aid[0]:,.0f} trucks enter.")
        text = f"No incidents. Aid: about {open_days.mean():,.0f} trucks a day"
        if open_days.size < aid.size:
            text += " on the days the crossings are open"
        return Line("quiet", text + ".")

    def day(self, events: list[Event]) -> list[Line]:
        """A day's sentences in log order; the day's incidents by both sides in one."""
        incidents = [e for e in events if e.kind == "incidents"]
        lines: list[Line] = []
        for e in events:
            if e.kind != "incidents":
                lines += self.event(e)
            elif e is incidents[0]:
                lines.append(self.incidents(incidents))
        return lines

    def event(self, e: Event) -> list[Line]:
        handler = getattr(self, f"on_{e.kind}", None)
        return handler(e) if handler is not None else []

    # releases ---------------------------------------------------------------------
    def on_slip(self, e: Event) -> list[Line]:
        label, delay = e.data["label"], e.data["delay"]
        self.slips[label] = delay
        return [Line("release", f"The {label} is late: it slips by {w.count(delay, 'day')} "
                     f"(tension +{self.s.tension.per_slipped_handover:g}).")]

    def on_paused(self, e: Event) -> list[Line]:
        what = e.data["what"]
        if e.actor == "releases":
            self.waited.add(what)
            return [Line("crisis", f"The {what} waits while the crisis lasts.")]
        if e.actor == "withdrawal":
            return [Line("crisis", f"The withdrawal to the '{what}' line waits while the "
                         "crisis lasts.")]
        return [Line("crisis", "A release of prisoners and detainees waits while the crisis "
                     "lasts.")]

    def on_handover(self, e: Event) -> list[Line]:
        d = e.data
        label, living, bodies, late = d["label"], d["living"], d["bodies"], d["late"]
        self.living_held -= living
        self.bodies_held -= bodies
        lag = self.s.exchange.verification_lag_days
        self.pending.append(_Pending(e.day, label, living, bodies, e.day + lag))
        if late == 0:
            timing = "on time"
        else:
            reasons = []
            if label in self.slips:
                reasons.append(f"it slipped {w.count(self.slips[label], 'day')}")
            if label in self.waited:
                reasons.append("it waited for the crisis to end")
            why = f" ({' and '.join(reasons)})" if reasons else ""
            timing = f"{w.count(late, 'day')} late{why}"
        still = f"Still held in Gaza: {w.people(self.living_held, self.bodies_held)}."
        if label == "recovered bodies":  # bodies_mode "as_recovered": no schedule to meet
            when = "" if late == 0 else f", {timing}"
            text = f"As they are recovered: {w.people(living, bodies)} handed over{when}. {still}"
        elif not living and not bodies:
            text = f"The {label} is due, with no one to hand over (no one it names is still held)."
        else:
            text = f"The {label}: {w.people(living, bodies)} handed over, {timing}. {still}"
        lines = [Line("release", text)]
        if d["disputed"]:
            lines.append(Line("crisis", f"The handover is disputed (in the model: over "
                              f"identities, ceremonies or lists); tension "
                              f"+{self.s.tension.per_dispute:g}."))
        return lines

    def on_cancelled(self, e: Event) -> list[Line]:
        return [Line("crisis", f"The {e.data['label']} does not take place: the truce has "
                     "collapsed.")]

    # exchange ---------------------------------------------------------------------
    def match(self, day: int) -> _Pending | None:
        """The handover a tranche released on `day` answers (first ready, in order)."""
        for p in self.pending:
            if p.ready_day <= day:
                self.pending.remove(p)
                return p
        return None

    def on_withheld(self, e: Event) -> list[Line]:
        day, days, total = e.day, e.data["days"], e.data["total"]
        source = next((p for p in self.pending
                       if p.day == day - self.s.exchange.verification_lag_days), None)
        if source is not None:
            source.ready_day = day + days
        if source is not None and not source.living and not source.bodies:
            what = "nothing was due under it"
        elif total:
            what = f"the release of {w.count(total, *PRISONERS)}"
        else:
            what = "the return of Palestinian bodies"
        part = (f"its part of the exchange for the {source.label}" if source is not None
                else "its part of the exchange")
        return [Line("exchange", f"Over the dispute, Israel withholds {part} ({what}) for "
                     f"{w.count(days, 'day')} (tension +{self.s.tension.per_withheld_tranche:g}).")]

    def on_tranche(self, e: Event) -> list[Line]:
        freed: dict[str, int] = e.data["freed"]
        returned = e.data["bodies_returned"]
        source = self.match(e.day)
        total = sum(freed.values())
        if not total and not returned:
            return []
        parts = []
        if total:
            detail = ", ".join(w.freed(n, k) for k, n in freed.items() if n)
            parts.append(f"frees {w.count(total, *PRISONERS)} ({detail})")
        if returned:
            parts.append(f"returns {w.count(returned, 'Palestinian body', 'Palestinian bodies')}")
        answer = f"In return for the {source.label}, " if source is not None else ""
        return [Line("exchange", f"{answer}Israel {' and '.join(parts)}.")]

    # withdrawal, aid --------------------------------------------------------------
    def on_stage(self, e: Event) -> list[Line]:
        before, self.share = self.share, e.data["share"]
        return [Line("withdrawal", f"The army pulls back to the '{e.data['name']}' line: it "
                     f"now holds {w.pct(self.share)} of Gaza (it held {w.pct(before)}).")]

    def on_closure(self, e: Event) -> list[Line]:
        return [Line("aid", f"After an attack, the crossings close for "
                     f"{w.count(e.data['days'], 'day')}: no aid enters.")]

    def on_halt(self, e: Event) -> list[Line]:
        return [Line("aid", f"Aid is halted as leverage during the crisis (tension "
                     f"+{self.s.tension.per_aid_halt_day:g}).")]

    # violence ---------------------------------------------------------------------
    def incidents(self, events: list[Event]) -> Line:
        """Both sides' incidents of one day, the deaths the model counts, the tension."""
        t = self.s.tension
        parts, added = [], 0.0
        for e in events:
            who, victims = SIDES[e.data["side"]]
            n, k = e.data["count"], e.data["deaths"]
            toll = f"the model counts {w.count(k, f'{victims} death')}" if k else "no deaths"
            parts.append(f"{w.count(n, 'incident')} initiated by {who} ({toll})")
            added += t.per_incident * n + t.per_death * k
        # the crisis test comes at the end of the day, after tension has faded a little
        now = float(self.column("tension")[events[0].day])
        text = f"{'; '.join(parts)}. Tension +{added:.1f}; at the end of the day it is {now:.1f}"
        threshold = self.s.crisis.threshold
        if not self.told_threshold or now >= 0.75 * threshold:
            self.told_threshold = True
            text += f" (a crisis starts at {threshold:g})"
        text += "."
        return Line("violence", text[0].upper() + text[1:])

    # mediation and crisis ---------------------------------------------------------
    def on_engaged(self, e: Event) -> list[Line]:
        m = self.s.mediation
        when = ("and act at once" if m.response_delay_days == 0 else
                f"and act from day {e.day + m.response_delay_days} if it stays high")
        return [Line("mediation", f"With tension at {e.data['tension']:.1f} (threshold "
                     f"{m.engage_threshold:g}), {MEDIATORS} engage {when}.")]

    def on_crisis(self, e: Event) -> list[Line]:
        c = self.s.crisis
        return [Line("crisis", f"Tension reaches {e.data['tension']:.1f}, above "
                     f"{c.threshold:g}: a crisis begins. Handovers, releases and the "
                     f"withdrawal wait; each day of crisis carries a "
                     f"{c.collapse_hazard_per_day:.0%} chance of collapse, and a crisis "
                     f"unresolved after {w.count(c.max_days, 'day')} collapses the truce.")]

    def on_resolved(self, e: Event) -> list[Line]:
        return [Line("mediation", f"The crisis is resolved after {w.count(e.data['days'], 'day')}: "
                     f"tension is down to {e.data['tension']:.1f} (below "
                     f"{self.s.crisis.resolve_below:g}).")]

    def on_collapse(self, e: Event) -> list[Line]:
        s = self.s
        cf = s.counterfactual
        days = e.data["days_in_crisis"]  # days since the crisis began
        why = (f"unresolved after {w.count(s.crisis.max_days, 'day')}" if days >= s.crisis.max_days
               else f"by chance: each day of crisis carries a "
                    f"{s.crisis.collapse_hazard_per_day:.0%} risk of collapse")
        return [Line("crisis", f"The truce collapses on day {days + 1} of the crisis ({why})."
                     f" In the model, war resumes the next day at the scenario's "
                     f"no-truce rates ({cf.deaths_per_day_palestinians:g} Palestinian and "
                     f"{cf.deaths_per_day_israelis:g} Israeli deaths a day on average), the "
                     f"army returns to holding {w.pct(s.withdrawal.share_after_collapse)} of "
                     f"Gaza, and aid falls to {s.aid.trucks_per_day_after_collapse:,.0f} "
                     f"trucks a day.")]

    def war(self, first: int, by_day: dict[int, list[Event]]) -> list[Line]:
        last = self.s.truce.window_days
        lines = [line for day in range(first, last + 1) for e in by_day.get(day, ())
                 for line in self.event(e)]
        pal, isr = (self.column(c) for c in ("deaths_palestinians", "deaths_israelis"))
        lines.append(Line("crisis", f"War (in the model). Over these days the model counts "
                          f"{w.count(pal[last] - pal[first - 1], 'Palestinian death')} and "
                          f"{w.count(isr[last] - isr[first - 1], 'Israeli death')}."))
        return lines

    # talks ------------------------------------------------------------------------
    def on_start(self, e: Event) -> list[Line]:
        return [Line("talks", "Talks on a permanent ceasefire begin.")]

    def on_agreement(self, e: Event) -> list[Line]:
        return [Line("talks", "The talks reach agreement on a permanent ceasefire.")]

    def on_end(self, e: Event) -> list[Line]:
        n = self.s.negotiations
        state, progress = e.data["state"], e.data["progress"]
        window = f"The {self.s.truce.window_days}-day window ends"
        if state == "permanent":
            text = f"{window}: with the agreement reached, the truce becomes a permanent ceasefire."
        elif state == "extended":
            text = (f"{window}. The talks have come {progress:.0%} of the way to an agreement "
                    f"({n.extension_threshold:.0%} counts as serious): the truce is extended.")
        elif progress >= n.extension_threshold:
            text = (f"{window}. The talks have come {progress:.0%} of the way, enough to count "
                    f"as serious, but no extension is agreed: the truce expires.")
        else:
            text = (f"{window}. The talks have come {progress:.0%} of the way to an agreement, "
                    f"short of the {n.extension_threshold:.0%} that counts as serious: the "
                    f"truce expires.")
        return [Line("end", text)]


def days_told(story: Story) -> Sequence[tuple[int, int]]:
    """(first, last) day of each entry, in order: a compact view of the story's shape."""
    return [(e.first, e.last) for e in story.entries]
