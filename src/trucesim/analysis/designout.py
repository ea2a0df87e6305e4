"""The files of a design search (OUT/design-<name>/): ``pareto/<name>-<rank>.toml`` (each
Pareto draft as a scenario file extending the starting one, which `trucesim run` takes
as it is); ``pareto.csv`` (the Pareto set best first on the first objective: levers,
robustness values, Savage's regret against the best of the set in each state, the values
on fresh states, and how many other drafts gave the same values); ``candidates.csv``
(every distinct draft, its generation, whether it met the rules and constraints, why it
could not run); ``generations.csv``; ``design.json`` (all of it as data) and
``summary.md``. The checkpoint ``evaluations.jsonl`` is :mod:`.checkpoint`'s.
"""
from __future__ import annotations

import functools
import os
import re
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from trucesim.analysis import prim
from trucesim.analysis.drafts import (
    Candidate,
    directions,
    feasible_candidate,
    label,
    overrides,
    score,
)
from trucesim.analysis.robustness import savage
from trucesim.run.output import dumps, write_text_atomic
from trucesim.scenario.load import VALUE_TABLES, Variants, resolved
from trucesim.scenario.toml import KeyPath, format_path, get, parse_path, toml_value

if TYPE_CHECKING:
    from trucesim.analysis.designrun import Result

FILES = ["evaluations.jsonl", "candidates.csv", "pareto.csv", "generations.csv",
         "design.json", "summary.md", "manifest.json"]
DRAFTS = "pareto"
HANDOVER_LABEL = re.compile(r"^day-\d+ handover$")
NOTE = ("Model results under the design's stated assumptions and ranges, not forecasts or "
        "recommendations: a draft that holds up here holds up in this model.")


def remove_drafts(directory: Path) -> None:
    """Delete the draft files an earlier search wrote (only *.toml in pareto/)."""
    drafts = directory / DRAFTS
    if drafts.is_dir() and not drafts.is_symlink():
        for entry in drafts.iterdir():
            if entry.suffix == ".toml" and entry.is_file() and not entry.is_symlink():
                entry.unlink()


def number_of(result: Result) -> dict[str, int]:
    """Each candidate's number in candidates.csv (1-based, in the order first proposed)."""
    return {c.key: i for i, c in enumerate(result.candidates, start=1)}


def columns(result: Result) -> list[str]:
    r = result.design.raw
    return [label(o) for o in r.objectives] + [label(c) for c in r.constraints]


def _cell(x: Any) -> str:
    if isinstance(x, float):
        return f"{x:.6g}"
    if isinstance(x, str) and ("," in x or '"' in x or "\n" in x):
        return '"' + x.replace('"', '""') + '"'
    return str(x)


def _csv(header: list[str], rows: list[list[Any]]) -> str:
    return "".join(",".join(_cell(x) for x in row) + "\n" for row in [header, *rows])


def candidates_csv(result: Result) -> str:
    d = result.design
    keys = [lv.key for lv in d.levers]
    cols = columns(result)
    on_front = {c.key for c in result.pareto}
    rows = [[i, c.generation, *c.levers, *(c.scores.get(k, "") for k in cols),
             "yes" if feasible_candidate(d, c) else "no", "yes" if c.key in on_front else "no",
             c.problem] for i, c in enumerate(result.candidates, start=1)]
    return _csv(["candidate", "generation", *keys, *cols, "feasible", "pareto", "problem"],
                rows)


def regrets(result: Result) -> dict[str, np.ndarray]:
    """Savage's regret of each Pareto draft on each objective: its largest shortfall
    against the best draft of the set in each state."""
    d = result.design
    column = {name: j for j, name in enumerate(d.outcomes)}
    out = {}
    for o in d.raw.objectives:
        values = np.array([c.means[:, column[o.outcome]] for c in result.pareto  # type: ignore[index]
                           ])
        out[o.outcome] = savage(values, o.direction) if len(values) else values
    return out


def pareto_rows(result: Result) -> tuple[list[str], list[list[Any]]]:
    d = result.design
    cols = columns(result)
    number = number_of(result)
    savage_of = regrets(result)
    header = ["rank", "candidate", "file", *(lv.key for lv in d.levers), *cols,
              *(f"{o.outcome}_regret_vs_best" for o in d.raw.objectives),
              *(f"{k}_fresh" for k in cols), "equivalents"]
    rows = []
    for rank, (c, again) in enumerate(zip(result.pareto, result.fresh, strict=True), start=1):
        rows.append([rank, number[c.key], f"{DRAFTS}/{draft_name(result, rank)}.toml",
                     *c.levers, *(c.scores[k] for k in cols),
                     *(float(savage_of[o.outcome][rank - 1]) for o in d.raw.objectives),
                     *(again.scores.get(k, "") for k in cols), c.equivalents])
    return header, rows


