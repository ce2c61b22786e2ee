"""Reading RDF files given by users: format by extension, one-line errors, no network.

pyoxigraph parses (it is fast, never fetches a remote JSON-LD context and never expands
external XML entities); rdflib gets the result as N-Triples when pySHACL needs it.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import rdflib

FORMATS_BY_SUFFIX: dict[str, ox.RdfFormat] = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".turtle": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".ntriples": ox.RdfFormat.N_TRIPLES,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".json": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
    ".xml": ox.RdfFormat.RDF_XML,
}

# Files over this size are refused before parsing; a national submission is far smaller.
MAX_INPUT_BYTES = 200 * 1024 * 1024


class UnusableInputError(Exception):
    """The input cannot be read as RDF at all. The message is one line naming the file."""


def rdf_format_for(path: Path) -> ox.RdfFormat:
    try:
        return FORMATS_BY_SUFFIX[path.suffix.lower()]
    except KeyError:
        known = ", ".join(sorted(FORMATS_BY_SUFFIX))
        raise UnusableInputError(
            f"{path}: unknown file type {path.suffix or '(none)'!r}; use one of {known}"
        ) from None


def parse_triples(path: Path) -> list[ox.Triple]:
    """Parse one RDF file into triples, or raise UnusableInputError saying where it breaks."""
    rdf_format = rdf_format_for(path)
    if not path.is_file():
        raise UnusableInputError(f"{path}: no such file")
    size = path.stat().st_size
    if size > MAX_INPUT_BYTES:
        raise UnusableInputError(
            f"{path}: {size} bytes is over the {MAX_INPUT_BYTES} byte limit; split the file"
        )
    try:
        quads = ox.parse(path=str(path), format=rdf_format, base_iri=path.resolve().as_uri())
        return [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
    except SyntaxError as error:
        raise UnusableInputError(f"{path}: not valid {rdf_format.name}: {error.msg}") from None
    except (OSError, ValueError) as error:
        raise UnusableInputError(f"{path}: cannot be read: {error}") from None


def to_rdflib(triples: list[ox.Triple] | bytes) -> rdflib.Graph:
    """An rdflib Graph of pyoxigraph triples (or of N-Triples bytes), for pySHACL."""
    data = triples if isinstance(triples, bytes) else ntriples(triples)
    graph = rdflib.Graph()
    graph.parse(data=data, format="nt")
    return graph


def ntriples(triples: list[ox.Triple]) -> bytes:
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
