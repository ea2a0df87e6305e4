"""The classroom page, headless (Streamlit's AppTest): moving a slider, locking a
prediction and revealing it, stepping through seeds; its controls, and the scenario it
offers for download."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from conftest import BASE, SCENARIOS
from trucesim.scenario import load
from trucesim.scenario.load import digest
from trucesim.scenario.registry import parameters
from trucesim.teaching import controls, tomlfile

streamlit = pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

NONE = 2  # Metric.MetricDirection.NONE: no arrow
PAGE = Path(__file__).resolve().parents[1] / "src" / "trucesim" / "teaching" / "classroom.py"


@pytest.fixture
def page(monkeypatch):
    monkeypatch.setenv("TRUCESIM_CLASSROOM_SCENARIO", str(BASE))
    monkeypatch.setenv("TRUCESIM_CLASSROOM_REPLICATIONS", "200")
    monkeypatch.setenv("TRUCESIM_CLASSROOM_WORKERS", "1")
    at = AppTest.from_file(str(PAGE), default_timeout=180)
    at.run()
    assert not at.exception, at.exception
    return at


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def colour(metric) -> str:
    """The colour Streamlit gives a metric's delta."""
    from streamlit.proto.Metric_pb2 import Metric

    return Metric.MetricColor.Name(metric.proto.color)


def classroom_views() -> tuple[str, ...]:
    from trucesim.teaching.classroom import VIEWS

    return VIEWS


