"""`aqkg validate DATA... --shapes SHAPES`: a standard SHACL processor on the command line.

The data alone against the given shapes (no project shapes, no store context), through
aqkg.validation.processor; the report as text, JSON or a W3C sh:ValidationReport in Turtle. Exit 0
when the data conforms (no result of any severity, as sh:conforms says), 1 when not, 2 when an
input is unusable or, with --engine compiled, the compiler refuses a construct.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pyoxigraph as ox
from pyshacl.errors import ReportableRuntimeError
from rdflib import Graph
from rdflib.util import guess_format

from aqkg.cli.common import EXIT_INVALID, EXIT_OK, CliError
from aqkg.intake.rdf_input import iter_triples
from aqkg.validation import report as report_output
from aqkg.validation.compile import UnsupportedShapeError
from aqkg.validation.processor import Engine, validate
from aqkg.validation.report import Report, findings_from_report_graph
from aqkg.validation.values import literals_as_written, quiet_rdflib

__all__ = ["ENGINES", "validate_against_shapes"]

ENGINES = ("auto", "compiled", "pyshacl")


def validate_against_shapes(
    files: Sequence[Path], shapes: Path, ontology: Path | None, engine: Engine, output: str
) -> int:
    """Validate, print the report in `output` format, return the exit code."""
    shapes_graph = read_graph(shapes)
    ontology_graph = read_graph(ontology) if ontology is not None else None
    try:
        outcome = validate(
            lambda: _triples(files),
            lambda: _graph(files),
            shapes_graph,
            ontology_graph,
            engine,
        )
    except UnsupportedShapeError as error:
        raise CliError(f"{shapes}: not compiled: {error}") from None
    except ReportableRuntimeError as error:  # pySHACL cannot load the shapes either
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise CliError(f"{shapes}: pySHACL: {first_line[:200]}") from None
    if output == "turtle":
        print(outcome.report.serialize(format="turtle"))
    else:
        findings = findings_from_report_graph(outcome.report, shapes_graph)
        report = Report(sorted(findings), [str(f) for f in files])
        print(report_output.FORMATTERS[output](report))
    return EXIT_OK if outcome.conforms else EXIT_INVALID


def read_graph(path: Path) -> Graph:
    """An RDF file as an rdflib graph, literals as written; CliError naming the file."""
    if not path.is_file():
        raise CliError(f"{path}: no such file")
    graph = Graph()
    try:
        with quiet_rdflib(), literals_as_written():
            graph.parse(path, format=guess_format(str(path)) or "turtle")
    except Exception as error:  # rdflib raises many kinds: each is unusable input
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise CliError(f"{path}: not readable as RDF ({first_line[:200]})") from None
    return graph


def _triples(files: Sequence[Path]) -> Iterator[ox.Triple]:
    for path in files:
        yield from iter_triples(path)


def _graph(files: Sequence[Path]) -> Graph:
    graph = Graph()
    for path in files:
        graph += read_graph(path)
    return graph
