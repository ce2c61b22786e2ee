"""Run the compiled shapes (shacl_compile) over a pyoxigraph store, all focus nodes at once.

One SPARQL query per constraint finds every failing focus node or value node; value tests that
run in Python (shacl_values) take the value nodes one query returns. A test of conformance to
other shapes (sh:node, sh:not, sh:and, sh:or, sh:xone, qualified value shapes) first runs those
shapes' checks on all the value nodes at once, then looks each value node up in the set of
those that failed. Literals are read as written (shacl_values.stored).
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from aqkg import paths
from aqkg.validation import shapes as shacl
from aqkg.validation.compile import (
    Check,
    Closed,
    Compare,
    Count,
    HasValue,
    Logic,
    Shape,
    SparqlRule,
    Test,
    UniqueLang,
    UnsupportedShapeError,
    compile_shapes,
)
from aqkg.validation.report import Finding
from aqkg.validation.targets import Focus, ValuesOf, focus_pattern
from aqkg.validation.values import (
    Term,
    as_written,
    compare,
    quiet_rdflib,
    stored,
)

__all__ = [
    "DataStore",
    "Result",
    "add_ontology",
    "add_triples",
    "check_runnable",
    "compiled_shapes",
    "findings",
    "run_checks",
    "written_triples",
]

RDFS_SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
# a SPARQL constraint comparing values: wrong on literals the store holds opaque
_COMPARES_VALUES = re.compile(r"[<>]=?|(?<![!<>])=|\bIN\b|\bsameTerm\b|\bMIN\b|\bMAX\b", re.I)


@dataclass(frozen=True)
class Result:
    """One validation result (terms as written)."""

    focus: Term
    shape: Shape
    component: str
    path: str | None
    value: Term | None
    messages: tuple[str, ...]
    path_iri: str | None = None  # a result path that is not the shape's (sh:closed, SPARQL)


@functools.lru_cache(maxsize=1)
def compiled_shapes() -> tuple[Check, ...]:
    """The project's shapes, compiled once per process (UnsupportedShapeError if they can't be)."""
    return tuple(compile_shapes(shacl.load_shapes()))


class DataStore:
    """The data to validate in an in-memory store, literals as written (shacl_values.stored);
    `reads_values_apart` when SPARQL reads one of them as of an unknown datatype (a
    well-formed "2"^^xsd:byte or "8.0"^^xsd:decimal)."""

    def __init__(self) -> None:
        self.store = ox.Store()
        self.reads_values_apart = False
        self.apart_predicates: set[str] = set()  # predicates of those literals

    def _loaded(self, predicate: ox.NamedNode, term: Term) -> Term:
        kept = stored(term)
        if kept.opaque_value:
            self.reads_values_apart = True
            self.apart_predicates.add(predicate.value)
        return kept.term

    @staticmethod
    def as_written(term: Term) -> Term:
        """The term as the data wrote it."""
        return as_written(term)


def add_triples(data: DataStore, triples: Iterable[ox.Triple]) -> None:
    """Add `triples` to the default graph, streaming (bulk_extend is not transactional: the
    store is a scratch copy)."""
    data.store.bulk_extend(
        ox.Quad(t.subject, t.predicate, data._loaded(t.predicate, t.object), ox.DefaultGraph())
        for t in triples
    )


def add_ontology(data: DataStore, ontology: Path | None = None) -> None:
    """The ontology's class tree, as pySHACL mixes it into the data (ontology/aqkg.ttl)."""
    ontology = ontology or paths.ontology_dir() / "aqkg.ttl"
    add_triples(data, ox.parse(path=str(ontology), format=ox.RdfFormat.TURTLE))


def written_triples(data: DataStore) -> Iterator[ox.Triple]:
    """The store's triples, literals as written."""
    for quad in data.store.quads_for_pattern(None, None, None, ox.DefaultGraph()):
        yield ox.Triple(quad.subject, quad.predicate, as_written(quad.object))


def check_runnable(data: DataStore, checks: Iterable[Check]) -> None:
    """UnsupportedShapeError if a SPARQL constraint compares values and the data holds a
    literal SPARQL would read as of an unknown datatype (see shacl_values.stored)."""
    if not data.reads_values_apart:
        return
    for check in checks:
        if isinstance(check.rule, SparqlRule) and _may_compare(
            check.rule.query, data.apart_predicates
        ):
            raise UnsupportedShapeError(
                f"{check.shape.node}: its SPARQL compares values, and the data holds literals "
                "the store would rewrite (an integer subtype, a non-canonical form)"
            )


