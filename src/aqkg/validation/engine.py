"""Run the compiled shapes (shacl_compile) over a pyoxigraph store, all focus nodes at once.

One SPARQL query per constraint finds every failing focus node or value node; value tests that
must follow rdflib (shacl_values) run in Python over the value nodes one query returns. The
results are those pySHACL gives on the same data (tests/test_shacl_engine.py compares them).
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from aqkg import paths
from aqkg.validation import shapes as shacl
from aqkg.validation.compile import Check, Count, Shape, SparqlRule, Test, compile_shapes
from aqkg.validation.report import Finding
from aqkg.validation.values import (
    OX_LANG_STRING,
    OX_XSD_STRING,
    Term,
    normalised,
    quiet_rdflib,
    stored_form,
)

__all__ = [
    "DataStore",
    "Result",
    "add_ontology",
    "add_triples",
    "compiled_shapes",
    "findings",
    "run_checks",
]

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"


@dataclass(frozen=True)
class Result:
    """One validation result, as pySHACL's report would hold it."""

    focus: Term
    shape: Shape
    component: str
    path: str | None
    value: Term | None
    messages: tuple[str, ...]


@functools.lru_cache(maxsize=1)
def compiled_shapes() -> tuple[Check, ...]:
    """The project's shapes, compiled once per process (UnsupportedShapeError if they can't be)."""
    return tuple(compile_shapes(shacl.load_shapes()))


class DataStore:
    """The data to validate in an in-memory store, with the literals the store rewrites
    ("8.0"^^xsd:decimal is kept as "8") mapped back to the form pySHACL reports."""

    def __init__(self) -> None:
        self.store = ox.Store()
        self.forms: dict[Term, Term] = {}

    def as_seen(self, term: Term) -> Term:
        return self.forms.get(term, term)

    def _loaded(self, term: Term) -> Term:
        term = normalised(term)
        if isinstance(term, ox.Literal) and term.datatype not in (OX_XSD_STRING, OX_LANG_STRING):
            stored = stored_form(term)
            # only a rewritten lexical form: a literal of another datatype may come back too
            if stored != term and stored.datatype == term.datatype:
                self.forms[stored] = term
        return term


def add_triples(data: DataStore, triples: Iterable[ox.Triple]) -> None:
    """Add `triples` to the default graph, literals normalised as rdflib would (see
    shacl_values), streaming (bulk_extend is not transactional: the store is a scratch copy)."""
    with quiet_rdflib():
        data.store.bulk_extend(
            ox.Quad(t.subject, t.predicate, data._loaded(t.object), ox.DefaultGraph())
            for t in triples
        )


def add_ontology(data: DataStore, ontology: Path | None = None) -> None:
    """The ontology's class tree, as pySHACL mixes it into the data (ontology/aqkg.ttl)."""
    ontology = ontology or paths.ontology_dir() / "aqkg.ttl"
    add_triples(data, ox.parse(path=str(ontology), format=ox.RdfFormat.TURTLE))


def run_checks(data: DataStore, checks: Iterable[Check]) -> list[Result]:
    run = _Run(data)
    with quiet_rdflib():
        return [result for check in checks for result in run.results(check)]


def findings(results: Iterable[Result]) -> list[Finding]:
    """The results as report Findings (the same as findings_from_report_graph would read)."""
    return [
        Finding(
            focus=_text(r.focus),
            severity=_local_name(r.shape.severity),
            message=min(r.messages) if r.messages else "(no message)",
            path=r.path,
            value=_text(r.value) if r.value is not None else None,
            shape=r.shape.node,
            shape_name=r.shape.name,
            component=_local_name(r.component),
        )
        for r in results
    ]


