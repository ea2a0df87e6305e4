"""The scenario's vocabulary: every section and key, its unit, default and meaning.

This module is the single table of defaults (DESIGN.md §5.4). Each key is declared once
with :func:`param`, which records its unit, a one-line meaning, the plausible range a
user should stay in, where the default comes from and how much confidence it deserves.
Validation (types, bounds, unknown keys) comes from pydantic; cross-field rules (a release
on day 75 of a 60-day window, more bodies released than held) live in
:mod:`trucesim.scenario`. The objects are frozen: the model never sees a dict.
"""

from __future__ import annotations

from functools import cached_property
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


class Truce(Section):
    window_days: int = param(
        60, "days", "Days simulated; day 0 is when the truce takes effect. Normally the "
        "agreed period; longer if the days after an agreed phase are followed too "
        "(see phase_days).",
        source="July 2025 plan, 60 days (Reuters) [S7]", confidence="agreed text",
        plausible=(30, 120), ge=1, le=365,
    )
    phase_days: int = param(
        0, "days", "Length of the agreed phase when it is shorter than the window (Jan 2025: "
        "a 42-day first phase); 0 = the whole window. At the phase's end the talks decide "
        "(permanent, extended, expired); the rest of the window is still simulated, with "
        "aid at aid.trucks_per_day_after_expiry if the phase expired.",
        source="July 2025 plan: one 60-day period, no phases [S7]", confidence="agreed text",
        plausible=(0, 120), ge=0, le=365,
    )

    @property
    def phase_end(self) -> int:
        """The day the agreed phase ends (the window's last day unless phase_days is set)."""
        return self.phase_days or self.window_days


class Hostages(Section):
    living_held: int = param(
        20, "persons", "Living hostages held in Gaza when the truce starts.",
        source="~50 held, 20 alive, Jul-Aug 2025 (agreements.md, hostage stock)",
        confidence="reported", plausible=(0, 100), ge=0,
    )
    bodies_held: int = param(
        30, "bodies", "Bodies of hostages held in Gaza when the truce starts.",
        source="~50 held, 20 alive, Jul-Aug 2025 (agreements.md, hostage stock)",
        confidence="reported", plausible=(0, 100), ge=0,
    )


class Release(Section):
    """One scheduled handover of living hostages and/or bodies."""

    day: int = param(..., "day", "Day of the truce the handover is due.", ge=0)
    living: int = param(0, "persons", "Living hostages handed over.", ge=0)
    bodies: int = param(0, "bodies", "Bodies handed over.", ge=0)
    label: str = param("", "text", "Optional name of the handover, used in stories.")
    prisoners_per_living: dict[str, float] = param(
        {}, "persons per living hostage",
        "Ratios for this handover's living hostages, by category, replacing those of "
        "exchange.prisoners_per_living_hostage for the categories given (Jan 2025: 50 per "
        "female soldier instead of 30 per civilian). Empty: the exchange's ratios apply.",
    )
    living_outside_deal: int = param(
        0, "persons", "Living hostages released with this handover outside the agreement "
        "(Jan 2025: 5 Thai nationals on 30 Jan): they leave hostages.living_held but "
        "count in no schedule and free no one in exchange.", ge=0,
    )


class Handovers(Section):
    """How handovers are carried out: slips, disputes, withholding."""

    slip_probability: float = param(
        0.15, "probability per handover", "Chance a handover is late.",
        source="assumption; Jan 2025: one of 9 handovers a day late (Bibas body) [S45][S47]",
        plausible=(0.0, 0.5), ge=0, le=1,
    )
    slip_mean_days: float = param(
        2.0, "days", "Mean delay of a late handover (at least one day).",
        plausible=(1, 10), ge=1, le=60,
    )
    dispute_probability: float = param(
        0.2, "probability per handover",
        "Chance a handover is disputed (identity of a body, ceremonies, lists).",
        source="Jan 2025: 2 of 9 handovers disputed [S45][S48] (inferred)",
        confidence="estimate", plausible=(0.0, 0.5), ge=0, le=1,
    )
    withheld_in_crisis: bool = param(
        True, "yes/no", "Whether a handover due during a crisis waits until the crisis ends.",
    )
    bodies_mode: Literal["scheduled", "as_recovered"] = param(
        "scheduled", "choice",
        "'scheduled': bodies are handed over on the releases' days; 'as_recovered': the "
        "scheduled total is handed over body by body as each is recovered.",
        source="July 2025 plan: bodies on the plan's days [S7]", confidence="agreed text",
    )
    recovery_mean_days: float = param(
        20.0, "days", "Mean time to recover a body (as_recovered mode).",
        plausible=(5, 60), gt=0,
    )
    recovery_shape: float = param(
        2.0, "gamma shape", "Shape of the recovery-time distribution; higher is less spread.",
        plausible=(0.5, 10), gt=0,
    )


