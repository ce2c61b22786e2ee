"""A standard SHACL processor: data graph + shapes graph (+ ontology) -> W3C report.

Validates the data alone against the given shapes (no project shapes, no store context), with
the compiled engine, pySHACL, or `auto`: compiled unless the compiler refuses the shapes (or the
data, see shacl_engine.run_checks), then pySHACL. Used by `aqkg validate --shapes` and by the
W3C conformance tests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

import pyoxigraph as ox
import pyshacl
from rdflib import Graph

from aqkg.validation import engine as shacl_engine
from aqkg.validation.compile import UnsupportedShapeError, compile_shapes
from aqkg.validation.values import from_rdflib, quiet_rdflib
from aqkg.validation.w3c_report import report_conforms, w3c_report

__all__ = ["Engine", "Outcome", "triples_of", "validate"]

Engine = Literal["auto", "compiled", "pyshacl"]


@dataclass(frozen=True)
class Outcome:
    conforms: bool
    report: Graph  # a W3C sh:ValidationReport
    engine: str  # the engine that validated: "compiled" or "pyshacl"
    refused: str | None = None  # why the compiled engine did not (auto fell back)


def validate(
    triples: Callable[[], Iterable[ox.Triple]],
    graph: Callable[[], Graph],
    shapes: Graph,
    ontology: Graph | None = None,
    engine: Engine = "auto",
) -> Outcome:
    """Validate the data (`triples` for the compiled engine, `graph` for pySHACL: each is
    called only if that engine runs). UnsupportedShapeError with engine="compiled" when the
    compiler refuses."""
    refused = None
    if engine != "pyshacl":
        try:
            return _compiled(triples(), shapes, ontology)
        except UnsupportedShapeError as error:
            if engine == "compiled":
                raise
            refused = str(error)
    return _pyshacl(graph(), shapes, ontology, refused)


def _compiled(triples: Iterable[ox.Triple], shapes: Graph, ontology: Graph | None) -> Outcome:
    checks = compile_shapes(shapes)
    data = shacl_engine.DataStore()
    shacl_engine.add_triples(data, triples)
    if ontology is not None:  # as pySHACL mixes ont_graph into the data graph
        shacl_engine.add_triples(data, triples_of(ontology))
    report = w3c_report(shacl_engine.run_checks(data, checks), shapes)
    return Outcome(report_conforms(report), report, "compiled")


def _pyshacl(data: Graph, shapes: Graph, ontology: Graph | None, refused: str | None) -> Outcome:
    with quiet_rdflib():
        _, report, _ = pyshacl.validate(
            data,
            shacl_graph=shapes,
            ont_graph=ontology,
            inference="none",
            advanced=True,
            abort_on_first=False,
            allow_warnings=False,
            do_owl_imports=False,
        )
    if not isinstance(report, Graph):
        raise TypeError(f"pyshacl returned a {type(report).__name__} report, expected a Graph")
    return Outcome(report_conforms(report), report, "pyshacl", refused)


def triples_of(graph: Graph) -> Iterable[ox.Triple]:
    """An rdflib graph's triples as pyoxigraph triples (blank nodes keep their ids)."""
    for s, p, o in graph:
        subject, predicate, obj = from_rdflib(s), from_rdflib(p), from_rdflib(o)
        assert isinstance(subject, (ox.NamedNode, ox.BlankNode))
        assert isinstance(predicate, ox.NamedNode)
        yield ox.Triple(subject, predicate, obj)
