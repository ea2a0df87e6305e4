"""The facts the lesson material is written from (used by docs/build.py).

Each function reads results the build has just produced, or plays the runs it needs,
and returns plain values and phrases: numbers formatted as the report prints them
(:mod:`trucesim.fmt`), and the few words whose choice depends on a result (more or
less, inside or outside an interval) chosen from that result, so the prose stays true
when the model changes.
"""

from __future__ import annotations

import csv
import math
import statistics
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from trucesim import fmt
from trucesim.analysis.compare import Comparison, Difference, from_runs
from trucesim.run import engine
from trucesim.run.results import RunFiles
from trucesim.scenario import load
from trucesim.teaching import timeline

HEADLINE = ("p_collapsed", "living_released", "bodies_released", "aid_share_of_agreed",
            "deaths_palestinians")


def _rows(run: RunFiles) -> list[dict[str, str]]:
    with (run.directory / "replications.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def run_facts(run: RunFiles) -> dict[str, Any]:
    """What the lesson says about the reference's many runs."""
    s, sc = run.summary, run.scenario()
    es = s["end_states"]
    ends = {k: {"pct": fmt.pct(v["p"]), "ci": fmt.bracket(v["ci95"], "share"),
                "table": fmt.table(v["p"], "share"), "count": v["count"]}
            for k, v in es.items()}
    out = s["outcomes"]
    pal = out["deaths_palestinians"]
    rows = _rows(run)
    deaths = [float(r["deaths_palestinians"]) for r in rows]
    collapsed = [float(r["deaths_palestinians"]) for r in rows if r["end_state"] == "collapsed"]
    held = [float(r["deaths_palestinians"]) for r in rows if r["end_state"] != "collapsed"]
    survival = run.daily["survival"]
    crisis = s["milestones"]["day_first_crisis"]
    collapse_day = s["milestones"]["day_collapse"]
    above_mean = sum(d > pal["mean"] for d in deaths) / len(deaths)
    return {"base": {
        "title": run.title, "ends": ends, "crisis_pct": fmt.pct(crisis["p"]),
        "crisis_ci": fmt.bracket(crisis["ci95"], "share"),
        "collapse_median_day": fmt.whole(collapse_day.get("median_day", math.nan)),
        "survival": {d: fmt.pct(survival[d]) for d in (10, 30, sc.truce.window_days)},
        "window": sc.truce.window_days,
        "living": fmt.num(out["living_released"]["mean"]),
        "living_ci": fmt.bracket(out["living_released"]["ci95_mean"], "count"),
        "bodies": fmt.num(out["bodies_released"]["mean"]),
        "bodies_ci": fmt.bracket(out["bodies_released"]["ci95_mean"], "count"),
        "living_scheduled": sc.living_scheduled, "bodies_scheduled": sc.bodies_scheduled,
        "aid": fmt.pct(out["aid_share_of_agreed"]["mean"]),
        "deaths_median": fmt.whole(pal["median"]), "deaths_mean": fmt.num(pal["mean"]),
        "deaths_ci": fmt.bracket(pal["ci95_mean"], "count"),
        "deaths_p05": fmt.whole(pal["p05"]), "deaths_p95": fmt.whole(pal["p95"]),
        "deaths_above_mean": fmt.pct(above_mean),
        "deaths_median_collapsed": fmt.whole(statistics.median(collapsed)) if collapsed
        else "none", "deaths_median_held": fmt.whole(statistics.median(held)),
        "schedule": [{"label": r.label, "day": r.day, "living": r.living, "bodies": r.bodies}
                     for r in sc.releases],
        "trucks": f"{sc.aid.trucks_per_day_agreed:,.0f}",
    }}


def change(d: Difference) -> dict[str, str]:
    """A paired difference in words: its size with interval, and its direction."""
    unit = d.measure.shown_unit
    mean, lo, hi = d.diff
    if lo <= 0 <= hi:
        direction = "no change the runs can tell apart from zero"
    else:
        direction = "higher" if mean > 0 else "lower"
    return {"short": fmt.change_short(*d.diff, unit), "words": fmt.change(*d.diff, unit),
            "direction": direction, "level": fmt.table(d.b[0], unit),
            "reference": fmt.table(d.a[0], unit)}


def comparisons(base: RunFiles, others: Sequence[RunFiles],
                paths: Sequence[str]) -> list[dict[str, Any]]:
    """Each prepared scenario against the reference: paired differences of the headline
    outcomes (the comparison `trucesim report` makes of the two runs)."""
    out = []
    for run, path in zip(others, paths, strict=True):
        c: Comparison = from_runs([base, run])
        found = {d.measure.name: d for d in c.differences}
        row: dict[str, Any] = {"name": run.name, "title": run.title, "path": path,
                               "description": run.scenario().description}
        row.update({name: change(found[name]) for name in HEADLINE})
        p_base, p_new = found["p_collapsed"].a[0], found["p_collapsed"].b[0]
        row["ratio"] = f"{p_new / p_base:.1f}" if p_base else "n/a"
        out.append(row)
    return out


def one_run(path: Path, seed: int) -> dict[str, Any]:
    """What replication 0 of `seed` does (`trucesim story --seed`), from its record, its
    daily series and its handovers."""
    s = load(path)
    rep = engine.simulate(s, seed, 0, log=True)
    r = rep.record
    crises = timeline.spans(rep.column("in_crisis") > 0)
    handed = timeline.handovers(rep)
    incidents = timeline.per_day(rep.column("incidents"))[1:]
    late = [{"label": h.label, "due": h.due, "day": h.day, "late": h.late}
            for h in handed if h.day is not None and h.late]
    on_time = sum(1 for h in handed if h.day is not None and not h.late)
    return {"seed": seed, "ended": str(r["end_state"]), "end_day": r["end_day"],
            "collapse_day": r["day_collapse"], "crises": int(r["crises"] or 0),
            "crisis_days": [(a, b) for a, b in crises],
            "incident_days": int((incidents > 0).sum()), "window": s.truce.window_days,
            "late": late, "on_time": on_time, "handovers": len(s.releases),
            # cancelled by a collapse, or still waiting for a crisis to end at the end
            "not_held": len(s.releases) - on_time - len(late),
            "living": int(r["living_released"] or 0),
            "bodies": int(r["bodies_released"] or 0),
            "deaths": f"{float(r['deaths_palestinians'] or 0):,.0f}",
            "talks": fmt.percent(float(r["talks_progress_end"] or 0)),
            "max_tension": f"{float(r['max_tension'] or 0):.1f}"}


def seed_facts(path: Path, seeds: Iterable[int]) -> dict[str, Any]:
    """The groups' seeds; the worked example (the first seed whose run goes through a
    crisis, survives it and has a late handover); the first seed that collapses."""
    groups = [one_run(path, k) for k in seeds]
    worked = collapse = None
    for k in range(1, 500):
        run = one_run(path, k)
        if worked is None and run["crises"] and run["ended"] != "collapsed" and run["late"]:
            first = run["crisis_days"][0][0]
            late = run["late"][0]["day"]
            worked = run | {"excerpt_days": sorted({late - 1, late, first})}
        if collapse is None and run["ended"] == "collapsed":
            collapse = run
        if worked and collapse:
            break
    assert worked is not None and collapse is not None
    return {"groups": groups, "worked": worked, "collapse_example": collapse,
            "group_ends": {e: sum(g["ended"] == e for g in groups)
                           for e in ("permanent", "extended", "expired", "collapsed")}}


def excerpt(story: str, days: Sequence[int]) -> str:
    """The entries of a `trucesim story` output for `days`, with '...' between."""
    lines = story.splitlines()
    starts = [i for i, ln in enumerate(lines) if ln.startswith(("Day ", "Days "))]
    out = []
    for i, start in enumerate(starts):
        label = lines[start].split("  ")[0]
        first = int(label.split()[1].split("-")[0])
        if first not in days:
            continue
        end = starts[i + 1] if i + 1 < len(starts) else len(lines)
        block = lines[start:end]
        while block and not block[-1].strip():
            block.pop()
        if not out or out[-1] != "...":
            out.append("...")
        out += block
    return "\n".join([*out, "..."])


def screening(path: Path, out: Path, seed: int, samples: int, n: int) -> dict[str, Any]:
    """The screening sweep that chose the classroom's key assumptions: Morris, every
    numeric assumption +-30% around base (teaching.controls.screening)."""
    from trucesim.analysis.designs import build, parse_vary
    from trucesim.analysis.sensitivity import analyse, ranked
    from trucesim.analysis.sweep import prepare, run_points
    from trucesim.run.executors import make_executor
    from trucesim.scenario.load import resolved
    from trucesim.teaching import controls

    base = load(path)
    vary = [f"{k}={lo:g}:{hi:g}" for k, lo, hi, _ in controls.screening(base)]
    factors = [parse_vary(v, resolved(base)) for v in vary]
    sweep = prepare(path, [], build("morris", factors, samples, seed), seed, n)
    executor = make_executor(0, "pool")
    run_points(sweep, out / sweep.directory_name, executor)
    report = analyse(sweep, out / sweep.directory_name)
    rows = ranked(report, "p_collapsed")
    chosen = [r.parameter for r in rows[:len(controls.KEY_ASSUMPTIONS)]]
    return {"factors": len(factors), "points": len(sweep.design), "samples": samples,
            "n": n, "seed": seed, "replications": len(sweep.design) * n,
            "vary": vary, "where": report.where(),
            "range": [fmt.pct(x) for x in report.collapse_range],
            "top": [{"rank": r.rank, "key": r.parameter, "mu": fmt.sig3(r.value),
                     "low": fmt.sig3(r.low), "high": fmt.sig3(r.high),
                     "sigma": fmt.sig3(r.other)} for r in rows[:10]],
            "chosen": chosen, "matches": chosen == list(controls.KEY_ASSUMPTIONS)}


def worksheet(facts: dict[str, Any]) -> list[dict[str, Any]]:
    """The worksheet's parts and questions (the answer key follows the same numbering)."""
    b = facts["base"]
    seeds = ", ".join(str(g["seed"]) for g in facts["groups"])
    return [
        {"title": "A. One run, day by day", "questions": [
            ("Before the story is read: on how many of the "
             f"{b['window']} days do you expect at least one incident?", 1),
            ("Will every handover come on time? How will the truce end (permanent "
             "agreement, extended, expired, collapsed)?", 2),
            (f"Your group's seed (one of {seeds}): how did the truce end, and on which "
             "day? How many crises were there?", 2),
            ("Put the groups' endings in the class tally. What does it tell you?", 2)]},
        {"title": "B. Many runs of the same deal", "questions": [
            (f"Predict: out of {facts['n']:,} runs of the same deal, in how many does the "
             f"truce collapse within {b['window']} days?", 1),
            ("Predict: in the median run, how many Palestinian deaths does the model "
             "count? Will the mean be higher, lower or about the same?", 1),
            ("From the report: the share of runs that collapse, with its bracket. What does "
             "the bracket mean?", 2),
            ("From the histogram of deaths: why are the mean and the median so different? "
             "Which one describes a typical run?", 3)]},
        {"title": "C. The classroom page: predict, lock, reveal", "questions": [
            ("Your locked prediction for the reference deal: collapse (out of 100 runs) "
             "and living hostages released (on average).", 1),
            ("Revealed: the model's numbers with their brackets. Was your guess inside "
             "the bracket?", 2),
            ("Move one term of the deal. Before the page updates, write the direction you "
             "expect for collapse and for releases. What did the paired difference show?",
             3)]},
        {"title": "D. Change one assumption", "questions": [
            ("Your group's scenario: will collapse be more or less likely than "
             f"{b['ends']['collapsed']['table']}? By a little or a lot? What happens to "
             "releases, aid and deaths?", 2),
            ("The paired difference in the chance of collapse, with its interval: does "
             "the interval include zero? What does that mean?", 2),
            ("Explain the result to the class in two sentences.", 3)]},
        {"title": "E. What drives the result", "questions": [
            ("Of the page's five key assumptions, which would you most want evidence on "
             "before trusting these results? Where would you look for it?", 3),
            ("Name one thing the model leaves out that could change your answer.", 2)]},
    ]
