"""Compile the SHACL shapes into whole-graph checks (see shacl_engine for running them).

Each constraint of each targeted shape becomes one `Check`: the shape's focus classes, the
SPARQL property path to its value nodes, and what fails. A value test either is an exact
SPARQL expression over `?v` (sh:class, sh:nodeKind, sh:in, sh:languageIn, string datatypes)
or runs in Python on each value node (the other datatypes, sh:pattern, ranges), where it has
to follow rdflib's reading of literals exactly as pySHACL does (ill-typed literals, Python
regular expressions).

Only the constructs below are compiled; `UnsupportedShapeError` names the first other one, so
that nothing in the shapes is silently skipped (the caller then falls back to pySHACL).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from aqkg.validation import values

__all__ = ["Check", "Count", "Shape", "SparqlRule", "UnsupportedShapeError", "compile_shapes"]

# Every sh: term the compiler understands, as predicate or as rdf:type; any other one in the
# shapes graph (sh:node, sh:closed, sh:rule, sh:targetNode, custom components...) is refused.
KNOWN_PREDICATES = {
    SH[name]
    for name in [
        "targetClass",
        "property",
        "path",
        "name",
        "description",
        "message",
        "severity",
        "deactivated",
        "order",
        "group",
        "minCount",
        "maxCount",
        "datatype",
        "class",
        "nodeKind",
        "in",
        "pattern",
        "flags",
        "minInclusive",
        "maxInclusive",
        "languageIn",
        "uniqueLang",
        "or",
        "qualifiedValueShape",
        "qualifiedMinCount",
        "qualifiedMaxCount",
        "sparql",
        "select",
        "prefixes",
        "declare",
        "prefix",
        "namespace",
        "inversePath",
        "alternativePath",
        "zeroOrMorePath",
        "oneOrMorePath",
        "zeroOrOnePath",
    ]
}
KNOWN_TYPES = {SH.NodeShape, SH.PropertyShape, SH.SPARQLConstraint, SH.PrefixDeclaration}
NODE_KINDS = {
    SH.IRI: "isIRI(?v)",
    SH.BlankNode: "isBlank(?v)",
    SH.Literal: "isLiteral(?v)",
    SH.BlankNodeOrIRI: "(isBlank(?v) || isIRI(?v))",
    SH.BlankNodeOrLiteral: "(isBlank(?v) || isLiteral(?v))",
    SH.IRIOrLiteral: "(isIRI(?v) || isLiteral(?v))",
}
# pre-bound variables other than $this, and what pySHACL refuses or reads apart
SPARQL_TEXT_ONLY = re.compile(r"[$?](currentShape|shapesGraph|failure)\b|\$PATH\b|\bMINUS\b", re.I)


class UnsupportedShapeError(Exception):
    """The shapes use a construct the compiler does not know."""


@dataclass(frozen=True)
class Test:
    """What makes one value node fail: a SPARQL expression over ?v, or a Python predicate."""

    sparql: str | None = None
    python: Callable[[values.Term], bool] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Shape:
    """What every result of a shape carries."""

    node: str
    severity: str
    messages: tuple[str, ...]
    name: str | None
    path: str | None  # result path: the predicate IRI, "(blank node)" for other paths


@dataclass(frozen=True)
class Count:
    """Fewer than `minimum` or more than `maximum` value nodes (passing `test`, if given)."""

    minimum: int | None = None
    maximum: int | None = None
    test: Test | None = None


@dataclass(frozen=True)
class SparqlRule:
    """An sh:sparql SELECT, to run with $this unbound."""

    query: str


@dataclass(frozen=True)
class Check:
    shape: Shape
    component: str
    classes: frozenset[str]  # focus nodes: instances of these classes (and their subclasses)
    path: str | None  # SPARQL property path to the value nodes; None: the focus node itself
    rule: Test | Count | SparqlRule | None  # None: sh:uniqueLang


def compile_shapes(shapes: Graph) -> list[Check]:
    """Every check the shapes make, or UnsupportedShapeError naming what cannot be compiled."""
    _refuse_unknown_terms(shapes)
    checks: list[Check] = []
    for shape, classes in _targeted_shapes(shapes).items():
        checks.extend(_compile_shape(shapes, shape, classes))
    return checks


def _refuse_unknown_terms(shapes: Graph) -> None:
    for subject, predicate, obj in shapes:
        if str(predicate).startswith(str(SH)) and predicate not in KNOWN_PREDICATES:
            raise UnsupportedShapeError(f"{_name(subject)}: {_name(predicate)} is not compiled")
        if predicate == RDF.type and str(obj).startswith(str(SH)) and obj not in KNOWN_TYPES:
            raise UnsupportedShapeError(f"{_name(subject)}: type {_name(obj)} is not compiled")


def _targeted_shapes(shapes: Graph) -> dict[Node, frozenset[str]]:
    """Active shapes with their focus classes; property shapes take their parents' too."""
    targeted: dict[Node, set[str]] = {}
    for shape in set(shapes.subjects(SH.targetClass, None)):
        if not _deactivated(shapes, shape):
            targeted.setdefault(shape, set()).update(
                str(c) for c in shapes.objects(shape, SH.targetClass)
            )
    for parent, classes in list(targeted.items()):
        for prop in shapes.objects(parent, SH.property):
            if not _deactivated(shapes, prop):
                targeted.setdefault(prop, set()).update(classes)
    return {shape: frozenset(classes) for shape, classes in targeted.items()}


