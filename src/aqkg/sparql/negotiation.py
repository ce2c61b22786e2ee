"""Result formats and content negotiation: `format=` values and Accept headers chosen among
the SPARQL result formats (SELECT, ASK) and the RDF formats (CONSTRUCT, DESCRIBE)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pyoxigraph as ox


class FormatError(ValueError):
    """A `format=` value names no format this endpoint writes."""


RESULT_FORMATS: dict[str, tuple[str, ox.QueryResultsFormat]] = {
    "json": ("application/sparql-results+json", ox.QueryResultsFormat.JSON),
    "xml": ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
    "csv": ("text/csv; charset=utf-8", ox.QueryResultsFormat.CSV),
    "tsv": ("text/tab-separated-values; charset=utf-8", ox.QueryResultsFormat.TSV),
}
GRAPH_FORMATS: dict[str, tuple[str, ox.RdfFormat]] = {
    "turtle": ("text/turtle; charset=utf-8", ox.RdfFormat.TURTLE),
    "ntriples": ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    "jsonld": ("application/ld+json", ox.RdfFormat.JSON_LD),
    "rdfxml": ("application/rdf+xml", ox.RdfFormat.RDF_XML),
}
# Namespaces whose local names are plain words (instance IRIs under /id/ have slashes).
TURTLE_PREFIXES = {
    "aqkg": "https://w3id.org/aqkg/ontology#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
# Accept header media types, in order of preference (the first is the default).
RESULT_MEDIA = {
    "application/sparql-results+json": "json",
    "application/sparql-results+xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "application/json": "json",
}
GRAPH_MEDIA = {
    "text/turtle": "turtle",
    "application/n-triples": "ntriples",
    "application/ld+json": "jsonld",
    "application/rdf+xml": "rdfxml",
    "application/turtle": "turtle",
    "application/x-turtle": "turtle",
    "text/n3": "turtle",
    "application/x-json+ld": "jsonld",
    "application/json": "jsonld",
}
# `format=` values (SPARQLWrapper sends its return format under this name): (results, graph).
FORMAT_NAMES: dict[str, tuple[str | None, str | None]] = {
    "json": ("json", "jsonld"),
    "xml": ("xml", "rdfxml"),
    "csv": ("csv", None),
    "tsv": ("tsv", None),
    "turtle": (None, "turtle"),
    "ttl": (None, "turtle"),
    "n3": (None, "turtle"),
    "ntriples": (None, "ntriples"),
    "nt": (None, "ntriples"),
    "n-triples": (None, "ntriples"),
    "jsonld": (None, "jsonld"),
    "json-ld": (None, "jsonld"),
    "rdf": (None, "rdfxml"),
    "rdf+xml": (None, "rdfxml"),
    "rdfxml": (None, "rdfxml"),
}


@dataclass(frozen=True)
class FormatChoice:
    """The format for a SELECT/ASK result and for a CONSTRUCT/DESCRIBE one (None: 406)."""

    results: str | None
    graph: str | None
    accepted: str


def choose_formats(format_values: list[str], accept: str | None) -> FormatChoice:
    """`format=` values win over the Accept header; unknown format names are an error.

    A client that accepts only result-set formats (rdflib's SPARQLStore in JSON mode sends
    just application/sparql-results+json, whatever the query) gets a CONSTRUCT or DESCRIBE
    result in the default graph format, Turtle, instead of 406: HTTP lets a server disregard
    an Accept header it cannot satisfy (RFC 9110 section 12.5.1) and the SPARQL 1.1 Protocol
    asks only that the Content-Type say what was sent, by which such clients parse the answer.
    (`oxigraph serve` answers 406 there.) A SELECT or ASK asked for only as RDF stays a 406,
    as it is for oxigraph: no client asks that of an endpoint by default.
    """
    if not format_values:
        results, graph = negotiate(accept, RESULT_MEDIA), negotiate(accept, GRAPH_MEDIA)
        accepted = accept or "*/*"
    else:
        results = graph = None
        for value in format_values:
            pair = _format_value(value)
            results, graph = results or pair[0], graph or pair[1]
        accepted = "format=" + ",".join(format_values)
    if graph is None and results is not None:
        graph = next(iter(GRAPH_MEDIA.values()))
    return FormatChoice(results, graph, accepted)


def _format_value(value: str) -> tuple[str | None, str | None]:
    if "/" in value:  # a media type, as SPARQLWrapper sends for TSV or JSON-LD
        return negotiate(value, RESULT_MEDIA), negotiate(value, GRAPH_MEDIA)
    if value.strip().lower() in FORMAT_NAMES:
        return FORMAT_NAMES[value.strip().lower()]
    raise FormatError(f"unknown format {value!r}: use one of {', '.join(FORMAT_NAMES)}")


def negotiate(accept: str | None, media: Mapping[str, str]) -> str | None:
    """The name of the best of `media` (media type -> name, the first the default) for an
    Accept header; None when it accepts none of them."""
    if not accept or not accept.strip():
        return next(iter(media.values()))
    ranges = _media_ranges(accept)
    best, best_quality = None, 0.0
    for media_type, name in media.items():
        quality = _quality(media_type, ranges)
        if quality > best_quality:
            best, best_quality = name, quality
    return best


def _media_ranges(accept: str) -> list[tuple[str, float]]:
    ranges = []
    for part in accept.split(","):
        media_type, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media_type:
            ranges.append((media_type.lower(), quality))
    return ranges


def _quality(media_type: str, ranges: list[tuple[str, float]]) -> float:
    """The quality of the most specific matching range (RFC 9110 section 12.5.1)."""
    family = media_type.split("/")[0] + "/*"
    best_specificity, quality = -1, 0.0
    for media_range, range_quality in ranges:
        specificity = {media_type: 2, family: 1, "*/*": 0}.get(media_range, -1)
        if specificity > best_specificity:
            best_specificity, quality = specificity, range_quality
    return quality
