"""Small, careful edits of SPARQL query text for endpoints that take no initial bindings.

Parameters are bound as typed terms: a `VALUES (?a ?b) { (<iri> "lit"^^<dt>) }` block is put
first in each group of the outer query, never after the WHERE clause (Virtuoso mishandles a
trailing VALUES when the query has subqueries, ORDER BY or GROUP BY). The terms are
written in N-Triples syntax by pyoxigraph, so a user's value is never pasted in as text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

IRI = re.compile(r"<[^<>\"{}|^`\\\s]*>")
WORD = re.compile(r"[A-Za-z_]\w*")
STRING_START = re.compile(r"'''|\"\"\"|'|\"")
BOOLEAN_BINDING = re.compile(r"\(\s*(?:true|false)\s+AS\s+[?$](\w+)\s*\)", re.IGNORECASE)
# `IF(condition, true, false) AS ?x`: a boolean chosen between two constants
BOOLEAN_CHOICE = re.compile(
    r"\bIF\s*\([^()]*,\s*(?:true|false)\s*,\s*(?:true|false)\s*\)\s+AS\s+[?$](\w+)",
    re.IGNORECASE,
)


class QueryTextError(ValueError):
    """The query text has no WHERE group to bind parameters in."""


def _tokens(sparql: str) -> Iterator[tuple[str, int]]:
    """Braces and keywords-or-names with their offsets; strings, IRIs and comments skipped."""
    i, n = 0, len(sparql)
    while i < n:
        char = sparql[i]
        if char == "#":
            end = sparql.find("\n", i)
            i = n if end < 0 else end + 1
        elif char in "\"'":
            i = _string_end(sparql, i)
        elif char == "<" and (iri := IRI.match(sparql, i)):
            i = iri.end()
        elif char in "{}":
            yield char, i
            i += 1
        elif char in "?$":
            name = WORD.match(sparql, i + 1)
            i = name.end() if name else i + 1
        elif word := WORD.match(sparql, i):
            yield word.group().upper(), i
            i = word.end()
        else:
            i += 1


def _string_end(sparql: str, start: int) -> int:
    match = STRING_START.match(sparql, start)
    assert match is not None
    quote = match.group()
    i = match.end()
    while i < len(sparql):
        if sparql[i] == "\\":
            i += 2
        elif sparql.startswith(quote, i):
            return i + len(quote)
        else:
            i += 1
    return i


def group_starts(sparql: str) -> list[int]:
    """Offsets just inside every `{` opening a group of the outer query: the WHERE group and
    the groups within it (UNION branches, OPTIONAL, MINUS, EXISTS, GRAPH), but not the inside of
    a subquery, a VALUES data block or a CONSTRUCT template."""
    tokens = list(_tokens(sparql))
    starts: list[int] = []
    i = 0
    template = False
    while i < len(tokens):
        token, offset = tokens[i]
        following = tokens[i + 1][0] if i + 1 < len(tokens) else ""
        if token == "CONSTRUCT" and not starts:
            template = following == "{"
        if token == "VALUES" or (token == "{" and (following == "SELECT" or template)):
            i = _after_block(tokens, i)
            template = False
            continue
        if token == "{":
            starts.append(offset + 1)
        i += 1
    if not starts:
        raise QueryTextError("the query has no WHERE { ... } group to bind parameters in")
    return starts


def _after_block(tokens: list[tuple[str, int]], i: int) -> int:
    """Index of the token after the balanced {...} block starting at or after tokens[i]."""
    while i < len(tokens) and tokens[i][0] != "{":
        i += 1
    depth = 0
    while i < len(tokens):
        depth += {"{": 1, "}": -1}.get(tokens[i][0], 0)
        i += 1
        if depth == 0:
            break
    return i


def with_values(sparql: str, bindings: Mapping[str, str]) -> str:
    """The query with `VALUES (?a ..) { (term ..) }` first in every group of the outer query.

    This gives the initial-binding semantics of pyoxigraph's substitutions: the parameter is
    fixed wherever the outer query mentions it (a FILTER in one UNION branch, an OPTIONAL), but
    not inside subqueries, whose variables are their own. `bindings` maps variable names to
    terms already written in N-Triples syntax.
    """
    if not bindings:
        return sparql
    for name in bindings:
        if not WORD.fullmatch(name):
            raise QueryTextError(f"{name!r} is not a SPARQL variable name")
    names = " ".join(f"?{name}" for name in bindings)
    row = " ".join(bindings.values())
    block = f" VALUES ({names}) {{ ({row}) }} "
    pieces, previous = [], 0
    for at in group_starts(sparql):
        pieces += [sparql[previous:at], block]
        previous = at
    return "".join([*pieces, sparql[previous:]])


def boolean_constant_variables(sparql: str) -> set[str]:
    """Variables bound to a `true`/`false` constant, as in `BIND(true AS ?forward)` or
    `BIND(IF(?reason = "", true, false) AS ?valid)`."""
    return set(BOOLEAN_BINDING.findall(sparql)) | set(BOOLEAN_CHOICE.findall(sparql))
