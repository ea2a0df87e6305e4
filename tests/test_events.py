"""Typed events: every event an actor declares tells itself, happens in the shipped
scenarios, and reaches the story; an event the story could not tell fails here."""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest

from conftest import SCENARIOS
from trucesim.model.actors import ACTORS
from trucesim.run.engine import simulate
from trucesim.scenario import load
from trucesim.teaching import story

EVENTS = [event for actor in ACTORS for event in actor.events]
# the shipped scenarios that, between them, provoke every kind of event
PROVOKING = ("base.toml", "weak-mediation.toml", "history/jan-2025-ceasefire.toml",
             "bodies-as-recovered.toml", "aid-for-bodies.toml", "pause-with-extensions.toml",
             "open-ended.toml", "flare-ups.toml", "withdrawal-kept.toml")
SEED, RUNS = 3, 64


def test_every_declared_event_is_a_dated_record_that_tells_itself():
    assert len(set(EVENTS)) == len(EVENTS) >= 20
    for event in EVENTS:
        assert dataclasses.is_dataclass(event), event
        assert dataclasses.fields(event)[0].name == "day", event
        assert "lines" in vars(event), f"{event.__name__} has no wording of its own"


@pytest.fixture(scope="module")
def told():
    """(scenario, replication, story) for every run of the provoking scenarios."""
    out = []
    for name in PROVOKING:
        s = load(SCENARIOS / name)
        for index in range(RUNS):
            rep = simulate(s, SEED, index, log=True)
            out.append((s, rep, story.tell(s, rep, SEED)))
    return out


def test_every_declared_event_happens_in_the_shipped_scenarios(told):
    seen = Counter(type(e) for _, rep, _ in told for e in rep.events)
    missing = [e.__qualname__ for e in EVENTS if not seen[e]]
    assert not missing, f"never logged: {missing}"
    unknown = [t.__qualname__ for t in seen if t not in EVENTS]
    assert not unknown, f"logged but not declared by its actor: {unknown}"


def test_every_logged_event_is_told_on_its_day(told):
    for s, rep, tale in told:
        narration = story.Narration(s, rep)
        for e in rep.events:
            lines = e.lines(narration)
            assert all(kind and text for kind, text in lines), e
            entry = next(x for x in tale.entries if x.first <= e.day <= x.last)
            told_texts = {line.text for line in entry.lines}
            for _, text in lines:
                if "Tension +" in text:  # its threshold note depends on earlier lines
                    text = text.split(" (a crisis")[0]
                assert any(t.startswith(text.rstrip(".")) for t in told_texts), (e, text)