def run_checks(data: DataStore, checks: Sequence[Check]) -> list[Result]:
    """Every result of the checks; UnsupportedShapeError if a SPARQL constraint
    would compare literals the store holds opaque (check_runnable)."""
    check_runnable(data, checks)
    run = _Run(data)
    with quiet_rdflib():
        return [
            result
            for check in checks
            for result in run.results(check)
            for _ in range(run.times_validated(check.focus, result.focus))
        ]


def findings(results: Iterable[Result]) -> list[Finding]:
    """The results as report Findings (the same as findings_from_report_graph would read)."""
    return [
        Finding(
            focus=_text(r.focus),
            severity=_local_name(r.shape.severity),
            message=min(r.messages) if r.messages else default_message(r),
            path=r.path,
            value=_text(r.value) if r.value is not None else None,
            shape=r.shape.node,
            shape_name=r.shape.name,
            component=_local_name(r.component),
        )
        for r in results
    ]


def default_message(result: Result) -> str:
    """A message for a shape without sh:message."""
    component = _local_name(result.component).removesuffix("ConstraintComponent")
    about = f" on {result.path}" if result.path else ""
    value = f": {_text(result.value)}" if result.value is not None else ""
    return f"{component} constraint of {result.shape.node} not met{about}{value}"


class _Run:
    """The queries of one validation, with what several checks share (focus nodes, values)."""

    def __init__(self, data: DataStore) -> None:
        self.data = data
        self.store = data.store
        self._subclasses: dict[frozenset[str], list[str]] = {}
        self._focus_sets: dict[Focus, set[Term]] = {}
        self._pairs: dict[tuple[Focus, str | None], list[tuple[Term, Term]]] = {}
        self._nonconforming: dict[int, set[Term]] = {}
        self._multiplicity: dict[Focus, dict[Term, int]] = {}

    def times_validated(self, focus: Focus, node: Term) -> int:
        """How often `node` is validated as a node of `focus`: once per chain of value nodes
        that leads to it (SHACL reports a nested property shape's result per parent)."""
        counts = self._times(focus)
        return 1 if counts is None else counts.get(stored(node).term, 1)

    def _times(self, focus: Focus) -> dict[Term, int] | None:
        """None when every node is validated once (no path between the targets and focus)."""
        if not isinstance(focus, ValuesOf):
            return None
        if focus.path is None:
            return self._times(focus.parent)
        if focus not in self._multiplicity:
            parents = self._times(focus.parent)
            counts: Counter[Term] = Counter()
            for parent, node in self._value_pairs(focus.parent, focus.path):
                counts[node] += 1 if parents is None else parents.get(parent, 1)
            self._multiplicity[focus] = dict(counts)
        return self._multiplicity[focus]

    def results(self, check: Check) -> Iterator[Result]:
        rule, shape = check.rule, check.shape

        def result(focus: Term, value: Term | None, path_iri: str | None = None) -> Result:
            path = path_iri if path_iri is not None else shape.path
            seen = self.data.as_written(value) if value is not None else None
            return Result(
                self.data.as_written(focus),
                shape,
                check.component,
                path,
                seen,
                shape.messages,
                path_iri,
            )

        if isinstance(rule, SparqlRule):
            yield from self._sparql_rule(check, rule)
        elif isinstance(rule, Test):
            for focus, value in self._failing_values(check, rule):
                yield result(focus, value)
        elif isinstance(rule, Count):
            for focus in self._count_failures(check, rule):
                yield result(focus, None)
        elif isinstance(rule, UniqueLang):
            for focus in self._unique_lang(check):
                yield result(focus, None)
        elif isinstance(rule, HasValue):
            for focus in self._has_value(check, rule):
                yield result(focus, None)
        elif isinstance(rule, Compare):
            for focus, value in self._compare(check, rule):
                yield result(focus, value)
        else:
            for focus, predicate, value in self._closed(check, rule):
                yield result(focus, value, predicate)

    # -- focus and value nodes -----------------------------------------------------------------

    def _select(self, query: str) -> Iterator[ox.QuerySolution]:
        solutions = self.store.query(query)
        assert isinstance(solutions, ox.QuerySolutions)
        return iter(solutions)

    def _classes(self, classes: frozenset[str]) -> list[str]:
        """The classes and their subclasses (a blank-node class cannot be named in a query)."""
        if classes not in self._subclasses:
            roots = " ".join(f"<{c}>" for c in sorted(classes))
            query = (
                f"SELECT DISTINCT ?c WHERE {{ VALUES ?root {{ {roots} }} "
                f"?c <{RDFS_SUBCLASS}>* ?root }}"
            )
            found = [r[0].value for r in self._select(query) if isinstance(r[0], ox.NamedNode)]
            self._subclasses[classes] = sorted(set(found) | set(classes))
        return self._subclasses[classes]

    def _focus(self, focus: Focus, var: str = "this") -> str:
        return focus_pattern(focus, var, self._classes)

    def _focus_set(self, focus: Focus) -> set[Term]:
        if focus not in self._focus_sets:
            query = f"SELECT ?this WHERE {{ {self._focus(focus)} }}"
            self._focus_sets[focus] = {row[0] for row in self._select(query)}
        return self._focus_sets[focus]

    @staticmethod
    def _values(path: str | None) -> str:
        return "BIND (?this AS ?v)" if path is None else f"?this {path} ?v ."

    def _value_pairs(self, focus: Focus, path: str | None) -> list[tuple[Term, Term]]:
        key = (focus, path)
        if key not in self._pairs:
            query = (
                f"SELECT DISTINCT ?this ?v WHERE {{ {self._focus(focus)} {self._values(path)} }}"
            )
            self._pairs[key] = [(row[0], row[1]) for row in self._select(query)]
        return self._pairs[key]

    # -- value tests ---------------------------------------------------------------------------

    def _predicate(self, test: Test) -> Callable[[Term], bool]:
        """A Python test on a stored value node (Python tests read it as written)."""
        if test.logic is not None:
            return self._logic_fails(test.logic)
        fails, written = test.python, self.data.as_written
        assert fails is not None
        return lambda v: fails(written(v))

    def _failing_values(self, check: Check, test: Test) -> Iterable[tuple[Term, Term]]:
        if test.sparql is None:
            fails = self._predicate(test)
            return [(f, v) for f, v in self._value_pairs(check.focus, check.path) if fails(v)]
        query = (
            f"SELECT DISTINCT ?this ?v WHERE {{ {self._focus(check.focus)} "
            f"{self._values(check.path)} FILTER ({test.sparql}) }}"
        )
        return [(row[0], row[1]) for row in self._select(query)]

    def _logic_fails(self, logic: Logic) -> Callable[[Term], bool]:
        failing = [self._failing_focus(logic.candidates, member) for member in logic.members]
        kind = logic.kind
        if kind in ("node", "and"):
            return lambda v: any(v in f for f in failing)
        if kind == "not":
            return lambda v: v not in failing[0]
        if kind == "or":
            return lambda v: all(v in f for f in failing)
        if kind == "xone":
            return lambda v: sum(v not in f for f in failing) != 1
        # qualified: conforms to the first shape and to none of its siblings
        own, siblings = failing[0], failing[1:]
        return lambda v: v in own or any(v not in f for f in siblings)

    def _failing_focus(self, root: Focus, checks: tuple[Check, ...]) -> set[Term]:
        """The nodes of `root` that do not conform to the shape whose checks these are: a
        result of one of its nested property shapes counts for the node it hangs off."""
        key = id(checks)
        if key not in self._nonconforming:
            failing: set[Term] = set()
            for check in checks:
                # the focus nodes the results are for, as stored (results hold them as written)
                focuses = {focus for focus, _ in self._raw_results(check)}
                failing |= self._back_to(root, check.focus, focuses)
            self._nonconforming[key] = failing
        return self._nonconforming[key]

    def _raw_results(self, check: Check) -> Iterator[tuple[Term, Term | None]]:
        rule = check.rule
        if isinstance(rule, Test):
            yield from self._failing_values(check, rule)
        elif isinstance(rule, Count):
            yield from ((f, None) for f in self._count_failures(check, rule))
        elif isinstance(rule, UniqueLang):
            yield from ((f, None) for f in self._unique_lang(check))
        elif isinstance(rule, HasValue):
            yield from ((f, None) for f in self._has_value(check, rule))
        elif isinstance(rule, Compare):
            yield from self._compare(check, rule)
        elif isinstance(rule, Closed):
            yield from ((f, v) for f, _, v in self._closed(check, rule))
        else:
            raise UnsupportedShapeError(f"{check.shape.node}: sh:sparql in a nested shape")

    def _back_to(self, root: Focus, focus: Focus, nodes: set[Term]) -> set[Term]:
        """The nodes of `root` from which `nodes` (nodes of `focus`, nested in `root`) hang."""
        steps: list[str] = []
        while focus != root:
            assert isinstance(focus, ValuesOf), "a nested focus hangs off its root"
            if focus.path is not None:
                steps.append(focus.path)
            focus = focus.parent
        if not steps or not nodes:
            return nodes
        path = "/".join(reversed(steps))
        query = f"SELECT DISTINCT ?this ?v WHERE {{ {self._focus(root)} ?this {path} ?v }}"
        return {row[0] for row in self._select(query) if row[1] in nodes}

    # -- counts and the other components ------------------------------------------------------

    def _count_failures(self, check: Check, count: Count) -> Iterable[Term]:
        test = count.test
        if test is not None and test.sparql is None:
            return self._count_in_python(check, count, self._predicate(test))
        passing = f"FILTER (!({test.sparql}))" if test is not None else ""
        focus, values = self._focus(check.focus), self._values(check.path)
        if count.minimum is not None:
            query = (
                f"SELECT ?this WHERE {{ {focus} OPTIONAL {{ {values} {passing} }} }} "
                f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) < {count.minimum})"
            )
        else:
            query = (
                f"SELECT ?this WHERE {{ {focus} {values} {passing} }} "
                f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) > {count.maximum})"
            )
        return [row[0] for row in self._select(query)]

    def _count_in_python(
        self, check: Check, count: Count, fails: Callable[[Term], bool]
    ) -> list[Term]:
        pairs = self._value_pairs(check.focus, check.path)
        passing = Counter(focus for focus, value in pairs if not fails(value))
        return [
            focus
            for focus in self._focus_set(check.focus)
            if (count.minimum is not None and passing[focus] < count.minimum)
            or (count.maximum is not None and passing[focus] > count.maximum)
        ]

    def _unique_lang(self, check: Check) -> list[Term]:
        """A focus node once per language that two of its values share (SHACL §4.4.2)."""
        query = (
            f"SELECT ?this ?lang WHERE {{ {self._focus(check.focus)} "
            f'{self._values(check.path)} FILTER (isLiteral(?v) && LANG(?v) != "") '
            "BIND (LCASE(LANG(?v)) AS ?lang) } "
            "GROUP BY ?this ?lang HAVING (COUNT(DISTINCT ?v) > 1)"
        )
        return [row[0] for row in self._select(query)]

    def _has_value(self, check: Check, rule: HasValue) -> list[Term]:
        values = self._values(check.path)
        query = (
            f"SELECT ?this WHERE {{ {self._focus(check.focus)} "
            f"FILTER NOT EXISTS {{ {values} FILTER (sameTerm(?v, {rule.term})) }} }}"
        )
        return [row[0] for row in self._select(query)]

    def _compare(self, check: Check, rule: Compare) -> list[tuple[Term, Term]]:
        """Value nodes against the values of `rule.predicate` on the same focus node."""
        pairs = self._value_pairs(check.focus, check.path)
        others = self._value_pairs(check.focus, f"<{rule.predicate}>")
        mine: dict[Term, set[Term]] = {}
        theirs: dict[Term, set[Term]] = {}
        for focus, value in pairs:
            mine.setdefault(focus, set()).add(value)
        for focus, value in others:
            theirs.setdefault(focus, set()).add(value)
        failing: list[tuple[Term, Term]] = []
        for focus in mine.keys() | theirs.keys():
            a, b = mine.get(focus, set()), theirs.get(focus, set())
            if rule.kind == "equals":
                failing += [(focus, v) for v in sorted(a ^ b, key=str)]
            elif rule.kind == "disjoint":
                failing += [(focus, v) for v in sorted(a & b, key=str)]
            else:
                strict = rule.kind == "lessThan"
                failing += [  # a result per pair (SHACL §4.5.3)
                    (focus, v)
                    for v in sorted(a, key=str)
                    for o in sorted(b, key=str)
                    if self._not_less(v, o, strict=strict)
                ]
        return failing

    def _not_less(self, value: Term, other: Term, *, strict: bool) -> bool:
        order = compare(self.data.as_written(value), self.data.as_written(other))
        return order is None or order > 0 or (strict and order == 0)

    def _closed(self, check: Check, rule: Closed) -> list[tuple[Term, str, Term]]:
        allowed = " ".join(f"<{p}>" for p in sorted(rule.allowed))
        keep = f"FILTER (?p NOT IN ({', '.join(f'<{p}>' for p in sorted(rule.allowed))}))"
        query = (
            f"SELECT DISTINCT ?this ?p ?o WHERE {{ {self._focus(check.focus)} "
            f"{self._values(check.path)} ?v ?p ?o . {keep if allowed else ''} }}"
        )
        return [(row[0], row[1].value, row[2]) for row in self._select(query)]

    # -- SPARQL constraints --------------------------------------------------------------------

    def _sparql_rule(self, check: Check, rule: SparqlRule) -> Iterator[Result]:
        """The SELECT runs once with $this unbound; rows for nodes that are not focus nodes
        of the shape are dropped, which gives what pre-binding $this to each one gives."""
        focuses = self._focus_set(check.focus)
        solutions = self.store.query(rule.query)
        assert isinstance(solutions, ox.QuerySolutions)
        names = [v.value for v in solutions.variables]
        seen = set()
        for row in solutions:
            bound = {
                name: self.data.as_written(row[name]) for name in names if row[name] is not None
            }
            focus = bound.pop("this", None)
            if focus is None or stored(focus).term not in focuses:
                continue
            path, value = bound.pop("path", None), bound.pop("value", None)
            key = (focus, path, value, tuple(sorted(bound.items(), key=lambda kv: kv[0])))
            if key in seen:
                continue
            seen.add(key)
            substitutions = {**bound, "this": focus}
            if path is not None:
                substitutions["path"] = path
            value = value if value is not None else focus  # a node shape reports its focus
            substitutions["value"] = value
            yield Result(
                focus=focus,
                shape=check.shape,
                component=check.component,
                path=_text(path) if path is not None else check.shape.path,
                value=value,
                messages=tuple(_format(m, substitutions) for m in check.shape.messages),
                path_iri=path.value if isinstance(path, ox.NamedNode) else None,
            )


