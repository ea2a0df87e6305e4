"""The classroom page: move a term of the deal, watch the spread of outcomes shift.

A Streamlit script, served by ``trucesim classroom [SCENARIO]`` (which passes the scenario
and settings in ``TRUCESIM_CLASSROOM_*`` variables). The sidebar holds the deal's terms
and the key assumptions (:mod:`.controls`); the page asks for a prediction, locks it,
then reveals the model's result against it (peer instruction), shows the outcome bars,
the survival curve and the key numbers beside the reference (paired differences,
:mod:`.live`), one run on a timeline with its story, seed by seed, and offers the
scenario (TOML), the figures and the results for download (:mod:`.downloads`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import streamlit as st

from trucesim.fmt import count
from trucesim.scenario.load import ScenarioError, digest
from trucesim.scenario.schema import Scenario
from trucesim.scenario.toml import toml_value
from trucesim.teaching import controls, lecturer, live, vega
from trucesim.teaching.predictions import second
from trucesim.teaching.report import CAVEAT
from trucesim.teaching.story import Story

VIEWS = ("1. Predict", "2. Many runs", "3. One run, day by day", "4. Download")
RUNS = (200, 500, 1000, 2000, 5000)
TIMELINE_PX = 900  # the one-run chart's widest (narrower where the page is): its size
# Streamlit cuts a metric's label that does not fit its column ("living hostages rele…"):
# let it wrap instead
STYLE = """<style>
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] * {
  white-space: normal !important; overflow: visible !important;
  text-overflow: clip !important; height: auto !important; }
</style>"""


def setting(name: str, default: str) -> str:
    return os.environ.get(f"TRUCESIM_CLASSROOM_{name}", default)


@st.cache_resource(show_spinner="Starting the workers…")
def service(workers: int) -> live.Store:
    """One store of runs (and its warm pool) for the life of the server."""
    return live.Store(live.executor(workers))


def reset() -> None:
    for name in list(st.session_state):
        if str(name).startswith(("term:", "assume:")):
            del st.session_state[name]


def widget(side: Any, c: controls.Control, now: Any, prefix: str) -> Any:
    """The control's input in `side` (a sidebar section); returns the value in the
    scenario's units."""
    key = f"{prefix}{c.key}"
    if c.kind == "bool":
        return side.checkbox(c.label, value=bool(now), key=key, help=c.help or None)
    if c.kind == "choice":
        return side.selectbox(c.label, c.options, index=c.options.index(now), key=key,
                              help=c.help or None)
    if c.share:  # a share, moved in whole percent
        chosen = side.slider(f"{c.label} (%)", 0, 100, round(now * 100), 1, key=key,
                             help=c.help or None)
        return chosen / 100
    if c.kind == "int":
        return side.slider(c.label, int(c.low), int(c.high), int(now), 1, key=key,
                           help=c.help or None)
    return side.slider(c.label, float(c.low), float(c.high), float(now), float(c.step),
                       key=key, help=c.help or None)


def sidebar(reference: Scenario) -> dict[str, Any]:
    """Every term and key assumption as chosen on the page, by scenario key."""
    chosen: dict[str, Any] = {}
    st.sidebar.header("The deal's terms")
    sections: dict[str, list[controls.Control]] = {}
    for c in controls.deal_terms(reference):
        sections.setdefault(c.group, []).append(c)

    def now(key: str) -> Any:  # as moved on the page, before its widget is drawn again
        return st.session_state.get(f"term:{key}", controls.value(reference, key))

    for group, terms in sections.items():
        # keyed, so a heading that follows its day keeps the section open
        side = st.sidebar.expander(controls.heading(group, terms, now), key=f"section:{group}")
        for c in terms:
            chosen[c.key] = widget(side, c, controls.value(reference, c.key), "term:")
    st.sidebar.header("Key assumptions")
    st.sidebar.caption("The five assumptions the chance of collapse depends on most, by a "
                       "screening sweep (docs/teaching.md). They are assumptions, not facts.")
    for c in controls.assumptions(reference):
        chosen[c.key] = widget(st.sidebar, c, controls.value(reference, c.key), "assume:")
    st.sidebar.button("Back to the reference", on_click=reset, key="reset")
    return chosen


def run_with_progress(store: live.Store, scenario: Scenario, seed: int, n: int,
                      what: str) -> live.Timed:
    if store.has(scenario, seed, n):
        return store.run(scenario, seed, n)
    bar = st.progress(0.0, text=f"Running {n:,} replications of {what}…")
    done = 0

    def advance(k: int) -> None:
        nonlocal done
        done += k
        bar.progress(min(1.0, done / n), text=f"Running {what}: {done:,} of {n:,} runs")

    timed = store.run(scenario, seed, n, advance)
    bar.empty()
    return timed


