"""Reading RDF files given by users: format by extension, one-line errors, no network.

pyoxigraph parses (it is fast, never fetches a remote JSON-LD context and never expands
external XML entities), once `aqkg.intake.rdf_guards` has refused what pyoxigraph does not bound by
itself (entity expansion, deep nesting); rdflib gets the result as N-Triples when pySHACL needs
it.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import rdflib

from aqkg.intake.rdf_guards import input_problem

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
# Terms are checked as they stream out of the parser, before any is kept: 150 IRIs of 1 MB
# each took validation to 1.9 GB (every shape's regex and join runs over them). The graph's
# longest IRI is under 200 characters; its longest text, a few thousand.
MAX_IRI_CHARS = 4096
MAX_LITERAL_CHARS = 100_000


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
    return list(iter_triples(path))


def iter_triples(path: Path) -> Iterator[ox.Triple]:
    """`parse_triples` one triple at a time (a million triples as Python objects take
    ~500 MB); the UnusableInputError may come after some triples."""
    rdf_format = rdf_format_for(path)
    if not path.is_file():
        raise UnusableInputError(f"{path}: no such file")
    size = path.stat().st_size
    if size > MAX_INPUT_BYTES:
        raise UnusableInputError(
            f"{path}: {size} bytes is over the {MAX_INPUT_BYTES} byte limit; split the file"
        )
    try:
        data = _without_utf8_bom(path, path.read_bytes())
        # hostile input pyoxigraph does not bound itself (entity bombs, deep nesting)
        problem = input_problem(data, rdf_format)
        if problem:
            raise UnusableInputError(f"{path}: {problem}")
        quads = ox.parse(data, format=rdf_format, base_iri=path.resolve().as_uri())
        found = False
        for number, q in enumerate(quads, start=1):
            found = True
            _check_lengths(path, number, (q.subject, q.predicate, q.object))
            yield ox.Triple(q.subject, q.predicate, q.object)
    except SyntaxError as error:
        if "LoadDocumentCallback" in str(error.msg):  # pyoxigraph's words for a remote context
            raise UnusableInputError(
                f"{path}: a JSON-LD @context given by URL is refused (aqkg fetches nothing "
                "while parsing); put the context in the file"
            ) from None
        raise UnusableInputError(f"{path}: not valid {rdf_format.name}: {error.msg}") from None
    except MemoryError as error:  # pyoxigraph caps one token (literal, IRI) at 16 MiB
        raise UnusableInputError(
            f"{path}: too large to parse ({error}); one literal or IRI can hold at most 16 MB"
        ) from None
    except (OSError, ValueError) as error:
        raise UnusableInputError(f"{path}: cannot be read: {error}") from None
    if not found:
        # JSON-LD drops nodes whose IRI is invalid (a space...), so this is not only empty files
        raise UnusableInputError(f"{path}: no triples found, nothing to check")


def _check_lengths(path: Path, number: int, terms: tuple[object, ...]) -> None:
    for term in terms:
        if isinstance(term, ox.NamedNode) and len(term.value) > MAX_IRI_CHARS:
            what, limit = "an IRI", MAX_IRI_CHARS
        elif isinstance(term, ox.Literal) and len(term.value) > MAX_LITERAL_CHARS:
            what, limit = "a literal", MAX_LITERAL_CHARS
        else:
            continue
        raise UnusableInputError(
            f"{path}: triple {number} holds {what} of {len(term.value)} characters, over the "
            f"{limit} character limit; shorten it, or split a long text into several values"
        )


def _without_utf8_bom(path: Path, data: bytes) -> bytes:
    """UTF-8 without its byte-order mark (pyoxigraph's Turtle parser fails on one, and
    Windows editors write it); UTF-16 and UTF-32 are refused with a hint."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :]
    for bom, name in ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32")):
        if data.startswith(bom):
            raise UnusableInputError(f"{path}: the file is {name} text; save it as UTF-8")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise UnusableInputError(f"{path}: the file is UTF-16 text; save it as UTF-8")
    return data


def to_rdflib(triples: list[ox.Triple] | bytes) -> rdflib.Graph:
    """An rdflib Graph of pyoxigraph triples (or of N-Triples bytes), for pySHACL."""
    data = triples if isinstance(triples, bytes) else ntriples(triples)
    graph = rdflib.Graph()
    graph.parse(data=data, format="nt")
    return graph


def ntriples(triples: list[ox.Triple]) -> bytes:
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
