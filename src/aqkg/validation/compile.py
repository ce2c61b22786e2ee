"""Compile SHACL shapes into whole-graph checks (see shacl_engine for running them).

Each constraint of each shape becomes one `Check`: where its focus nodes come from
(shacl_targets), the SPARQL property path to its value nodes (shacl_paths), and what fails. A
value test is a SPARQL expression over `?v`, a Python predicate on each value node
(shacl_values), or the conformance of the value nodes to other shapes (`Logic`: sh:node,
sh:not, sh:and, sh:or, sh:xone, qualified value shapes), whose checks are compiled the same way
with those value nodes as their focus nodes.

Nothing is compiled that is not fully understood: before anything else, every shape node's
predicates are checked against an allowlist (`SHAPE_PARAMETERS`) and `UnsupportedShapeError`
names the first other one (custom constraint components, SHACL-AF, recursive shapes, blank
nodes where a query must name a term...), so the caller can refuse or fall back to pySHACL.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH
from rdflib.term import Node

from aqkg.validation import values
from aqkg.validation.property_paths import PathError, sparql_path
from aqkg.validation.targets import Focus, Targets, ValuesOf

__all__ = [
    "Check",
    "Closed",
    "Compare",
    "Count",
    "HasValue",
    "Logic",
    "Shape",
    "SparqlRule",
    "Test",
    "UniqueLang",
    "UnsupportedShapeError",
    "compile_shapes",
]

_TARGETS = ("targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf")
_NON_VALIDATING = ("name", "description", "message", "severity", "deactivated", "order", "group")
_CONSTRAINTS = [
    "class",
    "datatype",
    "nodeKind",
    "minCount",
    "maxCount",
    "minExclusive",
    "minInclusive",
    "maxExclusive",
    "maxInclusive",
    "minLength",
    "maxLength",
    "pattern",
    "flags",
    "languageIn",
    "uniqueLang",
    "equals",
    "disjoint",
    "lessThan",
    "lessThanOrEquals",
    "not",
    "and",
    "or",
    "xone",
    "node",
    "property",
    "qualifiedValueShape",
    "qualifiedMinCount",
    "qualifiedMaxCount",
    "qualifiedValueShapesDisjoint",
    "closed",
    "ignoredProperties",
    "hasValue",
    "in",
    "sparql",
    "path",
    "defaultValue",
]
# The only sh: predicates a shape node may have; any other (sh:rule, sh:target, sh:js...) is
# refused, so that no constraint is skipped without a word.
SHAPE_PARAMETERS = {SH[name] for name in (*_TARGETS, *_NON_VALIDATING, *_CONSTRAINTS)}
SPARQL_PARAMETERS = {SH.select, SH.prefixes, SH.deactivated, SH.message}
SHAPE_TYPES = {SH.NodeShape, SH.PropertyShape}
# predicates whose objects are shapes (lists of shapes for and/or/xone)
SHAPE_REFERENCES = (SH.property, SH.node, SH["not"], SH.qualifiedValueShape)
SHAPE_LISTS = (SH["and"], SH["or"], SH.xone)
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
RDFS_SUBCLASS = str(RDFS.subClassOf)


class UnsupportedShapeError(Exception):
    """The shapes use a construct the compiler does not handle."""


@dataclass(frozen=True)
class Logic:
    """Value nodes tested by their conformance to shapes: each member is one shape's checks,
    compiled with the value nodes (`candidates`) as focus nodes. `kind`: node, not, and, or,
    xone, or qualified (conforms to the first member and to none of the others)."""

    kind: str
    members: tuple[tuple[Check, ...], ...]
    candidates: Focus


@dataclass(frozen=True)
class Test:
    """What makes one value node fail: a SPARQL expression over ?v, a Python predicate on
    the node as written, or its conformance to other shapes."""

    sparql: str | None = None
    python: Callable[[values.Term], bool] | None = field(default=None, compare=False)
    logic: Logic | None = None


@dataclass(frozen=True)
class Shape:
    """What every result of a shape carries."""

    node: str
    severity: str
    messages: tuple[str, ...]
    name: str | None
    path: str | None  # result path: the predicate IRI, "(blank node)" for other paths
    term: Node = field(compare=False)  # the shape node, for a W3C report
    path_node: Node | None = field(default=None, compare=False)


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
class UniqueLang:
    """Two value nodes in one language: a result per focus node and language."""


@dataclass(frozen=True)
class HasValue:
    """No value node is this term (SPARQL, as stored)."""

    term: str


@dataclass(frozen=True)
class Compare:
    """sh:equals, sh:disjoint, sh:lessThan, sh:lessThanOrEquals against `predicate`'s values."""

    kind: str
    predicate: str


