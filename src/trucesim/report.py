"""A self-contained HTML report of a run, or of several runs compared, for students.

One file: styles inline, charts as inline base64 PNG, no script and no external URL of
any kind, so it opens offline and makes no network request. It holds the key findings in
sentences with their intervals, the charts (:mod:`trucesim.plots`), the story of one
typical run regenerated from the manifest's resolved scenario and seed
(:mod:`trucesim.story`), the assumptions table (:mod:`trucesim.registry`), a glossary
and what the model leaves out. All text is escaped.

Inputs: a run directory; a comparison directory holding (or naming, in its manifest) run
directories; or several run directories, the first being the reference.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trucesim.resultsfiles import ResultsError, RunFiles, is_run, load_run

if TYPE_CHECKING:
    from trucesim.comparison import Comparison
    from trucesim.plots import Difference

ReportError = ResultsError
esc = html.escape
CAVEAT = ("Illustrative model results under each scenario's stated assumptions, not "
          "forecasts. Deaths are the model's counts, not reports; figures attributed to a "
          "party in the assumptions are that party's reports.")


def inputs(paths: Sequence[Path]) -> tuple[RunFiles | Comparison, Path]:
    """What to report on (one run, or a comparison), and the default output file."""
    from trucesim.comparison import from_directory, from_runs

    if not paths:
        raise ReportError(["no results directory given"])
    missing = [f"{p}: no such directory" for p in paths if not p.is_dir()]
    if missing:
        raise ReportError(missing)
    if len(paths) == 1:
        if is_run(paths[0]):
            return load_run(paths[0]), paths[0] / "report.html"
        return from_directory(paths[0]), paths[0] / "report.html"
    runs = [load_run(p) for p in paths]
    names = [r.name for r in runs]
    if len(set(names)) != len(names):
        raise ReportError([f"two runs share the name '{n}'" for n in set(names)
                           if names.count(n) > 1])
    return from_runs(runs), paths[0].parent / f"compare-{'-'.join(names)}" / "report.html"


def write_report(paths: Sequence[Path], out: Path | None = None) -> Path:
    """Build the report for `paths` and write it (atomically); return its path."""
    from trucesim.output import write_text_atomic

    subject, default = inputs(paths)
    page = run_page(subject) if isinstance(subject, RunFiles) else comparison_page(subject)
    destination = out or default
    write_text_atomic(destination, page)
    return destination


def img(png: bytes, alt: str, caption: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return (f'<figure><img src="data:image/png;base64,{data}" alt="{esc(alt)}">'
            f"<figcaption>{esc(caption)}</figcaption></figure>")


def charts(runs: Sequence[RunFiles]) -> list[str]:
    from trucesim import plots

    several = len(runs) > 1
    out = [
        img(plots.png(plots.survival(runs)), "survival curve of the truce",
            "Share of runs in which the truce still holds on each day. The band is the 95% "
            "interval of that share; a drop marks runs that collapsed that day."),
        img(plots.png(plots.end_states(runs)), "bar chart of how the truce ends",
            "How the truce ends, as a share of runs, with 95% Wilson intervals."),
    ]
    for run in runs:
        out.append(img(plots.png(plots.releases(run)), f"releases fan chart: {run.title}",
                       ("" if not several else f"{run.title}: ") +
                       "Cumulative releases. The dashed step line is the agreed schedule; the "
                       "band holds 90% of runs (5th-95th percentile), the solid line is the "
                       "median run, the dotted line the mean."))
    out.append(img(plots.png(plots.territory(runs)), "share of territory held over time",
                   "Share of Gaza's territory held by the army: the mean over runs and the "
                   "band holding 90% of runs. It rises again in runs that collapse."))
    out.append(img(plots.png(plots.aid(runs)), "aid delivered against agreed",
                   "Aid trucks delivered, cumulative: the mean over runs and the band holding "
                   "90% of runs, against the agreed number (dashed)."))
    return out


def story_html(run: RunFiles) -> tuple[str, str]:
    """The typical run's story as HTML, and why it was chosen."""
    from trucesim import engine, findings, story, storytext

    index, why = findings.typical(run)
    scenario = run.scenario()
    rep = engine.simulate(scenario, run.seed, index, log=True)
    rows = run.replication_rows()
    recorded = next((r for r in rows if int(r["replication"]) == index), None)
    if recorded is not None and recorded["end_state"] != rep.record["end_state"]:
        why += (" Note: regenerated now, this run ends differently from the one recorded in "
                "replications.csv; the model has changed since the results were written.")
    return storytext.html_fragment(story.tell(scenario, rep, run.seed)), why


