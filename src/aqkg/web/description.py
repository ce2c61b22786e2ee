"""What the endpoint holds, for clients that ask before they query: a VoID description at
`/.well-known/void` and a SPARQL 1.1 Service Description at `/sparql` (asked for with no query).

Both are computed in a query worker (a `Task`, the store is the worker's): the named graphs with
their triple counts, the vocabularies the data uses (the namespaces of its predicates and
classes), the licence and the endpoint. Written by pyoxigraph in the format the client accepts
(Turtle unless it asks for N-Triples, RDF/XML or JSON-LD).
"""

from __future__ import annotations

from collections.abc import Mapping

import pyoxigraph as ox

from aqkg.sparql.jobs import Failure, Outcome, Success, Task
from aqkg.store.backend import Store
from aqkg.syntax.prefixes import PREFIXES

VOID_PATH = "/.well-known/void"
_V = PREFIXES["void"]
_SD = PREFIXES["sd"]
_DCT = PREFIXES["dcterms"]
_RDF_TYPE = ox.NamedNode(PREFIXES["rdf"] + "type")
_SEE_ALSO = ox.NamedNode(PREFIXES["rdfs"] + "seeAlso")
LICENCE = "https://www.apache.org/licenses/LICENSE-2.0"
TITLE = "aqkg: a knowledge graph of ASEAN qualifications frameworks and recognition"
FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}
RESULT_FORMATS = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
                  "SPARQL_Results_TSV", "Turtle", "N-Triples", "RDF_XML", "JSON-LD")  # fmt: skip
_VOCABULARIES = """
SELECT DISTINCT ?term WHERE { { ?s ?term ?o } UNION { ?s a ?term } }
"""


def void_task(base_url: str, media_type: str) -> Task:
    return Task(void_answer, {"base": base_url, "media": media_type})


def service_task(base_url: str, media_type: str) -> Task:
    return Task(service_answer, {"base": base_url, "media": media_type})


def media_type(accept: str | None) -> str | None:
    """The description's format for an Accept header (Turtle by default), or None."""
    if not accept or "*/*" in accept or "text/*" in accept:
        return "text/turtle"
    for part in accept.split(","):
        kind = part.split(";")[0].strip().lower()
        if kind in FORMATS:
            return kind
    return None


def void_triples(store: Store, base_url: str) -> list[ox.Triple]:
    """The VoID description of the store as served at `base_url`."""
    dataset = ox.NamedNode(base_url + VOID_PATH + "#aqkg")
    counts = store.triple_counts()
    triples = [
        ox.Triple(dataset, _RDF_TYPE, ox.NamedNode(_V + "Dataset")),
        ox.Triple(dataset, ox.NamedNode(_DCT + "title"), ox.Literal(TITLE, language="en")),
        ox.Triple(dataset, ox.NamedNode(_DCT + "license"), ox.NamedNode(LICENCE)),
        ox.Triple(dataset, ox.NamedNode(_V + "sparqlEndpoint"), ox.NamedNode(base_url + "/sparql")),
        ox.Triple(dataset, ox.NamedNode(_V + "uriSpace"), ox.Literal(PREFIXES["id"])),
        ox.Triple(dataset, ox.NamedNode(_V + "triples"), ox.Literal(sum(counts.values()))),
    ]
    for vocabulary in vocabularies(store):
        triples.append(
            ox.Triple(dataset, ox.NamedNode(_V + "vocabulary"), ox.NamedNode(vocabulary))
        )
    for graph, count in sorted(counts.items()):
        subset = ox.NamedNode(graph)
        triples += [
            ox.Triple(dataset, ox.NamedNode(_V + "subset"), subset),
            ox.Triple(subset, _RDF_TYPE, ox.NamedNode(_V + "Dataset")),
            ox.Triple(subset, ox.NamedNode(_V + "triples"), ox.Literal(count)),
            ox.Triple(subset, ox.NamedNode(_SD + "name"), subset),
        ]
    return triples


