"""The deal's terms and how they are carried out: the window, the exchange, the
withdrawal and aid (DESIGN.md §2; the hostages held and the handover schedule are in
:mod:`.hostages`).

Every key is declared once with :func:`~trucesim.scenario.section.param`: unit, meaning,
plausible range, source and confidence of its default.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from trucesim.scenario.section import Label, Section, param

# upper bounds every count and rate stays within, far above anything plausible, so that
# the model's integer outcomes and their sums stay exact (see docs/scenario-format.md)
MAX_DAYS = 365  # a day, or a number of days
MAX_PERSONS = 1000  # hostages held or handed over
MAX_RATIO = 10_000.0  # prisoners freed per living hostage, in one category
MAX_TRUCKS = 10_000.0  # aid trucks a day
MAX_RELEASES, MAX_STAGES, MAX_CATEGORIES = 400, 100, 20

Ratio = Annotated[float, Field(ge=0, le=MAX_RATIO)]


class Truce(Section):
    window_days: int = param(
        60, "days", "Days the model observes (the horizon); day 0 is when the truce takes "
        "effect. Normally the agreed period; longer to follow the days after an agreed "
        "phase (see phase_days). What the deal still owes at the horizon is reported.",
        source="July 2025 plan, 60 days (Reuters) [S7]", confidence="agreed text",
        plausible=(30, 120), ge=1, le=365,
    )
    phase_days: int = param(
        0, "days", "Length of the agreed phase when it is shorter than the window (Jan 2025: "
        "a 42-day first phase); 0 = the whole window. At the phase's end the truce becomes "
        "permanent, is extended, or expires (then a quiet lapse or, after a delay, a return "
        "to war: see [phase_end]); the rest of the window is still simulated, with aid at "
        "aid.trucks_per_day_after_expiry if the phase expired.",
        source="July 2025 plan: one 60-day period, no phases [S7]", confidence="agreed text",
        plausible=(0, 120), ge=0, le=365,
    )
    phase_name: str = param(
        "truce", "text", "What the agreed phase is called in stories ('truce', 'pause', "
        "'phase 1').", max_length=40)
    open_ended: bool = param(
        False, "yes/no", "An open-ended ceasefire: no verdict when the agreed phase ends; the "
        "talks go on, and the state at the horizon is reported ('ongoing' if it still holds "
        "without a permanent agreement).",
        source="July 2025 plan: a 60-day period [S7]", confidence="agreed text",
    )

    @property
    def phase_end(self) -> int:
        """The day the agreed phase ends (the window's last day unless phase_days is set)."""
        return self.phase_days or self.window_days


class Exchange(Section):
    """What the other side frees in return, and when."""

    prisoners_per_living_hostage: dict[str, Ratio] = param(
        {"life_sentence_prisoners": 12.5, "gaza_detainees": 111.1},
        "persons per living hostage",
        "Prisoners and detainees freed per released living hostage, by category. A file "
        "that states this table replaces the inherited one whole.",
        source="May 2025 text: 125 life-sentence + 1,111 Gaza detainees for 10 living [S3][S4]",
        confidence="agreed text", plausible=(0, 250), max_length=MAX_CATEGORIES,
    )
    bodies_returned_per_body: float = param(
        10.0, "bodies per hostage body", "Palestinian bodies returned per hostage body.",
        source="May 2025 text: 180 for 18 [S3][S4]", confidence="agreed text",
        plausible=(0, 30), ge=0, le=1000,
    )
    verification_lag_days: int = param(
        0, "days", "Days between a handover and the matching release (0 = the same day).",
        source="Jan 2025 record: rounds 2-6 freed the same day as the handover, round 1 "
        "early the next day [S29][S34][S35][S39][S40][S43] (data/records/jan-2025.toml)",
        confidence="reported", plausible=(0, 3), ge=0, le=30,
    )
    bodies_delay_days: int = param(
        0, "days", "Days after the prisoners and detainees of a handover that the "
        "Palestinian bodies due for its hostages' bodies are returned, as a tranche of their "
        "own (0: in the same tranche).", plausible=(0, 30), ge=0, le=60, off=True,
    )
    withheld_in_crisis: bool = param(
        True, "yes/no", "Whether a tranche due during a crisis waits until the crisis ends.",
    )
    withhold_probability_if_disputed: float = param(
        0.5, "probability", "Chance the tranche is withheld when its handover is disputed.",
        source="assumption; 22 Feb 2025: 602 prisoners withheld over ceremonies [S48][S49]",
        plausible=(0, 1), ge=0, le=1,
    )
    withhold_mean_days: float = param(
        5.0, "days", "Mean time a withheld tranche is held back.",
        source="22 Feb to 26-27 Feb 2025 [S48][S51]", confidence="reported",
        plausible=(1, 20), ge=1, le=60,
    )


class WithdrawalStage(Section):
    """One line the army pulls back to, triggered by a day or by a handover."""

    name: Label = param(..., "text",
                        "Name of the stage (used in outputs: day_withdrawal_<name>).")
    share: float = param(..., "share of territory", "Share held once the stage is done.",
                         ge=0, le=1)
    day: int | None = param(None, "day", "Day the stage is due (give this or after_release).",
                            ge=0, le=MAX_DAYS)
    after_release: int | None = param(
        None, "index", "Index in releases (0 = the first) whose handover triggers the stage.",
        ge=0, le=MAX_RELEASES,
    )
    delay_days: int = param(0, "days", "Days between the trigger and the new line.", ge=0,
                             le=MAX_DAYS)
    late_probability: float = param(
        0.0, "probability", "Chance the stage is late: the army reaches the line some days "
        "after it is due (0 = always on its day).",
        plausible=(0, 1), ge=0, le=1, off=True,
    )
    late_mean_days: float = param(
        14.0, "days", "Mean days a late stage comes after its due day (geometric, at least "
        "one day); used only when late_probability > 0.",
        plausible=(1, 90), ge=1, le=MAX_DAYS, off=True,
    )
    kept_share: float = param(
        0.0, "share", "Share of the stage's pull-back the army does not make, keeping those "
        "positions to the horizon (0 = the line as agreed, 1 = the stage refused).",
        plausible=(0, 1), ge=0, le=1, off=True,
    )
    kept_if: str = param(
        "", "condition", "Condition under which the positions are kept, tested on the day "
        "the stage is reached (the language of [[conditions]]; empty = always, when "
        "kept_share > 0).", off=True,
    )


class Withdrawal(Section):
    initial_share: float = param(
        0.67, "share of territory", "Share of Gaza held by the army on day 0.",
        source="'two-thirds', seed report (July 2025)", confidence="reported",
        plausible=(0.3, 0.8), ge=0, le=1,
    )
    share_after_collapse: float = param(
        0.67, "share of territory", "Share held again once the truce collapses.",
        plausible=(0.3, 0.8), ge=0, le=1,
    )
    stages: tuple[WithdrawalStage, ...] = param(
        (), "list", "Stages of the withdrawal, in order; each holds no more than the last.",
        strict=False, max_length=MAX_STAGES,
    )


class Aid(Section):
    trucks_per_day_agreed: float = param(
        600.0, "trucks/day", "Aid trucks per day the agreement provides for.",
        source="Jan 2025 terms [S28]; July 2025 aid 'consistent with 19 January' [S8][S10]",
        confidence="agreed text", plausible=(0, 1000), ge=0, le=MAX_TRUCKS,
    )
    crossing_capacity_trucks_per_day: float = param(
        800.0, "trucks/day", "Most trucks the crossings can pass in a day.",
        source="COGAT: 600-800 a day, Oct 2025 [S107]", confidence="reported",
        plausible=(200, 1200), ge=0, le=MAX_TRUCKS,
    )
    delivery_ratio_mean: float = param(
        0.92, "share", "Mean share of the day's possible trucks that actually enter.",
        source="~550 of 600 a day, Jan-Feb 2025 [S56] (inferred)", confidence="estimate",
        plausible=(0.3, 1.0), ge=0.001, le=0.999,
    )
    delivery_ratio_sd: float = param(
        0.08, "share", "Day-to-day spread of that share (sd of a beta distribution).",
        plausible=(0.01, 0.3), ge=0.001, lt=0.5,
    )
    closure_probability_per_incident: float = param(
        0.1, "probability", "Chance an attack by Palestinian groups closes the crossings.",
        plausible=(0, 0.5), ge=0, le=1,
    )
    closure_days: int = param(2, "days", "Days the crossings stay closed after such an attack.",
                              plausible=(1, 7), ge=0, le=60)
    halt_probability_per_crisis_day: float = param(
        0.3, "probability per day", "Chance aid is halted as leverage on a day of crisis.",
        source="assumption; full halt on 2 Mar 2025 [S57]", plausible=(0, 1), ge=0, le=1,
    )
    trucks_per_day_after_collapse: float = param(
        0.0, "trucks/day", "Trucks a day once the truce has collapsed.",
        source="2 Mar-May 2025: entry of all goods halted [S57]", confidence="reported",
        plausible=(0, 300), ge=0, le=MAX_TRUCKS,
    )
    trucks_per_day_after_expiry: float = param(
        0.0, "trucks/day", "Trucks a day after an agreed phase expires without agreement or "
        "extension (only when truce.phase_days is shorter than the window). Each such day "
        "below the agreed rate counts as a day of aid held back as leverage.",
        source="2 Mar 2025, the day after phase 1 expired: Israel halts entry of all aid "
        "[S57][S56]", confidence="reported", plausible=(0, 600), ge=0, le=MAX_TRUCKS,
    )
    channels: dict[str, Annotated[float, Field(ge=0, le=1)]] = param(
        {}, "share of trucks", "Counts of aid kept by one monitor or channel, each the share "
        "of all trucks entering that it counts (e.g. { un2720 = 0.45 }); each is reported as "
        "aid_trucks_<name>, and a record's aid entry names the channel it comes from.",
        max_length=MAX_CATEGORIES, off=True,
    )