def _compile_shape(shapes: Graph, node: Node, classes: frozenset[str]) -> Iterable[Check]:
    path_node = shapes.value(node, SH.path)
    path = _sparql_path(shapes, path_node) if path_node is not None else None
    shape = Shape(
        node=_text(node),
        severity=str(shapes.value(node, SH.severity) or SH.Violation),
        messages=tuple(str(m) for m in shapes.objects(node, SH.message)),
        name=_optional_text(shapes.value(node, SH.name)),
        path=_text(path_node) if path_node is not None else None,
    )

    def check(component: str, rule: Test | Count | SparqlRule | None) -> Check:
        if not shape.messages:  # pySHACL's generic messages are not reproduced
            raise UnsupportedShapeError(f"{shape.node}: no sh:message")
        return Check(shape, str(SH[component]), classes, path, rule)

    for test_component, test in _value_tests(shapes, node):
        yield check(test_component, test)
    minimum, maximum = shapes.value(node, SH.minCount), shapes.value(node, SH.maxCount)
    if (minimum is not None or maximum is not None) and path is None:
        raise UnsupportedShapeError(f"{shape.node}: sh:minCount/sh:maxCount on a node shape")
    if minimum is not None:
        yield check("MinCountConstraintComponent", Count(minimum=_int(minimum)))
    if maximum is not None:
        yield check("MaxCountConstraintComponent", Count(maximum=_int(maximum)))
    if shapes.value(node, SH.uniqueLang) == Literal(True):
        yield check("UniqueLangConstraintComponent", None)
    qualified = shapes.value(node, SH.qualifiedValueShape)
    if qualified is not None:
        test = _nested_shape_test(shapes, qualified)
        low, high = (
            shapes.value(node, SH.qualifiedMinCount),
            shapes.value(node, SH.qualifiedMaxCount),
        )
        if low is not None:
            yield check("QualifiedMinCountConstraintComponent", Count(_int(low), None, test))
        if high is not None:
            yield check("QualifiedMaxCountConstraintComponent", Count(None, _int(high), test))
    for constraint in shapes.objects(node, SH.sparql):
        if path is not None:
            raise UnsupportedShapeError(f"{shape.node}: sh:sparql on a property shape")
        if not _deactivated(shapes, constraint):
            yield check("SPARQLConstraintComponent", _sparql_rule(shapes, node, constraint))


