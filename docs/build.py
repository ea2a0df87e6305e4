"""Build the lesson material and the README's sample outputs from the model itself.

    python docs/build.py           # rewrite the generated files
    python docs/build.py --check   # exit 1, with a diff, if any committed file differs

Every number and every claim about a seed in docs/teaching.md, docs/worksheet.md (and
.html), docs/answer-key.md, docs/design.md and the README's sample-output blocks (between
``<!-- build:NAME -->`` and ``<!-- /build -->``) is computed here: the commands are run
(in-process, in a temporary folder) exactly as the docs tell a reader to run them, with
the seed and replication counts the docs state, and the prose that depends on a result
is chosen from the result. tests/test_docs.py runs ``--check``: when the model changes,
the test fails until the docs are rebuilt.

Wall times are the only output left out (they depend on the machine): they read "…".
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import os
import re
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SCENARIOS = ROOT / "scenarios"
BASE = SCENARIOS / "base.toml"
SEED, N = 2025, 1000  # the CLI's defaults: what a lecturer gets without options
GROUP_SEEDS = range(1, 9)  # one seed per group in the one-run activity
LESSON = {"may-2025": SCENARIOS / "may-2025.toml",
          "slow-mediators": SCENARIOS / "teaching" / "slow-mediators.toml",
          "no-retaliation": SCENARIOS / "teaching" / "no-retaliation.toml"}
README_COMPARE = SCENARIOS / "slipping-handovers.toml"
UNCERTAIN = SCENARIOS / "base-uncertain.toml"
FIGURE = DOCS / "figures" / "two-intervals.svg"
HOLDS = {"share": 0.10, "relative": 0.25}  # a headline holds if its spread stays this close
README_SWEEP = ["mediation.response_delay_days=0:6", "mediation.drain_per_day=0.1:0.5",
                "crisis.max_days=3:14", "violations.israeli_forces.retaliation=0.3:0.9",
                "handovers.slip_probability=0:0.5"]
README_SWEEP_OPTIONS = ["--method", "morris", "--samples", "4", "-n", "100"]
SCREEN_SAMPLES, SCREEN_N = 4, 50  # the screening sweep of the key assumptions
DESIGN = ROOT / "designs" / "july-2025.toml"  # the worked example of docs/design.md
OUTPUTS = ("teaching.md", "worksheet.md", "worksheet.html", "answer-key.md", "design.md")
BLOCK = re.compile(r"(<!-- build:(?P<name>[a-z-]+) -->\n)(?P<body>.*?)(<!-- /build -->)",
                   re.DOTALL)

sys.path.insert(0, str(DOCS))
import lesson  # noqa: E402  (docs/lesson.py: the facts the prose is built from)


def cli(args: Sequence[str | Path]) -> str:
    """A trucesim command's output, as a reader would see it in an 80-column terminal
    (wall times replaced by '…')."""
    from typer.testing import CliRunner

    from trucesim.cli import app

    result = CliRunner(env={"COLUMNS": "80", "TERM": "dumb"}).invoke(
        app, [str(a) for a in args])
    if result.exit_code != 0:
        raise RuntimeError(f"trucesim {' '.join(map(str, args))} failed:\n{result.output}")
    text = "\n".join(line.rstrip() for line in result.output.splitlines())
    return re.sub(r"\bin \d+(\.\d+)? s\.", "in … s.", text)


def shown(path: Path) -> str:
    """A scenario path as the docs write it (relative to the repository)."""
    return path.relative_to(ROOT).as_posix()


def compute(work: Path) -> dict[str, Any]:
    """Run everything the docs quote, in `work`; return the facts."""
    from trucesim import __version__
    from trucesim.run.results import load_run

    facts: dict[str, Any] = {"seed": SEED, "n": N, "version": __version__}
    (work / "scenarios").symlink_to(SCENARIOS)  # paths as a reader types them
    (work / "data").symlink_to(ROOT / "data")
    (work / "designs").symlink_to(ROOT / "designs")
    with contextlib.chdir(work):
        facts["run_output"] = cli(["run", shown(BASE)])
        for path in LESSON.values():
            cli(["run", shown(path), "-q"])
        facts["compare_output"] = cli(["compare", shown(BASE), shown(README_COMPARE)])
        sweep = ["sweep", shown(BASE), *(x for v in README_SWEEP for x in ("--vary", v)),
                 *README_SWEEP_OPTIONS]
        facts["sweep_command"] = sweep_command(sweep)
        facts["sweep_output"] = first_table(cli(sweep))
        cli(["run", shown(UNCERTAIN), "-q"])
        cli(["backtest", "-q"])
    runs = {name: load_run(work / "results" / name) for name in ("base", *LESSON)}
    facts["survival"] = survival(runs["base"], load_run(work / "results" / "base-uncertain"))
    facts["backtest"] = backtest_section(
        next((work / "results").glob("backtest-*")) / "summary.md")
    facts.update(lesson.run_facts(runs["base"]))
    facts["lesson"] = lesson.comparisons(runs["base"], [runs[k] for k in LESSON],
                                         [shown(p) for p in LESSON.values()])
    facts.update(lesson.seed_facts(BASE, GROUP_SEEDS))
    with contextlib.chdir(work):
        story = cli(["story", shown(BASE), "--seed", str(facts["worked"]["seed"])])
    facts["story_output"] = lesson.excerpt(story, facts["worked"]["excerpt_days"])
    facts["screen"] = lesson.screening(BASE, work / "screen", SEED, SCREEN_SAMPLES, SCREEN_N)
    facts.update(design_facts(work))
    return facts


def design_facts(work: Path) -> dict[str, Any]:
    """The worked example of docs/design.md: the shipped design, run as the page says."""
    import json

    command = ["design", shown(DESIGN)]
    with contextlib.chdir(work):
        output = cli(command)
    design = json.loads((work / "results" / "design-july-2025" / "design.json").read_text())
    start = dict(zip(design["lever_keys"], design["start"]["levers"], strict=True))
    best = design["pareto"][0]

    def terms(values: dict[str, Any]) -> str:
        return ", ".join(f"`{k} = {values[k]:g}`" for k in design["lever_keys"]
                         if k.startswith("releases"))

    rho = design["out_of_sample"]["spearman_rho"]
    return {"design_command": f"trucesim {' '.join(command)}", "design_output": output,
            "design": design, "best": best, "start_terms": terms(start),
            "best_terms": terms(best),
            "front_loaded": best["releases[0].living"] > start["releases[0].living"],
            "equivalents": sum(1 + row["equivalents"] for row in design["pareto"]),
            "rho_text": "; ".join(f"{k} {'not defined' if v is None else f'{v:.2f}'}"
                                  for k, v in rho.items())}


def survival(base: Any, uncertain: Any) -> str:
    """Which of base's headline numbers hold across base-uncertain's ranges: a markdown
    table. A probability holds if its spread stays within 10 percentage points of base's
    value, a number if within 25% of it."""
    from trucesim.fmt import table, table_interval
    from trucesim.run.measures import measures

    rows = ["| outcome | base: mean [95% interval] | base-uncertain: across the "
            "assumptions (5th-95th percentile) | holds? |", "|---|---|---|---|"]
    kept = 0
    chosen = [m for m in measures(base.scenario()) if m.headline]
    for m in chosen:
        if m.kind == "probability":
            state = m.name.removeprefix("p_")
            d, u = base.summary["end_states"].get(state), \
                uncertain.summary["end_states"].get(state)
            if d is None or u is None or not d["count"] + u["count"]:
                continue  # an end state neither run reaches (ongoing: open-ended truces)
            value, ci = d["p"], d["ci95"]
            tolerance = HOLDS["share"]
        else:
            d, u = base.summary["outcomes"][m.name], uncertain.summary["outcomes"][m.name]
            value, ci = d["mean"], d["ci95_mean"]
            tolerance = HOLDS["relative"] * abs(value)
        lo, hi = u["assumptions_p05_p95"]
        unit = m.shown_unit
        holds = abs(lo - value) <= tolerance and abs(hi - value) <= tolerance
        kept += holds
        verdict = "yes" if holds else "no"
        if not holds and m.name == "deaths_averted" and lo > 0 and value > 0:
            verdict += ", though it stays above 0"  # the truce averts deaths, in every set
        rows.append(f"| {m.label} | {table(value, unit)} [{table_interval(ci, unit)}] | "
                    f"{table_interval((lo, hi), unit)} | {verdict} |")
    u = uncertain.summary["uncertainty"]
    head = (f"With the {len(u['parameters'])} ranges of `{shown(UNCERTAIN)}` "
            f"({u['parameter_sets']} parameter sets, {N:,} replications, seed {SEED}), {kept} of "
            f"{len(rows) - 2} of base's headline numbers hold (a probability within 10 "
            "percentage points of base's value across the 5th-95th percentile of the "
            "parameter sets, a number within 25%):")
    return "\n".join([head, "", *rows])


def two_intervals_figure(work: Path, path: Path) -> None:
    """docs/figures/two-intervals.svg: base-uncertain's end states, each with its Monte
    Carlo interval and its spread across the assumptions, beside base's."""
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["svg.hashsalt"] = "trucesim-docs"
    from matplotlib.figure import Figure

    from trucesim.run.results import load_run

    runs = [load_run(work / "results" / name) for name in ("base", "base-uncertain")]
    states = ["collapsed", "expired", "extended", "permanent"]
    fig = Figure(figsize=(8, 3.6), layout="constrained")
    ax = fig.add_subplot()
    for k, run in enumerate(runs):
        for i, state in enumerate(states):
            d = run.summary["end_states"][state]
            y = i + (0.18 if k else -0.18)
            if "assumptions_p05_p95" in d:
                lo, hi = d["assumptions_p05_p95"]
                ax.plot([lo, hi], [y, y], color="#e69f00", lw=7, solid_capstyle="butt",
                        label="across the assumptions (5th-95th pct)" if i == 0 else None)
            ax.errorbar(d["p"], y, xerr=[[d["p"] - d["ci95"][0]], [d["ci95"][1] - d["p"]]],
                        fmt="o", color="#0072b2" if k == 0 else "#333333", capsize=3,
                        label=("base: mean, 95% Monte Carlo interval" if k == 0 else
                               "base-uncertain: mean, 95% Monte Carlo interval")
                        if i == 0 else None)
    ax.set_yticks(range(len(states)), [f"P(truce {s})" for s in states])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_title("How the truce ends: Monte Carlo intervals and the assumptions' spread",
                 loc="left", fontsize="medium")
    ax.legend(frameon=False, fontsize="small", loc="lower right")
    path.parent.mkdir(exist_ok=True)
    fig.savefig(path, format="svg", metadata={"Date": None})