def vocabularies(store: Store) -> list[str]:
    """The namespaces of the predicates and classes the store uses."""
    found = set()
    for (term,) in store.select(_VOCABULARIES).rows:
        if isinstance(term, ox.NamedNode):
            value = term.value
            cut = max(value.rfind("#"), value.rfind("/"))
            if cut > len("https://"):
                found.add(value[: cut + 1])
    return sorted(found)


def service_triples(store: Store, base_url: str) -> list[ox.Triple]:
    """A SPARQL 1.1 Service Description of the endpoint at `base_url`/sparql."""
    endpoint = ox.NamedNode(base_url + "/sparql")
    default = ox.BlankNode("defaultDataset")
    default_graph = ox.BlankNode("defaultGraph")
    counts = store.triple_counts()
    triples = [
        ox.Triple(endpoint, _RDF_TYPE, ox.NamedNode(_SD + "Service")),
        ox.Triple(endpoint, ox.NamedNode(_SD + "endpoint"), endpoint),
        ox.Triple(endpoint, ox.NamedNode(_SD + "supportedLanguage"), _sd("SPARQL11Query")),
        ox.Triple(endpoint, ox.NamedNode(_SD + "feature"), ox.NamedNode(_SD + "UnionDefaultGraph")),
        ox.Triple(endpoint, ox.NamedNode(_SD + "defaultDataset"), default),
        ox.Triple(endpoint, _SEE_ALSO, ox.NamedNode(base_url + VOID_PATH)),
        ox.Triple(default, _RDF_TYPE, ox.NamedNode(_SD + "Dataset")),
        ox.Triple(default, ox.NamedNode(_SD + "defaultGraph"), default_graph),
        ox.Triple(default_graph, _RDF_TYPE, ox.NamedNode(_SD + "Graph")),
        ox.Triple(default_graph, ox.NamedNode(_V + "triples"), ox.Literal(sum(counts.values()))),
    ]  # fmt: skip
    for name in RESULT_FORMATS:
        formats = ox.NamedNode(f"http://www.w3.org/ns/formats/{name}")
        triples.append(ox.Triple(endpoint, ox.NamedNode(_SD + "resultFormat"), formats))
    for i, (graph, count) in enumerate(sorted(counts.items())):
        named, described = ox.BlankNode(f"named{i}"), ox.BlankNode(f"graph{i}")
        triples += [
            ox.Triple(default, ox.NamedNode(_SD + "namedGraph"), named),
            ox.Triple(named, _RDF_TYPE, ox.NamedNode(_SD + "NamedGraph")),
            ox.Triple(named, ox.NamedNode(_SD + "name"), ox.NamedNode(graph)),
            ox.Triple(named, ox.NamedNode(_SD + "graph"), described),
            ox.Triple(described, _RDF_TYPE, ox.NamedNode(_SD + "Graph")),
            ox.Triple(described, ox.NamedNode(_V + "triples"), ox.Literal(count)),
        ]
    return triples


def _sd(local: str) -> ox.NamedNode:
    return ox.NamedNode(_SD + local)


def void_answer(store: Store, arguments: Mapping[str, str]) -> Outcome:
    return _written(void_triples(store, arguments["base"]), arguments["media"])


def service_answer(store: Store, arguments: Mapping[str, str]) -> Outcome:
    return _written(service_triples(store, arguments["base"]), arguments["media"])


def _written(triples: list[ox.Triple], media: str) -> Outcome:
    rdf_format = FORMATS.get(media)
    if rdf_format is None:
        return Failure(406, f"the description is available as {', '.join(FORMATS)}")
    prefixes = {p: PREFIXES[p] for p in ("void", "sd", "dcterms", "rdfs")}
    body = ox.serialize(
        triples, format=rdf_format, prefixes=prefixes if rdf_format == ox.RdfFormat.TURTLE else None
    )
    return Success(f"{media}; charset=utf-8" if media.startswith("text/") else media, body or b"")
