"""What a report says in words: key findings with their intervals, the choice of a
typical run, the glossary and the model's limits.

Findings are sentences built from summary.json (and, for a comparison, from paired
differences); every figure carries its 95% interval. All wording is neutral and
attributes nothing to the real world: these are model results under the scenario's
assumptions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from trucesim import fmt
from trucesim.analysis.compare import Difference
from trucesim.fmt import bracket, num, pct, prose, whole
from trucesim.run.results import RunFiles


def _outcome(run: RunFiles, name: str) -> dict[str, Any]:
    d = run.summary["outcomes"].get(name, {})
    return d if d.get("n") else {}


def _across(run: RunFiles, measure: str, unit: str) -> str:
    """'; across the assumptions' ranges 6%-45%' for an uncertain run, else ''."""
    d = run.summary.get("uncertainty", {}).get("by_measure", {}).get(measure)
    if not d:
        return ""
    return f" (across the assumptions' ranges: {prose(d['p05'], unit)}-{prose(d['p95'], unit)})"


def _two_intervals(run: RunFiles) -> list[str]:
    """The sentence that says what the two intervals are, for an uncertain run."""
    u = run.summary.get("uncertainty")
    if not u:
        return []
    return [f"This scenario gives {len(u['parameters'])} assumptions as ranges, so its "
            f"runs were split into {u['parameter_sets']} parameter sets drawn from them. "
            "Each bracket says how precisely the runs pin down a figure; the range in "
            "parentheses is the 5th-95th percentile of the same figure across the parameter "
            "sets: how much the assumptions themselves move it."]


def _episodes(run: RunFiles) -> list[str]:
    """How often a crisis, and (where the scenario sets them) a flare-up, occurred."""
    s, out = run.summary, []
    crisis = s["milestones"].get("day_first_crisis")
    if crisis:
        out.append(f"At least one crisis occurred in {pct(crisis['p'])} of runs "
                   f"{bracket(crisis['ci95'], 'share')}.")
    flared = s["milestones"].get("day_first_flare_up")
    if flared:
        text = (f"At least one flare-up (days of mass-casualty strikes and attacks while the "
                f"truce formally held) occurred in {pct(flared['p'])} of runs "
                f"{bracket(flared['ci95'], 'share')}")
        toll = _outcome(run, "flare_up_deaths_palestinians")
        if toll:
            text += (f"; the model counts on average {num(toll['mean'])} "
                     f"{bracket(toll['ci95_mean'], 'count')} "
                     f"{run.scenario().names.groups_death}s in them")
        out.append(text + ".")
    return out


def run_findings(run: RunFiles) -> list[str]:
    """The key findings of one run, as sentences with 95% intervals (and, for a scenario
    with uncertain assumptions, each figure's spread across them)."""
    s = run.summary
    sc = run.scenario()
    window = sc.truce.window_days
    es = s["end_states"]
    out = _two_intervals(run)
    col = es["collapsed"]
    collapse = s["milestones"].get("day_collapse", {})
    when = (f"; in half of those runs it had collapsed by about day "
            f"{whole(collapse['median_day'])}"
            if col["count"] and "median_day" in collapse else "")
    out.append(f"In {pct(col['p'])} of runs {bracket(col['ci95'], 'share')}"
               f"{_across(run, 'p_collapsed', 'share')} the truce collapsed within the "
               f"{window}-day window{when}.")
    name = sc.truce.phase_name
    states = [("extended", f"the {name} was extended when it ended"),
              ("expired", f"the {name} expired"),
              ("permanent", "the talks reached a permanent agreement")]
    if es.get("ongoing", {}).get("count"):
        states.append(("ongoing", f"the {name} still held at the end of the window, the "
                       "talks going on"))
    rest = [f"{pct(es[k]['p'])} {bracket(es[k]['ci95'], 'share')} {what}"
            for k, what in states]
    out.append(f"In {', in '.join(rest[:-1])}, and in {rest[-1]}.")
    war = s["milestones"].get("day_war_resumed")
    if war and war["count"] and war["count"] > col["count"]:
        out.append(f"Fighting resumed within the window in {pct(war['p'])} of runs "
                   f"{bracket(war['ci95'], 'share')}: after a collapse, or some days after "
                   f"the {name} expired.")
    out += _episodes(run)
    living, bodies = _outcome(run, "living_released"), _outcome(run, "bodies_released")
    complete = s["milestones"].get("day_schedule_living_complete")
    if living and bodies and sc.concerns_hostages:
        text = (f"On average {num(living['mean'])} {bracket(living['ci95_mean'], 'count')}"
                f"{_across(run, 'living_released', 'count')} living hostages and "
                f"{num(bodies['mean'])} {bracket(bodies['ci95_mean'], 'count')}"
                f"{_across(run, 'bodies_released', 'count')} hostages' bodies were released, "
                f"against {sc.living_scheduled} and {sc.bodies_scheduled} in the schedule")
        if complete and sc.living_scheduled:
            text += (f"; every scheduled living hostage was out by the end in "
                     f"{pct(complete['p'])} of runs {bracket(complete['ci95'], 'share')}")
        out.append(text + ".")
    freed = _outcome(run, "detainees_freed_total")
    if freed and sc.concerns_hostages:
        out.append(f"On average {num(freed['mean'])} {bracket(freed['ci95_mean'], 'count')} "
                   f"prisoners and detainees were freed in exchange.")
    land = _outcome(run, "territory_share_end")
    if land:
        out.append(f"At the end the army held {pct(land['median'])} of {sc.names.territory} "
                   "in the median run "
                   f"(5th-95th percentile of runs: {pct(land['p05'])}-{pct(land['p95'])}; "
                   f"{pct(sc.withdrawal.initial_share)} at the start).")
    aid = _outcome(run, "aid_share_of_agreed")
    if aid:
        out.append(f"Aid delivered averaged {pct(aid['mean'])} "
                   f"{bracket(aid['ci95_mean'], 'share')}"
                   f"{_across(run, 'aid_share_of_agreed', 'share')} of the trucks agreed.")
    pal, isr = _outcome(run, "deaths_palestinians"), _outcome(run, "deaths_israelis")
    if pal and isr:
        out.append(f"In the median run the model counts {whole(pal['median'])} "
                   f"{sc.names.groups_death}s over the window (5th-95th percentile: "
                   f"{whole(pal['p05'])}-"
                   f"{whole(pal['p95'])}); the mean, {num(pal['mean'])} "
                   f"{bracket(pal['ci95_mean'], 'count')}"
                   f"{_across(run, 'deaths_palestinians', 'count')}, is pulled up by the "
                   f"runs in which "
                   f"the truce collapsed and war resumed. {sc.names.army_death}s: median "
                   f"{whole(isr['median'])} ({whole(isr['p05'])}-{whole(isr['p95'])}).")
    averted = _outcome(run, "deaths_averted")
    if averted:
        cf = sc.counterfactual
        uncertain = any(u.key.startswith("counterfactual.") for u in sc.uncertain)
        rate = ("a range of no-truce death rates" if uncertain else
                f"{fmt.sig3(cf.deaths_per_day_palestinians)} {sc.names.groups_people} and "
                f"{fmt.sig3(cf.deaths_per_day_israelis)} {sc.names.army_people} deaths a day")
        out.append(f"Against the scenario's counterfactual ({rate} at war, from the "
                   f"figures its sources report; see the assumptions), "
                   f"about {num(averted['mean'])} {bracket(averted['ci95_mean'], 'count')}"
                   f"{_across(run, 'deaths_averted', 'count')} deaths were averted on "
                   f"average. The counterfactual covers only the {window}-day window, not "
                   f"what would follow it.")
    return out


