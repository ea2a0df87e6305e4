"""The small language of conditions: `bodies_owed > 0`, `done(releases[1]) and not crisis`.

A condition is a yes/no expression over the state of the truce on a given day:

- quantities (numbers): `day`, `living_held`, `bodies_held` (still held in Gaza),
  `living_owed`, `bodies_owed` (due under the deal by now, not yet handed over),
  `prisoners_owed`, `palestinian_bodies_owed` (due in exchange, not yet freed or
  returned), `tension`, `share_held` (territory held by the army), and
  `aid_days_at_least(TRUCKS)` (consecutive days, up to yesterday, with at least that many
  aid trucks delivered);
- yes/no facts: `crisis`, `done(H)` (handover H has taken place), `on_time(H)` (it took
  place on its due day), `reached(S)` (the army has reached withdrawal stage S); H is
  `releases[i]` or a handover's label in quotes, S a stage's name;
- comparisons `<`, `<=`, `>`, `>=`, `==`, `!=` between numbers, and `and`, `or`, `not`,
  parentheses.

:func:`parse` turns the text into a tree of tuples, checking names and types, and says
what is wrong in one line; the model compiles the tree into a function of the state.
Nothing here is evaluated with Python's `eval`.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

NUMBERS = ("day", "living_held", "bodies_held", "living_owed", "bodies_owed",
           "prisoners_owed", "palestinian_bodies_owed", "tension", "share_held")
FACTS = ("crisis",)
FUNCTIONS = {"done": "handover", "on_time": "handover", "reached": "stage",
             "aid_days_at_least": "number"}
OPERATORS = ("<=", ">=", "==", "!=", "<", ">")

# a parsed expression: ("number", 3.0) | ("name", "bodies_owed") | ("call", fn, arg) |
# ("not", e) | ("and", a, b) | ("or", a, b) | ("compare", op, a, b); a call's argument is a
# handover index (int), a stage name (str) or a number of trucks (float)
Expr = tuple[object, ...]

_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d*)?|\.\d+)|([A-Za-z_][A-Za-z0-9_]*)|(<=|>=|==|!=|<|>)"
                    r"|(\()|(\))|(\[)|(\])|(\"[^\"]*\"|'[^']*'))")


class ExpressionError(ValueError):
    """A condition that cannot be parsed; the message says what and where."""


@dataclass(frozen=True)
class Refs:
    """What the expression may refer to: handover labels (by index) and stage names."""

    labels: tuple[str, ...]
    stages: tuple[str, ...]


def tokens(text: str) -> list[str]:
    out, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ExpressionError(f"cannot read {text[pos:].strip()[:20]!r} in {text!r}")
        out.append(m.group(0).strip())
        pos = m.end()
    return out


class _Parser:
    def __init__(self, text: str, refs: Refs) -> None:
        self.text, self.refs = text, refs
        self.toks = tokens(text)
        self.pos = 0

    def peek(self) -> str:
        return self.toks[self.pos] if self.pos < len(self.toks) else ""

    def take(self, expected: str | None = None) -> str:
        tok = self.peek()
        if not tok or (expected is not None and tok != expected):
            where = f"after {self.toks[self.pos - 1]!r}" if self.pos else "at the start"
            want = f"'{expected}'" if expected else "more"
            raise ExpressionError(f"expected {want} {where} in {self.text!r}")
        self.pos += 1
        return tok

    def parse(self) -> Expr:
        expr = self.disjunction()
        if self.peek():
            raise ExpressionError(f"unexpected {self.peek()!r} in {self.text!r}")
        return expr

    def disjunction(self) -> Expr:
        expr = self.conjunction()
        while self.peek() == "or":
            self.take()
            expr = ("or", _fact(expr, self.text), _fact(self.conjunction(), self.text))
        return expr

    def conjunction(self) -> Expr:
        expr = self.negation()
        while self.peek() == "and":
            self.take()
            expr = ("and", _fact(expr, self.text), _fact(self.negation(), self.text))
        return expr

    def negation(self) -> Expr:
        if self.peek() == "not":
            self.take()
            return ("not", _fact(self.negation(), self.text))
        return self.comparison()

    def comparison(self) -> Expr:
        left = self.atom()
        if self.peek() in OPERATORS:
            op = self.take()
            right = self.atom()
            return ("compare", op, _number(left, self.text), _number(right, self.text))
        return left

    def atom(self) -> Expr:
        tok = self.take()
        if tok == "(":
            expr = self.disjunction()
            self.take(")")
            return expr
        if tok[0].isdigit() or tok[0] == ".":
            return ("number", float(tok))
        if tok in FUNCTIONS:
            self.take("(")
            arg = self.argument(tok)
            self.take(")")
            return ("call", tok, arg)
        if tok in NUMBERS or tok in FACTS:
            return ("name", tok)
        known = [*NUMBERS, *FACTS, *FUNCTIONS]
        close = difflib.get_close_matches(tok, known, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else f" (known: {', '.join(known)})"
        raise ExpressionError(f"unknown name {tok!r} in {self.text!r}{hint}")

    def argument(self, fn: str) -> object:
        kind = FUNCTIONS[fn]
        if kind == "number":
            tok = self.take()
            try:
                return float(tok)
            except ValueError:
                raise ExpressionError(f"{fn}() takes a number of trucks, got {tok!r}") from None
        if kind == "stage":
            tok = self.take().strip("\"'")
            if tok not in self.refs.stages:
                raise ExpressionError(f"reached({tok}): no withdrawal stage of that name (the "
                                      f"scenario has: {', '.join(self.refs.stages) or 'none'})")
            return tok
        return handover(self, fn)


def handover(p: _Parser, fn: str) -> int:
    """A handover reference: releases[i] or a label in quotes -> its index."""
    tok = p.take()
    if tok == "releases":
        p.take("[")
        index = p.take()
        p.take("]")
        if not index.isdigit() or int(index) >= len(p.refs.labels):
            raise ExpressionError(f"{fn}(releases[{index}]): there is no such handover (the "
                                  f"schedule has {len(p.refs.labels)})")
        return int(index)
    label = tok.strip("\"'")
    if label in p.refs.labels:
        return p.refs.labels.index(label)
    raise ExpressionError(f"{fn}({tok}): name a handover as releases[i] or by its label in "
                          "quotes")


def _fact(expr: Expr, text: str) -> Expr:
    if expr[0] in ("number",) or (expr[0] == "name" and expr[1] in NUMBERS) or (
            expr[0] == "call" and FUNCTIONS[str(expr[1])] == "number"):
        raise ExpressionError(f"{_show(expr)} is a number, not yes or no, in {text!r} "
                              "(compare it: e.g. bodies_owed > 0)")
    return expr


def _number(expr: Expr, text: str) -> Expr:
    if expr[0] == "number" or (expr[0] == "name" and expr[1] in NUMBERS) or (
            expr[0] == "call" and FUNCTIONS[str(expr[1])] == "number"):
        return expr
    raise ExpressionError(f"{_show(expr)} is yes or no, not a number, in {text!r}")


def _show(expr: Expr) -> str:
    if expr[0] in ("number", "name"):
        return str(expr[1])
    if expr[0] == "call":
        return f"{expr[1]}(...)"
    return "the expression"


def parse(text: str, refs: Refs) -> Expr:
    """The expression as a tree; ExpressionError with a one-line message if it is wrong."""
    if not text.strip():
        raise ExpressionError("empty condition")
    return _fact(_Parser(text, refs).parse(), text)


def handovers_named(expr: Expr) -> set[int]:
    """The handovers an expression waits on (done, on_time)."""
    if expr[0] == "call" and expr[1] in ("done", "on_time"):
        return {int(str(expr[2]))}
    return {i for part in expr[1:] if isinstance(part, tuple) for i in handovers_named(part)}


def stages_named(expr: Expr) -> set[str]:
    """The withdrawal stages an expression waits on (reached)."""
    if expr[0] == "call" and expr[1] == "reached":
        return {str(expr[2])}
    return {s for part in expr[1:] if isinstance(part, tuple) for s in stages_named(part)}


def names_in(expr: Expr) -> set[str]:
    """The quantities and functions an expression uses."""
    if expr[0] == "name":
        return {str(expr[1])}
    if expr[0] == "call":
        return {str(expr[1])}
    return {n for part in expr[1:] if isinstance(part, tuple) for n in names_in(part)}
