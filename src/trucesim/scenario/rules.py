"""Rules that span several keys of a scenario (a release on day 75 of a 60-day window,
more bodies released than held, a withdrawal that would increase control).

Each rule gives the key path it concerns, a message, and optionally other keys involved;
:mod:`trucesim.scenario.load` turns them into located issues.
"""

from __future__ import annotations

from trucesim.scenario.expressions import ExpressionError, parse
from trucesim.scenario.schema import Scenario
from trucesim.scenario.steps import check_conditions, refs
from trucesim.scenario.toml import KeyPath

Problem = tuple[KeyPath, str] | tuple[KeyPath, str, tuple[KeyPath, ...]]


def check(s: Scenario) -> list[Problem]:
    """Rules that span several keys: (key path, message[, other keys involved])."""
    out: list[Problem] = []
    window = s.truce.window_days
    for i, r in enumerate(s.releases):
        if r.day > window:
            out.append((("releases", i, "day"), f"day {r.day} is outside the window 0..{window}"))
        if r.through_day and not r.day < r.through_day <= window:
            out.append((("releases", i, "through_day"), f"through_day {r.through_day} must come "
                        f"after the handover's day ({r.day}) and within the window 0..{window}"))
        if r.living == 0 and r.bodies == 0 and r.living_outside_deal == 0:
            out.append((("releases", i), "a handover must release someone (living or bodies)"))
        out += _check_release_ratios(s, i)
    outside = sum(r.living_outside_deal for r in s.releases)
    for key, scheduled, held in (("living", s.living_scheduled + outside, s.hostages.living_held),
                                 ("bodies", s.bodies_scheduled, s.hostages.bodies_held)):
        if scheduled > held:
            extra = f" ({outside} of them outside the deal)" if key == "living" and outside else ""
            out.append((("releases",), f"the schedule releases {scheduled} {key}{extra} but "
                        f"hostages.{key}_held is {held}", (("hostages", f"{key}_held"),)))
    for section, key in (("exchange", "prisoners_per_living_hostage"), ("aid", "channels")):
        for name in getattr(getattr(s, section), key):
            if not name.isidentifier() or not name.islower():
                what = "category" if section == "exchange" else "channel"
                out.append(((section, key, name), f"{what} names must be lower_snake_case"))
    out += _check_withdrawal(s)
    out += _check_recovery(s)
    out += _check_thresholds(s)
    out += check_conditions(s)
    out += _check_extensions(s)
    if s.negotiations.start_day > window:
        out.append((("negotiations", "start_day"),
                    f"day {s.negotiations.start_day} is outside the window 0..{window}"))
    elif s.negotiations.start_day > s.truce.phase_end:
        out.append((("negotiations", "start_day"), f"day {s.negotiations.start_day} is after "
                    f"the phase ends (truce.phase_days = {s.truce.phase_days})",
                    (("truce", "phase_days"),)))
    if s.truce.phase_days > window:
        out.append((("truce", "phase_days"), f"{s.truce.phase_days} days is longer than the "
                    f"window ({window} days); 0 means the phase is the whole window"))
    return out


def _check_release_ratios(s: Scenario, i: int) -> list[Problem]:
    """A handover's own exchange ratios: known categories, not negative, living to free."""
    out: list[Problem] = []
    r = s.releases[i]
    categories = s.exchange.prisoners_per_living_hostage
    for name in r.prisoners_per_living:
        at: KeyPath = ("releases", i, "prisoners_per_living", name)
        if name not in categories:
            known = ", ".join(categories) or "none"
            out.append((at, f"unknown category; exchange.prisoners_per_living_hostage has: "
                        f"{known}"))
    if r.prisoners_per_living and r.living == 0:
        out.append((("releases", i, "prisoners_per_living"),
                    "this handover releases no living hostages for these ratios to apply to"))
    return out


