"""The day-by-day actors: violence, aid, mediators, talks (DESIGN.md §2).

Violence is a discrete-time self-exciting process: each side's incidents on a day are
Poisson with a base rate plus a retaliation term fed by the other side's incidents on
earlier days, decaying geometrically (mean lag `retaliation_decay_days`). Deaths per day
are Poisson around incidents x fatalities per incident x a gamma multiplier (mean 1) that
makes some days far deadlier than others. After a collapse, war deaths follow the
counterfactual rate.

A deal may have an agreed phase shorter than the window (Jan 2025: 42 days, followed
here until fighting resumed). The talks then run to the phase's end, where the outcome
(permanent, extended, expired) is decided; the remaining days are simulated as before,
except that after an expired phase aid falls to `aid.trucks_per_day_after_expiry` (on
2 Mar 2025, the day after phase 1 expired, all aid was halted), each such day counting
as aid held back as leverage.
"""

from __future__ import annotations

import math

from trucesim.draws import poisson
from trucesim.model.state import (
    AID,
    COLLAPSED,
    CRISIS,
    ENDED,
    HOLDING,
    MEDIATION,
    RECORD,
    TALKS,
    VIOLENCE,
    WINDOW_END,
    Proc,
    TruceState,
    at,
)


def violence(st: TruceState) -> Proc:
    """Incidents by each side, their deaths, and the tension they cause."""
    s, env, d = st.scenario, st.env, st.draws
    v, t, talks = s.violations, s.tension, s.negotiations
    base0, base1 = v.israeli_forces.incidents_per_day, v.palestinian_groups.incidents_per_day
    lethal0 = v.israeli_forces.fatalities_per_incident
    lethal1 = v.palestinian_groups.fatalities_per_incident
    keep = math.exp(-1.0 / v.retaliation_decay_days)
    # push: a side's rate added the next day by one incident of the other side; the
    # kernel push * keep**(lag - 1) sums to `retaliation` incidents over all later days
    push0 = v.israeli_forces.retaliation * (1 - keep)
    push1 = v.palestinian_groups.retaliation * (1 - keep)
    per_incident, per_death = t.per_incident, t.per_death
    talks_start, setback = talks.start_day, talks.setback_per_incident
    multiplier = s.crisis.incident_multiplier
    (inc0, inc1), (fat0, fat1), (scale0, scale1) = d.incidents, d.fatalities, d.fatality_scale
    exp = math.exp
    excitation0 = excitation1 = 0.0
    yield at(env, 1, VIOLENCE)
    for day in range(1, s.truce.window_days + 1):
        status = st.status
        if status >= COLLAPSED:
            return
        m = multiplier if status == CRISIS else 1.0
        rate0, rate1 = base0 * m + excitation0, base1 * m + excitation1
        # most days are quiet: P(no incident) = exp(-rate), checked before inverting
        u, p = inc0[day], exp(-rate0)
        n0 = 0 if u < p else poisson(rate0, u, p)
        u, p = inc1[day], exp(-rate1)
        n1 = 0 if u < p else poisson(rate1, u, p)
        excitation0 = keep * excitation0 + push0 * n1
        excitation1 = keep * excitation1 + push1 * n0
        st.attacks_today = n1
        if n0 or n1:
            # incidents by Israeli forces cost Palestinian lives, and the reverse
            k0 = poisson(n0 * lethal0 * scale0[day], fat0[day]) if n0 else 0
            k1 = poisson(n1 * lethal1 * scale1[day], fat1[day]) if n1 else 0
            st.incidents[0] += n0
            st.incidents[1] += n1
            st.deaths_truce[0] += k0
            st.deaths_truce[1] += k1
            st.deaths[0] += k0
            st.deaths[1] += k1
            st.tension += per_incident * (n0 + n1) + per_death * (k0 + k1)
            if day >= talks_start and not st.agreed:
                st.progress = max(0.0, st.progress - setback * (n0 + n1))
            if st.log is not None:
                for side, n, k in (("israeli_forces", n0, k0), ("palestinian_groups", n1, k1)):
                    if n:
                        st.note(day, "violations", "incidents", side=side, count=n, deaths=k,
                                tension=round(st.tension, 1))
        yield env.timeout(1)