class Exchange(Section):
    """What the other side frees in return, and when."""

    prisoners_per_living_hostage: dict[str, float] = param(
        {"life_sentence_prisoners": 12.5, "gaza_detainees": 111.1},
        "persons per living hostage",
        "Prisoners and detainees freed per released living hostage, by category. A file "
        "that states this table replaces the inherited one whole.",
        source="May 2025 text: 125 life-sentence + 1,111 Gaza detainees for 10 living [S3][S4]",
        confidence="agreed text", plausible=(0, 250),
    )
    bodies_returned_per_body: float = param(
        10.0, "bodies per hostage body", "Palestinian bodies returned per hostage body.",
        source="May 2025 text: 180 for 18 [S3][S4]", confidence="agreed text",
        plausible=(0, 30), ge=0,
    )
    verification_lag_days: int = param(
        1, "days", "Days between a handover and the matching release.",
        source="Jan 2025: round 1's prisoners freed early the next day [S29][S34], rounds 2-6 "
        "the same day (data/records/jan-2025.toml); kept at 1 after the backtest, where 0 "
        "fitted the record no better", confidence="estimate", plausible=(0, 3), ge=0, le=30,
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

    name: str = param(..., "text", "Name of the stage (used in outputs: day_withdrawal_<name>).")
    share: float = param(..., "share of territory", "Share held once the stage is done.",
                         ge=0, le=1)
    day: int | None = param(None, "day", "Day the stage is due (give this or after_release).",
                            ge=0)
    after_release: int | None = param(
        None, "index", "Index in releases (0 = the first) whose handover triggers the stage.",
        ge=0,
    )
    delay_days: int = param(0, "days", "Days between the trigger and the new line.", ge=0)


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
        strict=False,
    )


class Aid(Section):
    trucks_per_day_agreed: float = param(
        600.0, "trucks/day", "Aid trucks per day the agreement provides for.",
        source="Jan 2025 terms [S28]; July 2025 aid 'consistent with 19 January' [S8][S10]",
        confidence="agreed text", plausible=(0, 1000), ge=0,
    )
    crossing_capacity_trucks_per_day: float = param(
        800.0, "trucks/day", "Most trucks the crossings can pass in a day.",
        source="COGAT: 600-800 a day, Oct 2025 [S107]", confidence="reported",
        plausible=(200, 1200), ge=0,
    )
    delivery_ratio_mean: float = param(
        0.92, "share", "Mean share of the day's possible trucks that actually enter.",
        source="~550 of 600 a day, Jan-Feb 2025 [S56] (inferred)", confidence="estimate",
        plausible=(0.3, 1.0), gt=0, lt=1,
    )
    delivery_ratio_sd: float = param(
        0.08, "share", "Day-to-day spread of that share (sd of a beta distribution).",
        plausible=(0.01, 0.3), gt=0, lt=0.5,
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
        plausible=(0, 300), ge=0,
    )
    trucks_per_day_after_expiry: float = param(
        0.0, "trucks/day", "Trucks a day after an agreed phase expires without agreement or "
        "extension (only when truce.phase_days is shorter than the window). Each such day "
        "below the agreed rate counts as a day of aid held back as leverage.",
        source="2 Mar 2025, the day after phase 1 expired: Israel halts entry of all aid "
        "[S57][S56]", confidence="reported", plausible=(0, 600), ge=0,
    )


class Side(Section):
    """One side's incidents: a base rate plus retaliation for the other side's."""

    incidents_per_day: float = param(
        1.0, "incidents/day", "Base rate of incidents while the truce holds.",
        plausible=(0, 5), ge=0, le=50,
    )
    retaliation: float = param(
        0.5, "incidents per incident",
        "Expected incidents this side adds in the days after each incident by the other side.",
        source="assumption; both sides retaliate (PNAS 2010) [S137]",
        plausible=(0, 1.5), ge=0, le=20,
    )
    fatalities_per_incident: float = param(
        1.0, "deaths/incident", "Mean deaths on the other side per incident.",
        plausible=(0, 10), ge=0,
    )
    fatality_dispersion: float = param(
        0.5, "gamma shape", "Shape of the day's fatality multiplier; low means rare "
        "mass-casualty days.", plausible=(0.2, 10), gt=0,
    )