def results(store: live.Store, reference: Scenario, yours: Scenario, seed: int,
            n: int) -> tuple[live.Timed, live.Timed, Any]:
    ref = run_with_progress(store, reference, seed, n, "the reference")
    mine = ref if yours is reference else run_with_progress(store, yours, seed, n,
                                                             "your version")
    pair = (ref.run.directory, mine.run.directory)
    return ref, mine, store.kept(("paired", *pair), lambda: live.paired(ref.run, mine.run))


def guess_for(yours: Scenario) -> dict[str, Any] | None:
    """The locked prediction, if it was made for this version of the deal: a guess
    belongs to the version it was made for, and is never scored against another."""
    locked = st.session_state.get("prediction")
    return locked if locked and locked.get("version") == digest(yours) else None


def predict(reference: Scenario, yours: Scenario, revealed: bool) -> None:
    st.subheader("Predict first")
    if st.session_state.get("prediction") and guess_for(yours) is None:
        # the deal changed since the guess: a new version asks for a new guess
        for key in ("prediction", "guess_collapse", "guess_living"):
            st.session_state.pop(key, None)
        st.session_state.changed_since_guess = True
    locked = guess_for(yours)
    if locked is None and st.session_state.get("changed_since_guess"):
        st.info("Your version of the deal changed since your last prediction: predict "
                "again for this version before its result is shown.")
    st.write("Before the model runs, write down what you expect for **your version** of "
             "the deal. Your guess is locked before the result is revealed.")
    collapse = st.number_input("Out of 100 runs, in how many does the truce collapse within "
                               "the window?", 0, 100, None, 1, key="guess_collapse",
                               disabled=locked is not None, placeholder="your guess")
    asked = second(yours)
    living = st.number_input(asked.question, 0, asked.high, None, 1, key="guess_living",
                             disabled=locked is not None, placeholder="your guess")
    if locked is None:
        empty = collapse is None or living is None
        if st.button("Lock my prediction", key="lock", type="primary", disabled=empty,
                     help="Fill in both guesses first." if empty else None):
            assert collapse is not None and living is not None
            st.session_state.prediction = {"collapse": float(collapse),
                                           "living": float(living), "version": digest(yours)}
            st.session_state.changed_since_guess = False
            lecturer.locked(reference, yours, float(collapse), float(living))
            st.rerun()
        return
    st.success(f"Locked: {locked['collapse']:.0f} of 100 runs collapse; "
               f"{locked['living']:,.0f} {second(yours).told}.")
    if not revealed and st.button("Reveal the model's result", key="reveal", type="primary"):
        st.session_state.revealed = digest(yours)
        st.rerun()


def show_guess(yours: Scenario, comparison: Any) -> None:
    locked = guess_for(yours)
    if locked is None:
        return
    st.subheader("Your prediction against the model")
    st.table(vega.check_guess(locked["collapse"], locked["living"], second(yours).name,
                              comparison))
    st.caption("The bracket is the 95% interval of the model's average over the runs: how "
               "precisely the runs pin it down, not how much single runs vary.")

    def again() -> None:
        st.session_state.pop("prediction", None)
        st.session_state.revealed = None

    st.button("Make a new prediction", on_click=again, key="again")


def many_runs(store: live.Store, ref: live.Timed, mine: live.Timed, comparison: Any,
              changes: list[str]) -> None:
    numbers = vega.key_numbers(mine.run, comparison)
    for column, number in zip(st.columns(len(numbers)), numbers, strict=True):
        column.metric(number.label, number.value, number.delta, delta_color=number.colour,
                      delta_arrow=number.arrow,
                      help="Your version; under it, the paired difference from the "
                           "reference with its 95% interval.")
        column.caption(number.note)
    for column, spec in zip(st.columns(2), live.charts(store, ref.run, mine.run), strict=True):
        column.vega_lite_chart(spec=spec, width="stretch")
    st.markdown("**Your version against the reference**: paired differences (the same "
                "random numbers in both, so the difference is the change, not luck).")
    st.table(vega.differences(comparison))
    kept = " (kept from before: not run again)" if mine.kept else ""
    what = f"your version ({', '.join(changes)})" if changes else "the reference"
    st.caption(f"Seed {mine.run.seed}: {mine.run.replications:,} runs of {what} took "
               f"{mine.seconds:.1f} s on {count(store.pool.workers, 'worker')}{kept}.")