def params_sentence() -> str:
    """How many parameters there are, and how many defaults are assumptions."""
    from trucesim.scenario import registry

    every = registry.parameters()
    assumed = sum(p.confidence == "assumption" for p in every)
    return (f"Of the {len(every)} parameters, {assumed} have a default that is an "
            "assumption.")


def backtest_section(path: Path) -> str:
    """The backtest's table and its calibration paragraph, from its summary.md."""
    text = path.read_text(encoding="utf-8")
    start = text.index("| observed quantity")
    end = text.index("Percentile of the observation")
    return text[start:end].replace("## Calibration\n\n", "").strip()


def sweep_command(args: Sequence[str]) -> str:
    """The sweep's command line, wrapped as the README shows it."""
    out, line = [], "$ trucesim " + " ".join(args[:2])
    for i in range(2, len(args), 2):
        part = f"{args[i]} {args[i + 1]}"
        if len(line) + len(part) + 3 > 88:
            out.append(line + " \\")
            line = "    " + part
        else:
            line += " " + part
    return "\n".join([*out, line])


def first_table(output: str) -> str:
    """A sweep's output up to the end of its first ranking table (the rest elided)."""
    lines = output.splitlines()
    tables = [i for i, ln in enumerate(lines) if ln.startswith("What drives")]
    cut = tables[1] if len(tables) > 1 else len(lines)
    return "\n".join([*lines[:cut], " ..."])


