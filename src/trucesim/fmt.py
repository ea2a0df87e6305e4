"""Every number and word the project prints, formatted in one place.

A leaf module (it imports nothing of the project), so that every layer can use it: the
run's summary tables, the analysis tables, the story, the report and the CLI. Three
registers:

- tables (summary.md, the console): shares with one decimal ('15.6%'), counts with
  separators, intervals 'lo to hi';
- prose (findings, the report): whole percents where they suffice ('14%', '7.7%'),
  intervals in brackets '[12%-16%]';
- words: counts with their nouns ('1 body', '5 bodies'), people held, prisoners by
  category.

And the escapes that keep user text inert: markdown, and terminal control characters.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

NA = "n/a"


def missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and not math.isfinite(value))


# tables ----------------------------------------------------------------------------
def table(value: float | None, unit: str) -> str:
    """A number for a table: shares as percentages, large counts with separators."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NA
    if unit == "share":
        return f"{value:.1%}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.1f}" if value != int(value) else f"{value:.0f}"


def table_interval(bounds: Sequence[float | None], unit: str) -> str:
    """'13.5% to 18.0%', '419 to 519'."""
    lo, hi = bounds
    return f"{table(lo, unit)} to {table(hi, unit)}"


def signed(x: float, unit: str) -> str:
    """A difference with its sign: '+3.1 pp' for shares, '+12', '-0.05'."""
    if math.isnan(x):
        return NA
    if unit == "share":
        return f"{x * 100:+.1f} pp"
    if abs(x) >= 100:
        return f"{x:+,.0f}"
    return f"{x:+.1f}" if abs(x) >= 1 else f"{x:+.2f}"


def level(value: tuple[float, float, float], unit: str) -> str:
    """A mean and its interval: '14.2% [12.2% to 16.5%]' or '434 [388 to 481]'."""
    return f"{table(value[0], unit)} [{table_interval(value[1:], unit)}]"


def _signed_bounds(bounds: Sequence[float], unit: str) -> str:
    """'+1.2 to +5.0': two signed numbers without their unit."""
    lo, hi = (signed(x, unit).removesuffix(" pp") for x in bounds)
    return f"{lo} to {hi}"


def difference(value: tuple[float, float, float], unit: str) -> str:
    """'+3.1 pp [+1.2 to +5.0]': a difference and its interval, the unit once."""
    return f"{signed(value[0], unit)} [{_signed_bounds(value[1:], unit)}]"


def signed_interval(bounds: Sequence[float] | None, unit: str) -> str:
    """'+1.2 to +5.0 pp' (a spread of differences), n/a if there is none."""
    if bounds is None:
        return NA
    return _signed_bounds(bounds, unit) + (" pp" if unit == "share" else "")


def sig3(x: float) -> str:
    """Three significant digits, large values with separators: 0.0123, 4.56, 1,234."""
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"


def csv_number(x: float) -> str:
    """A number in a CSV file: six significant digits, empty if undefined."""
    return "" if math.isnan(x) else f"{x:.6g}"


