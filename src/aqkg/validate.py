"""Validate submitted files against the shapes, together with what the graph already holds.

A submission stands in for the graphs that hold the records it describes: it is checked against
everything else the graph holds (ontology, vocabularies, regional data, other files), but not
against those graphs, which it would replace, so a revised record is not reported as a
duplicate of itself. Source documents are shared by many files and do not count as overlap.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from itertools import chain
from pathlib import Path
from typing import Literal

import pyoxigraph as ox

from aqkg import shacl, shacl_engine
from aqkg.paths import GRAPH_BASE
from aqkg.rdf_input import ntriples, parse_triples, to_rdflib
from aqkg.report import Finding, Report, findings_from_report_graph
from aqkg.shacl_compile import UnsupportedShapeError
from aqkg.sources import load_project_files
from aqkg.sparql_cache import prepared_query_cache
from aqkg.store import EmbeddedStore

SOURCE_BASE = "https://w3id.org/aqkg/id/source/"
# "compiled": the shapes compiled to SPARQL over pyoxigraph (shacl_engine), falling back to
# pySHACL when the shapes use a construct it does not compile; "pyshacl": the reference.
Engine = Literal["compiled", "pyshacl"]
log = logging.getLogger(__name__)


def validate_files(paths: Sequence[Path], context: EmbeddedStore | None = None) -> Report:
    """Validate the union of `paths`; raises UnusableInputError if one cannot be parsed."""
    submitted: list[ox.Triple] = []
    for path in paths:
        submitted.extend(parse_triples(path))
    context = context or load_project_files()
    return validate_triples(submitted, context, checked=[str(p) for p in paths])


def validate_triples(
    submitted: list[ox.Triple],
    context: EmbeddedStore,
    checked: list[str],
    engine: Engine = "compiled",
) -> Report:
    context_graphs = _context_graphs(context, _records_of(submitted))
    if engine == "compiled":
        try:
            findings = _compiled_findings(submitted, context, context_graphs)
        except UnsupportedShapeError as error:
            log.warning("shapes not compiled (%s): validating with pySHACL", error)
            engine = "pyshacl"
    if engine == "pyshacl":
        findings = _pyshacl_findings(submitted, context, context_graphs)
    own_records = {str(t.subject.value) for t in submitted if not isinstance(t.subject, ox.Triple)}
    return Report(sorted({f for f in findings if f.focus in own_records}), checked)


def _compiled_findings(
    submitted: list[ox.Triple], context: EmbeddedStore, context_graphs: list[str]
) -> list[Finding]:
    checks = shacl_engine.compiled_shapes()
    store = shacl_engine.load_store(chain(submitted, _context_triples(context, context_graphs)))
    return shacl_engine.findings(shacl_engine.run_checks(store, checks))


def _pyshacl_findings(
    submitted: list[ox.Triple], context: EmbeddedStore, context_graphs: list[str]
) -> list[Finding]:
    data = to_rdflib(ntriples(submitted) + context.dump_ntriples(context_graphs))
    with prepared_query_cache():
        _, report_graph = shacl.run_shacl(data)
    return findings_from_report_graph(report_graph, shacl.load_shapes())


def _context_triples(context: EmbeddedStore, graphs: list[str]) -> Iterator[ox.Triple]:
    for graph in graphs:
        for quad in context.quads(graph):
            yield ox.Triple(quad.subject, quad.predicate, quad.object)


def _records_of(triples: list[ox.Triple]) -> set[ox.NamedNode]:
    return {
        t.subject
        for t in triples
        if isinstance(t.subject, ox.NamedNode) and not t.subject.value.startswith(SOURCE_BASE)
    }


def _context_graphs(context: EmbeddedStore, replaced_records: set[ox.NamedNode]) -> list[str]:
    """Graphs built from project files (not inferences, not imports like ESCO), minus those
    holding a record the submission describes."""
    project = (GRAPH_BASE + "ontology/", GRAPH_BASE + "data/")
    return [
        g
        for g in context.graph_names()
        if g.startswith(project)
        and not any(q.subject in replaced_records for q in context.quads(g))
    ]
