"""The report's pages: a run, a comparison, a sweep (see :mod:`.report`).

Each page function returns the page's HTML and its charts drawn for slides
(:class:`~.slides.Drawn`), which :func:`.report.write_report` writes under figures/. A
chart is drawn once: the page embeds its SVG, figures/ gets the SVG and the PNG.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from trucesim import fmt
from trucesim.run.results import RunFiles
from trucesim.scenario.names import Names
from trucesim.teaching.report import CAVEAT, Subject, environment, navigation
from trucesim.teaching.slides import Chart, Drawn, draw, files

if TYPE_CHECKING:
    from trucesim.run.engine import Replication
    from trucesim.teaching.drivers import SweepFiles
    from trucesim.teaching.story import Story


@dataclass(frozen=True)
class Figure:
    """A chart as the page shows it."""

    data: str  # base64 SVG
    alt: str
    caption: str
    name: str = ""
    mime: str = "image/svg+xml"


def shown(drawn: Drawn) -> Figure:
    return Figure(base64.b64encode(drawn.svg).decode("ascii"), drawn.alt, drawn.caption,
                  drawn.name)


def run_charts(runs: Sequence[RunFiles]) -> list[Chart]:
    """The charts of one run, or of several runs side by side (how the truce ends first)."""
    from trucesim.teaching import histogram, plots

    several = len(runs) > 1

    def suffix(run: RunFiles) -> str:
        return f"-{run.name}" if several else ""

    def lead(run: RunFiles) -> str:
        return f"{run.title}: " if several else ""

    out = [
        Chart("end-states", plots.end_states(runs), "bar chart of how the truce ends",
              "How the truce ends, as a share of runs, with 95% Wilson intervals."),
        Chart("survival", plots.survival(runs), "survival curve of the truce",
              "Share of runs in which the truce still holds on each day. The band is the 95% "
              "interval of that share; a drop marks runs that collapsed that day."),
    ]
    out += [Chart(f"deaths{suffix(run)}", histogram.deaths(run),
                  f"histogram of deaths: {run.title}",
                  lead(run) + f"How many {run.scenario().names.groups_death}s the model "
                  "counts in each run "
                  "(logarithmic scale), coloured by how the truce ended. The solid line is "
                  "the median run, the dashed line the mean: the runs in which the truce "
                  "collapsed pull the mean far above what a typical run counts.")
            for run in runs]
    out += [Chart(f"releases{suffix(run)}", plots.releases(run),
                  f"releases fan chart: {run.title}",
                  lead(run) + "Cumulative releases. The dashed step line is the agreed "
                  "schedule; the band holds 90% of runs (5th-95th percentile), the solid line "
                  "is the median run, the dotted line the mean.")
            for run in runs if run.scenario().concerns_hostages]  # none: nothing to chart
    out.append(Chart("territory", plots.territory(runs), "share of territory held over time",
                     f"Share of {runs[0].scenario().names.territory} held by the army: the "
                     "mean over runs and the "
                     "band holding 90% of runs. It rises again in runs that collapse."))
    if any(run.scenario().aid.trucks_per_day_agreed for run in runs):  # else nothing agreed
        out.append(Chart("aid", plots.aid(runs), "aid delivered against agreed",
                         "Aid trucks delivered, cumulative: the mean over runs and the band "
                         "holding 90% of runs, against the agreed number (dashed)."))
    return out


@dataclass(frozen=True)
class Typical:
    """A run's typical replication: its story, why it was chosen, and its timeline."""

    story: Story
    why: str
    timeline: Chart


def typical(run: RunFiles, name: str = "timeline") -> Typical:
    from trucesim.run import engine
    from trucesim.teaching import findings, story, timeline

    index, why = findings.typical(run)
    scenario = run.scenario()
    rep: Replication = engine.simulate(scenario, run.seed, index, log=True)
    rows = run.replication_rows()
    recorded = next((r for r in rows if int(r["replication"]) == index), None)
    if recorded is not None and recorded["end_state"] != rep.record["end_state"]:
        why += (" Note: regenerated now, this run ends differently from the one recorded in "
                "replications.csv; the model has changed since the results were written.")
    chart = Chart(name, timeline.timeline(scenario, rep, f"{run.title}: seed {run.seed}, "
                                          f"replication {index}"),
                  f"timeline of replication {index}",
                  "The typical run on one day axis: tension against the crisis threshold "
                  "(shaded: days of crisis), each handover on time or late, deaths the model "
                  "counts each day, aid trucks each day and the territory held.")
    return Typical(story.tell(scenario, rep, run.seed), why, chart)


def assumptions(run: RunFiles) -> dict[str, Any]:
    """The schedule, the withdrawal stages and every parameter, for the assumptions table."""
    from trucesim.scenario.registry import parameters

    scenario = run.scenario()
    params = [{"key": p.key, "description": p.description, "value": fmt.plain_setting(p.value),
               "default": fmt.plain_setting(p.default) if p.changed else None,
               "unit": p.unit, "source": p.source, "confidence": p.confidence}
              for p in parameters(scenario)]
    schedule = [{"label": r.label or f"handover {k + 1}",
                 "day": r.day if r.days == 1 else f"{r.day}-{r.last_day}", "living": r.living,
                 "bodies": r.bodies} for k, r in enumerate(scenario.releases)]
    stages = [{"name": st.name, "share": f"{st.share:.0%}",
               "when": (f"day {st.day}" if st.day is not None
                        else f"after handover {(st.after_release or 0) + 1}")
               + (f" + {st.delay_days} days" if st.delay_days else "")}
              for st in scenario.withdrawal.stages]
    return {"schedule": schedule, "stages": stages, "parameters": params}


