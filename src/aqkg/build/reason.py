"""Materialise inferences at build time, so queries never need a reasoner.

OWL 2 RL closure with `reasonable` (a Rust implementation of the W3C OWL 2 RL rules, about 40x
faster than owlrl here; tests check that its entailments about our records equal owlrl's), plus
the plain SKOS match triples that level alignments and mapping records stand for (those of
illustrative mapping records apart, for a graph of their own).
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox
import rdflib
import reasonable
from rdflib.namespace import OWL, RDF, XSD

from aqkg.intake.rdf_input import to_rdflib
from aqkg.paths import queries_dir
from aqkg.store.embedded import EmbeddedStore

RdflibTriple = tuple[rdflib.term.Node, rdflib.term.Node, rdflib.term.Node]

BUILD_QUERIES = (
    "skos-matches-from-alignments.rq",
    "skos-matches-from-mappings.rq",
    "labels.rq",
    "member-states.rq",
)
ILLUSTRATIVE_QUERY = "skos-matches-from-illustrative-mappings.rq"


def inferred_triples(store: EmbeddedStore, graphs: Iterable[str]) -> list[ox.Triple]:
    """Triples entailed by the given graphs (OWL 2 RL) and the SKOS materialisation, minus
    what is already asserted and the trivial ones (x owl:sameAs x, x a owl:Thing)."""
    asserted = to_rdflib(store.dump_ntriples(list(graphs)))
    entailed = _to_oxigraph(owl_rl_entailments(asserted))
    seen = set(entailed)
    return entailed + [t for t in _constructed(store, BUILD_QUERIES) if t not in seen]


def illustrative_matches(store: EmbeddedStore) -> list[ox.Triple]:
    """The SKOS match triples illustrative mapping records stand for (their own graph)."""
    return _constructed(store, (ILLUSTRATIVE_QUERY,))


def owl_rl_entailments(asserted: rdflib.Graph) -> list[RdflibTriple]:
    """What OWL 2 RL adds to `asserted`, without the trivial and the already-asserted (so
    without a blank node: `?s a ?c` over the built store gives named classes only)."""
    reasoner = reasonable.PyReasoner()
    reasoner.from_graph(asserted)
    closure = {_plain_string(t) for t in reasoner.reason()}
    return [t for t in closure if t not in asserted and not is_trivial(t)]


def _plain_string(triple: RdflibTriple) -> RdflibTriple:
    """reasonable writes "x" as "x"^^xsd:string; rdflib keeps the two apart."""
    subject, predicate, obj = triple
    if isinstance(obj, rdflib.Literal) and obj.datatype == XSD.string:
        obj = rdflib.Literal(str(obj))
    return subject, predicate, obj


def is_trivial(triple: RdflibTriple) -> bool:
    subject, predicate, obj = triple
    if isinstance(subject, rdflib.Literal | rdflib.BNode):
        return True  # literal subjects are not RDF; blank ones are OWL axiom plumbing
    if isinstance(obj, rdflib.BNode):
        # An anonymous class expression (a restriction, an intersection) as a record's type
        # or superclass: plumbing of the ontology's axioms, not a fact about the record, and
        # once copied into the inferred graph a fresh blank node that joins nothing.
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


def _constructed(store: EmbeddedStore, names: Iterable[str]) -> list[ox.Triple]:
    triples: list[ox.Triple] = []
    for name in names:
        result = store.raw_query((queries_dir() / "build" / name).read_text(encoding="utf-8"))
        assert isinstance(result, ox.QueryTriples)
        triples.extend(result)
    return triples
