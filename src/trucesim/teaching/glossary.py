"""The words a report explains (its glossary, and the sweep's) and the model's limits, as
the report and the classroom page show them (:mod:`.pages`). Where an entry names a side,
the territory or the mediators, it is worded with the scenario's ``[names]``
(:func:`worded`)."""

from __future__ import annotations

from collections.abc import Mapping

from trucesim.scenario.names import Names

GLOSSARY = {
    "window (horizon)": "The days the model follows the truce (60 for the July 2025 plan); "
                        "day 0 is when it takes effect. What the deal still owes at its end "
                        "is reported.",
    "agreed phase": "The days the deal is agreed for (the whole window, or a first phase "
                    "such as the 42 days of January 2025); at its end the truce becomes "
                    "permanent, is extended or expires.",
    "extension bought by releases": "An agreed phase extended a day (or some days) at a "
                                    "time in exchange for more releases.",
    "condition": "A term that ties one step of the deal to another: a withdrawal stage that "
                 "waits for a handover, aid that falls while bodies are owed.",
    "return to war": "After a phase expires without agreement, fighting may resume after a "
                     "delay; otherwise the truce lapses quietly.",
    "handover": "The release of living hostages and/or hostages' bodies on a scheduled day.",
    "slip": "A handover that comes later than scheduled.",
    "dispute": "A handover contested by the other side (identities, ceremonies, lists).",
    "tranche": "What is freed in return for a handover: prisoners and detainees by "
               "category, and {groups_people} bodies returned.",
    "withheld tranche": "A tranche held back for some days after a dispute, as on 22 "
                        "February 2025.",
    "withdrawal stage": "A line the army pulls back to, on a day or after a handover.",
    "incident": "A violation of the truce, attributed in the model to one side's forces "
                "({army}, or {groups}); the model does not say who "
                "started it. It counts the incident's deaths, and each incident raises the "
                "rate of incidents attributed to the other side for some days "
                "(retaliation).",
    "tension": "A number in the model that incidents, deaths, late or disputed handovers, "
               "withheld tranches and aid halts raise; it fades by itself and faster once "
               "mediators act.",
    "mediators": "{mediators}; in the model they act once tension passes a "
                 "threshold, after a delay.",
    "crisis": "A period in which tension is above the crisis threshold: handovers, "
              "releases and the withdrawal wait.",
    "collapse": "The end of the truce when a crisis is not resolved in time (or, with a "
                "small chance, on any day of crisis), or when mediators fail to restore it "
                "after a flare-up; war resumes in the model.",
    "flare-up": "Where a scenario sets them: days of mass-casualty strikes and attacks while "
                "the truce formally holds; at its end mediators restore the truce, or it "
                "collapses.",
    "extended / expired / permanent": "How the agreed phase ends: talks serious enough "
                                      "lead (usually) to an extension, an agreement to a "
                                      "permanent ceasefire, otherwise it expires.",
    "replication (run)": "One play of the scenario with its own random draws; a results "
                         "directory holds many.",
    "seed": "The number that fixes all random draws of a set of runs; the same seed gives "
            "the same results.",
    "common random numbers": "Two scenarios run with the same seed share their random "
                             "history, so their difference shows the effect of what was "
                             "changed, not luck.",
    "95% interval of a mean or probability": "How precisely the runs pin down the model's "
                                             "average (t-interval) or probability (Wilson "
                                             "interval); it narrows with more runs.",
    "5th-95th percentile": "The range within which 90% of runs fall: how differently runs "
                           "of the same deal turn out; it does not narrow with more runs.",
    "survival curve": "The share of runs in which the truce still holds on each day.",
    "paired difference": "The difference between two scenarios computed run by run (same "
                         "random numbers), then averaged.",
    "counterfactual": "What the scenario assumes the same days would have cost without a "
                      "truce: deaths per day at war (its value, the source that reported it "
                      "and its range are in the assumptions table). It covers only the window "
                      "the model observes, not what would follow it.",
    "spread across the assumptions (5th-95th percentile)": "Where a scenario gives some "
        "assumptions as ranges, the runs are split into parameter sets; this is the range "
        "of the outcome's average across those sets. Unlike the 95% interval, it does not "
        "narrow with more runs: it shows how much the answer depends on what is assumed.",
    "deaths averted": "Counterfactual deaths minus the deaths the model counts in a run.",
    "sources [Sn]": "The reports the source column cites (S7, ...), each listed with its "
                    "publisher, title, date and address in the repository's docs/sources.md.",
}

DESIGN_GLOSSARY = {
    "lever": "A term of the deal that the search varies within the range the design gives "
             "it (a day, a number released, the aid agreed).",
    "state of the world": "One set of values of the uncertain assumptions (how the parties "
                          "and mediators behave), sampled from their ranges; every draft is "
                          "run in the same states.",
    "Pareto set": "The drafts that no other draft beats on every objective at once; moving "
                  "from one to another trades one objective for another.",
    "robustness": "How an objective is summed up over the states: their mean, a percentile "
                  "(the bad states), the share of states meeting a threshold, or regret "
                  "(how much worse than the starting draft in its worst states).",
    "PRIM": "Patient rule induction: finds the box of assumption values where a draft's "
            "failures concentrate (scenario discovery).",
}
SWEEP_GLOSSARY = {
    "sweep": "The same scenario run at many design points, each with other values of the "
             "assumptions varied, every point with the same seed (common random numbers).",
    "design point": "One set of values of the varied assumptions; it is run many times and "
                    "its outcomes averaged.",
    "mu* (Morris)": "How much an outcome moves, on average, when one assumption takes one "
                    "step across its range, scaled to the whole range; large means the "
                    "outcome depends on it.",
    "sigma (Morris)": "How much those moves vary from point to point; large means the "
                      "assumption's effect depends on the other assumptions.",
    "ST and S1 (Sobol')": "The share of the outcome's variation over the design due to one "
                          "assumption, with (ST) or without (S1) its interactions.",
    "where the truce breaks": "The region of the design, found by a shallow regression "
                              "tree, where the share of runs that collapse is highest.",
}

LIMITS = (
    "Politics inside each party and the content of the talks are not modelled; talks are "
    "a single number of progress.",
    "Hostages' and detainees' individual circumstances are not modelled.",
    "Deaths are deaths caused by incidents or by resumed war, not all deaths in {territory}: "
    "disease and hunger deaths are left out, and so is displacement.",
    "Attacks by groups outside the agreement and events outside {territory} are left out.",
    "Incidents are counted, not described; their rates and the tension they cause are "
    "assumptions.",
    "There is no feedback from the outcome of one truce to the next.",
    "Most behavioural parameters (how often incidents happen, how fast mediators act, "
    "the collapse hazard) are assumptions, labelled as such in the assumptions table.",
)


def worded(entries: Mapping[str, str], names: Names) -> dict[str, str]:
    """Glossary entries worded with the scenario's names (capitalised where an entry
    starts with one)."""
    return {term: _named(text, names) for term, text in entries.items()}


def limits(names: Names) -> list[str]:
    """The model's limits, worded with the scenario's names."""
    return [_named(text, names) for text in LIMITS]


def _named(text: str, names: Names) -> str:
    out = text.format(**names.model_dump())
    return out[:1].upper() + out[1:]
