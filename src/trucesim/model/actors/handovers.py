"""Handovers: the scheduled releases of living hostages and bodies (DESIGN.md §2, releases).

A handover can slip (a geometric delay), wait out a crisis or a condition, or be
disputed; a disputed handover may see the other side withhold its tranche
(:mod:`.exchange`; every handover is counted by :func:`.release.hand_over`). Bodies can
instead be handed over as each is recovered (:mod:`.recovery`). A handover can also
release hostages outside the agreement (the 5 Thai nationals of 30 Jan 2025), who free
no one in exchange. A handover agreed as one total over several days comes out in
parts, one a day (:mod:`.spread`). What the deal has made due
and not delivered by the horizon is reported as owed.

Each scheduled handover is a row of the morning's agenda (:mod:`trucesim.model.agenda`):
on its due day it acts for every replication of the block at once, and where it slips,
waits or is held back it falls due again later, replication by replication.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

import numpy as np

from trucesim import fmt
from trucesim.model import agenda
from trucesim.model.actors import conditions, release, spread
from trucesim.model.agenda import Agenda
from trucesim.model.declare import Actor, Outcome, Series
from trucesim.model.sampling import MIN_HANDOVERS, geometric_days, of
from trucesim.model.state import HANDOVER, MISSING, Mask, TruceState, add, ints, put
from trucesim.scenario.schema import Scenario

NAME = "handovers"
HandedOver = release.HandedOver  # the event every handover logs (told by release)
Cancelled = release.Cancelled  # and the one of a handover that cannot take place
# where a scheduled handover stands (PART: a spread handover's next part is due)
DUE, SLIPPED, CALM, HELD, DONE, PART = range(6)


@dataclass(frozen=True, slots=True)
class Draws:
    """The block's numbers from the 'releases' stream: (replication, handover)."""

    slip: np.ndarray  # is it late?
    slip_delay: np.ndarray  # how late
    dispute: np.ndarray  # is it disputed?
    split: tuple[spread.Split | None, ...]  # per handover: the split over its days


def draw(s: Scenario, g: np.random.Generator, n: int) -> Draws:
    width = max(len(s.releases), MIN_HANDOVERS)
    slip, slip_delay, dispute = g.random((3, n, width))
    return Draws(slip, slip_delay, dispute, spread.draw(s, g, n))


# events (told by release, with the event every handover logs) --------------------------
Slipped, Paused, OutsideDeal = release.Slipped, release.Paused, release.OutsideDeal


# the actor's own state ------------------------------------------------------------------
@dataclass(slots=True)
class Ledger:
    """What the deal has made due so far, and how each scheduled handover stands (the
    actor's own state, st.parts.handovers; arrays over the block, (handover, replication)
    for the per-handover ones)."""

    due_living: np.ndarray  # due under the deal by now: scheduled, or bought by extensions
    due_bodies: np.ndarray
    scheduled_living: np.ndarray  # released under the schedule (not extensions)
    scheduled_bodies: np.ndarray
    on_time: np.ndarray  # per handover: -1 not yet, 0 late, 1 on its day
    stage: np.ndarray  # DUE, SLIPPED, CALM, HELD or DONE
    living: np.ndarray  # what it releases, once due
    bodies: np.ndarray
    slipped: np.ndarray  # days it slipped
    waited: np.ndarray  # it waited for a crisis to end
    held: np.ndarray  # the condition that first held it back (index, or NO_RULE)
    done_day: np.ndarray  # the day it took place (or was found to release no one)
    parts: spread.Parts | None = None  # the spread handovers' parts, if any
    first_row: int = 0  # its rows in the morning's agenda
    morning: Agenda | None = field(default=None, repr=False)


def start(st: TruceState) -> None:
    s, n = st.scenario, st.n
    k = len(s.releases)
    st.living_held[:] = s.hostages.living_held
    st.bodies_held[:] = s.hostages.bodies_held
    per_handover = (k, n)
    ledger = Ledger(ints(n), ints(n), ints(n), ints(n),
                    np.full(per_handover, -1, dtype=np.int8),
                    np.zeros(per_handover, dtype=np.int8),
                    np.zeros(per_handover, dtype=np.int64),
                    np.zeros(per_handover, dtype=np.int64),
                    np.zeros(per_handover, dtype=np.int64),
                    np.zeros(per_handover, dtype=bool),
                    np.full(per_handover, conditions.NO_RULE, dtype=np.int64),
                    np.full(per_handover, MISSING, dtype=np.int64), spread.start(s, n))
    st.parts.handovers = ledger
    morning = agenda.of(st, HANDOVER)
    ledger.morning = morning
    ledger.first_row = morning.rows(k, lambda row, mask, day: handover(st, row, mask, day))
    everyone = np.ones(n, dtype=bool)
    for j, scheduled in enumerate(s.releases):
        morning.at(ledger.first_row + j, everyone, scheduled.day)


