"""A self-contained HTML report of a run, or of several runs compared, for students.

One file: styles inline, charts as inline base64 PNG, no script and no external URL of
any kind, so it opens offline and makes no network request. It holds the key findings in
sentences with their intervals, the charts (:mod:`.plots`), the story of one typical run
regenerated from the manifest's resolved scenario and seed (:mod:`.story`), the
assumptions table (the parameter registry), a glossary and what the model leaves out.

The markup lives in Jinja2 templates (``templates/``, installed with the package) with
autoescaping on, so every text that reaches the page is escaped.

Inputs: a run directory; a compare directory (`trucesim compare`'s output, with the runs
beside it for the charts); or several run directories, the first being the reference.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trucesim import fmt
from trucesim.run.results import ResultsError, RunFiles, is_run, load_run

if TYPE_CHECKING:
    import jinja2

    from trucesim.analysis.compare import Comparison

ReportError = ResultsError
CAVEAT = ("Illustrative model results under each scenario's stated assumptions, not "
          "forecasts. Deaths are the model's counts, not reports; figures attributed to a "
          "party in the assumptions are that party's reports.")
NAV = (("findings", "Findings"), ("charts", "Charts"), ("story", "A typical run"),
       ("assumptions", "Assumptions"), ("glossary", "Glossary"), ("limits", "Limits"))


@dataclass(frozen=True)
class Subject:
    """What a report is about: one run, or a comparison with the runs found for it."""

    runs: list[RunFiles]
    comparison: Comparison | None = None
    notes: tuple[str, ...] = ()


def inputs(paths: Sequence[Path]) -> tuple[Subject, Path]:
    """What to report on, and the default output file."""
    from trucesim.analysis import compare, tables

    if not paths:
        raise ReportError(["no results directory given"])
    missing = [f"{p}: no such directory" for p in paths if not p.is_dir()]
    if missing:
        raise ReportError(missing)
    if len(paths) == 1:
        if is_run(paths[0]):
            return Subject([load_run(paths[0])]), paths[0] / "report.html"
        c, runs, notes = tables.read(paths[0])
        return Subject(runs, c, tuple(notes)), paths[0] / "report.html"
    runs = [load_run(p) for p in paths]
    names = [r.name for r in runs]
    if len(set(names)) != len(names):
        raise ReportError([f"two runs share the name '{n}'" for n in set(names)
                           if names.count(n) > 1])
    partial = tuple(f"{r.title}: {r.partial}" for r in runs if r.partial)
    return (Subject(runs, compare.from_runs(runs), partial),
            paths[0].parent / tables.directory_name(names) / "report.html")


def write_report(paths: Sequence[Path], out: Path | None = None) -> Path:
    """Build the report for `paths` and write it (atomically); return its path."""
    from trucesim.run.output import write_into, write_text_atomic

    subject, default = inputs(paths)
    page = run_page(subject.runs[0]) if subject.comparison is None else \
        comparison_page(subject)
    if out is not None:
        write_text_atomic(out, page)
        return out
    return write_into(default.parent, default.name, page)  # never over a file not ours


def environment() -> jinja2.Environment:
    import jinja2

    return jinja2.Environment(loader=jinja2.PackageLoader("trucesim.teaching", "templates"),
                              autoescape=True, trim_blocks=False, keep_trailing_newline=True)


@dataclass(frozen=True)
class Figure:
    data: str  # base64 PNG
    alt: str
    caption: str


def figure(png: bytes, alt: str, caption: str) -> Figure:
    return Figure(base64.b64encode(png).decode("ascii"), alt, caption)


def figures(runs: Sequence[RunFiles]) -> list[Figure]:
    from trucesim.teaching import plots

    several = len(runs) > 1
    out = [
        figure(plots.png(plots.survival(runs)), "survival curve of the truce",
               "Share of runs in which the truce still holds on each day. The band is the 95% "
               "interval of that share; a drop marks runs that collapsed that day."),
        figure(plots.png(plots.end_states(runs)), "bar chart of how the truce ends",
               "How the truce ends, as a share of runs, with 95% Wilson intervals."),
    ]
    for run in runs:
        out.append(figure(plots.png(plots.releases(run)), f"releases fan chart: {run.title}",
                          ("" if not several else f"{run.title}: ") +
                          "Cumulative releases. The dashed step line is the agreed schedule; "
                          "the band holds 90% of runs (5th-95th percentile), the solid line "
                          "is the median run, the dotted line the mean."))
    out.append(figure(plots.png(plots.territory(runs)), "share of territory held over time",
                      "Share of Gaza's territory held by the army: the mean over runs and the "
                      "band holding 90% of runs. It rises again in runs that collapse."))
    out.append(figure(plots.png(plots.aid(runs)), "aid delivered against agreed",
                      "Aid trucks delivered, cumulative: the mean over runs and the band "
                      "holding 90% of runs, against the agreed number (dashed)."))
    return out


def typical_story(run: RunFiles) -> tuple[Any, str]:
    """The typical run's story, and why it was chosen."""
    from trucesim.run import engine
    from trucesim.teaching import findings, story

    index, why = findings.typical(run)
    scenario = run.scenario()
    rep = engine.simulate(scenario, run.seed, index, log=True)
    rows = run.replication_rows()
    recorded = next((r for r in rows if int(r["replication"]) == index), None)
    if recorded is not None and recorded["end_state"] != rep.record["end_state"]:
        why += (" Note: regenerated now, this run ends differently from the one recorded in "
                "replications.csv; the model has changed since the results were written.")
    return story.tell(scenario, rep, run.seed), why