class _Run:
    """The queries of one validation, with what several checks share (focus nodes, values)."""

    def __init__(self, data: DataStore) -> None:
        self.store = data.store
        self.seen = data.as_seen
        self._focus_patterns: dict[frozenset[str], str] = {}
        self._focus_sets: dict[frozenset[str], set[Term]] = {}
        self._pairs: dict[tuple[frozenset[str], str | None], list[tuple[Term, Term]]] = {}

    def results(self, check: Check) -> Iterator[Result]:
        rule, shape = check.rule, check.shape
        if isinstance(rule, SparqlRule):
            yield from self._sparql_rule(check, rule)
            return
        if isinstance(rule, Test):
            for focus, value in self._failing_values(check, rule):
                yield Result(
                    focus, shape, check.component, shape.path, self.seen(value), shape.messages
                )
            return
        focuses = self._count_failures(check, rule) if rule else self._unique_lang(check)
        for focus in focuses:
            yield Result(focus, shape, check.component, shape.path, None, shape.messages)

    # -- queries -------------------------------------------------------------------------------

    def _select(self, query: str) -> Iterator[ox.QuerySolution]:
        solutions = self.store.query(query)
        assert isinstance(solutions, ox.QuerySolutions)
        return iter(solutions)

    def _focus(self, classes: frozenset[str]) -> str:
        """A sub-select of the focus nodes: instances of the classes or of their subclasses."""
        if classes not in self._focus_patterns:
            roots = " ".join(f"<{c}>" for c in sorted(classes))
            query = (
                f"SELECT DISTINCT ?c WHERE {{ VALUES ?root {{ {roots} }} "
                f"?c <{RDFS_SUBCLASS}>* ?root }}"
            )
            # a blank-node class cannot be named in a query, nor by sh:targetClass
            types = " ".join(
                str(r[0]) for r in self._select(query) if isinstance(r[0], ox.NamedNode)
            )
            self._focus_patterns[classes] = (
                f"{{ SELECT DISTINCT ?this WHERE {{ VALUES ?type {{ {types} }} "
                f"?this <{RDF_TYPE}> ?type }} }}"
            )
        return self._focus_patterns[classes]

    def _focus_set(self, classes: frozenset[str]) -> set[Term]:
        if classes not in self._focus_sets:
            query = f"SELECT ?this WHERE {{ {self._focus(classes)} }}"
            self._focus_sets[classes] = {row[0] for row in self._select(query)}
        return self._focus_sets[classes]

    @staticmethod
    def _values(check: Check) -> str:
        return "BIND (?this AS ?v)" if check.path is None else f"?this {check.path} ?v ."

    def _value_pairs(self, check: Check) -> list[tuple[Term, Term]]:
        key = (check.classes, check.path)
        if key not in self._pairs:
            focus = self._focus(check.classes)
            query = f"SELECT DISTINCT ?this ?v WHERE {{ {focus} {self._values(check)} }}"
            self._pairs[key] = [(row[0], row[1]) for row in self._select(query)]
        return self._pairs[key]

    def _failing_values(self, check: Check, test: Test) -> Iterable[tuple[Term, Term]]:
        if test.python is not None:
            fails = test.python
            pairs = self._value_pairs(check)
            return [(focus, value) for focus, value in pairs if fails(self.seen(value))]
        query = (
            f"SELECT DISTINCT ?this ?v WHERE {{ {self._focus(check.classes)} "
            f"{self._values(check)} FILTER ({test.sparql}) }}"
        )
        return [(row[0], row[1]) for row in self._select(query)]

    def _count_failures(self, check: Check, count: Count) -> Iterable[Term]:
        test = count.test
        if test is not None and test.python is not None:
            return self._count_in_python(check, count, test)
        passing = f"FILTER (!({test.sparql}))" if test is not None else ""
        focus, values = self._focus(check.classes), self._values(check)
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

    def _count_in_python(self, check: Check, count: Count, test: Test) -> list[Term]:
        fails = test.python
        assert fails is not None
        pairs = self._value_pairs(check)
        passing = Counter(focus for focus, value in pairs if not fails(self.seen(value)))
        return [
            focus
            for focus in self._focus_set(check.classes)
            if (count.minimum is not None and passing[focus] < count.minimum)
            or (count.maximum is not None and passing[focus] > count.maximum)
        ]

    def _unique_lang(self, check: Check) -> list[Term]:
        """Focus nodes with two values in one language (pySHACL: one result, no value, per
        repeated language; the same result twice is one)."""
        query = (
            f"SELECT DISTINCT ?this WHERE {{ {{ SELECT ?this WHERE {{ {self._focus(check.classes)} "
            f'{self._values(check)} FILTER (isLiteral(?v) && LANG(?v) != "") }} '
            "GROUP BY ?this (LCASE(LANG(?v)) AS ?lang) HAVING (COUNT(DISTINCT ?v) > 1) } }"
        )
        return [row[0] for row in self._select(query)]

    def _sparql_rule(self, check: Check, rule: SparqlRule) -> Iterator[Result]:
        """The SELECT runs once with $this unbound; rows for nodes that are not focus nodes
        of the shape are dropped, which gives what pre-binding $this to each one gives."""
        focuses = self._focus_set(check.classes)
        solutions = self.store.query(rule.query)
        assert isinstance(solutions, ox.QuerySolutions)
        names = [v.value for v in solutions.variables]
        seen = set()
        for row in solutions:
            bound = {name: self.seen(row[name]) for name in names if row[name] is not None}
            focus = bound.pop("this", None)
            if focus is None or focus not in focuses:
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
            )


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