@dataclass(frozen=True)
class Closed:
    """sh:closed: a result per triple of a value node whose predicate is not `allowed`."""

    allowed: frozenset[str]


Rule = Test | Count | SparqlRule | UniqueLang | HasValue | Compare | Closed


@dataclass(frozen=True)
class Check:
    shape: Shape
    component: str
    focus: Focus
    path: str | None  # SPARQL property path to the value nodes; None: the focus node itself
    rule: Rule


def compile_shapes(shapes: Graph) -> list[Check]:
    """Every check the shapes make, or UnsupportedShapeError naming what is not handled."""
    compiler = _Compiler(shapes)
    checks: list[Check] = []
    for shape, targets in compiler.targeted().items():
        checks.extend(compiler.shape(shape, targets))
    return checks


def _values_of(focus: Focus, path: str | None) -> Focus:
    return focus if path is None else ValuesOf(focus, path)


class _Compiler:
    def __init__(self, shapes: Graph) -> None:
        self.g = shapes
        self._refuse_custom_components()
        roots = set(self.g.subjects(RDF.type, SH.NodeShape))
        roots |= set(self.g.subjects(RDF.type, SH.PropertyShape))
        for target in _TARGETS:
            roots |= set(self.g.subjects(SH[target], None))
        self._check_shapes(roots)

    # -- what is refused before anything is compiled ---------------------------------------

    def _refuse_custom_components(self) -> None:
        for subject in self.g.subjects(RDF.type, SH.ConstraintComponent):
            raise UnsupportedShapeError(f"{_text(subject)}: a custom sh:ConstraintComponent")
        for subject in self.g.subjects(SH.parameter, None):
            raise UnsupportedShapeError(f"{_text(subject)}: sh:parameter (a custom component)")
        for subject in self.g.subjects(OWL.imports, None):
            raise UnsupportedShapeError(f"{_text(subject)}: owl:imports in the shapes graph")

    def _check_shapes(self, roots: set[Node]) -> None:
        """Every shape reachable from `roots` uses allowlisted predicates only, and no shape
        refers to itself through others (a recursive shape has no SHACL Core meaning)."""
        done: set[Node] = set()

        def visit(node: Node, trail: tuple[Node, ...]) -> None:
            if node in trail:
                raise UnsupportedShapeError(f"{_text(node)}: a recursive shape")
            if node in done:
                return
            self._check_parameters(node)
            for child in self._referenced(node):
                visit(child, (*trail, node))
            done.add(node)

        for root in roots:
            visit(root, ())

    def _check_parameters(self, node: Node) -> None:
        for predicate, obj in self.g.predicate_objects(node):
            if str(predicate).startswith(str(SH)) and predicate not in SHAPE_PARAMETERS:
                raise UnsupportedShapeError(f"{_text(node)}: {_name(predicate)} is not compiled")
            if predicate == RDF.type and str(obj).startswith(str(SH)) and obj not in SHAPE_TYPES:
                raise UnsupportedShapeError(f"{_text(node)}: type {_name(obj)} is not compiled")
        for constraint in self.g.objects(node, SH.sparql):
            for predicate in self.g.predicates(constraint, None):
                if str(predicate).startswith(str(SH)) and predicate not in SPARQL_PARAMETERS:
                    raise UnsupportedShapeError(
                        f"{_text(node)}: {_name(predicate)} in sh:sparql is not compiled"
                    )

    def _referenced(self, node: Node) -> Iterator[Node]:
        for predicate in SHAPE_REFERENCES:
            yield from self.g.objects(node, predicate)
        for predicate in SHAPE_LISTS:
            for members in self.g.objects(node, predicate):
                yield from self._list(members, node, predicate)

    def _list(self, head: Node, where: Node, predicate: Node) -> list[Node]:
        if head != RDF.nil and (head, RDF.first, None) not in self.g:
            raise UnsupportedShapeError(f"{_text(where)}: {_name(predicate)} is not a list")
        return list(Collection(self.g, head))

    # -- focus nodes -----------------------------------------------------------------------

    def targeted(self) -> dict[Node, Targets]:
        """Active shapes with targets of their own."""
        targeted: dict[Node, Targets] = {}
        shapes = set(self.g.subjects(RDF.type, SH.NodeShape)) | set(
            self.g.subjects(RDF.type, SH.PropertyShape)
        )
        for target in _TARGETS:
            shapes |= set(self.g.subjects(SH[target], None))
        for shape in shapes:
            targets = Targets(
                classes=frozenset(
                    {
                        self._iri(c, shape, "targetClass")
                        for c in self.g.objects(shape, SH.targetClass)
                    }
                    | ({str(shape)} if self._implicit_class(shape) else set())
                ),
                nodes=frozenset(self._term(n, shape) for n in self.g.objects(shape, SH.targetNode)),
                subjects_of=self._iris(shape, "targetSubjectsOf"),
                objects_of=self._iris(shape, "targetObjectsOf"),
            )
            if targets and not self._deactivated(shape):
                targeted[shape] = targets
        return targeted

    def _implicit_class(self, shape: Node) -> bool:
        """SHACL §2.1.3.3: a node shape that is also an rdfs:Class targets its instances."""
        if not isinstance(shape, URIRef) or (shape, RDF.type, SH.NodeShape) not in self.g:
            return False
        types = set(self.g.objects(shape, RDF.type))
        query = f"ASK {{ <{shape}> a/<{RDFS_SUBCLASS}>* <{RDFS.Class}> }}"
        return RDFS.Class in types or bool(self.g.query(query).askAnswer)

    def _iris(self, shape: Node, predicate: str) -> frozenset[str]:
        return frozenset(
            self._iri(o, shape, predicate) for o in self.g.objects(shape, SH[predicate])
        )

    def _iri(self, node: Node, shape: Node, predicate: str) -> str:
        if not isinstance(node, URIRef):
            raise UnsupportedShapeError(f"{_text(shape)}: sh:{predicate} {node} is not an IRI")
        return str(node)

    def _term(self, node: Node, shape: Node) -> str:
        try:
            return values.sparql_term(node)
        except ValueError as error:
            raise UnsupportedShapeError(f"{_text(shape)}: {error}") from None

    def _deactivated(self, node: Node) -> bool:
        return self.g.value(node, SH.deactivated) == Literal(True)

    # -- one shape -------------------------------------------------------------------------

    def shape(self, node: Node, focus: Focus) -> list[Check]:
        """The checks of `node` for the focus nodes `focus` (none when deactivated)."""
        if self._deactivated(node):
            return []
        path_node = self.g.value(node, SH.path)
        try:
            path = sparql_path(self.g, path_node) if path_node is not None else None
        except PathError as error:
            raise UnsupportedShapeError(f"{_text(node)}: {error}") from None
        shape = Shape(
            node=_text(node),
            severity=str(self.g.value(node, SH.severity) or SH.Violation),
            messages=tuple(str(m) for m in self.g.objects(node, SH.message)),
            name=_optional_text(self.g.value(node, SH.name)),
            path=_text(path_node) if path_node is not None else None,
            term=node,
            path_node=path_node,
        )

        def check(component: str, rule: Rule) -> Check:
            return Check(shape, str(SH[component]), focus, path, rule)

        checks = [check(c, rule) for c, rule in self._rules(node, focus, path)]
        for prop in self.g.objects(node, SH.property):
            checks.extend(self.shape(prop, _values_of(focus, path)))
        return checks

    def _rules(self, node: Node, focus: Focus, path: str | None) -> Iterator[tuple[str, Rule]]:
        candidates = _values_of(focus, path)
        yield from self._value_tests(node, candidates)
        minimum, maximum = self.g.value(node, SH.minCount), self.g.value(node, SH.maxCount)
        if (minimum is not None or maximum is not None) and path is None:
            raise UnsupportedShapeError(f"{_text(node)}: sh:minCount/sh:maxCount on a node shape")
        if minimum is not None:
            yield "MinCountConstraintComponent", Count(minimum=self._int(minimum, node))
        if maximum is not None:
            yield "MaxCountConstraintComponent", Count(maximum=self._int(maximum, node))
        if self.g.value(node, SH.uniqueLang) == Literal(True):
            if path is None:
                raise UnsupportedShapeError(f"{_text(node)}: sh:uniqueLang on a node shape")
            yield "UniqueLangConstraintComponent", UniqueLang()
        for constant in self.g.objects(node, SH.hasValue):
            yield "HasValueConstraintComponent", HasValue(self._term(constant, node))
        for kind, component in _COMPARISONS.items():
            for other in self.g.objects(node, SH[kind]):
                yield component, Compare(kind, self._iri(other, node, kind))
        if self.g.value(node, SH.closed) == Literal(True):
            yield "ClosedConstraintComponent", Closed(self._allowed(node))
        yield from self._qualified(node, candidates)
        for constraint in self.g.objects(node, SH.sparql):
            if path is not None:
                raise UnsupportedShapeError(f"{_text(node)}: sh:sparql on a property shape")
            if not self._deactivated(constraint):
                yield "SPARQLConstraintComponent", self._sparql_rule(node, constraint)

    def _value_tests(self, node: Node, candidates: Focus) -> Iterator[tuple[str, Test]]:
        """(component, test) for each value-node constraint of a shape."""
        yield from self._simple_tests(node)
        for kind, component in _LOGIC.items():
            for members in self._logic_members(node, kind):
                yield component, self._logic(node, kind, members, candidates)

    def _simple_tests(self, node: Node) -> Iterator[tuple[str, Test]]:
        """Tests on one value node alone, as SPARQL or Python."""
        for cls in self.g.objects(node, SH["class"]):
            term = self._term(cls, node)
            yield (
                "ClassConstraintComponent",
                Test(sparql=f"NOT EXISTS {{ ?v a/<{RDFS_SUBCLASS}>* {term} }}"),
            )
        for datatype in self.g.objects(node, SH.datatype):
            yield "DatatypeConstraintComponent", self._datatype(node, datatype)
        for kind in self.g.objects(node, SH.nodeKind):
            if not isinstance(kind, URIRef) or kind not in NODE_KINDS:
                raise UnsupportedShapeError(f"{_text(node)}: unknown sh:nodeKind {kind}")
            yield "NodeKindConstraintComponent", Test(sparql=f"!{NODE_KINDS[kind]}")
        for members in self.g.objects(node, SH["in"]):
            listed = self._list(members, node, SH["in"])
            same = " || ".join(f"sameTerm(?v, {self._term(m, node)})" for m in listed)
            yield "InConstraintComponent", Test(sparql=f"!({same or 'false'})")
        yield from self._pattern(node)
        for name in ("minInclusive", "maxInclusive", "minExclusive", "maxExclusive"):
            for bound in self.g.objects(node, SH[name]):
                if not isinstance(bound, Literal):
                    raise UnsupportedShapeError(f"{_text(node)}: sh:{name} is not a literal")
                fails = values.range_test(
                    values.from_rdflib(bound),
                    minimum=name.startswith("min"),
                    exclusive=name.endswith("Exclusive"),
                )
                yield f"{name[0].upper()}{name[1:]}ConstraintComponent", Test(python=fails)
        for name, operator in (("minLength", "<"), ("maxLength", ">")):
            for length in self.g.objects(node, SH[name]):
                limit = self._int(length, node)
                yield (
                    f"{name[0].upper()}{name[1:]}ConstraintComponent",
                    Test(sparql=f"(isBlank(?v) || STRLEN(STR(?v)) {operator} {limit})"),
                )
        for languages in self.g.objects(node, SH.languageIn):
            tags = [str(tag) for tag in self._list(languages, node, SH.languageIn)]
            yield "LanguageInConstraintComponent", Test(sparql=_language_in(tags))

    def _datatype(self, node: Node, datatype: Node) -> Test:
        if not isinstance(datatype, URIRef):
            raise UnsupportedShapeError(f"{_text(node)}: sh:datatype is not an IRI")
        if datatype == values.XSD_STRING:  # every string is well-formed: exact in SPARQL
            return Test(sparql=f"!(isLiteral(?v) && DATATYPE(?v) = <{datatype}>)")
        if datatype == RDF.langString:
            return Test(sparql='!(isLiteral(?v) && LANG(?v) != "")')
        return Test(python=functools.partial(values.datatype_fails, datatype=str(datatype)))

    def _pattern(self, node: Node) -> Iterator[tuple[str, Test]]:
        flags = self.g.value(node, SH.flags)
        for pattern in self.g.objects(node, SH.pattern):
            try:
                regex = values.compile_pattern(str(pattern), str(flags or ""))
            except re.error as error:
                raise UnsupportedShapeError(f"{_text(node)}: sh:pattern {error}") from None
            yield (
                "PatternConstraintComponent",
                Test(python=functools.partial(values.pattern_fails, regex=regex)),
            )

    def _logic_members(self, node: Node, kind: str) -> Iterator[list[Node]]:
        predicate = URIRef(str(SH) + kind)
        for obj in self.g.objects(node, predicate):
            yield self._list(obj, node, predicate) if predicate in SHAPE_LISTS else [obj]

    def _logic(self, node: Node, kind: str, members: list[Node], candidates: Focus) -> Test:
        simple = [self._simple_shape_test(m) for m in members]
        tests = [t for t in simple if t is not None]
        uniform = all(t.sparql for t in tests) or all(t.python for t in tests)
        if kind in ("or", "node", "and") and len(tests) == len(members) and uniform:
            # value tests alone (the project's sh:or of datatypes): one SPARQL or Python test
            return _combine(tests, all_fail=kind == "or", where=_text(node))
        compiled = tuple(tuple(self.shape(m, candidates)) for m in members)
        return Test(logic=Logic(kind, compiled, candidates))

    def _simple_shape_test(self, node: Node) -> Test | None:
        """One test failing when a value node does not conform to `node`, when `node` has
        simple value tests only (None otherwise)."""
        if self._deactivated(node):
            return Test(sparql="false")
        simple = {SH[name] for name in _SIMPLE}
        if any(
            p not in simple for p in self.g.predicates(node, None) if str(p).startswith(str(SH))
        ):
            return None
        tests = [test for _, test in self._simple_tests(node)]
        if not tests:
            return Test(sparql="false")
        if not (all(t.sparql for t in tests) or all(t.python for t in tests)):
            return None
        return _combine(tests, all_fail=False, where=_text(node))

    def _qualified(self, node: Node, candidates: Focus) -> Iterator[tuple[str, Rule]]:
        low, high = (
            self.g.value(node, SH.qualifiedMinCount),
            self.g.value(node, SH.qualifiedMaxCount),
        )
        shapes = list(self.g.objects(node, SH.qualifiedValueShape))
        if not shapes or (low is None and high is None):
            return
        if len(shapes) > 1:
            raise UnsupportedShapeError(f"{_text(node)}: two sh:qualifiedValueShape")
        siblings = self._siblings(node, shapes[0])
        simple = self._simple_shape_test(shapes[0])
        if not siblings and simple is not None:
            test = simple
        else:
            members = (shapes[0], *siblings)
            compiled = tuple(tuple(self.shape(m, candidates)) for m in members)
            test = Test(logic=Logic("qualified", compiled, candidates))
        if low is not None:
            yield "QualifiedMinCountConstraintComponent", Count(self._int(low, node), None, test)
        if high is not None:
            yield "QualifiedMaxCountConstraintComponent", Count(None, self._int(high, node), test)

    def _siblings(self, node: Node, own: Node) -> list[Node]:
        """SHACL §4.7.3: with sh:qualifiedValueShapesDisjoint, the qualified value shapes of
        the other property shapes of this shape's parents."""
        if self.g.value(node, SH.qualifiedValueShapesDisjoint) != Literal(True):
            return []
        siblings = {
            other
            for parent in self.g.subjects(SH.property, node)
            for sibling in self.g.objects(parent, SH.property)
            for other in self.g.objects(sibling, SH.qualifiedValueShape)
            if sibling != node and other != own
        }
        return sorted(siblings, key=str)

    def _allowed(self, node: Node) -> frozenset[str]:
        allowed = {
            str(path)
            for prop in self.g.objects(node, SH.property)
            for path in self.g.objects(prop, SH.path)
            if isinstance(path, URIRef)
        }
        for ignored in self.g.objects(node, SH.ignoredProperties):
            allowed |= {
                self._iri(p, node, "ignoredProperties")
                for p in self._list(ignored, node, SH.ignoredProperties)
            }
        return frozenset(allowed)

    def _sparql_rule(self, shape: Node, constraint: Node) -> SparqlRule:
        where = _text(shape)
        if (constraint, SH.message, None) in self.g:
            raise UnsupportedShapeError(f"{where}: sh:message on the sh:SPARQLConstraint itself")
        select = self.g.value(constraint, SH.select)
        if select is None:
            raise UnsupportedShapeError(f"{where}: sh:sparql without sh:select")
        text = str(select)
        head = text.split("WHERE", 1)[0] if "WHERE" in text else text.split("{", 1)[0]
        if SPARQL_TEXT_ONLY.search(text):
            raise UnsupportedShapeError(f"{where}: the SPARQL uses a pre-bound variable or MINUS")
        if "$this" not in head and "?this" not in head and "*" not in head:
            raise UnsupportedShapeError(f"{where}: the SELECT does not return $this")
        prefixes = {
            str(self.g.value(d, SH.prefix)): str(self.g.value(d, SH.namespace))
            for declared in self.g.objects(constraint, SH.prefixes)
            for d in self.g.objects(declared, SH.declare)
        }
        lines = [f"PREFIX {p}: <{ns}>" for p, ns in prefixes.items()]
        return SparqlRule("\n".join([*lines, text]))

    def _int(self, node: Node, shape: Node) -> int:
        if not isinstance(node, Literal) or not isinstance(node.value, int):
            raise UnsupportedShapeError(f"{_text(shape)}: {node} is not an integer")
        return node.value