def _may_compare(query: str, predicates: set[str]) -> bool:
    """Whether the query may compare the values of `predicates`: it compares values, and it
    names one of them (by IRI or local name) or has a variable in a predicate's place."""
    if not _COMPARES_VALUES.search(_without_iris(query)):
        return False
    if _VARIABLE_PREDICATE.search(query.partition("{")[2]):  # not in the SELECT clause
        return True
    for predicate in predicates:
        local = re.split(r"[#/:]", predicate)[-1]
        if predicate in query or re.search(rf"[:/#]{re.escape(local)}\b", query):
            return True
    return False


# ?s ?p ?o or $this ?p ?o: a triple pattern whose predicate is a variable
_VARIABLE_PREDICATE = re.compile(r"[?$]\w+\s+\?\w+\s+[?$]\w+")


def _without_iris(query: str) -> str:
    """The query without its IRIs and comments (their < > are not comparisons)."""
    return re.sub(r"<[^<>\s]*>|#[^\n]*", " ", query)


def _format(message: str, substitutions: dict[str, Term]) -> str:
    """pySHACL's {?var} / {$var} substitution, in its order and with its re.sub."""
    for name, term in substitutions.items():
        message = re.sub(f"{{[?$]{name}}}", _plain(term), message)
    return message


def _plain(term: Term) -> str:
    """str() of the rdflib term: an IRI, a literal's lexical form, a blank node's id."""
    return term.value if isinstance(term, (ox.NamedNode, ox.Literal, ox.BlankNode)) else str(term)


def _text(term: Term) -> str:
    return "(blank node)" if isinstance(term, ox.BlankNode) else _plain(term)


def _local_name(iri: str) -> str:
    return iri.rsplit("#", 1)[-1]