Provenance = dict[str, tuple[str, Confidence]]


def _side(rate: float, retaliation: float, fatalities: float, source: str,
          provenance: Provenance) -> Any:
    """One side's defaults; `provenance` gives the source and confidence of each key."""
    return Field(
        default_factory=lambda: Side(
            incidents_per_day=rate, retaliation=retaliation, fatalities_per_incident=fatalities
        ),
        description=f"Incidents initiated by this side. Defaults: {source}",
        json_schema_extra={"provenance": {k: list(v) for k, v in provenance.items()}},
    )


_DEATHS_REPORTED = ("~3 Palestinian deaths/day while the Jan-Mar 2025 truce held (137 by 11 Mar, "
                    "Gaza government media office; 145, Euro-Med) [S58][S59]")


class Violations(Section):
    retaliation_decay_days: float = param(
        3.0, "days", "Mean lag of retaliation after an incident (geometric kernel).",
        source="assumption; both sides retaliate (PNAS 2010) [S137]",
        plausible=(1, 10), gt=0,
    )
    israeli_forces: Side = _side(
        1.0, 0.6, 2.5,
        "with Palestinian groups' rate, ~3 Palestinian deaths/day reported during the "
        "Jan-Mar 2025 truce [S58][S59] (calibration)",
        {"incidents_per_day": ("calibrated with fatalities_per_incident to " + _DEATHS_REPORTED,
                               "estimate"),
         "retaliation": ("assumption; both sides retaliate (PNAS 2010) [S137]", "assumption"),
         "fatalities_per_incident": ("calibrated with incidents_per_day to " + _DEATHS_REPORTED,
                                     "estimate"),
         "fatality_dispersion": ("assumption; rare mass-casualty days, e.g. >100 killed in one "
                                 "day, Oct 2025 [S96]", "assumption")},
    )
    palestinian_groups: Side = _side(
        0.1, 0.2, 0.2, "assumption; IDF deaths during truces were rare (agreements.md §5)",
        {"incidents_per_day": ("assumption", "assumption"),
         "retaliation": ("assumption; both sides retaliate (PNAS 2010) [S137]", "assumption"),
         "fatalities_per_incident": ("assumption; IDF deaths during truces were rare "
                                     "(agreements.md section 5)", "assumption"),
         "fatality_dispersion": ("assumption", "assumption")},
    )


class Tension(Section):
    """What raises tension, and how fast it fades on its own."""

    per_incident: float = param(1.0, "tension", "Tension added by each incident.",
                         plausible=(0, 4), ge=0)
    per_death: float = param(0.3, "tension", "Tension added by each death.",
                      plausible=(0, 2), ge=0)
    per_slipped_handover: float = param(2.0, "tension", "Tension added by a late handover.",
                                        plausible=(0, 8), ge=0)
    per_dispute: float = param(4.0, "tension", "Tension added by a disputed handover.",
                         plausible=(0, 12), ge=0)
    per_withheld_tranche: float = param(
        4.0, "tension", "Tension added when a tranche of prisoners is withheld.",
        plausible=(0, 12), ge=0,
    )
    per_aid_halt_day: float = param(1.0, "tension", "Tension added by each day aid is halted.",
                                    plausible=(0, 4), ge=0)
    decay_per_day: float = param(
        0.15, "share/day", "Share of tension that fades each day without mediation.",
        plausible=(0, 0.5), ge=0, le=1,
    )


class Mediation(Section):
    """Mediators (US, Qatar, Egypt) drain tension once they engage."""

    engage_threshold: float = param(3.0, "tension", "Tension at which mediators engage.",
                             plausible=(0, 12), ge=0)
    response_delay_days: int = param(
        2, "days", "Days between tension crossing the threshold and mediators acting.",
        plausible=(0, 10), ge=0, le=60,
    )
    drain_per_day: float = param(
        0.3, "share/day", "Share of tension mediators remove each day once acting.",
        plausible=(0, 0.8), ge=0, le=1,
    )
    effectiveness_spread: float = param(
        0.5, "share", "Day-to-day variation of mediators' effect (uniform, +/- this share).",
        plausible=(0, 1), ge=0, le=1,
    )


