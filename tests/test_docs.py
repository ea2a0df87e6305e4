"""The lesson material and the README's sample outputs are what docs/build.py makes of
the current model: every number and every claim about a seed in them is recomputed here
and compared with the committed text, so they cannot drift (as simpy diffs its docs'
examples against their saved output). When the model changes, rebuild them:
`python docs/build.py`."""

from __future__ import annotations

import difflib
import importlib.util
import re
from pathlib import Path

import pytest

from trucesim.run import engine
from trucesim.scenario import load
from trucesim.teaching import controls, story

ROOT = Path(__file__).resolve().parents[1]
pytest.importorskip("SALib")
pytest.importorskip("jinja2")


def builder():
    spec = importlib.util.spec_from_file_location("docs_build", ROOT / "docs" / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    build = builder()
    facts = build.compute(tmp_path_factory.mktemp("docs"))
    return build, facts, build.render(facts)


@pytest.mark.parametrize("name", ["docs/teaching.md", "docs/worksheet.md",
                                  "docs/worksheet.html", "docs/answer-key.md",
                                  "docs/design.md", "README.md"])
def test_committed_docs_are_what_the_build_makes_now(built, name):
    _, _, files = built
    path = ROOT / name
    committed, rebuilt = path.read_text(encoding="utf-8"), files[path]
    diff = "".join(difflib.unified_diff(committed.splitlines(True), rebuilt.splitlines(True),
                                        name, "rebuilt", n=1))
    assert committed == rebuilt, f"{name} is stale; run `python docs/build.py`:\n{diff}"


def test_the_page_shows_the_top_five_of_the_screening_sweep(built):
    _, facts, _ = built
    screen = facts["screen"]
    assert screen["chosen"] == list(controls.KEY_ASSUMPTIONS), (
        "the screening sweep now ranks other assumptions first: update "
        "trucesim.teaching.controls.KEY_ASSUMPTIONS to " + repr(screen["chosen"]))
    assert [r["key"] for r in screen["top"][:5]] == list(controls.KEY_ASSUMPTIONS)


def test_the_page_opens_one_run_at_the_lessons_worked_seed(built):
    _, facts, _ = built
    assert facts["worked"]["seed"] == controls.ONE_RUN_SEED, (
        "the lesson's worked example is now seed " + str(facts["worked"]["seed"]) +
        ": update trucesim.teaching.controls.ONE_RUN_SEED")


def test_what_the_lesson_says_about_its_seeds_is_what_their_stories_tell(built):
    _, facts, _ = built
    s = load(ROOT / "scenarios" / "base.toml")
    worked = facts["worked"]
    tale = story.tell(s, engine.simulate(s, worked["seed"], 0, log=True), worked["seed"])
    lines = {e.first: " ".join(line.text for line in e.lines) for e in tale.entries}
    for first, _last in worked["crisis_days"]:
        assert "a crisis begins" in lines[first]
    for h in worked["late"]:
        late = f"{h['late']} day{'s' if h['late'] > 1 else ''} late"
        assert f"The {h['label']}:" in lines[h["day"]] and late in lines[h["day"]]
    ending = {"permanent": "became a permanent ceasefire", "extended": "was extended",
              "expired": "expired", "collapsed": "collapsed"}[worked["ended"]]
    assert tale.summary[0].startswith(f"How it ended: the truce {ending}")
    example = facts["collapse_example"]
    tale = story.tell(s, engine.simulate(s, example["seed"], 0, log=True), example["seed"])
    assert tale.summary[0] == f"How it ended: the truce collapsed on day {example['collapse_day']}."
    assert sum("does not take place" in line.text for e in tale.entries
               for line in e.lines) == example["not_held"]


def test_the_readme_samples_are_fenced_build_blocks():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    names = re.findall(r"<!-- build:([a-z-]+) -->\n```text\n\$ trucesim ", text)
    assert names == ["run", "compare", "sweep", "story"]


def test_the_pandas_example_of_the_analysis_doc_runs(tmp_path, monkeypatch):
    """docs/analysis.md's pandas snippet runs as written on a fresh run of base (in a
    folder of its own, as results/base/), and what it prints follows from the CSV."""
    pd = pytest.importorskip("pandas")
    import contextlib
    import io
    import re as regex

    from trucesim.run import runner
    from trucesim.run.executors import SerialExecutor
    from trucesim.scenario import load

    text = (ROOT / "docs" / "analysis.md").read_text(encoding="utf-8")
    section = text.split("## Loading results into pandas or polars", 1)[1]
    code = regex.search(r"```python\n(.*?)```", section, regex.S)
    assert code, "the section lost its example"
    runner.run(load(ROOT / "scenarios" / "base.toml"), 3, 300, tmp_path / "results",
               SerialExecutor())
    monkeypatch.chdir(tmp_path)
    shown = io.StringIO()
    with contextlib.redirect_stdout(shown):
        exec(code.group(1), {})  # the doc's own example
    runs = pd.read_csv(tmp_path / "results" / "base" / "replications.csv")
    assert len(runs) == 300
    assert f"{runs['day_first_crisis'].isna().mean()}" in shown.getvalue()
