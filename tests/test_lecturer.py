"""The lecturer's view (teaching.lecturer), headless (Streamlit's AppTest): it needs the
access code; once given, it shows the predictions the students' pages locked, counted
into the histogram beside the model's answer, and no names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import BASE

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest

SRC = Path(__file__).resolve().parents[1] / "src" / "trucesim" / "teaching"
CODE = "K7PM3Q"


# the page as a script guarded like the app's own: AppTest leaves its script as the
# process's __main__, which worker processes started later by spawn (Dask's nannies)
# import again; unguarded, the call would run (and fail) there
LECTURER_PAGE = """
from trucesim.teaching import lecturer

if __name__ == "__main__":
    lecturer.page()
"""


@pytest.fixture(autouse=True)
def settings(monkeypatch):
    from trucesim.teaching import lecturer

    monkeypatch.setenv("TRUCESIM_CLASSROOM_SCENARIO", str(BASE))
    monkeypatch.setenv("TRUCESIM_CLASSROOM_REPLICATIONS", "200")
    monkeypatch.setenv("TRUCESIM_CLASSROOM_WORKERS", "1")
    monkeypatch.setenv("TRUCESIM_CLASSROOM_CODE", CODE)
    lecturer.board.clear()  # a board of its own for each test


def lecturer() -> AppTest:
    at = AppTest.from_string(LECTURER_PAGE, default_timeout=180)
    at.run()
    assert not at.exception, at.exception
    return at


def charts(at: AppTest) -> list[dict]:
    return [json.loads(e.proto.spec) for e in at.get("vega_lite_chart")]


def student_locks(collapse: int, living: int) -> None:
    at = AppTest.from_file(str(SRC / "classroom.py"), default_timeout=180)
    at.run()
    at.number_input(key="guess_collapse").set_value(collapse)
    at.number_input(key="guess_living").set_value(living).run()  # as typing does
    at.button(key="lock").click().run()
    assert not at.exception, at.exception


def test_without_the_code_the_view_shows_nothing_of_the_class():
    student_locks(30, 9)
    at = lecturer()
    assert not charts(at) and not at.selectbox
    at.text_input(key="lecturer_code").input("WRONG1").run()
    assert not charts(at) and "not the access code" in at.error[0].value


def test_with_the_code_it_counts_the_locked_predictions_beside_the_model():
    for collapse, living in ((30, 9), (35, 9), (10, 6)):
        student_locks(collapse, living)
    at = lecturer()
    at.text_input(key="lecturer_code").input(CODE.lower()).run()  # case does not matter
    assert not at.exception, at.exception
    assert "3 locked predictions" in "\n".join(m.value for m in at.markdown)
    collapse, living = charts(at)
    bars = {row["low"]: row["students"] for row in collapse["layer"][0]["data"]["values"]}
    assert bars[30] == 2 and bars[10] == 1 and sum(bars.values()) == 3  # 30 and 35; 10
    hostages = {row["low"] + 0.5: row["students"]
                for row in living["layer"][0]["data"]["values"]}
    assert hostages[9] == 2 and hostages[6] == 1 and sum(hostages.values()) == 3
    answer = collapse["layer"][1]["data"]["values"][0]["answer"]
    assert 0 <= answer <= 100  # the model's runs out of 100, drawn as the line
    # only counts per bin reach the browser, never a student's own guess or token
    assert {frozenset(row) for row in collapse["layer"][0]["data"]["values"]} == {
        frozenset({"low", "high", "students"})}