def handover(st: TruceState, row: int, due_today: Mask, day: int) -> None:
    """Scheduled handover j on `day` for the replications due: on its day it can slip;
    then it waits out a crisis and any condition, and is handed over or cancelled."""
    ledger: Ledger = st.parts.handovers
    j = row - ledger.first_row
    stage = ledger.stage[j]
    arriving = due_today & (stage == DUE)
    going = due_today & ((stage == SLIPPED) | (stage == PART))
    waiting = due_today & ((stage == CALM) | (stage == HELD))
    if arriving.any():
        going |= arrive(st, j, arriving, day)
    going = crisis_wait(st, j, going, day) | waiting
    going = condition_wait(st, j, going, day)
    if going.any():
        finish(st, j, going, day)


def arrive(st: TruceState, j: int, mask: Mask, day: int) -> Mask:
    """Handover j falls due: what it releases, and whether it slips. Returns the
    replications in which it goes ahead today."""
    s, ledger = st.scenario, st.parts.handovers
    h, r = s.handovers, s.releases[j]
    if h.bodies_mode == "as_recovered" and not r.living and not r.living_outside_deal:
        # its bodies come as they are recovered: nobody is due on this day
        done(st, j, mask, day)
        return np.zeros(st.n, dtype=bool)
    living: np.ndarray | int = r.living
    bodies: np.ndarray | int = 0 if h.bodies_mode == "as_recovered" else r.bodies
    rules = conditions.for_step(st, f"releases[{j}]")
    if rules:  # a condition may change what this handover releases
        living = conditions.effect(rules, conditions.active(st, rules, "living", mask),
                                   "living", float(living)).astype(np.int64)
        bodies = conditions.effect(rules, conditions.active(st, rules, "bodies", mask),
                                   "bodies", float(bodies)).astype(np.int64)
    put(ledger.living[j], living, mask)
    put(ledger.bodies[j], bodies, mask)
    add(ledger.due_living, ledger.living[j], mask)
    add(ledger.due_bodies, ledger.bodies[j], mask)
    d: Draws = st.draws[NAME]
    slips = mask & st.in_force & (d.slip[:, j] < h.slip_probability)
    if slips.any():
        delay = np.zeros(st.n, dtype=np.int64)
        delay[slips] = geometric_days(of(h.slip_mean_days, slips), d.slip_delay[slips, j])
        add(st.tension, s.tension.per_slipped_handover, slips)
        label = s.label(j)
        st.note(slips, lambda k: Slipped(day, label, int(delay[k])))
        put(ledger.slipped[j], delay, slips)
        put(ledger.stage[j], SLIPPED, slips)
        assert ledger.morning is not None
        ledger.morning.at(ledger.first_row + j, slips, day + delay)
    return np.asarray(mask & ~slips)


def crisis_wait(st: TruceState, j: int, mask: Mask, day: int) -> Mask:
    """In a crisis the handover waits for calm (if the deal says so); the rest go on."""
    ledger: Ledger = st.parts.handovers
    if not st.scenario.handovers.withheld_in_crisis:
        return mask
    waits = mask & st.in_crisis
    if waits.any():
        put(ledger.waited[j], True, waits)
        put(ledger.stage[j], CALM, waits)
        assert ledger.morning is not None
        ledger.morning.wait_for_calm(ledger.first_row + j, waits)
        label = st.scenario.label(j)
        st.note(waits, lambda k: Paused(day, label))
    return np.asarray(mask & ~waits)


def condition_wait(st: TruceState, j: int, mask: Mask, day: int) -> Mask:
    """A condition on the handover holds it back, day by day; the rest go on."""
    rules = conditions.for_step(st, f"releases[{j}]")
    if not rules or not mask.any():
        return mask
    ledger: Ledger = st.parts.handovers
    label = st.scenario.label(j)
    held = conditions.held_back(st, rules, mask & st.in_force, ledger.held[j],
                                lambda k: fmt.handover(label))
    if held.any():
        put(ledger.stage[j], HELD, held)
        assert ledger.morning is not None
        ledger.morning.at(ledger.first_row + j, held, day + 1)
    return np.asarray(mask & ~held)


