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
    sides = (v.israeli_forces, v.palestinian_groups)
    base = [side.incidents_per_day for side in sides]
    lethality = [side.fatalities_per_incident for side in sides]
    keep = math.exp(-1.0 / v.retaliation_decay_days)
    # push[k]: side k's rate added the next day by one incident of the other side; the
    # kernel push * keep**(lag - 1) sums to `retaliation` incidents over all later days
    push = [side.retaliation * (1 - keep) for side in sides]
    exp = math.exp
    excitation = [0.0, 0.0]
    multiplier = s.crisis.incident_multiplier
    yield at(env, 1, VIOLENCE)
    for day in range(1, s.truce.window_days + 1):
        if st.status >= COLLAPSED:
            return
        m = multiplier if st.status == CRISIS else 1.0
        u = d.incidents[day]
        rate0, rate1 = base[0] * m + excitation[0], base[1] * m + excitation[1]
        # most days are quiet: P(no incident) = exp(-rate), checked before inverting
        n0 = 0 if u[0] < exp(-rate0) else poisson(rate0, u[0])
        n1 = 0 if u[1] < exp(-rate1) else poisson(rate1, u[1])
        excitation[0] = keep * excitation[0] + push[0] * n1
        excitation[1] = keep * excitation[1] + push[1] * n0
        st.attacks_today = n1
        if n0 or n1:
            uf, g = d.fatalities[day], d.fatality_scale[day]
            # incidents by Israeli forces cost Palestinian lives, and the reverse
            k0 = poisson(n0 * lethality[0] * g[0], uf[0]) if n0 else 0
            k1 = poisson(n1 * lethality[1] * g[1], uf[1]) if n1 else 0
            st.incidents[0] += n0
            st.incidents[1] += n1
            st.deaths_truce[0] += k0
            st.deaths_truce[1] += k1
            st.deaths[0] += k0
            st.deaths[1] += k1
            st.stress(t.per_incident * (n0 + n1) + t.per_death * (k0 + k1))
            if day >= talks.start_day and "agreement" not in st.milestones:
                st.progress = max(0.0, st.progress - talks.setback_per_incident * (n0 + n1))
            if st.log is not None:
                for side, n, k in (("israeli_forces", n0, k0), ("palestinian_groups", n1, k1)):
                    if n:
                        st.note(day, "violations", "incidents", side=side, count=n, deaths=k,
                                tension=round(st.tension, 1))
        yield env.timeout(1)


def war(st: TruceState, first_day: int) -> Proc:
    """After a collapse: deaths at the counterfactual (no-truce) rate."""
    env, deaths = st.env, st.draws.war()
    yield at(env, first_day, VIOLENCE)
    for day in range(first_day, st.scenario.truce.window_days + 1):
        palestinians, israelis = deaths[day]
        st.deaths[0] += palestinians
        st.deaths[1] += israelis
        yield env.timeout(1)


def aid(st: TruceState) -> Proc:
    """Trucks that enter each day: closures after attacks, halts as leverage in a crisis."""
    s, env, d = st.scenario, st.env, st.draws
    a = s.aid
    after_collapse = math.floor(a.trucks_per_day_after_collapse + 0.5)
    after_expiry = math.floor(a.trucks_per_day_after_expiry + 0.5)
    held_back = a.trucks_per_day_after_expiry < a.trucks_per_day_agreed
    closed_until = -1
    yield at(env, 1, AID)
    for day in range(1, s.truce.window_days + 1):
        if st.status >= COLLAPSED:
            st.aid_delivered += after_collapse
        elif st.phase_expired:
            st.aid_delivered += after_expiry
            if held_back:
                st.aid_halt_days += 1
                st.stress(s.tension.per_aid_halt_day)
                st.note(day, "aid", "halt", after_expiry=True)
        elif st.attacks_today and d.aid_closure[day] < (
                1.0 - (1.0 - a.closure_probability_per_incident) ** st.attacks_today):
            closed_until = day + a.closure_days - 1
            st.aid_closed_days += 1
            st.note(day, "aid", "closure", days=a.closure_days)
        elif day <= closed_until:
            st.aid_closed_days += 1
        elif st.status == CRISIS and d.aid_halt[day] < a.halt_probability_per_crisis_day:
            st.aid_halt_days += 1
            st.stress(s.tension.per_aid_halt_day)
            st.note(day, "aid", "halt")
        else:
            st.aid_delivered += d.aid_trucks[day]
        yield env.timeout(1)


def mediation(st: TruceState) -> Proc:
    """Tension fades, mediators drain it after a delay; crises start, end, or collapse."""
    s, env, d = st.scenario, st.env, st.draws
    med, crisis, decay = s.mediation, s.crisis, s.tension.decay_per_day
    engaged_since = -1
    yield at(env, 1, MEDIATION)
    for day in range(1, s.truce.window_days + 1):
        if st.status >= COLLAPSED:
            return
        tension = st.tension * (1.0 - decay)
        if tension >= med.engage_threshold:
            if engaged_since < 0:
                engaged_since = day
                st.note(day, "mediation", "engaged", tension=round(tension, 1))
            if day - engaged_since >= med.response_delay_days:
                tension *= max(0.0, 1.0 - med.drain_per_day * d.mediation_effect[day])
        else:
            engaged_since = -1
        st.tension = tension
        if tension > st.max_tension:
            st.max_tension = tension
        if st.status == HOLDING and tension >= crisis.threshold:
            st.status, st.crisis_start, st.calm = CRISIS, day, env.event()
            st.crises += 1
            st.crisis_days += 1
            st.milestones.setdefault("first_crisis", day)
            st.note(day, "mediation", "crisis", tension=round(tension, 1))
        elif st.status == CRISIS:
            if tension < crisis.resolve_below:
                st.status = HOLDING
                st.note(day, "mediation", "resolved", days=day - st.crisis_start,
                        tension=round(tension, 1))
                assert st.calm is not None
                st.calm.succeed()
            else:
                st.crisis_days += 1
                if (day - st.crisis_start >= crisis.max_days
                        or d.collapse[day] < crisis.collapse_hazard_per_day):
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
    st.env.process(war(st, day + 1))


def talks(st: TruceState) -> Proc:
    """Progress toward a permanent ceasefire: drift, noise, and setbacks in a crisis."""
    s, env, d = st.scenario, st.env, st.draws
    n = s.negotiations
    yield at(env, n.start_day, TALKS)
    st.note(n.start_day, "negotiations", "start")
    for day in range(n.start_day, s.truce.phase_end + 1):
        if st.status >= COLLAPSED:
            return
        if "agreement" not in st.milestones:
            if st.status == CRISIS:
                step = -n.setback_per_crisis_day
            else:
                step = n.drift_per_day + n.volatility_per_day * d.talks[day]
            progress = st.progress + step
            st.progress = 0.0 if progress < 0.0 else progress
            if progress >= 1.0:
                st.progress = 1.0
                st.milestones["agreement"] = day
                st.note(day, "negotiations", "agreement")
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
    if "agreement" in st.milestones:
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
        st.daily.append((
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