def text(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_results_stay_hidden_until_a_locked_prediction_is_revealed(page):
    at = page
    assert not at.metric and "appear once a prediction is locked" in at.info[0].value
    # the guesses start empty, and an empty guess cannot be locked
    assert at.number_input(key="guess_collapse").value is None
    assert at.number_input(key="guess_living").value is None
    assert at.button(key="lock").disabled
    at.number_input(key="guess_collapse").set_value(30)
    at.number_input(key="guess_living").set_value(9).run()  # as typing does
    at.button(key="lock").click().run()
    assert at.session_state.prediction == {"collapse": 30.0, "living": 9.0,
                                           "version": digest(load(BASE))}
    assert at.number_input(key="guess_collapse").disabled  # locked: no change after this
    assert not at.metric  # locked, not yet revealed
    at.button(key="reveal").click().run()
    assert not at.exception, at.exception
    guess = at.table[0].value
    assert list(guess["your guess"]) == ["30%", "9"]
    assert all(re.fullmatch(r"(inside|above|below) the model's interval", w)
               for w in guess["your guess is"])
    assert "P(truce collapsed)" in metrics(at)
    at.button(key="again").click().run()
    assert "prediction" not in at.session_state and not at.metric


def lock_and_reveal(at, collapse, living):
    at.number_input(key="guess_collapse").set_value(collapse)
    at.number_input(key="guess_living").set_value(living).run()
    at.button(key="lock").click().run()
    at.button(key="reveal").click().run()
    assert not at.exception, at.exception


def test_a_guess_is_scored_only_against_the_version_it_was_made_for(page):
    """Lock 8 living hostages for the reference, then move the day-1 handover from 8
    living to 7: the old guess is not scored against the new version; the page asks for
    a new guess first, and scores that one once revealed."""
    at = page
    lock_and_reveal(at, 20, 8)
    assert list(at.table[0].value["your guess"]) == ["20%", "8"] and at.metric
    at.slider(key="term:releases[0].living").set_value(7).run()
    assert not at.exception, at.exception
    assert not at.metric and not at.table  # nothing shown, nothing scored
    assert any("changed since your last prediction" in i.value for i in at.info)
    assert at.number_input(key="guess_living").value is None  # a new, empty guess
    lock_and_reveal(at, 25, 7)
    assert list(at.table[0].value["your guess"]) == ["25%", "7"] and at.metric
    assert at.session_state.prediction["version"] != digest(load(BASE))


def test_moving_a_slider_changes_the_numbers(page):
    at = page
    at.toggle(key="skip").set_value(True).run()
    before = metrics(at)
    assert before["P(truce collapsed)"]
    # unchanged: every paired difference is zero, said in words, grey, with no arrow
    assert [m.delta for m in at.metric] == ["no change"] * len(at.metric)
    assert {(colour(m), m.proto.direction) for m in at.metric} == {("GRAY", NONE)}
    at.slider(key="assume:crisis.threshold").set_value(8.0).run()
    assert not at.exception, at.exception
    after = metrics(at)
    assert after["P(truce collapsed)"] != before["P(truce collapsed)"]
    assert float(after["P(truce collapsed)"].rstrip("%")) > float(
        before["P(truce collapsed)"].rstrip("%"))  # a lower threshold: more crises
    assert "`crisis.threshold=8.0`" in text(at)
    collapse = next(m for m in at.metric if m.label == "P(truce collapsed)")
    assert collapse.delta.startswith("+") and colour(collapse) == "RED"  # more: worse
    # a difference whose interval includes 0 is not told apart from none: grey
    for m in at.metric:
        lo, hi = (float(x) for x in re.findall(r"[-+][\d,.]+", m.delta)[1:3])
        assert (colour(m) == "GRAY") == (lo <= 0 <= hi), (m.label, m.delta, colour(m))
    # back to the reference: the same numbers as before
    at.button(key="reset").click().run()
    assert metrics(at) == before


def test_a_deal_term_slider_changes_the_scenario(page):
    at = page
    at.toggle(key="skip").set_value(True).run()
    at.slider(key="term:releases[0].living").set_value(4).run()
    assert "`releases[0].living=4`" in text(at)
    living = next(m for m in at.metric if m.label.startswith("living hostages released"))
    assert living.delta.startswith("-")


def test_a_handover_is_headed_by_its_position_and_the_day_it_is_now_due(page):
    at = page
    headings = [e.label for e in at.expander]
    assert headings[:2] == ["Handover 1 of 5: day 1", "Handover 2 of 5: day 7"], headings
    at.slider(key="term:releases[0].day").set_value(4).run()
    assert not at.exception, at.exception
    headings = [e.label for e in at.expander]
    assert headings[0] == "Handover 1 of 5: day 4", headings  # not "day-1 handover"
    assert "releases[0].day=4" in text(at)


def test_terms_that_make_no_valid_scenario_are_named(page):
    at = page
    at.slider(key="assume:crisis.resolve_below").set_value(14.0)
    at.slider(key="assume:crisis.threshold").set_value(10.0).run()
    # said in words, not as keys; the views stay
    assert at.error and ("Tension under which a crisis ends: must be below tension at which "
                         "a crisis starts (10)") in at.error[0].value
    assert "crisis.resolve_below" not in at.error[0].value
    assert at.radio(key="view").options == list(classroom_views())
    at.button(key="reset").click().run()
    top = at.slider(key="term:releases[0].living").max
    at.slider(key="term:releases[0].living").set_value(top).run()
    assert top == 20 and ("The handover schedule: the schedule releases 22 living but living "
                          "hostages held in Gaza when the truce starts is 20"
                          ) in at.error[0].value, at.error[0].value
    assert "hostages.living_held" not in at.error[0].value


def test_stepping_through_seeds_tells_each_run(page):
    at = page
    at.radio(key="view").set_value("3. One run, day by day").run()
    assert not at.exception, at.exception
    # it opens at the lesson's worked example (seed 3 in docs/teaching.md)
    assert "seed 3, replication 0" in text(at) and controls.ONE_RUN_SEED == 3
    at.button(key="next_seed").click().run()
    assert "seed 4, replication 0" in text(at) and at.session_state.seed_shown == 4
    at.button(key="next_seed").click().run()
    at.button(key="previous_seed").click().run()
    assert "seed 4, replication 0" in text(at)
    assert len(at.image) == 1  # the timeline chart


def test_the_download_view_offers_the_scenario(page):
    at = page
    at.radio(key="view").set_value("4. Download").run()
    assert not at.exception, at.exception
    names = [b.proto.label for b in at.get("download_button")]
    assert names == ["Your scenario (TOML)"]  # figures and results after the reveal


def test_every_agreed_term_has_a_control_and_the_key_assumptions_exist():
    s = load(BASE)
    keys = {c.key for c in controls.deal_terms(s)}
    agreed = {p.key for p in parameters(s) if p.confidence == "agreed text"
              and not p.key.startswith(controls.FRAME)}
    assert agreed <= keys  # a new agreed term gets a control without a change here
    assert {f"releases[{i}].{k}" for i in range(5) for k in ("day", "living", "bodies")} <= keys
    for c in controls.deal_terms(s) + controls.assumptions(s):
        now = controls.value(s, c.key)
        if c.kind in ("int", "float") and not c.share:
            assert c.low <= now <= c.high, c.key
            assert abs(now / c.step - round(now / c.step)) < 1e-6, c.key
    assert [c.key for c in controls.assumptions(s)] == list(controls.KEY_ASSUMPTIONS)
    assert 4 <= len(controls.KEY_ASSUMPTIONS) <= 6


def test_overrides_name_only_what_changed():
    s = load(BASE)
    chosen = {"releases[0].living": 8, "crisis.threshold": 12.0,
              "mediation.drain_per_day": 0.25, "handovers.bodies_mode": "as_recovered"}
    assert controls.overrides(s, chosen) == ["mediation.drain_per_day=0.25",
                                             'handovers.bodies_mode="as_recovered"']


@pytest.mark.parametrize("reference", [BASE, SCENARIOS / "teaching" / "slow-mediators.toml"],
                         ids=["base", "slow-mediators"])
def test_the_downloaded_toml_extends_the_reference_and_loads_to_the_same_scenario(
        reference, tmp_path):
    shutil.copytree(SCENARIOS, tmp_path / "scenarios")
    copy = tmp_path / "scenarios" / reference.relative_to(SCENARIOS)
    ref = load(copy)
    changes = ["releases[0].living=6", "withdrawal.stages[1].share=0.45", "crisis.threshold=9.5",
               "exchange.prisoners_per_living_hostage.gaza_detainees=100.0",
               'title="A \\"new\\" deal"', "name=mine"]
    yours = load(copy, changes)
    text = tomlfile.scenario_toml(yours, ref, copy.name, "made in a test")
    assert text.startswith("# made in a test\nextends = ")
    assert "[[withdrawal.stages]]" in text and "threshold = 9.5" in text
    assert "slip_probability" not in text  # unchanged keys are inherited, not repeated
    saved = copy.parent / "mine.toml"
    saved.write_text(text)
    assert digest(load(saved)) == digest(yours)


def test_the_server_is_told_localhost_headless_and_no_usage_statistics():
    from trucesim.cli.classroom import command

    line = command(8765)
    assert line[1:4] == ["-m", "streamlit", "run"] and line[4] == str(PAGE)
    for flag in ("--server.address=127.0.0.1", "--server.headless=true",
                 "--browser.gatherUsageStats=false", "--server.port=8765"):
        assert flag in line


def test_classroom_refuses_a_bad_scenario_before_starting_anything(tmp_path):
    from typer.testing import CliRunner

    from trucesim.cli import app

    bad = tmp_path / "bad.toml"
    bad.write_text("releases = 3\n")
    result = CliRunner().invoke(app, ["classroom", str(bad), "--no-browser"])
    assert result.exit_code == 2 and "releases" in result.output
    result = CliRunner().invoke(app, ["classroom", str(BASE), "--no-browser", "-n", "300"])
    assert result.exit_code == 2 and "--replications must be" in result.output


def test_downloads_hold_the_figures_for_slides_and_the_results(tmp_path):
    import io
    import struct
    import zipfile

    from trucesim.run.executors import SerialExecutor
    from trucesim.teaching import downloads, live

    store = live.Store(SerialExecutor())
    try:
        ref = load(BASE)
        yours = load(BASE, ["crisis.threshold=10.0", "name=base-classroom"])
        a, b = store.run(ref, 7, 40), store.run(yours, 7, 40)
        assert store.run(yours, 7, 40).kept
        comparison = live.paired(a.run, b.run)
        figures = zipfile.ZipFile(io.BytesIO(downloads.figures_zip(
            a.run, b.run, comparison, yours, 3)))
        names = set(figures.namelist())
        for chart in ("end-states", "survival", "paired-differences", "deaths", "timeline"):
            assert {f"figures/{chart}.svg", f"figures/{chart}.png"} <= names
            png = figures.read(f"figures/{chart}.png")
            assert struct.unpack(">II", png[16:24]) == (1920, 1080)
        results = zipfile.ZipFile(io.BytesIO(downloads.results_zip(
            a.run, b.run, comparison, [ref, yours])))
        assert {"base/summary.json", "base-classroom/replications.csv",
                "comparison/differences.csv"} <= set(results.namelist())
        name, text = downloads.scenario_file(BASE, ref, ref)  # unchanged: still its own name
        assert name == "base-classroom.toml" and 'name = "base-classroom"' in text
    finally:
        store.cleanup()
