"""Words for a run's story: counts with their nouns ("1 body", "5 bodies"), categories
of prisoners in plain words, and the closing totals of one run in sentences.

Deaths are given as the model's counts in the run, never as reports.
"""

from __future__ import annotations

from trucesim.engine import Replication
from trucesim.schema import Scenario


def count(number: float, one: str, many: str | None = None) -> str:
    """'1 body', '5 bodies', '1,111 persons'."""
    word = one if number == 1 else (many or one + "s")
    return f"{number:,.0f} {word}"


def people(living: int, bodies: int) -> str:
    """'8 living hostages and 1 hostage's body'."""
    parts = []
    if living:
        parts.append(count(living, "living hostage"))
    if bodies:
        parts.append(count(bodies, "hostage's body", "hostages' bodies"))
    return " and ".join(parts) or "no one"


def pct(share: float) -> str:
    """A share in whole percent."""
    return f"{share:.0%}"


def category(name: str) -> str:
    """'life_sentence_prisoners' -> 'life-sentence prisoners', 'gaza_detainees' -> 'Gaza ...'."""
    words = name.replace("life_sentence", "life-sentence").split("_")
    return " ".join("Gaza" if w == "gaza" else w for w in words)


def freed(number: float, key: str) -> str:
    """'100 life-sentence prisoners', '1 Gaza detainee'."""
    plural = category(key)
    return count(number, plural[:-1] if plural.endswith("s") else plural, plural)


def summary(s: Scenario, rep: Replication) -> list[str]:
    """The closing totals of one run, in sentences."""
    r = rep.record

    def num(key: str) -> float:
        value = r[key]
        assert isinstance(value, int | float), key
        return float(value)

    ended = {"permanent": "became a permanent ceasefire at the end of the window",
             "extended": "was extended at the end of the window",
             "expired": "expired at the end of the window",
             "collapsed": f"collapsed on day {r['end_day']}"}[str(r["end_state"])]
    by_category = ", ".join(freed(num(f"detainees_freed_{c}"), c)
                      for c in s.exchange.prisoners_per_living_hostage)
    total = count(num("detainees_freed_total"), "prisoner or detainee", "prisoners and detainees")
    exchanged = f"{total} ({by_category})" if num("detainees_freed_total") else "none"
    pal, isr = num("deaths_palestinians"), num("deaths_israelis")
    pal_truce, isr_truce = num("deaths_palestinians_truce"), num("deaths_israelis_truce")
    deaths = (f"Deaths: in this run, the model counts {count(pal, 'Palestinian death')} and "
              f"{count(isr, 'Israeli death')} over the window")
    if (pal, isr) != (pal_truce, isr_truce):
        deaths += f" ({pal_truce:,.0f} and {isr_truce:,.0f} while the truce held)"
    deaths += (f"; against the scenario's no-truce rates, about {num('deaths_averted'):,.0f} "
               f"deaths averted.")
    return [
        f"How it ended: the truce {ended}.",
        f"Released: {num('living_released'):.0f} of {s.living_scheduled} scheduled living "
        f"hostages and {num('bodies_released'):.0f} of {s.bodies_scheduled} scheduled bodies; "
        f"still held in Gaza at the end: "
        f"{people(int(num('living_still_held')), int(num('bodies_still_held')))}.",
        f"Freed in exchange: {exchanged}; "
        f"{count(num('bodies_returned'), 'Palestinian body', 'Palestinian bodies')} returned.",
        f"Territory: the army holds {pct(num('territory_share_end'))} of Gaza at the end "
        f"({pct(s.withdrawal.initial_share)} at the start).",
        f"Aid: {num('aid_trucks_delivered'):,.0f} trucks entered of "
        f"{num('aid_trucks_agreed'):,.0f} agreed ({pct(num('aid_share_of_agreed'))}); halted "
        f"{count(num('aid_halt_days'), 'day')}, crossings closed "
        f"{count(num('aid_closed_days'), 'day')}.",
        f"Incidents: {num('incidents_israeli_forces'):,.0f} initiated by Israeli forces, "
        f"{num('incidents_palestinian_groups'):,.0f} by Palestinian armed groups.",
        deaths,
        f"Crises: {num('crises'):.0f} ({count(num('crisis_days'), 'day')} in crisis); highest "
        f"tension {num('max_tension'):.1f}.",
    ]
