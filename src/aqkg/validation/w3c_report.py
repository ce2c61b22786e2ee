"""The compiled engine's results as a W3C validation report (SHACL §3.6): an rdflib graph with
one sh:ValidationReport, its sh:conforms, and a sh:ValidationResult per result."""

from __future__ import annotations

from collections.abc import Iterable

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH, XSD
from rdflib.term import Node

from aqkg.validation.engine import Result, default_message
from aqkg.validation.values import to_rdflib

__all__ = ["report_conforms", "w3c_report"]


def w3c_report(results: Iterable[Result], shapes: Graph) -> Graph:
    """The report; `shapes` gives the structure of each blank-node result path. sh:conforms
    is false when there is any result, whatever its severity (SHACL §3.6.1)."""
    report = Graph()
    report.bind("sh", SH)
    node = BNode()
    report.add((node, RDF.type, SH.ValidationReport))
    conforms = True
    for result in results:
        conforms = False
        entry = BNode()
        report.add((node, SH.result, entry))
        report.add((entry, RDF.type, SH.ValidationResult))
        report.add((entry, SH.focusNode, to_rdflib(result.focus, normalize=False)))
        path = _result_path(result, shapes, report)
        if path is not None:
            report.add((entry, SH.resultPath, path))
        if result.value is not None:
            report.add((entry, SH.value, to_rdflib(result.value, normalize=False)))
        report.add((entry, SH.sourceShape, result.shape.term))
        report.add((entry, SH.sourceConstraintComponent, URIRef(result.component)))
        report.add((entry, SH.resultSeverity, URIRef(result.shape.severity)))
        for message in result.messages or (default_message(result),):
            report.add((entry, SH.resultMessage, Literal(message)))
    report.add((node, SH.conforms, Literal(conforms, datatype=XSD.boolean)))
    return report


def report_conforms(report: Graph) -> bool:
    """The report's sh:conforms."""
    return next(report.objects(None, SH.conforms), None) == Literal(True)


def _result_path(result: Result, shapes: Graph, report: Graph) -> Node | None:
    if result.path_iri is not None:
        return URIRef(result.path_iri)
    path = result.shape.path_node
    if isinstance(path, BNode):
        _copy_structure(path, shapes, report)
    return path


def _copy_structure(node: BNode, source: Graph, target: Graph) -> None:
    """The triples of a blank-node path (lists and sh:inversePath... nodes), recursively."""
    for predicate, obj in source.predicate_objects(node):
        target.add((node, predicate, obj))
        if isinstance(obj, BNode):
            _copy_structure(obj, source, target)
