"""The parties' assumed behaviour: incidents and retaliation, tension, mediation, crises,
talks, and the counterfactual death rates without a truce (DESIGN.md §2).

Every key is declared once with :func:`~trucesim.scenario.section.param`; most defaults
here are assumptions, labelled as such.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from trucesim.scenario.section import Confidence, Section, param


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
        plausible=(0, 10), ge=0, le=100,
    )
    fatality_dispersion: float = param(
        0.5, "gamma shape", "Shape of the day's fatality multiplier; low means rare "
        "mass-casualty days.", plausible=(0.2, 10), ge=0.05, le=1000,
    )
    retaliation_per_own_death: float = param(
        0.0, "incidents per death", "Expected incidents this side adds in the days after "
        "each death on its own side (its response to its own losses; 0 = none).",
        source="assumption: off unless a scenario sets it", plausible=(0, 1), ge=0, le=20,
    )
    mass_casualty_probability: float = param(
        0.0, "probability per death", "Chance that each death on this side's own side makes "
        "the next day a mass-casualty day of this side's incidents (0 = never).",
        source="assumption: off unless a scenario sets it", plausible=(0, 0.5), ge=0, le=1,
    )
    mass_casualty_multiplier: float = param(
        5.0, "factor", "How much deadlier this side's incidents are on such a day.",
        plausible=(1, 20), ge=1, le=1000,
    )


Provenance = dict[str, tuple[str, Confidence]]


def _side(rate: float, retaliation: float, fatalities: float, source: str,
          provenance: Provenance) -> Any:
    """One side's defaults; `provenance` gives the source and confidence of each key."""
    return Field(
        default_factory=lambda: Side(
            incidents_per_day=rate, retaliation=retaliation, fatalities_per_incident=fatalities
        ),
        description=f"Incidents attributed to this side's forces. Defaults: {source}",
        json_schema_extra={"provenance": {k: list(v) for k, v in provenance.items()}},
    )


_DEATHS_REPORTED = ("~3 Palestinian deaths/day while the Jan-Mar 2025 truce held (137 by 11 Mar, "
                    "Gaza government media office; 145, Euro-Med) [S58][S59]")


class Violations(Section):
    retaliation_decay_days: float = param(
        3.0, "days", "Mean lag of retaliation after an incident (geometric kernel).",
        source="assumption; both sides retaliate (PNAS 2010) [S137]",
        plausible=(1, 10), ge=0.1, le=1000,
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
                         plausible=(0, 4), ge=0, le=50)
    per_palestinian_death: float = param(0.3, "tension", "Tension added by each Palestinian "
                                         "death.", plausible=(0, 2), ge=0, le=50)
    per_israeli_death: float = param(0.3, "tension", "Tension added by each Israeli death.",
                                     plausible=(0, 2), ge=0, le=50)
    per_slipped_handover: float = param(2.0, "tension", "Tension added by a late handover.",
                                        plausible=(0, 8), ge=0, le=50)
    per_dispute: float = param(4.0, "tension", "Tension added by a disputed handover.",
                         plausible=(0, 12), ge=0, le=50)
    per_withheld_tranche: float = param(
        4.0, "tension", "Tension added when a tranche of prisoners is withheld.",
        plausible=(0, 12), ge=0, le=50,
    )
    per_aid_halt_day: float = param(1.0, "tension", "Tension added by each day aid is halted.",
                                    plausible=(0, 4), ge=0, le=50)
    decay_per_day: float = param(
        0.15, "share/day", "Share of tension that fades each day without mediation.",
        plausible=(0, 0.5), ge=0, le=1,
    )


