"""How a deal is conditioned: what waits for what, extensions bought by releases, and what
follows an agreed phase that ends without a permanent agreement (DESIGN.md §2, deal
mechanics).

A condition ties one step of the deal (a handover, the exchange, a withdrawal stage, the
aid level, the talks) to the state of the truce, written in the small language of
:mod:`~trucesim.scenario.expressions`: the step waits until it holds, or is paused or
changed while it holds.
"""

from __future__ import annotations

from pydantic import ConfigDict

from trucesim.scenario.section import Section, param

# the keys that change a step while a condition holds, by the kind of step
EFFECTS = {"aid": ("trucks_per_day",), "talks": ("drift_per_day",),
           "releases": ("living", "bodies"), "withdrawal": ("share",),
           "exchange": ("prisoners_factor",)}


class Condition(Section):
    """One condition on one step ([[conditions]] tables)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True,
                              populate_by_name=True)

    name: str = param(..., "text", "What the condition is, in a few words (used in stories).")
    applies_to: str = param(
        ..., "step", "The step it governs: 'aid', 'talks', 'exchange' (every tranche), "
        "'releases[i]' or a handover's label, or 'withdrawal.<stage name>'.")
    wait_until: str = param(
        "", "condition", "The step waits until this holds (checked each day at the step's "
        "time). Give this or 'while'.")
    while_: str = param(
        "", "condition", "While this holds, the step is paused ('pause') or changed (the keys "
        "below). Give this or 'wait_until'.", alias="while")
    pause: bool = param(False, "yes/no", "Pause the step while the condition holds.")
    trucks_per_day: float | None = param(
        None, "trucks/day", "aid: trucks a day while the condition holds.", ge=0, le=10_000)
    drift_per_day: float | None = param(
        None, "progress/day", "talks: mean daily progress while the condition holds.",
        ge=-1, le=1)
    living: int | None = param(
        None, "persons", "a handover: living hostages it releases if the condition holds "
        "when it is due.", ge=0, le=10_000)
    bodies: int | None = param(
        None, "bodies", "a handover: bodies it releases if the condition holds when it is due.",
        ge=0, le=10_000)
    share: float | None = param(
        None, "share of territory", "a withdrawal stage: the line it reaches if the "
        "condition holds when it is due.", ge=0, le=1)
    prisoners_factor: float | None = param(
        None, "share", "the exchange: share of the prisoners due that a tranche frees while "
        "the condition holds (the rest stays owed).", ge=0, le=1)

    def effects(self) -> dict[str, float]:
        """The keys this condition sets while it holds, and their values."""
        keys = ("trucks_per_day", "drift_per_day", "living", "bodies", "share",
                "prisoners_factor")
        return {k: float(v) for k in keys if (v := getattr(self, k)) is not None}


class Extensions(Section):
    """An agreed phase extended in exchange for more releases (a pause extended a day, or
    N days, at a time), up to a maximum. At each end of the phase the parties decide; the
    chance they extend falls with tension and is nil once too few hostages are held to
    buy another extension."""

    days_each: int = param(
        0, "days", "Days each extension adds; 0 = no extensions bought by releases.",
        plausible=(0, 14), ge=0, le=60)
    max_days: int = param(0, "days", "Most days extensions may add in all.",
                          plausible=(0, 60), ge=0, le=365)
    living_per_day: int = param(0, "persons/day", "Living hostages released on each "
                                "extension day.", plausible=(0, 20), ge=0, le=1000)
    bodies_per_day: int = param(0, "bodies/day", "Hostages' bodies released on each "
                                "extension day.", plausible=(0, 20), ge=0, le=1000)
    probability: float = param(
        0.8, "probability", "Chance the parties extend at the end of the phase when tension "
        "is nil and enough hostages are held to buy the extension.",
        plausible=(0.2, 1.0), ge=0, le=1)
    tension_halving: float = param(
        6.0, "tension", "Tension at which that chance halves.", plausible=(2, 20), gt=0,
        le=1000)
    eligible_living: int = param(
        0, "persons", "Living hostages the deal covers (say, women and children), of whom "
        "every living hostage released under it is one: an extension is bought only while "
        "enough of them are still held, and the phase ends when too few are left; 0 = every "
        "living hostage held is eligible.", plausible=(0, 200), ge=0, le=1000, off=True)
    paid_at_once: bool = param(
        False, "yes/no", "Whether an extension of several days is bought at once: all its "
        "releases (the per-day counts times days_each) on its first day, and only while "
        "that many are held; false: one day's releases on each of its days.", off=True)

    @property
    def living_each(self) -> int:
        """Living hostages handed over on each day an extension's releases fall."""
        return self.living_per_day * (self.days_each if self.paid_at_once else 1)

    @property
    def bodies_each(self) -> int:
        """Bodies handed over on each day an extension's releases fall."""
        return self.bodies_per_day * (self.days_each if self.paid_at_once else 1)


class PhaseEnd(Section):
    """What follows an agreed phase that ends without a permanent agreement or extension:
    a quiet lapse, or a return to war after a delay."""

    war_probability: float = param(
        0.84, "probability", "Chance fighting resumes after a phase expires without "
        "agreement or extension (otherwise a quiet lapse).",
        source="84% of 105 failed ceasefires were followed by an offensive (War is Boring / "
        "ETH ISN, a sample of failures only) [S133][S134]", confidence="estimate",
        plausible=(0.3, 1.0), ge=0, le=1)
    war_delay_mean_days: float = param(
        13.0, "days", "Mean days from the expiry to the return to war (at least one; "
        "geometric).",
        source="offensives followed failed ceasefires within 13 days on average (War is "
        "Boring / ETH ISN) [S133][S134]", confidence="estimate", plausible=(1, 60), ge=1,
        le=365)
