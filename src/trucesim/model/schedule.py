"""The schedule of the deal: handovers, the exchange that answers them, and the
withdrawal they unlock (DESIGN.md §2: releases, exchange, withdrawal).

A handover can slip (a geometric delay), wait out a crisis, or be disputed; a disputed
handover may see the other side withhold its tranche for some days, as on 22 Feb 2025.
Prisoners freed are rounded cumulatively, so a schedule's totals match the agreed
ratios exactly (125 + 1,111 for 10 living hostages in the May 2025 text). A handover can
carry its own ratios for some categories (Jan 2025: 50 prisoners per female soldier
instead of 30 per civilian), and release hostages outside the agreement (the 5 Thai
nationals of 30 Jan 2025), who free no one in exchange.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from trucesim.draws import geometric_days
from trucesim.model.state import (
    COLLAPSED,
    CRISIS,
    EXCHANGE,
    HANDOVER,
    WITHDRAWAL,
    Proc,
    TruceState,
    at,
    wait_for_calm,
)
from trucesim.schema import Release


def handover(st: TruceState, j: int, r: Release) -> Proc:
    """One scheduled handover: it can slip, wait out a crisis, and be disputed."""
    env, h, t = st.env, st.scenario.handovers, st.scenario.tension
    d = st.draws
    label = r.label or f"handover {j + 1}"
    yield at(env, r.day, HANDOVER)
    day = r.day
    if h.bodies_mode == "as_recovered" and not r.living and not r.living_outside_deal:
        # its bodies come as they are recovered: nobody is due on this day
        st.release_done[j].succeed()
        return
    if st.status < COLLAPSED and d.slip[j] < h.slip_probability:
        delay = geometric_days(h.slip_mean_days, d.slip_delay[j])
        st.tension += t.per_slipped_handover
        st.note(day, "releases", "slip", label=label, delay=delay)
        day += delay
        yield at(env, day, HANDOVER)
    if h.withheld_in_crisis and st.status == CRISIS:
        yield from wait_for_calm(st, "releases", label)
    if st.status >= COLLAPSED:
        st.note(int(env.now), "releases", "cancelled", label=label)
        return
    day = int(env.now)
    bodies = 0 if h.bodies_mode == "as_recovered" else r.bodies
    disputed = d.dispute[j] < h.dispute_probability
    living = min(r.living, st.living_held)
    if r.living_outside_deal:
        outside = min(r.living_outside_deal, st.living_held - living)
        st.living_held -= outside
        st.outside_released += outside
        st.note(day, "releases", "outside_deal", label=label, living=outside)
    hand_over(st, day, label, living, min(bodies, st.bodies_held), disputed, r.day,
              d.withhold[j], d.withhold_days[j], r.prisoners_per_living)
    st.release_done[j].succeed()


def bodies_as_recovered(st: TruceState) -> Proc:
    """Bodies handed over as each is recovered, rather than on the schedule's days."""
    env, d = st.env, st.draws
    window = st.scenario.truce.window_days
    days = sorted(d.recovery_days)
    i = 0
    while i < len(days) and days[i] <= window:
        day = max(days[i], 1)
        count = 0
        while i < len(days) and days[i] <= day:
            i, count = i + 1, count + 1
        yield at(env, day, HANDOVER)
        if st.scenario.handovers.withheld_in_crisis:
            yield from wait_for_calm(st, "releases", "recovered bodies")
        if st.status >= COLLAPSED:
            return
        u_dispute, u_withhold, u_days = d.recovery_u[i - 1]
        disputed = u_dispute < st.scenario.handovers.dispute_probability
        hand_over(st, int(env.now), "recovered bodies", 0, min(count, st.bodies_held),
                  disputed, day, u_withhold, u_days)