def step(by: int) -> None:
    st.session_state.seed_shown = max(0, int(st.session_state.get(
        "seed_shown", controls.ONE_RUN_SEED)) + by)


def one_run(store: live.Store, yours: Scenario) -> None:
    st.session_state.setdefault("seed_shown", controls.ONE_RUN_SEED)  # the lesson's
    back, number, forward = st.columns([1, 2, 1], vertical_alignment="bottom")
    back.button("◀ previous seed", on_click=step, args=(-1,), key="previous_seed")
    seed = int(number.number_input("seed", 0, 10**9, step=1, key="seed_shown"))
    forward.button("next seed ▶", on_click=step, args=(1,), key="next_seed")
    told = store.one_run(yours, seed)
    # the whole width (up to about its own size) so its legends read when projected;
    # the story below it
    st.image(told.png, caption=f"Seed {seed}: the truce {told.ended}. The same chart as "
             "the report's 'typical run'.", width=TIMELINE_PX)
    with st.container(height=480):
        st.markdown(compact(told.story))


def compact(story: Story) -> str:
    """The story for the page's narrow column: the totals first, then day by day."""
    from trucesim.fmt import md

    lines = [f"**{md(story.subtitle)}**", "", f"*{md(story.note)}*", "", "**In sum**", ""]
    lines += [f"- {md(sentence)}" for sentence in story.summary]
    lines += ["", "**Day by day**", ""]
    lines += [f"- **{md(e.label)}**: " + " ".join(md(line.text) for line in e.lines)
              for e in story.entries]
    return "\n".join(lines)


def main() -> None:
    st.set_page_config(page_title="trucesim classroom", layout="wide")
    path = Path(setting("SCENARIO", "scenarios/base.toml"))
    store = service(int(setting("WORKERS", "0")))
    try:
        reference = store.scenario(path)
    except ScenarioError as exc:
        st.error("\n\n".join(str(issue) for issue in exc.issues))
        st.stop()
    n = st.sidebar.select_slider("runs of each version", RUNS,
                                 value=int(setting("REPLICATIONS", "1000")), key="runs")
    seed = int(st.sidebar.number_input("root seed", 0, 10**9,
                                       int(setting("SEED", "2025")), key="seed"))
    skip = st.sidebar.toggle("Show results without a prediction", key="skip")
    chosen = sidebar(reference)
    changes = controls.overrides(reference, chosen)
    st.html(STYLE)
    st.caption(f"trucesim classroom · {path.name}")
    st.title(reference.title or reference.name)  # one line on a 1280-pixel projector
    st.warning(CAVEAT)
    title = toml_value(f"{reference.title or reference.name} (classroom version)")
    try:
        yours = reference if not changes else store.scenario(
            path, [*changes, f"name={reference.name}-classroom", f"title={title}"])
    except ScenarioError as exc:  # said in words; the views stay, waiting for a valid deal
        st.error("These terms do not make a deal the model can run:\n\n" + "\n\n".join(
            f"- {controls.in_words(f'{issue.path}: {issue.message}', reference)}"
            for issue in exc.issues))
        st.radio("view", VIEWS, horizontal=True, key="view", label_visibility="collapsed")
        st.info("Move the terms back to a deal the model can run to see this view.")
        return
    st.markdown("**Your version** is the reference (`" + path.name + "`) " + (
        "with: " + ", ".join(f"`{c}`" for c in changes) if changes else "unchanged") + ".")
    view = st.radio("view", VIEWS, horizontal=True, key="view", label_visibility="collapsed")
    # revealed for this version only: a changed deal asks for a new guess first
    revealed = skip or st.session_state.get("revealed") == digest(yours)
    if view == VIEWS[2]:
        one_run(store, yours)
        return
    if view == VIEWS[3]:
        from trucesim.teaching import downloads

        downloads.page(store, path, reference, yours, seed, n, revealed, results)
        return
    if view == VIEWS[0]:
        predict(reference, yours, revealed)
    if not revealed:
        st.info("The results appear once a prediction is locked and revealed (or when "
                "'Show results without a prediction' is on).")
        return
    ref, mine, comparison = results(store, reference, yours, seed, n)
    if view == VIEWS[0]:
        show_guess(yours, comparison)
    many_runs(store, ref, mine, comparison, changes)


if __name__ == "__main__":  # run by Streamlit; a worker process importing it runs nothing
    main()
