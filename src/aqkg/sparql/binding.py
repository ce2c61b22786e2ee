"""Binding named queries' parameters as constants (and rows as VALUES), for a good query plan.

Every named query run on the embedded store goes through :func:`inline` (aqkg.sparql.catalogue.run);
the recognition engine also uses :func:`with_rows` for its batches. pyoxigraph plans a query
before it applies substitutions, so a query bound that way is planned as if its parameters
were unknown: the recognition queries, which must start from the one held
qualification and walk outwards, were planned from the other end (seconds on a 50k-triple
graph, against milliseconds with the parameter written as a constant). VALUES blocks help the
planner less (and several in one query can make it far worse).

So the engine writes each parameter into the query as a constant: the term in N-Triples syntax
(written by pyoxigraph, so a value is never pasted in as text) wherever the outer query uses
the variable, and `(term AS ?name)` where the SELECT clause projects it, so the result keeps
its columns. This is the same on every backend. A subquery's variables are its own, so they
are left alone, except those it projects (the outer query joins on them): those are written as
the same constants inside it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

import pyoxigraph as ox

from aqkg.store.embedded import Term
from aqkg.syntax.sparql_text import (
    IRI,
    STRING_START,
    QueryTextError,
    _after_block,
    _string_end,
    _tokens,
    group_starts,
)

VARIABLE = re.compile(r"[?$]([A-Za-z_]\w*)")
# A GROUP BY clause of plain variables (the catalogue groups by nothing else).
GROUP_BY = re.compile(r"(GROUP\s+BY\s+)((?:[?$]\w+\s*)+)", re.IGNORECASE)
_Speller = Callable[[str, str], str]  # (variable name, term) -> replacement text


def inline(sparql: str, bindings: Mapping[str, Term], *, subquery: bool = False) -> str:
    """The query with each bound variable written as its constant term (see module doc).

    A subquery no longer projects the variables written in (the enclosing query has them as
    constants, and may not project a variable its WHERE group already binds)."""
    if not bindings:
        return sparql
    terms = {name: str(term) for name, term in bindings.items()}
    where = group_starts(sparql)[0] - 1  # the `{` opening the WHERE group
    tokens = list(_tokens(sparql))
    opening = next(i for i, (_, offset) in enumerate(tokens) if offset == where)
    end = tokens[_after_block(tokens, opening) - 1][1] + 1  # just after the WHERE group
    spell: _Speller = (lambda _, __: "") if subquery else (lambda n, t: f"({t} AS ?{n})")
    head = _replace(sparql[:where], spell, terms)
    if subquery and not VARIABLE.search(head):
        raise QueryTextError("cannot inline parameters into subqueries projecting only them")
    body, previous = [], where
    for first, last in _subqueries(sparql, tokens, opening):
        projection = _projection(sparql, first, last)
        if "*" in projection:
            raise QueryTextError("cannot inline parameters into subqueries with SELECT *")
        # A subquery projecting a parameter joins on it: the same constant, written in the
        # subquery, gives the rows of that join. Its other variables are its own.
        shared = {k: v for k, v in bindings.items() if k in VARIABLE.findall(projection)}
        inner = "{" + inline(sparql[first + 1 : last - 1], shared, subquery=True) + "}"
        body += [_replace(sparql[previous:first], lambda _, term: term, terms), inner]
        previous = last
    body.append(_replace(sparql[previous:end], lambda _, term: term, terms))
    # ORDER BY and the like are left alone: a constant there is no SPARQL, and sorting on it
    # would change nothing. A GROUP BY key that is now a constant is grouped on as `(term)`
    # (the projected `(term AS ?name)` may not reuse a grouped variable's name; dropping the
    # key would turn no rows into one group).
    return head + "".join(body) + _ungrouped(sparql[end:], terms)


def _subqueries(sparql: str, tokens: list[tuple[str, int]], opening: int) -> list[tuple[int, int]]:
    """(start, end) offsets of the outermost `{ SELECT ... }` blocks in the WHERE group."""
    blocks, i = [], opening + 1
    stop = _after_block(tokens, opening)
    while i < stop:
        if tokens[i][0] == "{" and i + 1 < len(tokens) and tokens[i + 1][0] == "SELECT":
            after = _after_block(tokens, i)
            blocks.append((tokens[i][1], tokens[after - 1][1] + 1))
            i = after
        else:
            i += 1
    return blocks


def _projection(sparql: str, first: int, last: int) -> str:
    """The SELECT clause of the subquery at sparql[first:last] (up to its WHERE group)."""
    return sparql[first : group_starts(sparql[first + 1 : last])[0] + first]


def _ungrouped(tail: str, terms: Mapping[str, str]) -> str:
    """The solution modifiers with bound GROUP BY keys grouped on as constant expressions."""
    match = GROUP_BY.search(tail)
    if match is None:
        return tail
    keys = [f"({terms[k[1:]]})" if k[1:] in terms else k for k in match.group(2).split()]
    return tail[: match.start()] + f"{match.group(1)}{' '.join(keys)} " + tail[match.end() :]


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
    # With a UNION, in every group (as aqkg.syntax.sparql_text.with_values does): Virtuoso 7 binds a
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