def war(st: TruceState, first_day: int) -> Proc:
    """After a collapse: deaths at the counterfactual (no-truce) rate."""
    env, (palestinians, israelis) = st.env, st.draws.war()
    yield at(env, first_day, VIOLENCE)
    for day in range(first_day, st.scenario.truce.window_days + 1):
        st.deaths[0] += palestinians[day]
        st.deaths[1] += israelis[day]
        yield env.timeout(1)


def aid(st: TruceState) -> Proc:
    """Trucks that enter each day: closures after attacks, halts as leverage in a crisis."""
    s, env, d = st.scenario, st.env, st.draws
    a = s.aid
    after_collapse = math.floor(a.trucks_per_day_after_collapse + 0.5)
    after_expiry = math.floor(a.trucks_per_day_after_expiry + 0.5)
    held_back = a.trucks_per_day_after_expiry < a.trucks_per_day_agreed
    stay_open, closure_days = 1.0 - a.closure_probability_per_incident, a.closure_days
    halt, per_halt_day = a.halt_probability_per_crisis_day, s.tension.per_aid_halt_day
    trucks, u_closure, u_halt = d.aid_trucks, d.aid_closure, d.aid_halt
    closed_until = -1
    yield at(env, 1, AID)
    for day in range(1, s.truce.window_days + 1):
        status, attacks = st.status, st.attacks_today
        if status == HOLDING and not attacks and day > closed_until and not st.phase_expired:
            st.aid_delivered += trucks[day]  # an ordinary day, the most common case
        elif status >= COLLAPSED:
            st.aid_delivered += after_collapse
        elif st.phase_expired:
            st.aid_delivered += after_expiry
            if held_back:
                st.aid_halt_days += 1
                st.tension += per_halt_day
                st.note(day, "aid", "halt", after_expiry=True)
        elif attacks and u_closure[day] < 1.0 - stay_open**attacks:
            closed_until = day + closure_days - 1
            st.aid_closed_days += 1
            st.note(day, "aid", "closure", days=closure_days)
        elif day <= closed_until:
            st.aid_closed_days += 1
        elif status == CRISIS and u_halt[day] < halt:
            st.aid_halt_days += 1
            st.tension += per_halt_day
            st.note(day, "aid", "halt")
        else:
            st.aid_delivered += trucks[day]
        yield env.timeout(1)


def mediation(st: TruceState) -> Proc:
    """Tension fades, mediators drain it after a delay; crises start, end, or collapse."""
    s, env, d = st.scenario, st.env, st.draws
    med, crisis = s.mediation, s.crisis
    fade = 1.0 - s.tension.decay_per_day
    engage, delay, drain = med.engage_threshold, med.response_delay_days, med.drain_per_day
    threshold, resolve, max_days = crisis.threshold, crisis.resolve_below, crisis.max_days
    hazard, effect, u_collapse = crisis.collapse_hazard_per_day, d.mediation_effect, d.collapse
    engaged_since = -1
    yield at(env, 1, MEDIATION)
    for day in range(1, s.truce.window_days + 1):
        status = st.status
        if status >= COLLAPSED:
            return
        tension = st.tension * fade
        if tension >= engage:
            if engaged_since < 0:
                engaged_since = day
                if st.log is not None:
                    st.note(day, "mediation", "engaged", tension=round(tension, 1))
            if day - engaged_since >= delay:
                tension *= max(0.0, 1.0 - drain * effect[day])
        else:
            engaged_since = -1
        st.tension = tension
        if tension > st.max_tension:
            st.max_tension = tension
        if status == HOLDING:
            if tension >= threshold:
                st.status, st.crisis_start, st.calm = CRISIS, day, env.event()
                st.crises += 1
                st.crisis_days += 1
                st.milestones.setdefault("first_crisis", day)
                st.note(day, "mediation", "crisis", tension=round(tension, 1))
        elif tension < resolve:
            st.status = HOLDING
            st.note(day, "mediation", "resolved", days=day - st.crisis_start,
                    tension=round(tension, 1))
            assert st.calm is not None
            st.calm.succeed()
        else:
            st.crisis_days += 1
            if day - st.crisis_start >= max_days or u_collapse[day] < hazard:
                collapse(st, day)
        yield env.timeout(1)