def assumptions(run: RunFiles) -> dict[str, Any]:
    """The schedule, the withdrawal stages and every parameter, for the assumptions table."""
    from trucesim.scenario.registry import parameters

    scenario = run.scenario()
    params = [{"key": p.key, "description": p.description, "value": fmt.plain_setting(p.value),
               "default": fmt.plain_setting(p.default) if p.changed else None,
               "unit": p.unit, "source": p.source, "confidence": p.confidence}
              for p in parameters(scenario)]
    schedule = [{"label": r.label or f"handover {k + 1}", "day": r.day, "living": r.living,
                 "bodies": r.bodies} for k, r in enumerate(scenario.releases)]
    stages = [{"name": st.name, "share": f"{st.share:.0%}",
               "when": (f"day {st.day}" if st.day is not None
                        else f"after handover {(st.after_release or 0) + 1}")
               + (f" + {st.delay_days} days" if st.delay_days else "")}
              for st in scenario.withdrawal.stages]
    return {"schedule": schedule, "stages": stages, "parameters": params}


def _common() -> dict[str, Any]:
    from trucesim.teaching.findings import GLOSSARY, LIMITS

    return {"nav": NAV, "caveat": CAVEAT, "glossary": GLOSSARY, "limits": LIMITS}


def run_page(run: RunFiles) -> str:
    from trucesim.teaching.findings import run_findings

    story, why = typical_story(run)
    partial = run.partial
    return environment().get_template("run.html").render(
        _common(), title=run.title, name=run.name, replications=run.replications,
        seed=run.seed, version=str(run.summary.get("trucesim_version", "?")),
        description=run.scenario().description, partial=partial,
        findings=run_findings(run), figures=figures([run]), story=story, why=why,
        assumptions=assumptions(run))


def comparison_page(subject: Subject) -> str:
    from trucesim.teaching import plots
    from trucesim.teaching.findings import comparison_findings, run_findings

    c = subject.comparison
    assert c is not None
    titles = {name: c.title(name) for name in c.names}
    headline = [d for d in c.differences if d.measure.headline]
    differences = [{"scenario": d.scenario, "label": d.measure.label,
                    "text": fmt.change_short(*d.diff, d.measure.shown_unit)}
                   for d in headline]
    runs = []
    for run in subject.runs:
        story, why = typical_story(run)
        runs.append({"title": run.title, "findings": run_findings(run), "story": story,
                     "why": why, "assumptions": assumptions(run)})
    return environment().get_template("comparison.html").render(
        _common(), title="Comparison: " + " vs ".join(titles.values()), names=c.names,
        notes=subject.notes,
        findings=comparison_findings(titles, headline, c.paired),
        differences_figure=figure(plots.png(plots.paired_differences(headline)),
                                  "paired differences",
                                  "Each row: the mean difference (dot) from the reference "
                                  "and its 95% interval (line); the vertical line is no "
                                  "difference."),
        differences=differences, several=len(c.names) > 2, runs=runs,
        figures=figures(subject.runs) if subject.runs else [])