def assumptions(run: RunFiles) -> str:
    from trucesim.registry import parameters

    scenario = run.scenario()
    rows = []
    for p in parameters(scenario):
        mark = f' <span class="changed">(default {esc(_value(p.default))})</span>' \
            if p.changed else ""
        rows.append(f"<tr><td><code>{esc(p.key)}</code><br><small>{esc(p.description)}"
                    f"</small></td><td class=\"num\">{esc(_value(p.value))}{mark}</td>"
                    f"<td>{esc(p.unit)}</td><td>{esc(p.source)}</td><td>{esc(p.confidence)}"
                    f"</td></tr>")
    schedule = "".join(
        f"<tr><td>{esc(r.label or f'handover {k + 1}')}</td><td class=\"num\">{r.day}</td>"
        f"<td class=\"num\">{r.living}</td><td class=\"num\">{r.bodies}</td></tr>"
        for k, r in enumerate(scenario.releases))
    stages = "".join(
        f"<tr><td>{esc(st.name)}</td><td class=\"num\">{st.share:.0%}</td><td>"
        f"{esc(f'day {st.day}' if st.day is not None else f'after handover {(st.after_release or 0) + 1}')}"  # noqa: E501
        f"{esc(f' + {st.delay_days} days' if st.delay_days else '')}</td></tr>"
        for st in scenario.withdrawal.stages)
    return (
        f"<h3>Schedule of handovers</h3><table><tr><th>handover</th><th>day</th>"
        f"<th>living hostages</th><th>bodies</th></tr>{schedule}</table>"
        + (f"<h3>Withdrawal stages</h3><table><tr><th>stage</th><th>share held after</th>"
           f"<th>when</th></tr>{stages}</table>" if stages else "")
        + "<h3>Parameters</h3><table class=\"params\"><tr><th>parameter</th><th>value</th>"
          "<th>unit</th><th>source</th><th>confidence</th></tr>" + "".join(rows) + "</table>")


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def glossary_and_limits() -> str:
    from trucesim.findings import GLOSSARY, LIMITS

    terms = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in GLOSSARY.items())
    limits = "".join(f"<li>{esc(x)}</li>" for x in LIMITS)
    return (f'<h2 id="glossary">Glossary</h2><dl>{terms}</dl>'
            f'<h2 id="limits">What the model leaves out</h2><ul>{limits}</ul>')


def run_page(run: RunFiles) -> str:
    from trucesim.findings import run_findings

    story, why = story_html(run)
    s = run.summary
    head = (f"Scenario <code>{esc(run.name)}</code>: {s['replications']:,} runs, seed "
            f"{run.seed}, trucesim {esc(str(s.get('trucesim_version', '?')))}.")
    description = run.scenario().description
    body = [
        f"<h1>{esc(run.title)}</h1>", f"<p>{head}</p>",
        f"<p>{esc(description)}</p>" if description else "",
        f'<p class="caveat">{esc(CAVEAT)}</p>',
        '<h2 id="findings">Key findings</h2><ul class="findings">'
        + "".join(f"<li>{esc(x)}</li>" for x in run_findings(run)) + "</ul>",
        "<p><small>Brackets give 95% intervals: Wilson intervals for probabilities, "
        "t-intervals for means. They say how precisely the runs pin down the model's "
        "average, not how much single runs vary; the 5th-95th percentile range does "
        "that.</small></p>",
        '<h2 id="charts">Charts</h2>', *charts([run]),
        '<h2 id="story">The story of one typical run</h2>', f"<p>{esc(why)}</p>", story,
        '<h2 id="assumptions">Assumptions</h2>', assumptions(run),
        glossary_and_limits(),
    ]
    return page(run.title, body)


