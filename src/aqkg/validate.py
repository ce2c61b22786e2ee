"""Validate submitted files against the shapes, together with what the graph already holds.

A submission for country XX stands in for XX's data: it is checked against the ontology, the
vocabularies, the regional data and the other countries' data, but not against XX's current
graphs (which it would replace), so a revised record is not reported as a duplicate of itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pyoxigraph as ox

from aqkg import shacl
from aqkg.paths import GRAPH_BASE
from aqkg.rdf_input import ntriples, parse_triples, to_rdflib
from aqkg.report import Report, findings_from_report_graph
from aqkg.sources import load_project_files
from aqkg.store import EmbeddedStore

MEMBER_STATE = ox.NamedNode("https://w3id.org/aqkg/ontology#memberState")
COUNTRY_BASE = "https://w3id.org/aqkg/id/country/"


def validate_files(paths: Sequence[Path], context: EmbeddedStore | None = None) -> Report:
    """Validate the union of `paths`; raises UnusableInputError if one cannot be parsed."""
    submitted: list[ox.Triple] = []
    for path in paths:
        submitted.extend(parse_triples(path))
    context = context or load_project_files()
    return validate_triples(submitted, context, checked=[str(p) for p in paths])


def validate_triples(
    submitted: list[ox.Triple], context: EmbeddedStore, checked: list[str]
) -> Report:
    context_graphs = _context_graphs(context, _countries_of(submitted))
    data = to_rdflib(ntriples(submitted) + context.dump_ntriples(context_graphs))
    _, report_graph = shacl.run_shacl(data)
    own_records = {str(t.subject.value) for t in submitted if not isinstance(t.subject, ox.Triple)}
    findings = findings_from_report_graph(report_graph, shacl.load_shapes())
    return Report([f for f in findings if f.focus in own_records], checked)


def _countries_of(triples: list[ox.Triple]) -> set[str]:
    return {
        t.object.value.removeprefix(COUNTRY_BASE).lower()
        for t in triples
        if t.predicate == MEMBER_STATE and isinstance(t.object, ox.NamedNode)
    }


def _context_graphs(context: EmbeddedStore, replaced_countries: set[str]) -> list[str]:
    """Graphs built from project files (not inferences, not imports like ESCO), minus XX's."""
    replaced = tuple(f"{GRAPH_BASE}data/countries/{c}/" for c in replaced_countries)
    project = (GRAPH_BASE + "ontology/", GRAPH_BASE + "data/")
    return [
        g for g in context.graph_names() if g.startswith(project) and not g.startswith(replaced)
    ]