# the outcomes a comparison leads with (its sentences, and its chart of differences)
KEY_OUTCOMES = ("p_collapsed", "living_released", "bodies_released", "aid_share_of_agreed",
                "deaths_palestinians")


def key_differences(diffs: Sequence[Difference]) -> list[Difference]:
    """The differences of the key outcomes (all headline ones if none of them is there)."""
    key = [d for d in diffs if d.measure.name in KEY_OUTCOMES]
    return key or [d for d in diffs if d.measure.headline]


def comparison_findings(titles: dict[str, str], diffs: Sequence[Difference],
                        paired: dict[str, bool]) -> list[str]:
    """One sentence per compared scenario, its headline differences with intervals.

    `titles` maps each scenario's name to its title, the reference first."""
    reference = next(iter(titles.values()))
    out = []
    headline = KEY_OUTCOMES
    for other in dict.fromkeys(d.scenario for d in diffs):
        rows = {d.measure.name: d for d in diffs if d.scenario == other}
        how = "paired runs, same random numbers" if paired[other] else \
            "independent runs (different seeds): a wider interval"
        parts = []
        for name in headline:
            d = rows.get(name)
            if d is None:
                continue
            change = fmt.change(*d.diff, d.measure.shown_unit)
            label = d.measure.label
            label = label.replace("P(truce ", "chance the truce ").rstrip(")") \
                if label.startswith("P(") else label
            parts.append(f"{label}: {change}")
        out.append(f"{titles.get(other, other)} compared with {reference} ({how}): "
                   + "; ".join(parts) + ".")
    out.append("An interval that excludes 0 means the difference is larger than the "
               "replications' noise; it says nothing about whether the assumptions are right.")
    return out


def typical(run: RunFiles) -> tuple[int, str]:
    """A replication whose outcome is typical, and why: the most common end state, with
    releases, deaths and aid closest to the medians across runs."""
    rows = run.replication_rows()
    if not rows:
        return 0, ("replications.csv is not in the results directory, so replication 0 is "
                   "told.")
    es = run.summary["end_states"]
    common = max(es, key=lambda k: es[k]["count"])
    hostages = run.scenario().concerns_hostages
    keys = (("living_released", "bodies_released") if hostages else ()) + (
        "deaths_palestinians", "aid_share_of_agreed")
    stats = {k: run.summary["outcomes"][k] for k in keys}

    def distance(row: dict[str, str]) -> float:
        total = 0.0
        for k, d in stats.items():
            spread = max(d["p95"] - d["p05"], 1e-9)
            total += abs(float(row[k]) - d["median"]) / spread
        return total

    candidates = [r for r in rows if r["end_state"] == common] or rows
    best = min(candidates, key=lambda r: (distance(r), int(r["replication"])))
    medians = ", ".join(pct(stats[k]["median"]) if k.startswith("aid") else
                        whole(stats[k]["median"]) for k in keys)
    mine = ", ".join(prose(float(best[k]), "share" if k.startswith("aid") else "count")
                     for k in keys)
    why = (f"Replication {best['replication']} is told because it is typical: it ended the "
           f"most common way ({common}), and its "
           f"{'living hostages and bodies released, ' if hostages else ''}"
           f"{run.scenario().names.groups_death}s "
           f"counted and share of aid delivered ({mine}) are close to the medians across "
           f"runs ({medians}).")
    return int(best["replication"]), why