def _check_withdrawal(s: Scenario) -> list[Problem]:
    out: list[Problem] = []
    previous = s.withdrawal.initial_share
    names: set[str] = set()
    for i, stage in enumerate(s.withdrawal.stages):
        at: KeyPath = ("withdrawal", "stages", i)
        if (stage.day is None) == (stage.after_release is None):
            out.append((at, "give exactly one of 'day' or 'after_release'"))
        if stage.day is not None and stage.day > s.truce.window_days:
            out.append(((*at, "day"),
                        f"day {stage.day} is outside the window 0..{s.truce.window_days}"))
        if stage.after_release is not None and stage.after_release >= len(s.releases):
            out.append(((*at, "after_release"), f"there is no releases[{stage.after_release}] "
                        f"(the schedule has {len(s.releases)} handovers)"))
        if stage.share > previous:
            out.append(((*at, "share"), f"{stage.share:g} would increase the share held "
                        f"(previous line: {previous:g}); a withdrawal only moves back"))
        previous = min(previous, stage.share)
        if stage.name in names or not stage.name.isidentifier():
            out.append(((*at, "name"), "stage names must be distinct identifiers"))
        names.add(stage.name)
        out += _check_kept(s, i)
    return out


def _check_recovery(s: Scenario) -> list[Problem]:
    """Bodies located, and owed until recovered, are terms of the as_recovered mode."""
    h, out = s.handovers, list[Problem]()
    mode: KeyPath = ("handovers", "bodies_mode")
    if h.bodies_mode != "as_recovered":
        for key, on in (("located_bodies", h.located_bodies > 0),
                        ("unrecovered_owed", h.unrecovered_owed)):
            if on:
                out.append((("handovers", key), "applies only when bodies are handed over as "
                            "recovered (bodies_mode = \"as_recovered\")", (mode,)))
    if h.located_bodies > s.bodies_scheduled:
        out.append((("handovers", "located_bodies"), f"{h.located_bodies} located but the "
                    f"schedule releases {s.bodies_scheduled} bodies", (("releases",),)))
    return out


def _check_kept(s: Scenario, i: int) -> list[Problem]:
    """A stage's kept positions: a condition written in the language, and a share to keep."""
    stage = s.withdrawal.stages[i]
    at: KeyPath = ("withdrawal", "stages", i, "kept_if")
    if not stage.kept_if.strip():
        return []
    if stage.kept_share == 0:
        return [(at, "kept_if has no effect while kept_share is 0 (set the share of the "
                 "pull-back kept)", (("withdrawal", "stages", i, "kept_share"),))]
    try:
        parse(stage.kept_if, refs(s))
    except ExpressionError as exc:
        return [(at, str(exc))]
    return []


def _check_thresholds(s: Scenario) -> list[Problem]:
    out: list[Problem] = []
    if s.crisis.resolve_below >= s.crisis.threshold:
        out.append((("crisis", "resolve_below"), f"must be below crisis.threshold "
                    f"({s.crisis.threshold:g})"))
    aid = s.aid
    if aid.delivery_ratio_sd ** 2 >= aid.delivery_ratio_mean * (1 - aid.delivery_ratio_mean):
        out.append((("aid", "delivery_ratio_sd"), "too large for a share with this mean "
                    "(sd^2 must be < mean * (1 - mean))"))
    v = s.violations
    if v.israeli_forces.retaliation * v.palestinian_groups.retaliation >= 1:
        out.append((("violations",), "retaliation of both sides multiplies to >= 1: violence "
                    "would grow without bound"))
    return out


def _check_extensions(s: Scenario) -> list[Problem]:
    x = s.extensions
    out: list[Problem] = []
    if x.days_each and not (x.living_per_day or x.bodies_per_day):
        out.append((("extensions",), "an extension must buy releases: set living_per_day "
                    "or bodies_per_day"))
    if x.days_each and x.max_days < x.days_each:
        out.append((("extensions", "max_days"), f"must be at least days_each ({x.days_each}) "
                    "for an extension to be possible"))
    if x.paid_at_once and not x.days_each:
        out.append((("extensions", "paid_at_once"), "there is no extension to pay for: set "
                    "days_each", (("extensions", "days_each"),)))
    if x.days_each and s.truce.open_ended:
        out.append((("extensions",), "an open-ended ceasefire has no phase end to extend",
                    (("truce", "open_ended"),)))
    return out
