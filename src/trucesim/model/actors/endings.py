"""What the phase actor (:mod:`.phase`) tells: an extension bought by releases, the end of
the agreed phase (and why no extension followed), and a return to war after it."""

from __future__ import annotations

from dataclasses import dataclass

from trucesim import fmt
from trucesim.model.events import Line, Narration


@dataclass(frozen=True, slots=True)
class Extended:
    day: int
    days: int
    living: int  # what it buys, over its days
    bodies: int
    total_days: int  # added by extensions so far

    def lines(self, n: Narration) -> list[Line]:
        name = n.scenario.truce.phase_name
        return [("talks", f"The {name} is extended by {fmt.count(self.days, 'day')} in "
                 f"exchange for {fmt.people(self.living, self.bodies)} more (extensions so "
                 f"far: {fmt.count(self.total_days, 'day')}).")]


NOT_EXTENDED = {"declined": "no further extension in exchange for releases is agreed",
                "limit": "the extensions have reached the deal's limit of {max} days",
                "few": "too few hostages are still held to pay for another extension"}


@dataclass(frozen=True, slots=True)
class PhaseEnded:
    day: int
    state: str  # permanent, extended, expired or ongoing
    progress: float
    extension_days: int
    why: str = ""  # an expiry in a deal with extensions by releases: a NOT_EXTENDED key

    def lines(self, n: Narration) -> list[Line]:
        s = n.scenario
        serious = s.negotiations.extension_threshold
        length = (s.truce.phase_days or s.truce.window_days) + self.extension_days
        head = (f"The {length}-day {s.truce.phase_name} ends"
                + (" (extensions included)" if self.extension_days else ""))
        way = f"The talks have come {self.progress:.0%} of the way"
        if self.state == "permanent":
            text = f"{head}: with the agreement reached, the truce becomes a permanent ceasefire."
        elif self.state == "ongoing":
            text = (f"The window ends with the open-ended truce still holding and no permanent "
                    f"agreement yet. {way} to one, and go on.")
        elif self.state == "extended":
            text = (f"{head}. {way} to an agreement ({serious:.0%} counts as serious): the "
                    "truce is extended.")
        else:
            talks = (f"{way}, enough to count as serious, but the talks' clause does not "
                     "extend it" if self.progress >= serious else f"{way} to an agreement, "
                     f"short of the {serious:.0%} that counts as serious")
            if self.why:  # why no extension by releases followed, first
                why = NOT_EXTENDED[self.why].format(max=s.extensions.max_days)
                talks = f"{fmt.capital(why)}. {talks}"
            text = f"{head}. {talks}: the {s.truce.phase_name} expires."
        return [("end", text)]


@dataclass(frozen=True, slots=True)
class WarResumes:
    day: int
    after_days: int  # since the phase expired

    def lines(self, n: Narration) -> list[Line]:
        cf = n.scenario.counterfactual
        rates = n.scenario.names.daily(cf.deaths_per_day_palestinians,
                                       cf.deaths_per_day_israelis)
        return [("crisis", f"{fmt.count(self.after_days, 'day')} after the "
                 f"{n.scenario.truce.phase_name} expired, fighting resumes: in the model, at "
                 f"the scenario's no-truce rates ({rates} on average).")]