class Mediation(Section):
    """Mediators (US, Qatar, Egypt) drain tension once they engage."""

    engage_threshold: float = param(3.0, "tension", "Tension at which mediators engage.",
                             plausible=(0, 12), ge=0, le=1e9)
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
                             plausible=(6, 30), gt=0, le=1e9)
    resolve_below: float = param(6.0, "tension", "Tension under which a crisis ends.",
                                 plausible=(1, 15), ge=0, le=1e9)
    max_days: int = param(
        7, "days", "A crisis not resolved within this many days collapses the truce.",
        plausible=(2, 21), ge=1, le=365,
    )
    collapse_hazard_per_day: float = param(
        0.05, "probability per day", "Chance the truce collapses on any day of crisis.",
        source="assumption; ~1/3 of ceasefires fail outright (ETH/PRIO via The Economist) "
        "[S124]", plausible=(0, 0.3), ge=0, le=1,
    )
    incident_multiplier: float = param(
        1.5, "factor", "Base incident rates are multiplied by this during a crisis.",
        plausible=(1, 3), ge=0, le=10,
    )


class FlareUps(Section):
    """Flare-ups: days of mass-casualty strikes and attacks while the truce formally holds,
    after which mediators restore it, or it collapses (off unless a scenario sets a chance).
    """

    chance_per_day: float = param(
        0.0, "probability per day", "Chance a flare-up starts on a day the truce holds with "
        "no crisis and no flare-up under way (0 = never).",
        source="assumption: off unless a scenario sets it", plausible=(0, 0.1), ge=0, le=1,
        off=True,
    )
    mean_days: float = param(
        2.0, "days", "Mean length of a flare-up (geometric, at least one day).",
        source="assumption", plausible=(1, 7), ge=1, le=60, off=True,
    )
    deaths_per_day_palestinians: float = param(
        30.0, "deaths/day", "Palestinian deaths a day of a flare-up (Poisson), on top of "
        "those of the day's incidents.", source="assumption", plausible=(0, 100),
        ge=0, le=1000, off=True,
    )
    deaths_per_day_israelis: float = param(
        0.5, "deaths/day", "Israeli deaths a day of a flare-up (Poisson), on top of those of "
        "the day's incidents.", source="assumption", plausible=(0, 5), ge=0, le=1000,
        off=True,
    )
    restore_probability: float = param(
        0.8, "probability", "Chance mediators restore the truce when a flare-up ends (tension "
        "back to crisis.resolve_below at most); otherwise it collapses.",
        source="assumption", plausible=(0.3, 1), ge=0, le=1, off=True,
    )


class Negotiations(Section):
    """Talks toward a permanent ceasefire: progress from 0 (none) to 1 (agreement)."""

    start_day: int = param(
        1, "day", "Day talks on a permanent ceasefire start.",
        source="May 2025 text: talks start on day 1 [S4][S2]", confidence="agreed text",
        plausible=(0, 30), ge=0, le=365,
    )
    drift_per_day: float = param(0.012, "progress/day", "Mean daily progress of the talks.",
                                 plausible=(0, 0.05), ge=-1, le=1)
    volatility_per_day: float = param(0.05, "progress/day", "Daily spread of progress.",
                                      plausible=(0, 0.2), ge=0, le=1)
    setback_per_incident: float = param(0.003, "progress", "Progress lost per incident.",
                                         plausible=(0, 0.02), ge=0, le=1)
    setback_per_crisis_day: float = param(0.02, "progress", "Progress lost per day of crisis.",
                                          plausible=(0, 0.1), ge=0, le=1)
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
        "Ministry.", source="Gaza MoH: 9,071 killed 18 Mar-31 Jul 2025 = 67/day [S63][S64]; "
        "range: sub-period averages 62/day (18 Mar-6 Jul [S115]) to 86/day (~10-31 Jul "
        "[S63][S64]) (inferred)", confidence="estimate", plausible=(62, 86), ge=0, le=1000,
    )
    deaths_per_day_israelis: float = param(
        0.35, "deaths/day", "Israeli soldiers' deaths a day in Gaza at war, as reported by the "
        "IDF.", source="IDF figures, 2025, ~0.3-0.4/day (agreements.md, inferred, rough)",
        confidence="estimate", plausible=(0.1, 1.0), ge=0, le=100,
    )
    daily_dispersion: float = param(
        8.0, "gamma shape", "Shape of day-to-day variation of war deaths (higher = steadier).",
        source="Gaza MoH daily reports of 51-111 in 2025 [S63][S64][S65] (inferred)",
        confidence="estimate", plausible=(2, 50), ge=0.05, le=1000,
    )