def draft_name(result: Result, rank: int) -> str:
    return f"{result.design.name}-{rank}"[:64]


def draft_toml(result: Result, c: Candidate, rank: int, directory: Path) -> str:
    """A Pareto draft as a scenario file extending the starting scenario: the levers'
    tables, and each list of tables a lever is in, written whole (with the keys that are
    not at their defaults), a handover labelled by its day relabelled for its new day."""
    d = result.design
    scenario = Variants(d.scenario_path).load(overrides(d, c.levers))
    data: Any = resolved(scenario)
    title = f"{d.scenario.title or d.scenario.name}: draft {rank} of design {d.name}"
    lines = [f"# Draft {rank} of the Pareto set of design '{d.name}' ({d.file.name}),",
             "# written by trucesim design; its levers:"]
    lines += [f"#   {lv.key} = {toml_value(v)}"
              for lv, v in zip(d.levers, c.levers, strict=True)]
    lines += [f"# {line}" for line in textwrap.wrap(NOTE, 86)]
    lines += [f"extends = {toml_value(extends_path(d.scenario_path, directory))}",
              "", f"name = {toml_value(draft_name(result, rank))}",
              f"title = {toml_value(title)}"]
    tables: dict[KeyPath, dict[str, Any]] = {}
    lists: list[KeyPath] = []
    for lv in d.levers:
        path = parse_path(lv.key)
        cut = next((i for i, p in enumerate(path) if isinstance(p, int)), None)
        if cut is not None:
            if path[:cut] not in lists:
                lists.append(path[:cut])
            continue
        table, leaf = path[:-1], str(path[-1])
        values = get(data, table)
        # a table that is one value (categories to ratios) is written whole: a file that
        # states it replaces it whole
        keys = list(values) if table in VALUE_TABLES else [leaf]
        tables.setdefault(table, {}).update({k: values[k] for k in keys})
    for table, assignments in tables.items():
        lines += ["", f"[{format_path(table)}]"] if table else [""]
        lines += [f"{k} = {toml_value(v)}" for k, v in assignments.items()]
    for path in lists:
        models: Any = functools.reduce(lambda m, part: getattr(m, str(part)), path, scenario)
        for model, entry in zip(models, get(data, path), strict=True):
            lines += ["", f"[[{format_path(path)}]]"]
            if path == ("releases",) and HANDOVER_LABEL.match(entry.get("label", "")):
                entry = entry | {"label": f"day-{entry['day']} handover"}
            defaults = {name: f.default for name, f in type(model).model_fields.items()}
            lines += [f"{k} = {_inline(v)}" for k, v in entry.items()
                      if v is not None and not (k in defaults and defaults[k] == v)]
    return "\n".join(lines) + "\n"


def extends_path(scenario: Path, directory: Path) -> str:
    """The starting scenario as the drafts in DIRECTORY/pareto/ name it: relative when
    the two share a folder below the root, else absolute."""
    target, here = scenario.resolve(), (directory / DRAFTS).resolve()
    if os.path.commonpath([target, here]) == target.anchor:
        return target.as_posix()
    return os.path.relpath(target, here).replace(os.sep, "/")


def _inline(v: Any) -> str:
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {_inline(x)}" for k, x in v.items()
                                if x is not None) + " }"
    if isinstance(v, list):
        return "[" + ", ".join(_inline(x) for x in v) + "]"
    return toml_value(v)


def summary_data(result: Result) -> dict[str, Any]:
    d, r = result.design, result.design.raw
    header, rows = pareto_rows(result)
    f = result.failures
    return {
        "design": d.name, "title": r.title, "scenario": str(d.scenario_path),
        "uncertainties": [{"key": k} for k in result.states.keys],
        "states": len(result.states), "replications_per_state": r.replications,
        "seed": r.seed, "algorithm": "NSGA-II (pymoo)",
        "population": r.search.population, "generations": r.search.generations,
        "evaluated": len(result.candidates),
        "feasible": result.generations[-1]["feasible"] if result.generations else 0,
        "directions": directions(d),
        "lever_keys": [lv.key for lv in d.levers],
        "levers": [{"key": lv.key, "kind": lv.kind, "low": lv.low, "high": lv.high,
                    "choices": list(lv.choices)} for lv in d.levers],
        "objectives": [{"column": label(o), "outcome": o.outcome, "direction": o.direction,
                        "robustness": o.robustness} for o in r.objectives],
        "constraints": [{"column": label(c), "outcome": c.outcome,
                         "robustness": c.robustness, "at_most": c.at_most,
                         "at_least": c.at_least} for c in r.constraints],
        "start": {"levers": list(result.baseline.levers),
                  "scores": _start_scores(result)},
        "pareto": [dict(zip(header, row, strict=True)) for row in rows],
        "out_of_sample": {"states": r.check.states, "seed": r.seed + 1,
                          "spearman_rho": result.rho},
        "failures": None if f is None else {
            "candidate_rank": next(i for i, c in enumerate(result.pareto, start=1)
                                   if c.key == f.candidate.key),
            "rule": f.rule, "states": f.states, "failed": f.failed, "box": f.limits,
            "coverage": f.coverage, "density": f.density},
        "failure_sentence": failure_sentence(result),
        "note": NOTE,
    }