def comparison_page(c: Comparison) -> str:
    from trucesim import plots
    from trucesim.findings import comparison_findings, run_findings

    titles = {name: c.title(name) for name in c.names}
    title = "Comparison: " + " vs ".join(titles.values())
    body = [f"<h1>{esc(title)}</h1>",
            f"<p>Reference: <code>{esc(c.names[0])}</code>; compared: "
            + ", ".join(f"<code>{esc(n)}</code>" for n in c.names[1:]) + ".</p>",
            f'<p class="caveat">{esc(CAVEAT)}</p>',
            *(f'<p class="note">{esc(note)}</p>' for note in c.notes),
            '<h2 id="findings">Key findings</h2><ul class="findings">'
            + "".join(f"<li>{esc(x)}</li>"
                      for x in comparison_findings(titles, c.diffs, c.paired)) + "</ul>",
            img(plots.png(plots.paired_differences(c.diffs)), "paired differences",
                "Each row: the mean difference (dot) from the reference and its 95% "
                "interval (line); the vertical line is no difference."),
            differences_table(c.diffs, several=len(c.names) > 2)]
    for run in c.runs:
        body.append(f"<h3>{esc(run.title)}</h3><ul>"
                    + "".join(f"<li>{esc(x)}</li>" for x in run_findings(run)) + "</ul>")
    if c.runs:
        body += ['<h2 id="charts">Charts</h2>', *charts(c.runs),
                 '<h2 id="story">The story of one typical run of each scenario</h2>']
        for run in c.runs:
            story, why = story_html(run)
            body.append(f"<details><summary>{esc(run.title)}</summary><p>{esc(why)}</p>"
                        f"{story}</details>")
        body += ['<h2 id="assumptions">Assumptions</h2>']
        for run in c.runs:
            body.append(f"<details><summary>{esc(run.title)}</summary>{assumptions(run)}"
                        f"</details>")
    body.append(glossary_and_limits())
    return page(title, body)


def differences_table(diffs: Sequence[Difference], several: bool) -> str:
    """Each compared outcome's difference from the reference, with its 95% interval."""
    rows = []
    for d in diffs:
        if d.unit == "share":
            text = f"{d.mean * 100:+.1f} pp [{d.lo * 100:+.1f} to {d.hi * 100:+.1f}]"
        else:
            text = f"{d.mean:+,.1f} [{d.lo:+,.1f} to {d.hi:+,.1f}]"
        first = f"<td>{esc(d.other)}</td>" if several else ""
        rows.append(f"<tr>{first}<td>{esc(d.label)}</td>"
                    f'<td class="num">{esc(text)}</td></tr>')
    head = "<th>compared</th>" if several else ""
    return (f"<table><tr>{head}<th>outcome</th><th>difference from the reference "
            "[95% interval]</th></tr>" + "".join(rows) + "</table>")


STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;
 max-width:58rem;margin:0 auto;padding:1rem 1.5rem 3rem;line-height:1.45;color:#1b1b1b}
h1{font-size:1.7rem;margin-bottom:.2rem}h2{border-bottom:2px solid #ddd;margin-top:2.2rem}
.caveat{background:#fff6d6;border-left:4px solid #e0b000;padding:.5rem .8rem}
.findings li{margin:.35rem 0}
figure{margin:1.2rem 0}figure img{max-width:100%;height:auto;display:block}
figcaption{font-size:.9rem;color:#444}
table{border-collapse:collapse;width:100%;font-size:.88rem;margin:.6rem 0}
th,td{border-bottom:1px solid #e4e4e4;padding:.3rem .45rem;text-align:left;vertical-align:top}
td.num{text-align:right;white-space:nowrap}.changed{color:#a04000}
table.params code{overflow-wrap:anywhere}
table.story th{white-space:nowrap;width:6.5rem}
p.ev{margin:.1rem 0}.violence{color:#9b1c1c}.crisis{color:#b00020;font-weight:600}
.release{color:#1a6b2f}.exchange{color:#0b6070}.withdrawal{color:#1d4e9e}.aid{color:#7a5a00}
.mediation{color:#7b2d7b}.talks{color:#234e8c}.end{font-weight:700}.quiet{color:#666}
dt{font-weight:600;margin-top:.5rem}dd{margin-left:1.2rem}
details{margin:.6rem 0}summary{cursor:pointer;font-weight:600}
nav a{margin-right:.8rem}
"""


def page(title: str, body: Sequence[str]) -> str:
    nav = " ".join(f'<a href="#{k}">{v}</a>' for k, v in (
        ("findings", "Findings"), ("charts", "Charts"), ("story", "A typical run"),
        ("assumptions", "Assumptions"), ("glossary", "Glossary"),
        ("limits", "Limits")))
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{esc(title)}</title><style>{STYLE}</style></head><body>"
            f"<nav>{nav}</nav>\n" + "\n".join(body) + "\n</body></html>\n")
