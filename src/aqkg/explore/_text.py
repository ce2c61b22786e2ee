"""How the explorer turns query values into what it shows: " | "-joined lists, numbers,
display text of RDF terms, and text escaped for Graphviz DOT."""

from __future__ import annotations

import pyoxigraph as ox

from aqkg.sparql.results import compact, plain, short

LIST_SEPARATOR = " | "


def split_list(text: str) -> tuple[str, ...]:
    return tuple(part for part in text.split(LIST_SEPARATOR) if part) if text else ()


def as_int(text: str) -> int | None:
    return int(text) if text.lstrip("-").isdigit() else None


def as_count(text: str) -> int:
    return as_int(text) or 0


def display(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None) -> str:
    """A term for reading on the explorer's pages (`id:country/PH`)."""
    if isinstance(term, ox.NamedNode):
        return compact(term.value)
    return plain(term) if isinstance(term, ox.Literal) else short(term)


def pasteable(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None) -> str:
    """A term as the SPARQL page shows it: an IRI a query accepts (`id:country\\/PH`)."""
    return plain(term) if isinstance(term, ox.Literal) else short(term)


def dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
