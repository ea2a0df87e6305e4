"""Historical records as data: what was reported to have happened during a real truce.

A record (e.g. data/records/jan-2025.toml) lists handovers of hostages, prisoners freed,
cumulative deaths and aid reported by given days, withdrawal stages completed, and how
the truce ended, each with its sources and, where reports conflict, every reported
figure. It is validated like a scenario: unknown keys, wrong types and inconsistent
entries (a date that is not the stated day, a figure missing from its own reports) are
errors naming the file, the key path and the line. :mod:`trucesim.analysis.backtest` compares a
record with a historical scenario's replications.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from trucesim.scenario.deal import MAX_DAYS, MAX_PERSONS
from trucesim.scenario.load import Issue, issue_at, validation_issue
from trucesim.scenario.schema import Scenario
from trucesim.scenario.section import Label, Name, Prose
from trucesim.scenario.toml import KeyPath, SourceError, read_file

EndState = Literal["permanent", "extended", "expired", "collapsed", "ongoing"]
_SOURCE = re.compile(r"^S\d+$")
MAX_ENTRIES = 1000  # entries in one list of a record


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


MAX_COUNT = 10_000_000  # any reported count (people, trucks)


class Entry(_Strict):
    """Something reported on a given day of the truce (day 1 = the record's day_one)."""

    day: int = Field(ge=0, le=MAX_DAYS, description="Day of the truce (day_one is day 1).")
    date: dt.date = Field(description="Calendar date; must agree with day.")
    sources: list[Label] = Field(min_length=1, max_length=100,
                                 description="Source keys, e.g. ['S29'].")
    note: Prose = ""


class Handover(Entry):
    living: int = Field(0, ge=0, le=MAX_PERSONS,
                        description="Living hostages of the deal released.")
    bodies: int = Field(0, ge=0, le=MAX_PERSONS,
                        description="Bodies of hostages of the deal released.")
    outside_deal: int = Field(0, ge=0, le=MAX_PERSONS,
                              description="Living hostages released outside it.")
    who: Label = ""


class PrisonerRelease(Entry):
    count: int = Field(ge=0, le=MAX_COUNT, description="Prisoners and detainees freed that day.")
    reports: list[Annotated[int, Field(ge=0, le=MAX_COUNT)]] = Field(
        default_factory=list, max_length=100,
        description="Every figure reported, when reports conflict.")


class Reported(Entry):
    """A cumulative count reported by a day (deaths since the truce began, aid trucks)."""

    value: float = Field(ge=0, le=MAX_COUNT)
    reports: list[Annotated[float, Field(ge=0, le=MAX_COUNT)]] = Field(default_factory=list,
                                                                       max_length=100)
    qualifier: Literal["", "more than", "about"] = ""
    range: list[Annotated[float, Field(ge=0, le=MAX_COUNT)]] = Field(
        default_factory=list, max_length=2,
        description="[low, high] where sources give a range, or disagree: inside if the "
        "model's interval meets it.")
    reported_by: Label = ""


class Incidents(Reported):
    """Violations (incidents) reported since the truce began, by that day."""

    side: Literal["both", "israeli_forces", "palestinian_groups"] = "both"


class AidCount(Reported):
    """Aid trucks reported to have entered since the truce began, by that day: all of
    them, or those one channel counts (named as in the scenario's aid.channels)."""

    channel: Label = ""


class Owed(Reported):
    """What was due under the deal and not yet delivered on that day (the horizon)."""

    what: Literal["living_hostages", "hostage_bodies", "prisoners", "palestinian_bodies"]


class Share(Entry):
    """The share of Gaza held by the army, as reported on a day."""

    value: float = Field(ge=0, le=1)
    reports: list[Annotated[float, Field(ge=0, le=1)]] = Field(default_factory=list,
                                                               max_length=100)
    qualifier: Literal["", "more than", "about"] = ""
    reported_by: Label = ""


class StageDone(Entry):
    stage: Label = Field(description="Name of the withdrawal stage in the scenario.")
    completed: bool = Field(True, description="false: still not completed on this day "
                            "(positions kept).")


class Ending(_Strict):
    phase_end_state: EndState | None = None
    phase_end: Entry | None = None
    extension_days: Reported | None = None  # days added to the phase by extensions
    aid_halted: Entry | None = None
    fighting_resumed: Entry | None = None  # war resumed on this day
    fighting_not_resumed: Entry | None = None  # war had not resumed by this day


class Record(_Strict):
    """What happened during one truce, as reported."""

    name: Name
    title: Label = ""
    scenario: Label = Field("", description="The historical scenario, relative to this file.")
    day_one: dt.date
    handovers: list[Handover] = Field(default_factory=list, max_length=MAX_ENTRIES)
    prisoner_releases: list[PrisonerRelease] = Field(default_factory=list,
                                                     max_length=MAX_ENTRIES)
    deaths: list[Reported] = Field(  # Palestinian, cumulative
        default_factory=list, max_length=MAX_ENTRIES)
    israeli_deaths: list[Reported] = Field(  # cumulative
        default_factory=list, max_length=MAX_ENTRIES)
    palestinian_bodies_returned: list[Reported] = Field(  # cumulative
        default_factory=list, max_length=MAX_ENTRIES)
    aid: list[AidCount] = Field(default_factory=list, max_length=MAX_ENTRIES)
    territory: list[Share] = Field(default_factory=list, max_length=MAX_ENTRIES)
    incidents: list[Incidents] = Field(default_factory=list, max_length=MAX_ENTRIES)
    owed: list[Owed] = Field(default_factory=list, max_length=MAX_ENTRIES)
    withdrawal: list[StageDone] = Field(default_factory=list, max_length=MAX_ENTRIES)
    ending: Ending | None = None


class RecordError(Exception):
    """A record that cannot be used; `issues` lists every problem found."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))


def load(path: str | Path) -> Record:
    """Read and validate a record file; raise RecordError listing every problem."""
    path = Path(path)
    shown = str(path)
    try:
        data, lines = read_file(path)
    except SourceError as exc:
        raise RecordError([Issue(exc.file, "", exc.message, exc.line)]) from None
    try:
        record = Record.model_validate(data)
    except ValidationError as exc:
        raise RecordError([validation_issue(shown, lines, err) for err in exc.errors()]) from None
    problems = check(record)
    if problems:
        raise RecordError([issue_at(shown, lines, p, m) for p, m in problems])
    return record


def stage_issues(record: Record, scenario: Scenario, record_file: str | Path) -> list[Issue]:
    """Entries of the record naming a withdrawal stage the scenario does not have, each
    located in the record file."""
    names = {s.name for s in scenario.withdrawal.stages}
    unknown = [i for i, w in enumerate(record.withdrawal) if w.stage not in names]
    if not unknown:
        return []
    shown = str(record_file)
    _, lines = read_file(Path(record_file))
    known = ", ".join(sorted(names)) or "none"
    return [issue_at(shown, lines, ("withdrawal", i, "stage"), f"the scenario has no withdrawal "
                f"stage {record.withdrawal[i].stage!r} (it has: {known})") for i in unknown]


def scenario_path(record: Record, record_file: str | Path) -> Path | None:
    """The record's historical scenario, resolved relative to the record file."""
    return Path(record_file).parent / record.scenario if record.scenario else None


SECTIONS = ("handovers", "prisoner_releases", "deaths", "israeli_deaths",
            "palestinian_bodies_returned", "aid", "territory", "incidents", "owed",
            "withdrawal")
ENDING = ("phase_end", "extension_days", "aid_halted", "fighting_resumed",
          "fighting_not_resumed")


def check(record: Record) -> list[tuple[KeyPath, str]]:
    """Rules across keys: dates agree with days, sources are [Sn] keys, reports agree."""
    entries: list[tuple[KeyPath, Entry]] = [((section, i), e) for section in SECTIONS
                                             for i, e in enumerate(getattr(record, section))]
    if record.ending is not None:
        entries += [(("ending", key), getattr(record.ending, key)) for key in ENDING
                    if getattr(record.ending, key) is not None]
    out = [p for at, entry in entries for p in _entry_issues(record, at, entry)]
    for i, h in enumerate(record.handovers):
        if h.living == h.bodies == h.outside_deal == 0:
            out.append((("handovers", i), "a handover must release someone"))
    done = {w.stage: w.day for w in record.withdrawal if w.completed}
    out += [(("withdrawal", i, "day"), f"{w.stage} was completed on day {done[w.stage]}: it "
             f"cannot be still not completed on day {w.day}")
            for i, w in enumerate(record.withdrawal)
            if not w.completed and done.get(w.stage, w.day + 1) <= w.day]
    out += _ending_issues(record.ending)
    return out


def _entry_issues(record: Record, at: KeyPath, entry: Entry) -> list[tuple[KeyPath, str]]:
    """Its date is its day; its sources are source keys; its figure is one it reports."""
    out: list[tuple[KeyPath, str]] = []
    expected = record.day_one + dt.timedelta(days=entry.day - 1)
    if entry.date != expected:
        day = (entry.date - record.day_one).days + 1
        out.append(((*at, "date"), f"{entry.date} is day {day} counting {record.day_one} "
                    f"as day 1, not day {entry.day}"))
    out += [((*at, "sources", k), f"{source!r} is not a source key like 'S29'")
            for k, source in enumerate(entry.sources) if not _SOURCE.match(source)]
    if isinstance(entry, PrisonerRelease | Reported | Share):
        value = entry.count if isinstance(entry, PrisonerRelease) else entry.value
        if entry.reports and value not in entry.reports:
            out.append(((*at, "reports"), f"the figure used ({value:g}) must be one of the "
                        "reported figures"))
    if isinstance(entry, Reported) and entry.range:
        if len(entry.range) != 2 or not entry.range[0] <= entry.value <= entry.range[1]:
            out.append(((*at, "range"), "give range = [low, high] with the figure used "
                        f"({entry.value:g}) between them"))
        elif entry.qualifier == "more than":
            out.append(((*at, "range"), "a range and qualifier = \"more than\" say different "
                        "things: give one"))
    return out


def _ending_issues(e: Ending | None) -> list[tuple[KeyPath, str]]:
    if e is None:
        return []
    out: list[tuple[KeyPath, str]] = []
    if (e.phase_end is None) != (e.phase_end_state is None):
        out.append((("ending",), "give both phase_end and phase_end_state, or neither"))
    if (e.fighting_resumed is not None and e.fighting_not_resumed is not None
            and e.fighting_not_resumed.day >= e.fighting_resumed.day):
        out.append((("ending", "fighting_not_resumed", "day"), "fighting resumed on day "
                    f"{e.fighting_resumed.day}: it cannot be 'not resumed' by day "
                    f"{e.fighting_not_resumed.day}"))
    return out
