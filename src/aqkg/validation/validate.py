"""Validate submitted files against the shapes, together with what the graph already holds.

A submission stands in for the records it describes (the subjects it gives), wherever the graph
holds them: it is checked against everything else the graph holds (ontology, vocabularies,
regional data, the rest of the files that describe a record it revises), but not against those
records' current triples, which it would replace, so a revised record is not reported as a
duplicate of itself. Source documents are shared by many files and do not count as revised.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Literal

import pyoxigraph as ox

from aqkg.intake.project_files import load_project_files
from aqkg.intake.rdf_input import iter_triples, to_rdflib
from aqkg.paths import GRAPH_BASE
from aqkg.sparql.cache import prepared_query_cache
from aqkg.store.embedded import EmbeddedStore
from aqkg.validation import engine as shacl_engine
from aqkg.validation import ownership
from aqkg.validation import shapes as shacl
from aqkg.validation.compile import UnsupportedShapeError
from aqkg.validation.finding_text import DataView, explain_all
from aqkg.validation.ownership import SOURCE_BASE
from aqkg.validation.report import Finding, Report, findings_from_report_graph

# "compiled": the shapes compiled to SPARQL over pyoxigraph (shacl_engine), falling back to
# pySHACL when the shapes use a construct it does not compile; "pyshacl": the reference.
Engine = Literal["compiled", "pyshacl"]
log = logging.getLogger(__name__)


def validate_files(
    paths: Sequence[Path], context: EmbeddedStore | None = None, country: str | None = None
) -> Report:
    """Validate the union of `paths` as `country`'s submission (by default the member state
    its records belong to when they are one's, see aqkg.validation.ownership.submitter); raises
    UnusableInputError if one cannot be parsed."""
    submission = (
        shacl_engine.DataStore()
    )  # streamed in: a million triples as Python objects take ~500 MB
    for path in paths:
        shacl_engine.add_triples(submission, iter_triples(path))
    context = context or load_project_files()
    if country is None:
        country = ownership.submitter(s.value for s in _subjects(submission.store))
    return _validate(submission, context, [str(p) for p in paths], country=country)


def validate_data_graphs(store: EmbeddedStore) -> Report:
    """Every record of every data file (graphs under data/), against the shapes, in one run."""
    data_graphs = [g for g in store.graph_names() if g.startswith(GRAPH_BASE + "data/")]
    triples = [
        ox.Triple(q.subject, q.predicate, q.object) for g in data_graphs for q in store.quads(g)
    ]
    return validate_triples(triples, store, checked=[f"{len(data_graphs)} data files"])


def validate_triples(
    submitted: list[ox.Triple],
    context: EmbeddedStore,
    checked: list[str],
    engine: Engine = "compiled",
    country: str | None = None,
) -> Report:
    """Validate triples; as `country`'s submission when given (its records only, see
    aqkg.validation.ownership), else as curated data (aqkg build)."""
    submission = shacl_engine.DataStore()
    shacl_engine.add_triples(submission, submitted)
    return _validate(submission, context, checked, engine, country)


def _validate(
    submission: shacl_engine.DataStore,
    context: EmbeddedStore,
    checked: list[str],
    engine: Engine = "compiled",
    country: str | None = None,
) -> Report:
    """Validate the submission (a scratch store, which this fills with the context)."""
    subjects = _subjects(submission.store)
    # before the context joins the submission's store
    trespassing = _trespasses(submission.store, country, context) if country else []
    replaced = _records_of(subjects)
    findings = None
    if engine == "compiled":
        findings = _compiled_findings(submission, context, replaced)
    if findings is None:
        submitted = ox.serialize(
            shacl_engine.written_triples(submission), format=ox.RdfFormat.N_TRIPLES
        )
        kept = ox.serialize(_context_triples(context, replaced), format=ox.RdfFormat.N_TRIPLES)
        data = to_rdflib((submitted or b"") + (kept or b""))
        with prepared_query_cache():
            _, report_graph = shacl.run_shacl(data)
        findings = findings_from_report_graph(report_graph, shacl.load_shapes())
        # the data the findings were found in, for their explanations
        shacl_engine.add_triples(submission, _context_triples(context, replaced))
        shacl_engine.add_ontology(submission)
    own_records = {s.value for s in subjects}
    own = [f for f in findings if f.focus in own_records]
    shown = set(explain_all(own, DataView(submission.store))) | set(trespassing)
    return Report(sorted(shown), checked)


def _compiled_findings(
    submission: shacl_engine.DataStore, context: EmbeddedStore, replaced: set[ox.NamedNode]
) -> list[Finding] | None:
    """The compiled engine's findings, or None when it refuses the shapes or the data (then
    pySHACL validates)."""
    try:
        checks = shacl_engine.compiled_shapes()
        shacl_engine.check_runnable(submission, checks)  # before the context joins
        shacl_engine.add_triples(submission, _context_triples(context, replaced))
        shacl_engine.add_ontology(submission)
        return shacl_engine.findings(shacl_engine.run_checks(submission, checks))
    except UnsupportedShapeError as error:
        log.warning("not compiled (%s): validating with pySHACL", error)
        return None


def _trespasses(store: ox.Store, country: str, context: EmbeddedStore) -> list[Finding]:
    """A violation per foreign record described, or foreign record placed into."""
    sources = [s.value for s in _subjects(store) if s.value.startswith(SOURCE_BASE)]
    described = ownership.source_owners(context, sources)
    return [
        Finding(
            focus=t.subject,
            severity="Violation",
            message=t.message(country),
            path=t.via,
            value=t.record if t.via else None,
            shape_name=f"record of {ownership.owner_name(t.owner)}",
            component="ownership",
        )
        for t in ownership.trespasses(store, country, described)
    ]


def _subjects(store: ox.Store) -> list[ox.NamedNode | ox.BlankNode]:
    solutions = store.query("SELECT DISTINCT ?s WHERE { ?s ?p ?o }")
    assert isinstance(solutions, ox.QuerySolutions)
    return [row[0] for row in solutions if isinstance(row[0], (ox.NamedNode, ox.BlankNode))]


def _records_of(subjects: list[ox.NamedNode | ox.BlankNode]) -> set[ox.NamedNode]:
    return {
        s for s in subjects if isinstance(s, ox.NamedNode) and not s.value.startswith(SOURCE_BASE)
    }


def _context_triples(
    context: EmbeddedStore, replaced_records: set[ox.NamedNode]
) -> Iterator[ox.Triple]:
    """What the project files and the published versions say (not inferences, not imports like
    ESCO), minus the records the
    submission describes: their triples in every graph, with the blank nodes hanging off them
    (a record's descriptors, its lists). A shared record (an organisation a regional file also
    describes) goes; the rest of that file (the ASEAN occupations beside it) stays."""
    project = (GRAPH_BASE + "ontology/", GRAPH_BASE + "data/", GRAPH_BASE + "published/")
    for graph in context.graph_names():
        if not graph.startswith(project):
            continue
        if not replaced_records:
            yield from (ox.Triple(q.subject, q.predicate, q.object) for q in context.quads(graph))
            continue
        quads = list(context.quads(graph))
        dropped = _described_with_their_blank_nodes(quads, replaced_records)
        for quad in quads:
            if quad.subject not in dropped:
                yield ox.Triple(quad.subject, quad.predicate, quad.object)


def _described_with_their_blank_nodes(
    quads: list[ox.Quad], records: set[ox.NamedNode]
) -> set[ox.NamedNode | ox.BlankNode | ox.Triple]:
    """`records` plus every blank node reachable from them in `quads`."""
    blank_objects: dict[ox.NamedNode | ox.BlankNode | ox.Triple, list[ox.BlankNode]] = {}
    for quad in quads:
        if isinstance(quad.object, ox.BlankNode):
            blank_objects.setdefault(quad.subject, []).append(quad.object)
    reached: set[ox.NamedNode | ox.BlankNode | ox.Triple] = set(records)
    frontier: list[ox.NamedNode | ox.BlankNode | ox.Triple] = list(records)
    while frontier:
        for node in blank_objects.get(frontier.pop(), []):
            if node not in reached:
                reached.add(node)
                frontier.append(node)
    return reached
