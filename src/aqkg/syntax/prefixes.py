"""The project's prefixes, predeclared on every query path (as the Wikidata Query Service does),
and prefixed names that can be pasted back into a query.

`with_prefixes(query)` prepends `PREFIX p: <ns>` for each predeclared prefix the query uses and
does not declare itself (its own declaration wins). The prologue is written on the query's
first line, so a syntax error's line number still points into the query as written. A prefix
the query uses that is neither declared nor predeclared is refused with a one-line message
naming it (pyoxigraph's own error lists Unicode ranges over five lines).
"""

from __future__ import annotations

import re

import pyoxigraph as ox

PREFIXES: dict[str, str] = {
    "aqkg": "https://w3id.org/aqkg/ontology#",
    "aqkgsh": "https://w3id.org/aqkg/shapes#",
    "id": "https://w3id.org/aqkg/id/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "isco": "http://data.europa.eu/esco/isco/",
    "esco": "http://data.europa.eu/esco/occupation/",
    "void": "http://rdfs.org/ns/void#",
    "sd": "http://www.w3.org/ns/sparql-service-description#",
}
"""Prefix name (no colon) -> namespace IRI: the table in docs/model.md."""

# Strings, IRIs and comments: their text is never a prefixed name.
_NOISE = re.compile(
    r"'''.*?'''|\"\"\".*?\"\"\"|'(?:[^'\\\n\r]|\\.)*'|\"(?:[^\"\\\n\r]|\\.)*\""
    r"|<[^<>\"{}|^`\\\x00-\x20]*>|#[^\n\r]*",
    re.DOTALL,
)
_PN_CHARS_BASE = r"A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD"  # noqa: E501
_PREFIX = rf"[{_PN_CHARS_BASE}](?:[\w.\-\u00B7]*[\w\-\u00B7])?"
# A variable (its name may look like a prefix), or a prefixed name with its local part.
_TOKEN = re.compile(
    rf"[?$]\w+|(?<![\w.\-:\\%])({_PREFIX})?:(?:[\w\-:.%]|\\.)*",
)
_DECLARATION = re.compile(rf"\bPREFIX\s+({_PREFIX})?:", re.IGNORECASE)


class UndeclaredPrefixError(ValueError):
    """The query uses a prefix it does not declare and that is not predeclared."""


def declared_prefixes(sparql: str) -> set[str]:
    """The prefixes the query declares itself ('' for the empty prefix)."""
    return {m.group(1) or "" for m in _DECLARATION.finditer(_NOISE.sub(" ", sparql))}


def used_prefixes(sparql: str) -> list[str]:
    """The prefixes of the prefixed names the query uses, in order of first use."""
    code = _NOISE.sub(" ", sparql)
    code = _DECLARATION.sub(" ", code)
    seen: dict[str, None] = {}
    for match in _TOKEN.finditer(code):
        if not match.group(0).startswith(("?", "$")):
            seen.setdefault(match.group(1) or "", None)
    return list(seen)


def with_prefixes(sparql: str) -> str:
    """The query with the predeclared prefixes it uses and does not declare prepended.

    Raises UndeclaredPrefixError for a prefix that is neither declared nor predeclared."""
    declared = declared_prefixes(sparql)
    missing = [p for p in used_prefixes(sparql) if p not in declared]
    known = [p for p in missing if p in PREFIXES]
    unknown = [p for p in missing if p not in PREFIXES]
    prologue = " ".join(f"PREFIX {p}: <{PREFIXES[p]}>" for p in known)
    prepared = f"{prologue} {sparql}" if prologue else sparql
    # The scan is lexical: `https:` in a malformed IRI or `get:` in a Virtuoso pragma look like
    # prefixes. Only when the query parses once the unknown ones are declared is the prefix the
    # problem; otherwise pyoxigraph's own syntax error says what is.
    if unknown and _parses(" ".join(f"PREFIX {p}: <urn:aqkg:x:>" for p in unknown) + prepared):
        raise UndeclaredPrefixError(undeclared_message(unknown[0]))
    return prepared


def _parses(sparql: str) -> bool:
    try:
        ox.Store().query(sparql)  # parsed and planned on an empty store; the answer is not read
    except (SyntaxError, ValueError):
        return False
    return True


def undeclared_message(prefix: str) -> str:
    return (
        f"prefix {prefix}: is not declared: add `PREFIX {prefix}: <...>` to the query "
        f"(predeclared: {', '.join(p + ':' for p in PREFIXES)})"
    )


_ESCAPABLE = set("_~.-!$&'()*+,;=/?#@%")


def prefixed_name(iri: str) -> str:
    """The IRI as a prefixed name a query accepts (`id:country\\/PH`, the `/` escaped as
    SPARQL 1.1 allows), or as `<iri>` when no predeclared prefix fits."""
    best = ""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(namespace) > len(PREFIXES.get(best, "")):
            best = prefix
    if not best:
        return f"<{iri}>"
    local = _escaped_local(iri[len(PREFIXES[best]) :])
    return f"{best}:{local}" if local is not None else f"<{iri}>"


def _escaped_local(local: str) -> str | None:
    """PN_LOCAL for `local`, escaping what must be escaped; None when that cannot be done.

    Every `.` is escaped: SPARQL allows an unescaped one inside a local part, but pyoxigraph
    0.5 rejects a local part with two of them (`id:a.b.c`)."""
    out = []
    for i, char in enumerate(local):
        plain = char.isalnum() or char in "_:" or (char == "-" and i > 0)
        if char == "%" and re.fullmatch(r"[0-9A-Fa-f]{2}", local[i + 1 : i + 3]):
            plain = True
        if plain and (char.isascii() or char.isalpha()):
            out.append(char)
        elif char in _ESCAPABLE:
            out.append("\\" + char)
        else:
            return None
    return "".join(out)