def finish(st: TruceState, j: int, mask: Mask, day: int) -> None:
    """The handover takes place, or, the truce no longer in force, is cancelled."""
    s, ledger = st.scenario, st.parts.handovers
    r, label = s.releases[j], s.label(j)
    cancelled = mask & ~st.in_force
    st.note(cancelled, partial(release.cancelled, st, day, label))
    put(ledger.stage[j], DONE, cancelled)
    ok = mask & st.in_force
    if not ok.any():
        return
    d: Draws = st.draws[NAME]
    disputed = d.dispute[:, j] < s.handovers.dispute_probability
    split = d.split[j]
    if split is None:  # all of it today
        living = np.minimum(ledger.living[j], st.living_held)
        bodies = np.minimum(ledger.bodies[j], st.bodies_held)
        first = last = np.ones(st.n, dtype=bool)
        due: np.ndarray | int = r.day
    else:  # today's part of a handover spread over several days
        part = spread.today(st, j, ok, split, (ledger.living[j], ledger.bodies[j]))
        living, bodies, first, last, due = part.living, part.bodies, part.first, part.last, part.due
        disputed &= first
    if r.living_outside_deal:
        outside = np.minimum(r.living_outside_deal, st.living_held - living)
        np.subtract(st.living_held, outside, out=st.living_held, where=ok & first)
        add(st.outside_released, outside, ok & first)
        st.note(ok & first, lambda k: OutsideDeal(day, label, int(outside[k])))
    put(ledger.on_time[j], day == r.last_day, ok & last)
    rules = conditions.for_step(st, f"releases[{j}]")
    held = ledger.held[j]
    giving = ok if split is None else ok & ((living > 0) | (bodies > 0))  # a part of none: untold
    release.hand_over(st, giving, day, label, living, bodies, disputed, due, release.Terms(
        j=j, ratios=r.prisoners_per_living, slipped=ledger.slipped[j], waited=ledger.waited[j],
        held=(lambda k: rules[int(held[k])].name if held[k] >= 0 else "")))
    done(st, j, ok & last, day)
    more = ok & ~last
    if more.any():  # its next part, the next day
        put(ledger.stage[j], PART, more)
        assert ledger.morning is not None
        ledger.morning.at(ledger.first_row + j, more, day + 1)


def done(st: TruceState, j: int, mask: Mask, day: int) -> None:
    ledger: Ledger = st.parts.handovers
    put(st.release_done[j], True, mask)
    put(ledger.stage[j], DONE, mask)
    put(ledger.done_day[j], day, mask)


# what it reports ----------------------------------------------------------------------
def outcomes(s: Scenario) -> tuple[Outcome, ...]:
    def shown(label: str) -> str:  # in the headline table only if the deal concerns them
        return label if s.concerns_hostages else ""

    out = [
        Outcome("living_released", "number", "persons", "Living hostages released",
                lambda st: st.living_released, label=shown("living hostages released")),
        Outcome("bodies_released", "number", "bodies", "Hostages' bodies released",
                lambda st: st.bodies_released, label=shown("hostages' bodies released")),
        Outcome("living_still_held", "number", "persons", "Living hostages still held at the "
                "end", lambda st: st.living_held),
        Outcome("bodies_still_held", "number", "bodies", "Bodies still held at the end",
                lambda st: st.bodies_held),
        Outcome("owed_living_hostages", "number", "persons", "Living hostages due under the "
                "deal by the horizon but not released (late, held back, or cancelled)",
                lambda st: st.parts.handovers.due_living - st.living_released),
        Outcome("owed_hostage_bodies", "number", "bodies", "Hostages' bodies due under the deal "
                "by the horizon but not handed over",
                lambda st: st.parts.handovers.due_bodies - st.bodies_released),
    ]
    if any(r.living_outside_deal for r in s.releases):
        out.append(Outcome("living_released_outside_deal", "number", "persons",
                           "Living hostages released outside the agreement (no exchange)",
                           lambda st: st.outside_released))
    return (
        *out,
        Outcome("day_schedule_living_complete", "milestone", "day", "Day all living hostages "
                "in the schedule were out",
                lambda st: st.milestone("schedule_living_complete"),
                label=shown("P(all scheduled living out)")),
        Outcome("day_schedule_bodies_complete", "milestone", "day", "Day all bodies in the "
                "schedule were returned",
                lambda st: st.milestone("schedule_bodies_complete")),
    )


ACTOR = Actor(
    NAME, start, stream="releases", draw=draw, outcomes=outcomes,
    series=(Series("living_released", "persons", "living_released", band=1),
            Series("bodies_released", "bodies", "bodies_released", band=1)),
    events=(Slipped, Paused, OutsideDeal, HandedOver, Cancelled),
)