def render(facts: dict[str, Any]) -> dict[Path, str]:
    """Every generated file's text."""
    md = jinja2.Environment(loader=jinja2.FileSystemLoader(DOCS / "templates"),
                            autoescape=False, keep_trailing_newline=True,
                            undefined=jinja2.StrictUndefined)
    web = jinja2.Environment(loader=jinja2.FileSystemLoader(DOCS / "templates"),
                             autoescape=True, keep_trailing_newline=True,
                             undefined=jinja2.StrictUndefined)
    sheet = lesson.worksheet(facts)
    out = {DOCS / "teaching.md": md.get_template("teaching.md.j2").render(facts),
           DOCS / "design.md": md.get_template("design.md.j2").render(facts),
           DOCS / "answer-key.md": md.get_template("answer-key.md.j2").render(
               facts, sheet=sheet),
           DOCS / "worksheet.md": md.get_template("worksheet.md.j2").render(
               facts, sheet=sheet),
           DOCS / "worksheet.html": web.get_template("worksheet.html.j2").render(
               facts, sheet=sheet)}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = {"run": f"$ trucesim run {shown(BASE)}\n{facts['run_output']}",
              "compare": f"$ trucesim compare {shown(BASE)} {shown(README_COMPARE)}\n"
                         f"{facts['compare_output']}",
              "sweep": f"{facts['sweep_command']}\n{facts['sweep_output']}",
              "story": f"$ trucesim story {shown(BASE)} --seed {facts['worked']['seed']}\n"
                       f"{facts['story_output']}",
              "md-survival": facts["survival"], "md-backtest": facts["backtest"],
              "md-params": params_sentence()}
    out[ROOT / "README.md"] = fill(readme, blocks)
    return out