def hand_over(st: TruceState, day: int, label: str, living: int, bodies: int, disputed: bool,
              due: int, u_withhold: float, u_days: float,
              ratios: Mapping[str, float] | None = None) -> None:
    """Count a handover, and set the matching exchange tranche in motion."""
    st.living_held -= living
    st.bodies_held -= bodies
    st.living_released += living
    st.bodies_released += bodies
    s = st.scenario
    if disputed:
        st.tension += s.tension.per_dispute
    st.note(day, "releases", "handover", label=label, living=living, bodies=bodies,
            due=due, late=day - due, disputed=disputed)
    if st.living_released == s.living_scheduled and "schedule_living_complete" not in \
            st.milestones and living:
        st.milestones["schedule_living_complete"] = day
    if st.bodies_released == s.bodies_scheduled and "schedule_bodies_complete" not in \
            st.milestones and bodies:
        st.milestones["schedule_bodies_complete"] = day
    freed = _freed(st, living, ratios or {})
    st.start(tranche(st, living, bodies, disputed, u_withhold, u_days, freed))


def _share(ratio: float, before: int, after: int) -> int:
    """Freed for this tranche, rounding cumulatively so totals match the agreed ratio."""
    return math.floor(ratio * after + 0.5) - math.floor(ratio * before + 0.5)


def _freed(st: TruceState, living: int, ratios: Mapping[str, float]) -> list[int]:
    """Prisoners due, by category, for `living` hostages handed over.

    Each category's running total is rounded, not each tranche, so totals match the
    ratios: due = ratio x living tranched at the exchange's ratio + what handovers with
    their own ratio (`ratios`) added. With no such handover the extra term is 0.0 and
    this is exactly the exchange's ratio times the living tranched.
    """
    out = []
    table = st.scenario.exchange.prisoners_per_living_hostage
    for k, (name, ratio) in enumerate(table.items()):
        count, extra = st.tranched_at_default[k], st.tranched_extra[k]
        before = math.floor(ratio * count + extra + 0.5)
        if name in ratios:
            extra += ratios[name] * living
            st.tranched_extra[k] = extra
        else:
            count += living
            st.tranched_at_default[k] = count
        out.append(math.floor(ratio * count + extra + 0.5) - before)
    return out


def tranche(st: TruceState, living: int, bodies: int, disputed: bool, u_withhold: float,
            u_days: float, freed: list[int]) -> Proc:
    """The other side's part of a handover: prisoners, detainees and bodies freed."""
    s, env = st.scenario, st.env
    x = s.exchange
    returned = _share(x.bodies_returned_per_body, st.bodies_tranched, st.bodies_tranched + bodies)
    st.living_tranched += living
    st.bodies_tranched += bodies
    yield at(env, int(env.now) + x.verification_lag_days, EXCHANGE)
    if disputed and u_withhold < x.withhold_probability_if_disputed:
        days = geometric_days(x.withhold_mean_days, u_days)
        st.tension += s.tension.per_withheld_tranche
        st.note(int(env.now), "exchange", "withheld", days=days, total=sum(freed))
        yield at(env, int(env.now) + days, EXCHANGE)
    if s.handovers.withheld_in_crisis and st.status == CRISIS:
        yield from wait_for_calm(st, "exchange", "release of prisoners")
    if st.status >= COLLAPSED:
        return
    for k, n in enumerate(freed):
        st.detainees_freed[k] += n
    st.detainees_total += sum(freed)
    st.bodies_returned += returned
    if st.log is not None:
        names = list(x.prisoners_per_living_hostage)
        st.note(int(env.now), "exchange", "tranche",
                freed=dict(zip(names, freed, strict=True)), bodies_returned=returned)


def withdrawal(st: TruceState) -> Proc:
    """The army's lines move back stage by stage, pausing during a crisis."""
    env = st.env
    for stage in st.scenario.withdrawal.stages:
        if stage.after_release is not None:
            yield st.release_done[stage.after_release]
            due = int(env.now) + stage.delay_days
        else:
            due = (stage.day or 0) + stage.delay_days
        yield at(env, due, WITHDRAWAL)
        if st.status == CRISIS:
            yield from wait_for_calm(st, "withdrawal", stage.name)
        if st.status >= COLLAPSED:
            return
        st.share_held = stage.share
        st.milestones[f"withdrawal_{stage.name}"] = int(env.now)
        st.note(int(env.now), "withdrawal", "stage", name=stage.name, share=stage.share)