def collapse(st: TruceState, day: int) -> None:
    """The truce breaks down: war resumes tomorrow, the army returns to its lines."""
    st.status = COLLAPSED
    st.milestones["collapse"] = day
    st.share_held = st.scenario.withdrawal.share_after_collapse
    st.note(day, "mediation", "collapse", days_in_crisis=day - st.crisis_start,
            tension=round(st.tension, 1))
    assert st.calm is not None
    st.calm.succeed()
    st.start(war(st, day + 1))


def talks(st: TruceState) -> Proc:
    """Progress toward a permanent ceasefire: drift, noise, and setbacks in a crisis."""
    s, env, d = st.scenario, st.env, st.draws
    n = s.negotiations
    drift, volatility, setback, shocks = (n.drift_per_day, n.volatility_per_day,
                                          n.setback_per_crisis_day, d.talks)
    yield at(env, n.start_day, TALKS)
    st.note(n.start_day, "negotiations", "start")
    for day in range(n.start_day, s.truce.phase_end + 1):
        status = st.status
        if status >= COLLAPSED:
            return
        if not st.agreed:
            if status == CRISIS:
                progress = st.progress - setback
            else:
                progress = st.progress + drift + volatility * shocks[day]
            if progress >= 1.0:
                st.progress, st.agreed = 1.0, True
                st.milestones["agreement"] = day
                st.note(day, "negotiations", "agreement")
            else:
                st.progress = 0.0 if progress < 0.0 else progress
        yield env.timeout(1)


def window_end(st: TruceState) -> Proc:
    """Day-end of the agreed period: a permanent agreement, an extension, or expiry.

    When the phase is shorter than the window the truce is not over: the remaining days
    run on (a later collapse is recorded as day_collapse), with aid held back if the phase
    expired.
    """
    s, env = st.scenario, st.env
    end = s.truce.phase_end
    yield at(env, end, WINDOW_END)
    if st.status == COLLAPSED:
        st.end_state, st.end_day = "collapsed", st.milestones["collapse"]
        return
    n = s.negotiations
    if st.agreed:
        st.end_state = "permanent"
    elif st.progress >= n.extension_threshold and st.draws.extension < n.extension_probability:
        st.end_state = "extended"
    else:
        st.end_state = "expired"
    st.end_day = end
    if end == s.truce.window_days:
        st.status = ENDED
    else:
        st.phase_expired = st.end_state == "expired"
    st.note(end, "negotiations", "end", state=st.end_state, progress=round(st.progress, 2))


def recorder(st: TruceState) -> Proc:
    """A snapshot at the end of each day, for the daily trajectories."""
    env = st.env
    yield at(env, 0, RECORD)
    for _ in range(st.scenario.truce.window_days + 1):
        st.daily.extend((
            st.living_released, st.bodies_released, st.detainees_total, st.share_held,
            st.aid_delivered, st.deaths[0], st.deaths[1], st.incidents[0] + st.incidents[1],
            st.tension, st.progress, st.status != COLLAPSED, st.status == CRISIS,
        ))
        yield env.timeout(1)


DAILY_SERIES = (
    "living_released", "bodies_released", "detainees_freed", "territory_share_held",
    "aid_trucks_delivered", "deaths_palestinians", "deaths_israelis", "incidents",
    "tension", "talks_progress", "holding", "in_crisis",
)
