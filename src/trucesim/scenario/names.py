"""What the texts call the sides, the territory and the mediators: the scenario's
``[names]`` table.

The keys of the scenario keep base's names (``violations.israeli_forces``,
``deaths_palestinians``), because files and results are written with them; the words
every story, report, table and classroom page prints come from here. Base's names are
the defaults; a truce elsewhere writes its own. They change no number: each key is
declared off, so a scenario that leaves them at their defaults keeps its digest.
"""

from __future__ import annotations

from typing import Any

from trucesim.scenario.section import Label, Section, param

PARTIES = "the parties to the July 2025 plan (Reuters) [S7]"


def _name(default: str, doc: str, source: str = PARTIES) -> Any:
    return param(default, "text", doc, source=source, confidence="agreed text", off=True,
                 min_length=1)


class Names(Section):
    """What stories, reports, tables and the classroom call the sides, the territory and
    the mediators. Labels only: they change no result."""

    army: Label = _name(
        "Israeli forces", "The side whose army holds territory under the deal and withdraws "
        "from it; the incidents of violations.israeli_forces are attributed to it.")
    army_party: Label = _name(
        "Israel", "The army's side as a party to the exchange: who frees prisoners and "
        "detainees, and withholds its part ('Israel frees ...').")
    army_people: Label = _name(
        "Israeli", "The word for that side's people before a noun: 'Israeli deaths' (the "
        "outcome deaths_israelis).")
    groups: Label = _name(
        "Palestinian armed groups", "The other side; the incidents of "
        "violations.palestinian_groups are attributed to it.")
    groups_people: Label = _name(
        "Palestinian", "The word for the other side's people before a noun: 'Palestinian "
        "deaths' (deaths_palestinians), 'Palestinian bodies' (bodies_returned).")
    territory: Label = _name(
        "Gaza", "The territory the army holds a share of, where hostages are held and aid "
        "enters.")
    mediators: Label = _name(
        "the US, Qatar and Egypt", "Who mediates (the [mediation] terms act through them).",
        source="May 2025 proposal: guarantors US, Egypt, Qatar [S3]")

    @property
    def army_death(self) -> str:
        """'Israeli death': a death on the army's side, to count (fmt.count adds the s)."""
        return f"{self.army_people} death"

    @property
    def groups_death(self) -> str:
        """'Palestinian death': a death on the other side, to count."""
        return f"{self.groups_people} death"

    def daily(self, groups_side: float, army_side: float) -> str:
        """'3 Palestinian and 0.1 Israeli deaths a day': two rates, the other side's first."""
        return (f"{groups_side:g} {self.groups_people} and {army_side:g} {self.army_people} "
                "deaths a day")

    @property
    def the_mediators(self) -> str:
        """'the mediators (the US, Qatar and Egypt)'."""
        return f"the mediators ({self.mediators})"