def _value_tests(shapes: Graph, node: Node) -> Iterable[tuple[str, Test]]:
    """(component, test) for each value-node constraint of a shape."""
    for cls in shapes.objects(node, SH["class"]):
        yield "ClassConstraintComponent", _class_test(cls)
    for datatype in shapes.objects(node, SH.datatype):
        yield "DatatypeConstraintComponent", _datatype_test(datatype)
    for kind in shapes.objects(node, SH.nodeKind):
        if not isinstance(kind, URIRef) or kind not in NODE_KINDS:
            raise UnsupportedShapeError(f"{_text(node)}: unknown sh:nodeKind {kind}")
        yield "NodeKindConstraintComponent", Test(sparql=f"!{NODE_KINDS[kind]}")
    for members in shapes.objects(node, SH["in"]):
        same = " || ".join(f"sameTerm(?v, {_sparql_term(m)})" for m in Collection(shapes, members))
        yield "InConstraintComponent", Test(sparql=f"!({same or 'false'})")
    flags = shapes.value(node, SH.flags)
    for pattern in shapes.objects(node, SH.pattern):
        regex = values.compile_pattern(str(pattern), str(flags) if flags is not None else "")
        yield (
            "PatternConstraintComponent",
            Test(python=functools.partial(values.pattern_fails, regex=regex)),
        )
    for bound_kind in ("minInclusive", "maxInclusive"):
        for bound in shapes.objects(node, SH[bound_kind]):
            if not isinstance(bound, Literal):
                raise UnsupportedShapeError(f"{_text(node)}: sh:{bound_kind} is not a literal")
            fails = values.range_test(bound, minimum=bound_kind == "minInclusive")
            yield f"{bound_kind[0].upper()}{bound_kind[1:]}ConstraintComponent", Test(python=fails)
    for languages in shapes.objects(node, SH.languageIn):
        tags = [str(tag).lower() for tag in Collection(shapes, languages)]
        yield "LanguageInConstraintComponent", Test(sparql=_language_in(tags))
    for members in shapes.objects(node, SH["or"]):
        tests = [_nested_shape_test(shapes, m) for m in Collection(shapes, members)]
        yield "OrConstraintComponent", _combine(tests, all_fail=True, where=_text(node))


def _class_test(cls: Node) -> Test:
    return Test(sparql=f"NOT EXISTS {{ ?v a/<{RDFS_SUBCLASS}>* {_sparql_term(cls)} }}")


RDFS_SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"


def _datatype_test(datatype: Node) -> Test:
    if datatype == values.XSD_STRING:  # exact in SPARQL: rdflib has no ill-typed strings
        return Test(sparql=f"!(isLiteral(?v) && DATATYPE(?v) = <{datatype}>)")
    if datatype == RDF.langString:
        return Test(sparql='!(isLiteral(?v) && LANG(?v) != "")')
    expected = URIRef(str(datatype))
    return Test(python=lambda v: values.datatype_fails(v, expected))


def _language_in(tags: list[str]) -> str:
    if "*" in tags:
        return '!(isLiteral(?v) && LANG(?v) != "")'
    listed = ", ".join(_sparql_string(tag) for tag in tags) or '""'
    # pySHACL matches the whole tag or its first subtag, case-insensitively
    first = 'LCASE(STRBEFORE(CONCAT(LANG(?v), "-"), "-"))'
    matches = f"(LCASE(LANG(?v)) IN ({listed}) || {first} IN ({listed}))"
    return f'!(isLiteral(?v) && LANG(?v) != "" && {matches})'


def _nested_shape_test(shapes: Graph, node: Node) -> Test:
    """Fails when a value node does not conform to the shape (sh:or members and the like)."""
    if _deactivated(shapes, node):
        return Test(sparql="false")
    for predicate in (SH.property, SH.path, SH.sparql, SH.minCount, SH.maxCount, SH.uniqueLang):
        if (node, predicate, None) in shapes:
            raise UnsupportedShapeError(f"{_text(node)}: {_name(predicate)} in a nested shape")
    if (node, SH.qualifiedValueShape, None) in shapes:
        raise UnsupportedShapeError(f"{_text(node)}: sh:qualifiedValueShape in a nested shape")
    tests = [test for _, test in _value_tests(shapes, node)]
    return _combine(tests, all_fail=False, where=_text(node)) if tests else Test(sparql="false")


