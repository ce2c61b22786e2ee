"""One record of the graph, as its IRI's page describes it: its own statements, the labels of
everything they name, and the records that point at it.

A record is everything the project's data files state with its IRI as subject: the graphs the
build derives (`inferred`, `illustrative`) are left out, so a page shows what a curator wrote
and its sources, never an entailment presented as a fact. The same statements are offered as
Turtle, N-Triples and JSON-LD; JSON-LD uses the published context (`context_document`), which
names the project's prefixes, so the JSON reads `skos:prefLabel` and parses back into exactly
the statements of the Turtle.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pyoxigraph as ox

from aqkg.paths import ILLUSTRATIVE_GRAPH, INFERRED_GRAPH
from aqkg.sparql.catalogue import run
from aqkg.sparql.negotiation import TURTLE_PREFIXES
from aqkg.store.backend import Store

ID_BASE = "https://w3id.org/aqkg/id/"
ONTOLOGY = "https://w3id.org/aqkg/ontology#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
DERIVED_GRAPHS = (INFERRED_GRAPH, ILLUSTRATIVE_GRAPH)
MAX_INCOMING = 500  # a page lists at most this many records pointing at it (a framework's units)
# Prefixes of the published JSON-LD context: the Turtle ones, and the instance namespace.
CONTEXT_PREFIXES = {
    **TURTLE_PREFIXES,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "id": ID_BASE,
}
Object = ox.NamedNode | ox.BlankNode | ox.Literal


@dataclass(frozen=True)
class Record:
    iri: str
    statements: list[tuple[str, Object]]  # (predicate IRI, object), in a stable order
    labels: Mapping[str, str] = field(default_factory=dict)  # IRI -> English (or any) label
    incoming: list[tuple[str, str]] = field(default_factory=list)  # (subject, predicate)

    @property
    def types(self) -> list[str]:
        return [
            o.value for p, o in self.statements if p == RDF_TYPE and isinstance(o, ox.NamedNode)
        ]

    def label(self, iri: str) -> str:
        return self.labels.get(iri) or _local_name(iri)

    def triples(self) -> list[ox.Triple]:
        subject = ox.NamedNode(self.iri)
        return [ox.Triple(subject, ox.NamedNode(p), o) for p, o in self.statements]


def read_record(store: Store, iri: str) -> Record | None:
    """The record of `iri`, or None when the data states nothing about it."""
    node = ox.NamedNode(iri)  # ValueError for a malformed IRI, before any query
    outgoing = run(
        store,
        "SELECT DISTINCT ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } FILTER(?g NOT IN (<"
        + ">, <".join(DERIVED_GRAPHS)
        + ">)) }",
        {"s": node},
    )
    statements = sorted(
        {
            (_iri(row[0]), row[1])
            for row in outgoing.rows
            if row[0] is not None and isinstance(row[1], ox.NamedNode | ox.BlankNode | ox.Literal)
        },
        key=lambda s: (s[0] != RDF_TYPE, s[0], str(s[1])),
    )
    if not statements:
        return None
    incoming_rows = run(
        store,
        "SELECT DISTINCT ?s ?p WHERE { GRAPH ?g { ?s ?p ?o } FILTER(isIRI(?s) && ?g NOT IN (<"
        + ">, <".join(DERIVED_GRAPHS)
        + f">)) }} ORDER BY ?p ?s LIMIT {MAX_INCOMING}",
        {"o": node},
    )
    incoming = [(_iri(r[0]), _iri(r[1])) for r in incoming_rows.rows if r[0] and r[1]]
    named = {iri, *(p for p, _ in statements), *(s for s, _ in incoming), *(p for _, p in incoming)}
    named |= {o.value for _, o in statements if isinstance(o, ox.NamedNode)}
    return Record(iri, statements, labels_of(store, named), incoming)


def labels_of(store: Store, iris: Iterable[str]) -> dict[str, str]:
    """A label for each IRI that has one: skos:prefLabel, then rdfs:label, then dcterms:title
    (sources have titles); English before
    untagged before any other language."""
    values = " ".join(f"<{i}>" for i in sorted(set(iris)))
    if not values:
        return {}
    result = run(
        store,
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        f"SELECT ?x ?kind ?label WHERE {{ VALUES ?x {{ {values} }} "
        "{ ?x skos:prefLabel ?label BIND(0 AS ?kind) } UNION "
        "{ ?x rdfs:label ?label BIND(1 AS ?kind) } UNION "
        "{ ?x <http://purl.org/dc/terms/title> ?label BIND(2 AS ?kind) } }",
        {},
    )
    best: dict[str, tuple[tuple[int, int], str]] = {}
    for x, kind, label in result.rows:
        if not isinstance(x, ox.NamedNode) or not isinstance(label, ox.Literal):
            continue
        language = (label.language or "").lower()
        rank = (0 if language.startswith("en") else 1 if not language else 2, int(kind.value))  # type: ignore[union-attr]
        if x.value not in best or rank < best[x.value][0]:
            best[x.value] = (rank, label.value)
    return {iri: label for iri, (_, label) in best.items()}


# -- RDF formats ----------------------------------------------------------------------------------


def as_rdf(record: Record, rdf_format: ox.RdfFormat) -> bytes:
    prefixes = TURTLE_PREFIXES if rdf_format == ox.RdfFormat.TURTLE else None
    return ox.serialize(record.triples(), format=rdf_format, prefixes=prefixes) or b""


def as_jsonld(record: Record, context_url: str) -> bytes:
    """The record as compact JSON-LD: keys are CURIEs of the published context (full IRIs
    where a local name would not make one), every value an explicit node or value object, so
    no term definition is needed to read it back."""
    document: dict[str, object] = {"@context": context_url, "@id": record.iri}
    if record.types:
        document["@type"] = [_compact(t) for t in record.types]
    for predicate, value in record.statements:
        if predicate == RDF_TYPE and isinstance(value, ox.NamedNode):
            continue
        values = document.setdefault(_compact(predicate), [])
        assert isinstance(values, list)
        values.append(_jsonld_value(value))
    return json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8")


def context_document() -> bytes:
    """The published JSON-LD @context (served at /context.jsonld)."""
    return json.dumps({"@context": CONTEXT_PREFIXES}, indent=2).encode("utf-8")


def _jsonld_value(value: Object) -> dict[str, str]:
    if isinstance(value, ox.NamedNode):
        return {"@id": value.value}
    if isinstance(value, ox.BlankNode):
        return {"@id": f"_:{value.value}"}
    if value.language:
        return {"@value": value.value, "@language": value.language}
    if value.datatype.value == XSD_STRING:
        return {"@value": value.value}
    return {"@value": value.value, "@type": _compact(value.datatype.value)}


def _compact(iri: str) -> str:
    for prefix, namespace in CONTEXT_PREFIXES.items():
        local = iri.removeprefix(namespace)
        if (
            iri.startswith(namespace)
            and local
            and local.replace("-", "").replace("_", "").isalnum()
        ):
            return f"{prefix}:{local}"
    return iri


def _iri(term: object) -> str:
    return term.value if isinstance(term, ox.NamedNode) else str(term)


def _local_name(iri: str) -> str:
    for separator in ("#", "/"):
        if separator in iri.rstrip(separator):
            return iri.rstrip(separator).rsplit(separator, 1)[1]
    return iri