def count_or_day(value: Any, window: int, unit: str = "") -> str:
    """An observed or modelled count or day, whole with separators ('1,737'), or a share
    with two decimals ('0.53'); None means 'not within the window'."""
    if value is None:
        return f"after {window}"
    if isinstance(value, str):
        return value
    return f"{value:.2f}" if unit == "share" else f"{value:,.0f}"


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 11th, 95th."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# scenario values ---------------------------------------------------------------------
def setting(value: Any) -> str:
    """A scenario value as `params` and summary.md show it (true/false, 0.15, 600)."""
    if value is None:  # a category the scenario does not have
        return "not used"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def plain_setting(value: Any) -> str:
    """A scenario value for readers of the report (yes/no)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


# prose -------------------------------------------------------------------------------
def pct(p: float) -> str:
    """A probability or share for people: 14%, 7.7%, 0.4%."""
    if not math.isfinite(p):
        return NA
    return f"{p:.0%}" if p >= 0.095 or p == 0 else f"{p:.1%}"


def num(x: float) -> str:
    """A mean for people: 1,187; 15.1; 9.7; 5."""
    if not math.isfinite(x):
        return NA
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.1f}".removesuffix(".0")


def whole(x: float) -> str:
    """A percentile or median of a count, to the nearest whole number."""
    return f"{x:,.0f}" if math.isfinite(x) else NA


def prose(x: float, unit: str) -> str:
    return pct(x) if unit == "share" else num(x)


def bracket(bounds: Sequence[float], unit: str) -> str:
    """A 95% interval in brackets: [12%-16%]."""
    lo, hi = bounds
    return f"[{prose(lo, unit)}-{prose(hi, unit)}]"


def change(mean: float, lo: float, hi: float, unit: str) -> str:
    """A difference with its interval, in prose: '+1.2 percentage points [+0.3 to +2.1]'."""
    if unit == "share":
        return f"{mean * 100:+.1f} percentage points [{lo * 100:+.1f} to {hi * 100:+.1f}]"
    return f"{mean:+,.1f} [{lo:+,.1f} to {hi:+,.1f}]"


def change_short(mean: float, lo: float, hi: float, unit: str) -> str:
    """The same in a table cell: '+1.2 pp [+0.3 to +2.1]'."""
    if unit == "share":
        return f"{mean * 100:+.1f} pp [{lo * 100:+.1f} to {hi * 100:+.1f}]"
    return f"{mean:+,.1f} [{lo:+,.1f} to {hi:+,.1f}]"


# words -------------------------------------------------------------------------------
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


def handover(label: str) -> str:
    """A handover's label as a noun phrase after 'the': a label that names itself ("day-1
    handover", "final release") is used as it is; any other ("round 1: 3 civilian women",
    "all 20 living") is quoted after the word handover."""
    words = label.strip()
    if words.split()[-1:] and words.split()[-1].lower() in ("handover", "release",
                                                              "exchange"):
        return f"the {words}"
    return f'the handover "{words}"'


def line(name: str) -> str:
    """A withdrawal stage's name (an identifier) as the line the army pulls back to:
    "north" -> "the north line", "yellow_line" -> "the yellow line",
    "population_centres" -> "the population centres line"."""
    words = name.replace("_", " ").strip()
    if words.lower() == "line" or words.lower().endswith(" line"):
        return f"the {words}"
    return f"the {words} line"


def capital(text: str) -> str:
    """The text with its first letter capitalised (the start of a sentence)."""
    return text[:1].upper() + text[1:]


def percent(share: float) -> str:
    """A share in whole percent: 67%."""
    return f"{share:.0%}"


def category(name: str) -> str:
    """'life_sentence_prisoners' -> 'life-sentence prisoners', 'gaza_detainees' -> 'Gaza ...'."""
    words = name.replace("life_sentence", "life-sentence").split("_")
    return " ".join("Gaza" if w == "gaza" else w for w in words)


def freed(number: float, key: str) -> str:
    """'100 life-sentence prisoners', '1 Gaza detainee'."""
    plural = category(key)
    return count(number, plural[:-1] if plural.endswith("s") else plural, plural)


PRISONERS = ("prisoner or detainee", "prisoners and detainees")


# escapes -----------------------------------------------------------------------------
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")


def md(text: str) -> str:
    """Escape markdown's special characters (HTML included: '<' and '>')."""
    return _MD_SPECIAL.sub(r"\\\1", text)


# C0 and C1 control characters (ESC starts every terminal escape sequence), DEL, and the
# bidirectional overrides that make text display in another order than it reads
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def terminal(text: object, keep: str = "") -> str:
    """User text made inert for a terminal: each control character (except those in
    `keep`, e.g. newlines) shown as a visible escape such as \\x1b."""
    def shown(match: re.Match[str]) -> str:
        ch = match.group()
        return ch if ch in keep else repr(ch)[1:-1]
    return CONTROL.sub(shown, str(text))


def code(text: str) -> str:
    """Any text as an inline markdown code span (shown literally, never as HTML)."""
    text = terminal(text)
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"
