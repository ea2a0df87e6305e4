"""The lecturer's view of the classroom (class mode): the class's locked predictions for
a version of the deal, as histograms beside the model's answer, without names: the
peer-instruction moment ("most of you guessed 30; the model says 16").

Opened at /lecturer with the access code `trucesim classroom --class` prints (passed in
``TRUCESIM_CLASSROOM_CODE``); without the right code it shows only the code's box. The
predictions come from the class-wide :class:`.predictions.Board`, filled by the student
page through :func:`locked`; the model's answer is the shared store's run of that
version at the class's seed and replications (run once, then kept).
"""

from __future__ import annotations

import hmac
import math
import os
import secrets
from typing import Any

import streamlit as st

from trucesim.scenario.schema import Scenario
from trucesim.teaching.predictions import Board, Guess, Question, changes, second

COLLAPSE = ("p_collapsed", "collapse", "Runs out of 100 in which the truce collapses",
            "collapses guessed, out of 100 runs", 100)


def measures(s: Scenario) -> tuple[tuple[str, str, str, str, int], ...]:
    """(outcome, guess field, title, axis, scale) of both questions for a version."""
    asked = second(s)
    return COLLAPSE, (asked.name, "second", asked.title, asked.axis, 1)
HEIGHT = 300  # pixels: both charts, their axes and the line's label fit 1280x720
FONT = {"axis": {"labelFontSize": 18, "titleFontSize": 20, "labelLimit": 0},
        "title": {"fontSize": 22}, "text": {"fontSize": 20}, "view": {"stroke": None}}


@st.cache_resource
def board() -> Board:
    """The predictions of every session of the server."""
    return Board()


def locked(reference: Scenario, yours: Scenario, collapse: float, living: float) -> None:
    """The student page's call where a guess is locked: add it to the class's board
    under this session's anonymous token."""
    token = st.session_state.setdefault("class_token", secrets.token_hex(8))
    board().lock(yours, changes(reference, yours), token, Guess(collapse, living))


def allowed() -> bool:
    """Whether this session has given the access code (asks for it if not)."""
    code = os.environ.get("TRUCESIM_CLASSROOM_CODE", "")
    if st.session_state.get("lecturer_ok"):
        return True
    given = st.text_input("Access code", type="password", key="lecturer_code")
    if code and given and hmac.compare_digest(given.strip().upper(), code.upper()):
        st.session_state.lecturer_ok = True
        st.rerun()  # drawn again without the code's box
    if given:
        st.error("That is not the access code printed when the classroom started.")
    return False


def counts(values: list[float], edges: list[float]) -> list[int]:
    """How many of `values` fall in each bin [edges[k], edges[k+1]); the last bin also
    holds its upper edge."""
    found = [0] * (len(edges) - 1)
    for v in values:
        for k in range(len(found)):
            if edges[k] <= v < edges[k + 1] or (k == len(found) - 1 and v == edges[-1]):
                found[k] += 1
                break
    return found


def edges_for(field: str, high: float, per_whole: bool = True) -> list[float]:
    """Bins of 10 runs for collapse (0-10, ..., 90-100); for the second question, one per
    whole number from 0 to `high`, centred on it (living hostages), or ten bins of a round
    width from 0 past `high` (deaths)."""
    if field == "collapse":
        return [float(k) for k in range(0, 101, 10)]
    if per_whole:
        return [k - 0.5 for k in range(int(high) + 2)]
    step = 10.0 ** math.floor(math.log10(max(high, 10.0) / 10))
    width = next(w * step for w in (1, 2, 5, 10) if w * step * 10 >= high)
    return [k * width for k in range(11)]


def histogram(values: list[float], answer: float | None, title: str, axis: str,
              edges: list[float]) -> dict[str, Any]:
    """A Vega-Lite histogram of `values` in the bins `edges`, with the model's `answer`
    as a labelled line."""
    rows = [{"low": lo, "high": hi, "students": c}
            for lo, hi, c in zip(edges, edges[1:], counts(values, edges), strict=False)]
    x = {"field": "low", "type": "quantitative", "title": axis,
         "scale": {"domain": [edges[0], edges[-1]], "nice": False},
         "axis": {"format": "d", "tickMinStep": 1}}
    bars = {"data": {"values": rows}, "mark": {"type": "bar", "color": "#4c78a8"},
            "encoding": {"x": x, "x2": {"field": "high"},
                         "y": {"field": "students", "type": "quantitative",
                               "title": "students", "axis": {"tickMinStep": 1}},
                         "y2": {"datum": 0}}}
    layers: list[dict[str, Any]] = [bars]
    if answer is not None:
        line: dict[str, Any] = {
            "data": {"values": [{"answer": answer, "text": f"the model: {answer:.1f}"}]},
            "encoding": {"x": {"field": "answer", "type": "quantitative"}}}
        layers += [{**line, "mark": {"type": "rule", "color": "#d62728", "size": 4}},
                   {**line, "mark": {"type": "text", "align": "left", "dx": 6, "dy": -8,
                                     "color": "#d62728", "fontWeight": "bold", "y": 0},
                    "encoding": {**line["encoding"], "text": {"field": "text"}}}]
    return {"$schema": "https://vega.github.io/schema/vega-lite/v5.json",
            "title": title, "config": FONT, "layer": layers}


def answers(question: Question) -> dict[str, float]:
    """The model's mean for the version, by measure name (the student page's numbers)."""
    from trucesim.teaching import classroom, live

    seed = int(classroom.setting("SEED", "2025"))
    n = int(classroom.setting("REPLICATIONS", "1000"))
    store = classroom.service(int(classroom.setting("WORKERS", "0")))
    run = store.run(question.scenario, seed, n).run
    found = {d.measure.name: d.b[0] for d in live.paired(run, run).differences}
    return {name: found[name] * scale for name, _, _, _, scale in measures(question.scenario)
            if name in found}


def view(questions: list[Question]) -> None:
    labels = [f"{q.label} ({q.count} locked)" for q in questions]
    pick, toggle = st.columns([3, 1], vertical_alignment="bottom")
    chosen = pick.selectbox("Version of the deal (the most recently locked first)",
                            range(len(questions)), format_func=labels.__getitem__,
                            key="lecturer_question")
    show = toggle.toggle("Show the model's answer", value=True, key="lecturer_answer")
    question = questions[chosen or 0]
    guesses = board().guesses(question.key)
    model = answers(question) if show else {}
    st.markdown(f"**{len(guesses)} locked prediction{'s' if len(guesses) != 1 else ''}** "
                f"for: {question.label}")
    asked = second(question.scenario)
    for column, (name, field, title, axis, _) in zip(st.columns(2),
                                                     measures(question.scenario), strict=True):
        values = [float(getattr(g, field)) for g in guesses]
        high = (asked.high if asked.per_whole else
                max([*values, model.get(name, 0.0), 10.0]))
        column.vega_lite_chart(histogram(values, model.get(name), title, axis,
                                         edges_for(field, high, asked.per_whole)),
                               width="stretch", height=HEIGHT)
    st.caption("Model results under the scenario's stated assumptions, not predictions of "
               "what will happen; the line is the model's average over the runs.")


def page() -> None:
    st.set_page_config(page_title="trucesim classroom: lecturer", layout="wide")
    st.header("The class's predictions")
    if not allowed():
        st.stop()

    @st.fragment(run_every=5)  # new locks appear without a click
    def live_view() -> None:
        questions = board().questions()
        if not questions:
            st.info("No prediction has been locked yet.")
            return
        view(questions)

    live_view()