def _start_scores(result: Result) -> dict[str, float]:
    start = Candidate(result.baseline.levers, result.baseline.means)
    score(result.design, start, result.baseline.means)  # type: ignore[arg-type]
    return start.scores


def failure_sentence(result: Result) -> str:
    f = result.failures
    if f is None:
        return "No draft met every rule and constraint, so none was explained."
    rank = next(i for i, c in enumerate(result.pareto, start=1) if c.key == f.candidate.key)
    head = (f"Draft {rank} fails ({f.rule}) in {f.failed} of {f.states} fresh states of the "
            "world")
    if not f.limits or f.coverage is None or f.density is None:
        if f.failed and f.failed < prim.min_failures(f.states):
            return head + "; too few to tell where they concentrate."
        return head + ("; no box of the uncertainties holds most of them" if f.failed
                       else "") + "."
    return (f"{head}. Its failures concentrate where {' and '.join(f.limits)}: "
            f"{f.density:.0%} of the states there fail, and they hold {f.coverage:.0%} of "
            "its failures.")


def markdown(result: Result) -> str:
    d, r = result.design, result.design.raw
    header, rows = pareto_rows(result)
    cols = columns(result)
    keys = [lv.key for lv in d.levers]
    shown = ["rank", *keys, *cols]
    lines = [f"# Design search: {d.name}", ""]
    if r.title:
        lines += [r.title, ""]
    lines += [f"Starting draft: {d.scenario_path.name}. States of the world: {len(result.states)} "
              f"sampled (Latin hypercube) from the {len(result.states.keys)} distributions of "
              f"{(r.uncertainties or d.scenario_path.name)}, {r.replications} replications "
              f"each, seed {r.seed}. Search: NSGA-II (pymoo), population "
              f"{r.search.population}, {r.search.generations} generations; "
              f"{len(result.candidates)} distinct drafts evaluated.", "",
              f"## The Pareto set ({len(rows)} drafts)", "",
              "| " + " | ".join(shown) + " |", "|" + "---|" * len(shown)]
    at = {h: i for i, h in enumerate(header)}
    for row in rows:
        lines.append("| " + " | ".join(_cell(row[at[h]]) for h in shown) + " |")
    start = _start_scores(result)
    lines += ["", "The starting draft: " + ", ".join(
        f"{lv.key} = {toml_value(v)}" for lv, v in zip(d.levers, result.baseline.levers,
                                                      strict=True)) + "; " + ", ".join(
        f"{k} {start[k]:.4g}" for k in cols) + ".", "",
        "## Out of sample", "",
        f"The Pareto set run again on {r.check.states} fresh states (seed {r.seed + 1}). "
        "Spearman's rank correlation between each objective's values on the search's states "
        "and on the fresh ones (near 1: the ranking holds; low: it was fitted to the "
        "sampled states):", ""]
    lines += [f"- {k}: " + ("n/a (fewer than 3 drafts, or no spread)" if rho is None
                           else f"{rho:.2f}") for k, rho in result.rho.items()]
    lines += ["", "## Where a draft fails", "", failure_sentence(result), "", NOTE]
    return "\n".join(lines) + "\n"


def write(result: Result, directory: Path) -> None:
    """Write every file but the checkpoint and the manifest (the search writes those)."""
    header, rows = pareto_rows(result)
    drafts = directory / DRAFTS
    remove_drafts(directory)
    if result.pareto:
        drafts.mkdir(exist_ok=True)
    for rank, c in enumerate(result.pareto, start=1):
        write_text_atomic(drafts / f"{draft_name(result, rank)}.toml",
                          draft_toml(result, c, rank, directory))
    write_text_atomic(directory / "pareto.csv", _csv(header, rows))
    write_text_atomic(directory / "candidates.csv", candidates_csv(result))
    write_text_atomic(directory / "generations.csv", _csv(
        ["generation", "evaluations", "feasible", "hypervolume"],
        [[g["generation"], g["evaluations"], g["feasible"], g["hypervolume"]]
         for g in result.generations]))
    write_text_atomic(directory / "design.json", dumps(summary_data(result)))
    write_text_atomic(directory / "summary.md", markdown(result))
