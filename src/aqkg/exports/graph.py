"""The store, or one named graph of it, as an RDF file: N-Quads, TriG, Turtle, N-Triples or
JSON-LD.

Dataset formats (N-Quads, TriG, JSON-LD) keep each triple's named graph, so a dump of the
whole store loads back into the same store. Turtle and N-Triples hold triples only: a dump of
the whole store in them is the union of its graphs, each triple once (the default graph every
query sees), and says so in the CLI's message.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

from aqkg.sparql.negotiation import TURTLE_PREFIXES
from aqkg.store.backend import Store


@dataclass(frozen=True)
class GraphFormat:
    rdf_format: ox.RdfFormat
    media_type: str
    extension: str


GRAPH_EXPORT_FORMATS: dict[str, GraphFormat] = {
    "nq": GraphFormat(ox.RdfFormat.N_QUADS, "application/n-quads", "nq"),
    "trig": GraphFormat(ox.RdfFormat.TRIG, "application/trig", "trig"),
    "ttl": GraphFormat(ox.RdfFormat.TURTLE, "text/turtle; charset=utf-8", "ttl"),
    "nt": GraphFormat(ox.RdfFormat.N_TRIPLES, "application/n-triples", "nt"),
    "jsonld": GraphFormat(ox.RdfFormat.JSON_LD, "application/ld+json", "jsonld"),
}


class GraphExportError(Exception):
    """The graph asked for is not in the store, or the format is unknown (one line)."""


def write_graph(
    store: Store, output: Path | BinaryIO, format_name: str, graph: str | None = None
) -> int:
    """Write the whole store (graph None) or one named graph; the number of statements."""
    chosen = GRAPH_EXPORT_FORMATS.get(format_name)
    if chosen is None:
        raise GraphExportError(
            f"unknown format {format_name!r}: use one of {', '.join(GRAPH_EXPORT_FORMATS)}"
        )
    if graph is not None and graph not in store.graph_names():
        raise GraphExportError(
            f"the store holds no graph <{graph}> ({len(store.graph_names())} graphs: "
            "aqkg query -e 'SELECT DISTINCT ?g WHERE { GRAPH ?g {} }' lists them)"
        )
    statements = _statements(store, graph, chosen.rdf_format.supports_datasets)
    prefixes = TURTLE_PREFIXES if chosen.rdf_format in _PREFIXED else None
    target = str(output) if isinstance(output, Path) else output
    ox.serialize(statements, target, format=chosen.rdf_format, prefixes=prefixes)
    return len(statements)


_PREFIXED = (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG)


def _statements(store: Store, graph: str | None, dataset: bool) -> list[ox.Quad] | list[ox.Triple]:
    """Held in memory to be sorted (the shipped store's dump is a few MB)."""
    quads = _sorted_quads(store, graph)
    if dataset:
        return quads
    # the union: a triple in several graphs is written once
    return list(dict.fromkeys(ox.Triple(q.subject, q.predicate, q.object) for q in quads))


def _sorted_quads(store: Store, graph: str | None) -> list[ox.Quad]:
    """Quads in a stable order (graph, subject, predicate, object), so that two dumps of the
    same store are the same bytes and a download changes only when the data does."""
    graphs = [graph] if graph is not None else sorted(store.graph_names())
    quads: list[ox.Quad] = []
    for name in graphs:
        quads += sorted(
            store.quads(name), key=lambda q: (str(q.subject), str(q.predicate), str(q.object))
        )
    return quads


def _order(quad: ox.Quad) -> tuple[str, str, str]:
    return str(quad.subject), str(quad.predicate), str(quad.object)
