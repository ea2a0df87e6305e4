"""Neutral wording: an incident is *attributed to* one side's forces; nothing the model
prints says who initiated or started it (contested, and unknown to the model)."""

from __future__ import annotations

import re

from conftest import base
from trucesim.model import actors
from trucesim.run import engine
from trucesim.scenario.registry import parameters
from trucesim.teaching import glossary, story

TAKES_A_SIDE = re.compile(r"\binitiat|\bstarted by\b|\bprovok", re.IGNORECASE)


def everything_told(seed: int) -> str:
    s = base()
    rep = engine.simulate(s, seed, 0, log=True)
    tale = story.tell(s, rep, seed)
    return " ".join([*(line.text for e in tale.entries for line in e.lines), *tale.summary])


def test_the_story_attributes_incidents_and_says_no_one_initiated_them():
    text = everything_told(1)
    assert "attributed to Israeli forces" in text
    assert re.search(r"\d[\d,]* to Palestinian armed groups", text)
    assert not TAKES_A_SIDE.search(text), TAKES_A_SIDE.search(text)


def test_outcome_descriptions_glossary_and_parameters_attribute_incidents():
    s = base()
    described = {o.name: o.description for o in actors.fields(s)}
    assert described["incidents_israeli_forces"] == "Incidents attributed to Israeli forces"
    assert described["incidents_palestinian_groups"] == \
        "Incidents attributed to Palestinian armed groups"
    texts = [*described.values(), *glossary.GLOSSARY.values(), *glossary.LIMITS,
             *(p.description for p in parameters(s))]
    assert not [t for t in texts if TAKES_A_SIDE.search(t)]
    assert "attributed in the model to one side's forces" in glossary.GLOSSARY["incident"]