def _common(sections: Sequence[str], names: Names,
            glossary: Mapping[str, str] | None = None) -> dict[str, Any]:
    """What every page shows: its navigation, the caveat, the glossary (`glossary`'s
    entries first) and the model's limits, worded with the scenario's names."""
    from trucesim.teaching.glossary import GLOSSARY, limits, worded

    return {"nav": navigation(sections), "caveat": CAVEAT,
            "glossary": worded({**(glossary or {}), **GLOSSARY}, names),
            "limits": limits(names)}


def run_page(run: RunFiles) -> tuple[str, list[Drawn]]:
    from trucesim.teaching.findings import run_findings

    chosen = typical(run)
    charts = [draw(c) for c in run_charts([run])]
    timeline = draw(chosen.timeline)
    partial = run.partial
    every = [*charts, timeline]
    page = environment().get_template("run.html").render(
        _common(["findings", "charts", "story", "slides", "assumptions"],
                run.scenario().names), title=run.title,
        name=run.name, replications=run.replications, seed=run.seed,
        version=str(run.summary.get("trucesim_version", "?")),
        description=run.scenario().description, partial=partial,
        findings=run_findings(run), figures=[shown(c) for c in charts],
        timeline=shown(timeline), story=chosen.story, why=chosen.why,
        assumptions=assumptions(run), slides=files(every))
    return page, every


def comparison_page(subject: Subject) -> tuple[str, list[Drawn]]:
    from trucesim.teaching import plots
    from trucesim.teaching.findings import comparison_findings, key_differences, run_findings

    c = subject.comparison
    assert c is not None
    titles = {name: c.title(name) for name in c.names}
    headline = [d for d in c.differences if d.measure.headline]
    differences = [{"scenario": d.scenario, "label": d.measure.label,
                    "text": fmt.change_short(*d.diff, d.measure.shown_unit) + (
                        f" (across the assumptions' ranges: "
                        f"{fmt.signed_interval(d.spread, d.measure.shown_unit)})"
                        if d.spread else "")}
                   for d in headline]
    paired = draw(Chart("paired-differences", plots.paired_differences(
        key_differences(headline)), "paired differences",
        "The key outcomes, each on its own scale: the mean difference (dot) from the "
        "reference and its 95% interval (line); the vertical line is no difference. The "
        "table lists every headline outcome."))
    charts = [draw(c) for c in run_charts(subject.runs)] if subject.runs else []
    runs, timelines = [], []
    for run in subject.runs:
        chosen = typical(run, f"timeline-{run.name}")
        timelines.append(draw(chosen.timeline))
        runs.append({"title": run.title, "findings": run_findings(run), "story": chosen.story,
                     "why": chosen.why, "assumptions": assumptions(run),
                     "timeline": shown(timelines[-1])})
    notes = subject.notes
    if not runs:
        notes += ("`trucesim compare A B --report` keeps each scenario's run inside the "
                  "comparison's directory, so that its report has every section.",)
    every = [paired, *charts, *timelines]
    sections = ["findings", "slides"] + (["charts", "story", "assumptions"] if runs else [])
    page = environment().get_template("comparison.html").render(
        _common(sections, subject.runs[0].scenario().names if subject.runs else Names()),
        title="Comparison: " + " vs ".join(titles.values()),
        names=c.names, notes=notes,
        findings=comparison_findings(titles, headline, c.paired),
        differences_figure=shown(paired), differences=differences,
        several=len(c.names) > 2, runs=runs, figures=[shown(ch) for ch in charts],
        slides=files(every))
    return page, every


def sweep_page(sweep: SweepFiles) -> tuple[str, list[Drawn]]:
    from trucesim.analysis.sensitivity import SHOWN, headers, show_index
    from trucesim.teaching import drivers
    from trucesim.teaching.glossary import SWEEP_GLOSSARY

    made = [Chart("where-it-breaks", drivers.where_it_breaks(sweep),
                    "scatter of design points coloured by collapse probability",
                    "The design seen along the two assumptions that matter most here. Each "
                    "dot stands for the design points (sets of assumption values, each run "
                    "many times) at those two values, bigger where there are more, coloured "
                    "by the share of their runs in which the truce collapsed. Shaded: the "
                    "region where collapse is most likely.")]
    if sweep.ranked("p_collapsed"):
        made.append(Chart("drivers", drivers.ranking(sweep),
                          "bar chart of the assumptions ranked by influence",
                          "Each bar: how much the collapse probability moves when that "
                          "assumption moves across its range (line: 95% interval). Longer "
                          "bars are the assumptions the result depends on most."))
    charts = [draw(c) for c in made]
    main, other = headers(sweep.method)
    tables = [{"label": label, "rows": [(r.rank, r.parameter, *show_index(sweep.method, r))
                                        for r in sweep.ranked(outcome)]}
              for outcome, label in SHOWN.items()]
    ident = sweep.identity
    where = (sweep.box.sentence() if sweep.box is not None else
             "no region of the design stands out (too few points, or collapse does not vary "
             "over it)")
    sections = ["where", "design", "slides"] + (["drivers"] if len(charts) > 1 else [])
    page = environment().get_template("sweep.html").render(
        _common(sections, Names(), SWEEP_GLOSSARY),
        title=f"Sweep of {ident.get('scenario', '?')}", identity=ident,
        factors=sweep.factors, points=len(sweep.x), where=where[0].upper() + where[1:] + ".",
        collapse_range=(float(sweep.y["p_collapsed"].min()),
                        float(sweep.y["p_collapsed"].max())),
        figures=[shown(c) for c in charts], tables=tables if sweep.indices else [],
        headers=(main, other), slides=files(charts))
    return page, charts