def fill(text: str, blocks: dict[str, str]) -> str:
    """`text` with each build block's body replaced: a fenced block of its output."""
    seen = set()

    def body(m: re.Match[str]) -> str:
        name = m.group("name")
        seen.add(name)
        if name.startswith("md-"):  # markdown, as it is
            return f"{m.group(1)}{blocks[name]}\n{m.group(4)}"
        return f"{m.group(1)}```text\n{blocks[name]}\n```\n{m.group(4)}"

    filled = BLOCK.sub(body, text)
    if seen != set(blocks):
        raise RuntimeError(f"README.md lacks build blocks: {sorted(set(blocks) - seen)}")
    return filled


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="compare with the committed files instead of writing them")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="trucesim-docs-") as folder:
        files = render(compute(Path(folder)))
        if not args.check:  # a picture of numbers the text states; drawn, not compared
            two_intervals_figure(Path(folder), FIGURE)
    stale = []
    for path, text in files.items():
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        if old == text:
            continue
        stale.append(path)
        if args.check:
            sys.stdout.writelines(difflib.unified_diff(
                old.splitlines(True), text.splitlines(True), str(path), "rebuilt", n=1))
        else:
            path.write_text(text, encoding="utf-8")
    if args.check and stale:
        print(f"\n{len(stale)} generated file(s) out of date; run: python docs/build.py")
        return 1
    names = ", ".join(p.relative_to(ROOT).as_posix() for p in stale) or "nothing changed"
    print(f"{'checked' if args.check else 'written'}: {names}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("COLUMNS", "80")
    raise SystemExit(main())