def _combine(tests: list[Test], *, all_fail: bool, where: str) -> Test:
    """One test failing when all (sh:or) or any (a nested shape) of `tests` fail."""
    if all(t.sparql is not None for t in tests):
        joiner = " && " if all_fail else " || "
        return Test(sparql="(" + joiner.join(f"({t.sparql})" for t in tests) + ")")
    if all(t.python is not None for t in tests):
        checks = [t.python for t in tests if t.python is not None]
        if all_fail:
            return Test(python=lambda v: all(c(v) for c in checks))
        return Test(python=lambda v: any(c(v) for c in checks))
    raise UnsupportedShapeError(f"{where}: mixes SPARQL and Python value tests")


def _sparql_rule(shapes: Graph, shape: Node, constraint: Node) -> SparqlRule:
    where = _text(shape)
    if (constraint, SH.message, None) in shapes:
        raise UnsupportedShapeError(f"{where}: sh:message on the sh:SPARQLConstraint itself")
    select = shapes.value(constraint, SH.select)
    if select is None:
        raise UnsupportedShapeError(f"{where}: sh:sparql without sh:select")
    text = str(select)
    head = text.split("WHERE", 1)[0] if "WHERE" in text else text.split("{", 1)[0]
    if SPARQL_TEXT_ONLY.search(text):
        raise UnsupportedShapeError(f"{where}: the SPARQL uses a pre-bound variable or MINUS")
    if "$this" not in head and "?this" not in head and "*" not in head:
        raise UnsupportedShapeError(f"{where}: the SELECT does not return $this")
    prefixes = {
        str(shapes.value(d, SH.prefix)): str(shapes.value(d, SH.namespace))
        for declared in shapes.objects(constraint, SH.prefixes)
        for d in shapes.objects(declared, SH.declare)
    }
    lines = [f"PREFIX {p}: <{ns}>" for p, ns in prefixes.items()]
    return SparqlRule("\n".join([*lines, text]))


def _sparql_path(shapes: Graph, path: Node) -> str:
    if isinstance(path, URIRef):
        return f"<{path}>"
    if (path, RDF.first, None) in shapes:
        return "(" + "/".join(_sparql_path(shapes, p) for p in Collection(shapes, path)) + ")"
    for predicate, template in (
        (SH.inversePath, "^{}"),
        (SH.zeroOrMorePath, "{}*"),
        (SH.oneOrMorePath, "{}+"),
        (SH.zeroOrOnePath, "{}?"),
    ):
        inner = shapes.value(path, predicate)
        if inner is not None:
            return "(" + template.format(_sparql_path(shapes, inner)) + ")"
    alternatives = shapes.value(path, SH.alternativePath)
    if alternatives is not None:
        return (
            "(" + "|".join(_sparql_path(shapes, p) for p in Collection(shapes, alternatives)) + ")"
        )
    raise UnsupportedShapeError(f"sh:path {_text(path)}: not a SHACL property path")


def _sparql_term(node: Node) -> str:
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, Literal):
        return values.literal_sparql(node)
    raise UnsupportedShapeError(f"{node}: a blank node cannot be compared")


def _sparql_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _deactivated(shapes: Graph, node: Node) -> bool:
    return shapes.value(node, SH.deactivated) == Literal(True)


def _int(node: Node) -> int:
    if not isinstance(node, Literal) or not isinstance(node.value, int):
        raise UnsupportedShapeError(f"{node}: a count is not an integer")
    return node.value


def _text(node: Node) -> str:
    return "(blank node)" if isinstance(node, BNode) else str(node)


def _optional_text(node: Node | None) -> str | None:
    return None if node is None else _text(node)


def _name(node: Node) -> str:
    return _text(node).replace(str(SH), "sh:")
