"""A self-contained HTML report of a run, of several runs compared, or of a sweep.

One file: styles inline, charts as inline base64 PNG, no script and no external URL of
any kind, so it opens offline and makes no network request. A run's report holds the key
findings in sentences with their intervals, the charts (:mod:`.plots`,
:mod:`.histogram`), the story and timeline of one typical run regenerated from the
manifest's resolved scenario and seed (:mod:`.story`, :mod:`.timeline`), the assumptions
table (the parameter registry), a glossary and what the model leaves out; a comparison's
adds the paired differences; a sweep's ranks the drivers and shows where the truce
breaks (:mod:`.drivers`). Every chart is also written under ``figures/`` beside the
report, as SVG and as a 1920x1080 PNG (:mod:`.slides`); the report links to them.

The markup lives in Jinja2 templates (``templates/``, installed with the package) with
autoescaping on, so every text that reaches the page is escaped. The page's navigation
lists only the sections it has, so no link is dead.

Inputs: a run directory; a compare directory (`trucesim compare`'s output, with the runs
inside or beside it for the charts); a sweep directory; or several run directories, the
first being the reference.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from trucesim.run.results import ResultsError, RunFiles, is_run, load_run

if TYPE_CHECKING:
    import jinja2

    from trucesim.analysis.compare import Comparison
    from trucesim.teaching.designpage import DesignFiles
    from trucesim.teaching.drivers import SweepFiles

ReportError = ResultsError
CAVEAT = ("Illustrative model results under each scenario's stated assumptions, not "
          "forecasts. Deaths are the model's counts, not reports; figures attributed to a "
          "party in the assumptions are that party's reports.")
# every section a report may have, in page order: (anchor, name in the navigation)
SECTIONS = (("findings", "Findings"), ("tradeoff", "The trade-off"), ("drafts", "The drafts"),
            ("failures", "Where a draft fails"), ("where", "Where the truce breaks"),
            ("drivers", "What drives the outcome"), ("charts", "Charts"),
            ("story", "A typical run"), ("design", "The design"),
            ("slides", "Figures for slides"), ("assumptions", "Assumptions"),
            ("glossary", "Glossary"), ("limits", "Limits"))


@dataclass(frozen=True)
class Subject:
    """What a report is about: one run, a comparison with the runs found for it, a sweep,
    or a design search."""

    runs: list[RunFiles]
    comparison: Comparison | None = None
    notes: tuple[str, ...] = ()
    sweep: SweepFiles | None = None
    design: DesignFiles | None = None


def inputs(paths: Sequence[Path]) -> tuple[Subject, Path]:
    """What to report on, and the default output file."""
    from trucesim.analysis import compare, tables
    from trucesim.teaching.designpage import is_design, load_design
    from trucesim.teaching.drivers import is_sweep, load_sweep

    if not paths:
        raise ReportError(["no results directory given"])
    missing = [f"{p}: no such directory" for p in paths if not p.is_dir()]
    if missing:
        raise ReportError(missing)
    if len(paths) == 1:
        if is_run(paths[0]):
            return Subject([load_run(paths[0])]), paths[0] / "report.html"
        if is_sweep(paths[0]):
            return Subject([], sweep=load_sweep(paths[0])), paths[0] / "report.html"
        if is_design(paths[0]):
            return Subject([], design=load_design(paths[0])), paths[0] / "report.html"
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
    """Build the report for `paths` and write it (atomically), with its figures/ beside
    it; return the report's path. The default place (inside the results directory) is
    never over a file trucesim did not write; an explicit `out` is the user's choice. A
    figures/ directory beside it is replaced only if trucesim wrote it (NotOurs)."""
    from trucesim.run import claims
    from trucesim.run.output import write_into, write_text_atomic
    from trucesim.teaching import pages, slides

    subject, default = inputs(paths)
    claims.check((out or default).parent / "figures", False)  # before anything is written
    if subject.design is not None:
        from trucesim.teaching import designpage

        page, charts = designpage.page(subject.design)
    elif subject.sweep is not None:
        page, charts = pages.sweep_page(subject.sweep)
    elif subject.comparison is None:
        page, charts = pages.run_page(subject.runs[0])
    else:
        page, charts = pages.comparison_page(subject)
    if out is not None:
        write_text_atomic(out, page)
        destination = out
    else:
        destination = write_into(default.parent, default.name, page)
    slides.write(charts, destination.parent)
    return destination


def environment() -> jinja2.Environment:
    import jinja2

    return jinja2.Environment(loader=jinja2.PackageLoader("trucesim.teaching", "templates"),
                              autoescape=True, trim_blocks=False, keep_trailing_newline=True)


def navigation(present: Sequence[str]) -> list[tuple[str, str]]:
    """The navigation of a page that has the sections `present` (and always the
    glossary and the limits, which every page ends with)."""
    have = {*present, "glossary", "limits"}
    return [(anchor, name) for anchor, name in SECTIONS if anchor in have]
