"""Materialise inferences at build time, so queries never need a reasoner.

OWL 2 RL closure with owlrl (the reference implementation of the W3C rule set), plus the plain
SKOS match triples that level alignments and mapping records stand for.
"""

from __future__ import annotations

from collections.abc import Iterable

import owlrl
import pyoxigraph as ox
import rdflib
from rdflib.namespace import OWL, RDF

from aqkg.paths import queries_dir
from aqkg.rdf_input import to_rdflib
from aqkg.store import EmbeddedStore

RdflibTriple = tuple[rdflib.term.Node, rdflib.term.Node, rdflib.term.Node]

BUILD_QUERIES = ("skos-matches-from-alignments.rq", "skos-matches-from-mappings.rq")


def inferred_triples(store: EmbeddedStore, graphs: Iterable[str]) -> list[ox.Triple]:
    """Triples entailed by the given graphs (OWL 2 RL) and the SKOS materialisation, minus
    what is already asserted and the trivial ones (x owl:sameAs x, x a owl:Thing)."""
    graph_list = list(graphs)
    asserted = to_rdflib(store.dump_ntriples(graph_list))
    closure = rdflib.Graph()
    for triple in asserted:
        closure.add(triple)
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False
    ).expand(closure)
    new = [t for t in closure if t not in asserted and not _trivial(t)]
    entailed = _to_oxigraph(new)
    seen = set(entailed)
    return entailed + [t for t in _skos_matches(store) if t not in seen]


def _trivial(triple: RdflibTriple) -> bool:
    subject, predicate, obj = triple
    if isinstance(subject, rdflib.Literal):
        return True
    if predicate == OWL.sameAs and subject == obj:
        return True
    return predicate == RDF.type and obj in (OWL.Thing, rdflib.RDFS.Resource)


def _to_oxigraph(triples: list[RdflibTriple]) -> list[ox.Triple]:
    graph = rdflib.Graph()
    for triple in triples:
        graph.add(triple)
    data = graph.serialize(format="nt", encoding="utf-8")
    quads = ox.parse(data, format=ox.RdfFormat.N_TRIPLES)
    return [ox.Triple(q.subject, q.predicate, q.object) for q in quads]


def _skos_matches(store: EmbeddedStore) -> list[ox.Triple]:
    triples: list[ox.Triple] = []
    for name in BUILD_QUERIES:
        result = store.raw_query((queries_dir() / "build" / name).read_text(encoding="utf-8"))
        assert isinstance(result, ox.QueryTriples)
        triples.extend(result)
    return triples
