"""Build-time reasoning: reasonable's OWL 2 RL entailments about our records equal owlrl's."""

from __future__ import annotations

import owlrl
import rdflib
from rdflib.namespace import XSD

from aqkg.build.reason import is_trivial, owl_rl_entailments
from aqkg.intake.project_files import load_project_files
from aqkg.intake.rdf_input import to_rdflib

ID = "https://w3id.org/aqkg/id/"


def _about_records(triples: set[tuple[rdflib.term.Node, ...]]) -> set[tuple[rdflib.term.Node, ...]]:
    return {t for t in triples if str(t[0]).startswith(ID)}


def test_entailments_about_records_match_the_reference_owl_rl_implementation() -> None:
    store = load_project_files()
    asserted = to_rdflib(store.dump_ntriples(store.graph_names()))
    ours = set(owl_rl_entailments(asserted))

    reference = rdflib.Graph()
    for triple in asserted:
        reference.add(triple)
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False
    ).expand(reference)
    theirs = {
        (
            s,
            p,
            rdflib.Literal(str(o))
            if isinstance(o, rdflib.Literal) and o.datatype == XSD.string
            else o,
        )
        for s, p, o in reference
        if (s, p, o) not in asserted and not is_trivial((s, p, o))
    }
    assert _about_records(ours) == _about_records(theirs)
    assert len(_about_records(ours)) > 100
