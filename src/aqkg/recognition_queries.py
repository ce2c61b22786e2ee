"""Binding the recognition engine's named queries as constants, for a good query plan.

pyoxigraph plans a query before it applies substitutions, so a query bound that way is planned
as if its parameters were unknown: the recognition queries, which must start from the one held
qualification and walk outwards, were planned from the other end (seconds on a 50k-triple
graph, against milliseconds with the parameter written as a constant). VALUES blocks help the
planner less (and several in one query can make it far worse).

So the engine writes each parameter into the query as a constant: the term in N-Triples syntax
(written by pyoxigraph, so a value is never pasted in as text) wherever the outer query uses
the variable, and `(term AS ?name)` where the SELECT clause projects it, so the result keeps
its columns. This is the same on every backend. Only for queries without subqueries (a
subquery's variables would be bound too).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

import pyoxigraph as ox

from aqkg.sparql_text import (
    IRI,
    STRING_START,
    QueryTextError,
    _after_block,
    _string_end,
    _tokens,
    group_starts,
)
from aqkg.store import Term

VARIABLE = re.compile(r"[?$]([A-Za-z_]\w*)")
_Speller = Callable[[str, str], str]  # (variable name, term) -> replacement text


def inline(sparql: str, bindings: Mapping[str, Term]) -> str:
    """The query with each bound variable written as its constant term (see module doc)."""
    if not bindings:
        return sparql
    terms = {name: str(term) for name, term in bindings.items()}
    where = group_starts(sparql)[0] - 1  # the `{` opening the WHERE group
    if re.search(r"\{\s*SELECT\b", sparql[where:], re.IGNORECASE):
        raise QueryTextError("cannot inline parameters into a query with subqueries")
    tokens = list(_tokens(sparql))
    opening = next(i for i, (_, offset) in enumerate(tokens) if offset == where)
    end = tokens[_after_block(tokens, opening) - 1][1] + 1  # just after the WHERE group
    head = _replace(sparql[:where], lambda name, term: f"({term} AS ?{name})", terms)
    # ORDER BY and the like are left alone: a constant there is no SPARQL, and sorting on it
    # would change nothing.
    return head + _replace(sparql[where:end], lambda _, term: term, terms) + sparql[end:]


def _replace(text: str, spell: _Speller, terms: Mapping[str, str]) -> str:
    """`text` with every bound variable (outside strings, IRIs and comments) respelled."""
    pieces: list[str] = []
    i = start = 0
    while i < len(text):
        char = text[i]
        if char == "#":
            end = text.find("\n", i)
            i = len(text) if end < 0 else end + 1
        elif char in "\"'" and STRING_START.match(text, i):
            i = _string_end(text, i)
        elif char == "<" and (iri := IRI.match(text, i)):
            i = iri.end()
        elif char in "?$" and (variable := VARIABLE.match(text, i)):
            name = variable.group(1)
            if name in terms:
                pieces += [text[start:i], spell(name, terms[name])]
                start = variable.end()
            i = variable.end()
        else:
            i += 1
    return "".join([*pieces, text[start:]])


def with_rows(sparql: str, name: str, iris: Sequence[str]) -> str:
    """The query with `VALUES ?name { <iri> ... }` first in each of its groups: one run for
    many values of a parameter."""
    if not VARIABLE.fullmatch(f"?{name}"):
        raise QueryTextError(f"{name!r} is not a SPARQL variable name")
    terms = " ".join(str(ox.NamedNode(iri)) for iri in iris)
    block = f" VALUES ?{name} {{ {terms} }} "
    # With a UNION, in every group (as aqkg.sparql_text.with_values does): Virtuoso 7 binds a
    # VALUES variable wrongly inside a UNION branch's property path when the block is only
    # outside it. Otherwise only in the WHERE group: pyoxigraph plans a block in every
    # OPTIONAL badly (seconds instead of milliseconds).
    starts = group_starts(sparql)
    if not any(token == "UNION" for token, _ in _tokens(sparql)):
        starts = starts[:1]
    pieces, previous = [], 0
    for at in starts:
        pieces += [sparql[previous:at], block]
        previous = at
    return "".join([*pieces, sparql[previous:]])
