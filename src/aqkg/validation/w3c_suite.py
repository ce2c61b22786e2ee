"""The W3C SHACL test suite (data-shapes/shacl-test-suite): its manifests read, one test run.

A test (sht:Validate) names a data graph and a shapes graph (files, often the test file itself)
and gives the expected report. As the suite's README asks, reports are compared on sh:conforms
and on their results, each by focus node, result path, value, source shape, constraint
component and severity (messages ignored), as multisets. Blank nodes compare by identity when
the data, shapes and expected report come from one file (one parse), else as any blank node.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from aqkg.validation.compile import UnsupportedShapeError
from aqkg.validation.processor import Engine, triples_of, validate
from aqkg.validation.property_paths import PathError, sparql_path
from aqkg.validation.values import literals_as_written, quiet_rdflib
from aqkg.validation.w3c_report import report_conforms

__all__ = ["Case", "Verdict", "load_cases", "run_case"]

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SHT = Namespace("http://www.w3.org/ns/shacl-test#")
ResultKey = tuple[object, ...]


@dataclass(frozen=True)
class Case:
    name: str  # e.g. core/node/and-001
    group: str  # e.g. core/node
    data: Path
    shapes: Path
    manifest: Path  # the file that holds the expected report


@dataclass(frozen=True)
class Verdict:
    outcome: str  # "pass", "fail" or "refused"
    engine: str
    detail: str = ""


def load_cases(root: Path, part: str = "core") -> list[Case]:
    """Every sht:Validate test reachable from `root`/`part`/manifest.ttl."""
    cases: list[Case] = []
    root = root.resolve()  # the manifests name their files resolved: a linked suite must match
    _read_manifest(root / part / "manifest.ttl", root, cases, set())
    return sorted(cases, key=lambda c: c.name)


def _read_manifest(path: Path, root: Path, cases: list[Case], seen: set[Path]) -> None:
    if path in seen:
        return
    seen.add(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: manifest not found")
    graph = _parse(path)
    for included in graph.objects(None, MF.include):
        _read_manifest(_file(included), root, cases, seen)
    for entries in graph.objects(None, MF.entries):
        for test in Collection(graph, entries):
            if (test, RDF.type, SHT.Validate) not in graph:
                continue
            action = graph.value(test, MF.action)
            data, shapes = graph.value(action, SHT.dataGraph), graph.value(action, SHT.shapesGraph)
            name = str(path.relative_to(root).with_suffix("").parent / _local(test))
            cases.append(
                Case(name, str(path.parent.relative_to(root)), _file(data), _file(shapes), path)
            )


def run_case(case: Case, engine: Engine) -> Verdict:
    """Run one test through `engine`; compare with the expected report."""
    files = {case.data, case.shapes, case.manifest}
    graphs = {path: _parse(path) for path in files}  # one parse per file: blank nodes shared
    data, shapes, expected = graphs[case.data], graphs[case.shapes], graphs[case.manifest]
    try:
        outcome = validate(lambda: triples_of(data), lambda: data, shapes, None, engine)
    except UnsupportedShapeError as error:
        return Verdict("refused", "compiled", str(error))
    identity = len(files) == 1
    result = expected.value(_test_node(expected, case), MF.result)
    want = _results(expected, result, identity)
    got = _report_results(outcome.report, identity)
    want_conforms = expected.value(result, SH.conforms) == Literal(True)
    if want == got and want_conforms == report_conforms(outcome.report):
        return Verdict("pass", outcome.engine)
    missing, extra = want - got, got - want
    detail = f"missing {_show(missing)} extra {_show(extra)}"
    return Verdict("fail", outcome.engine, detail)


def _report_results(report: Graph, identity: bool) -> Counter[ResultKey]:
    node = next(report.subjects(RDF.type, SH.ValidationReport))
    return _results(report, node, identity)


def _results(graph: Graph, report: Node | None, identity: bool) -> Counter[ResultKey]:
    keys: Counter[ResultKey] = Counter()
    for result in graph.objects(report, SH.result):
        keys[
            (
                _key(graph.value(result, SH.focusNode), identity),
                _path_key(graph, graph.value(result, SH.resultPath)),
                _key(graph.value(result, SH.value), identity),
                _key(graph.value(result, SH.sourceShape), identity),
                _key(graph.value(result, SH.sourceConstraintComponent), identity),
                _key(graph.value(result, SH.resultSeverity), identity),
            )
        ] += 1
    return keys


def _key(node: Node | None, identity: bool) -> object:
    if isinstance(node, BNode):
        return ("bnode", str(node) if identity else "")
    return node


def _path_key(graph: Graph, path: Node | None) -> object:
    if not isinstance(path, BNode):
        return path
    try:
        return sparql_path(graph, path)
    except PathError:
        return ("bad path",)


def _test_node(graph: Graph, case: Case) -> Node:
    for test in graph.subjects(RDF.type, SHT.Validate):
        if _local(test) == case.name.rsplit("/", 1)[-1]:
            return test
    raise LookupError(f"{case.manifest}: no test {case.name}")


def _parse(path: Path) -> Graph:
    """The file as written: rdflib would otherwise rewrite "none"^^xsd:boolean as "false"."""
    graph = Graph()
    with quiet_rdflib(), literals_as_written():
        graph.parse(path, format="turtle", publicID=path.resolve().as_uri())
    return graph


def _file(node: Node | None) -> Path:
    if not isinstance(node, URIRef):
        raise ValueError(f"{node}: not a file IRI")
    return Path(unquote(urlparse(str(node)).path))


def _local(node: Node) -> str:
    return str(node).rstrip("/").rsplit("/", 1)[-1].split("#")[-1]


def _show(keys: Counter[ResultKey]) -> str:
    """Result keys, shortly (local names), for a failure message."""
    shown = []
    for key in sorted(keys, key=str)[:4]:
        parts = [str(p).rsplit("#", 1)[-1].rsplit("/", 1)[-1] for p in key]
        shown.append("(" + ", ".join(parts) + ")")
    return " ".join(shown) or "-"