class Crisis(Section):
    threshold: float = param(12.0, "tension", "Tension at which a crisis starts.",
                             plausible=(6, 30), gt=0)
    resolve_below: float = param(6.0, "tension", "Tension under which a crisis ends.",
                                 plausible=(1, 15), ge=0)
    max_days: int = param(
        7, "days", "A crisis not resolved within this many days collapses the truce.",
        plausible=(2, 21), ge=1,
    )
    collapse_hazard_per_day: float = param(
        0.05, "probability per day", "Chance the truce collapses on any day of crisis.",
        source="assumption; ~1/3 of ceasefires fail outright (ETH/PRIO via The Economist) "
        "[S124]", plausible=(0, 0.3), ge=0, le=1,
    )
    incident_multiplier: float = param(
        1.5, "factor", "Base incident rates are multiplied by this during a crisis.",
        plausible=(1, 3), ge=0,
    )


class Negotiations(Section):
    """Talks toward a permanent ceasefire: progress from 0 (none) to 1 (agreement)."""

    start_day: int = param(
        1, "day", "Day talks on a permanent ceasefire start.",
        source="May 2025 text: talks start on day 1 [S4][S2]", confidence="agreed text",
        plausible=(0, 30), ge=0,
    )
    drift_per_day: float = param(0.012, "progress/day", "Mean daily progress of the talks.",
                                 plausible=(0, 0.05))
    volatility_per_day: float = param(0.05, "progress/day", "Daily spread of progress.",
                                      plausible=(0, 0.2), ge=0)
    setback_per_incident: float = param(0.003, "progress", "Progress lost per incident.",
                                         plausible=(0, 0.02), ge=0)
    setback_per_crisis_day: float = param(0.02, "progress", "Progress lost per day of crisis.",
                                          plausible=(0, 0.1), ge=0)
    extension_threshold: float = param(
        0.35, "progress", "Progress at day-end of the window that counts as 'serious' talks.",
        source="assumption; extension while talks are 'serious' (July 2025) [S11][S6]",
        plausible=(0.1, 0.8), ge=0, le=1,
    )
    extension_probability: float = param(
        0.8, "probability", "Chance the truce is extended when talks are serious but unfinished.",
        source="assumption; US assurance of continuation (July 2025) [S11]",
        plausible=(0, 1), ge=0, le=1,
    )


class Counterfactual(Section):
    """What the window would have cost without a truce (and after a collapse)."""

    deaths_per_day_palestinians: float = param(
        67.0, "deaths/day", "Palestinian deaths a day at war, as reported by the Gaza Health "
        "Ministry.", source="Gaza MoH: 9,071 killed 18 Mar-31 Jul 2025 = 67/day [S63][S64] "
        "(inferred)", confidence="estimate", plausible=(30, 120), ge=0,
    )
    deaths_per_day_israelis: float = param(
        0.35, "deaths/day", "Israeli soldiers' deaths a day in Gaza at war, as reported by the "
        "IDF.", source="IDF figures, 2025, ~0.3-0.4/day (agreements.md, inferred, rough)",
        confidence="estimate", plausible=(0.1, 1.0), ge=0,
    )
    daily_dispersion: float = param(
        8.0, "gamma shape", "Shape of day-to-day variation of war deaths (higher = steadier).",
        source="Gaza MoH daily reports of 51-111 in 2025 [S63][S64][S65] (inferred)",
        confidence="estimate", plausible=(2, 50), gt=0,
    )


class Scenario(Section):
    """A whole scenario: the deal's terms and the parties' assumed behaviour."""

    name: str = param("scenario", "text", "Short name; results go to results/<name>/.",
                      pattern=r"^[A-Za-z0-9_.-]+$")
    title: str = param("", "text", "One-line title for reports.")
    description: str = param("", "text", "What this scenario represents.")
    truce: Truce = Field(default_factory=Truce)
    hostages: Hostages = Field(default_factory=Hostages)
    releases: tuple[Release, ...] = Field(
        ..., description="The handover schedule ([[releases]] tables), in any order.",
        strict=False,
    )
    handovers: Handovers = Field(default_factory=Handovers)
    exchange: Exchange = Field(default_factory=Exchange)
    withdrawal: Withdrawal = Field(default_factory=Withdrawal)
    aid: Aid = Field(default_factory=Aid)
    violations: Violations = Field(default_factory=Violations)
    tension: Tension = Field(default_factory=Tension)
    mediation: Mediation = Field(default_factory=Mediation)
    crisis: Crisis = Field(default_factory=Crisis)
    negotiations: Negotiations = Field(default_factory=Negotiations)
    counterfactual: Counterfactual = Field(default_factory=Counterfactual)

    @cached_property
    def living_scheduled(self) -> int:
        return sum(r.living for r in self.releases)

    @cached_property
    def bodies_scheduled(self) -> int:
        return sum(r.bodies for r in self.releases)