_COMPARISONS = {
    "equals": "EqualsConstraintComponent",
    "disjoint": "DisjointConstraintComponent",
    "lessThan": "LessThanConstraintComponent",
    "lessThanOrEquals": "LessThanOrEqualsConstraintComponent",
}
_LOGIC = {
    "node": "NodeConstraintComponent",
    "not": "NotConstraintComponent",
    "and": "AndConstraintComponent",
    "or": "OrConstraintComponent",
    "xone": "XoneConstraintComponent",
}
# a shape with these only is a test on one value node (_simple_shape_test)
_SIMPLE = [
    "class",
    "datatype",
    "nodeKind",
    "in",
    "pattern",
    "flags",
    "minInclusive",
    "maxInclusive",
    "minExclusive",
    "maxExclusive",
    "minLength",
    "maxLength",
    "languageIn",
    "name",
    "description",
    "message",
    "severity",
    "order",
    "group",
]


def _language_in(tags: list[str]) -> str:
    """SPARQL's langMatches, as SHACL asks: the whole tag or a prefix of it ending at '-'."""
    matches = " || ".join(f"langMatches(LANG(?v), {_sparql_string(t)})" for t in tags)
    return f'!(isLiteral(?v) && LANG(?v) != "" && ({matches or "false"}))'


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


def _sparql_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _text(node: Node) -> str:
    return "(blank node)" if isinstance(node, BNode) else str(node)


def _optional_text(node: Node | None) -> str | None:
    return None if node is None else _text(node)


def _name(node: Node) -> str:
    return _text(node).replace(str(SH), "sh:")
