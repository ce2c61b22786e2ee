"""SHACL validation: the one place pyshacl is called.

Loads the shapes (shapes/*.ttl) and the ontology (ontology/aqkg.ttl) and validates a data
graph against them. The ontology is mixed into the data by pyshacl so that sh:targetClass and
sh:class follow rdfs:subClassOf; no other inference is run and nothing is fetched from the
network (owl:imports are not followed).
"""

from __future__ import annotations

from pathlib import Path

import pyshacl
from rdflib import Graph
from rdflib.namespace import SH

from aqkg import paths

__all__ = ["conforms", "load_ontology", "load_shapes", "run_shacl"]


def _parse_turtle(files: list[Path]) -> Graph:
    graph = Graph()
    for file in files:
        graph.parse(file, format="turtle")
    return graph


def load_shapes() -> Graph:
    """All shapes files (shapes/*.ttl) in one graph."""
    return _parse_turtle(sorted(paths.shapes_dir().glob("*.ttl")))


def load_ontology() -> Graph:
    """The ontology (ontology/aqkg.ttl), without alignments."""
    return _parse_turtle([paths.ontology_dir() / "aqkg.ttl"])


def conforms(report: Graph) -> bool:
    """True when a validation report holds no result of severity sh:Violation.

    Warnings and infos never make data non-conforming.
    """
    return (None, SH.resultSeverity, SH.Violation) not in report


def run_shacl(
    data: Graph, *, shapes: Graph | None = None, ontology: Graph | None = None
) -> tuple[bool, Graph]:
    """Validate ``data`` against the shapes; return (conforms, report graph).

    ``shapes`` and ``ontology`` default to :func:`load_shapes` and :func:`load_ontology`.
    ``data`` is not modified. Pass one plain graph holding everything the data refers to
    (vocabularies, frameworks...): pyshacl would validate each named graph of a Dataset apart.
    Conformance counts Violations only (see :func:`conforms`); the report lists every result,
    Warnings included.
    """
    _, report, _ = pyshacl.validate(
        data,
        shacl_graph=shapes if shapes is not None else load_shapes(),
        ont_graph=ontology if ontology is not None else load_ontology(),
        inference="none",
        advanced=True,
        allow_warnings=True,
        abort_on_first=False,
        do_owl_imports=False,
    )
    if not isinstance(report, Graph):
        raise TypeError(f"pyshacl returned a {type(report).__name__} report, expected a Graph")
    return conforms(report), report
