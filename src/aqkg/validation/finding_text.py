"""What a finding says: the value that is wrong, and what would be right.

A SHACL result names a rule (its shape) and, at most, a value. Shown as it comes, an officer
reads "occupation: point to an occupation described in the occupations sheet" for a code they
mistyped, or "give exactly one standard" for a unit whose one standard does not exist. This
module turns a result and the data it was found in (the submission with its context) into one
sentence of two clauses, `problem; fix`:

    LA-STD-BRX is not in the standards sheet; codes there: LA-STD-BR1, LA-STD-BR2
    "2026-02-30" is not a valid xsd:date; write a date as YYYY-MM-DD
    LA-U-1 has 2 standards (LA-STD-1, LA-STD-2); give exactly one standard for the unit, ...

The problem names the value (or, when there is none, the record) and what is wrong with it, by
the kind of constraint: an unknown reference lists the codes that exist, closest first; a record
of the wrong class says what it is; a literal of the wrong form says the form expected. The fix
is the shape's message where that says what to do, or the expected form, or the codes to choose
from. Messages of SPARQL rules are written by their shapes with the values in them; they are kept,
with IRIs shortened and the record named where they said "this record".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cache

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import RDFS, SH
from rdflib.term import Node

from aqkg.intake.templates import load_mapping
from aqkg.suggest import MAX_SHOWN, closest_first
from aqkg.validation import shapes as shacl
from aqkg.validation.report import Finding

ID_BASE = "https://w3id.org/aqkg/id/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
PREFIXES = {
    "https://w3id.org/aqkg/ontology#": "aqkg:",
    "http://www.w3.org/2004/02/skos/core#": "skos:",
    "http://purl.org/dc/terms/": "dcterms:",
    "http://www.w3.org/2001/XMLSchema#": "xsd:",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#": "rdf:",
    "http://data.europa.eu/esco/isco/": "isco:",
    "http://data.europa.eu/esco/occupation/": "esco:",
}
# what a value of each datatype looks like, said to the person who has to write one
FORMS = {
    "xsd:string": "plain text without a language tag",
    "rdf:langString": 'text with a language tag, such as "Mason"@en',
    "xsd:integer": "a whole number, such as 5",
    "xsd:decimal": "a number with a point, such as 0.8",
    "xsd:date": "a date as YYYY-MM-DD",
    "xsd:gYear": "a year with four digits, such as 2019",
    "xsd:gYearMonth": "a year and month, such as 2006-12",
    "xsd:anyURI": "a web address typed xsd:anyURI",
    "xsd:boolean": "true or false",
}
LISTED = 2000  # records read to find the codes most like a wrong one
_IRI = re.compile(r"https?://[^\s\"<>{}|\\^`]+")
_THIS = re.compile(r"^This (record|referencing|unit|mapping)\b")


@dataclass(frozen=True)
class Explanation:
    problem: str  # what is wrong, naming the value or the record
    fix: str  # what would be right

    @property
    def message(self) -> str:
        return f"{self.problem}; {self.fix}"


class DataView:
    """The data a finding was found in (submission and context in one store), as the
    explanations need it: a record's values, whether an IRI is described, its classes."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store
        # one scan per kind and country: a file with thousands of dangling references to
        # the same sheet must not scan the store once for each
        self._under: dict[str, list[str]] = {}

    def values(self, focus: str, path: str) -> list[ox.NamedNode | ox.BlankNode | ox.Literal]:
        subject = _node(focus)
        if subject is None:
            return []
        quads = self.store.quads_for_pattern(subject, ox.NamedNode(path), None, None)
        found = {q.object for q in quads if not isinstance(q.object, ox.Triple)}
        return sorted(found, key=str)

    def classes(self, iri: str) -> list[str]:
        quads = self.store.quads_for_pattern(ox.NamedNode(iri), RDF_TYPE, None, None)
        return sorted({q.object.value for q in quads if isinstance(q.object, ox.NamedNode)})

    def records_under(self, prefix: str) -> list[str]:
        """IRIs of described records starting with `prefix` (a kind and a country)."""
        if prefix in self._under:
            return self._under[prefix]
        query = (
            "SELECT DISTINCT ?s WHERE { ?s a ?type "
            f"FILTER (isIRI(?s) && STRSTARTS(STR(?s), {ox.Literal(prefix)})) }} LIMIT {LISTED}"
        )
        solutions = self.store.query(query)
        assert isinstance(solutions, ox.QuerySolutions)
        found = [row[0].value for row in solutions if isinstance(row[0], ox.NamedNode)]
        self._under[prefix] = found
        return found


def explain_all(findings: Iterable[Finding], view: DataView) -> list[Finding]:
    """The findings with their messages saying the value and the fix; ownership findings and
    the like (no shape) are already worded so, and kept."""
    return [_explained(f, view) if f.shape else f for f in findings]


def _explained(finding: Finding, view: DataView) -> Finding:
    explanation = explain(finding, view)
    return replace(
        finding, message=explanation.message, problem=explanation.problem, fix=explanation.fix
    )


def explain(finding: Finding, view: DataView) -> Explanation:
    component = finding.component or ""
    shape = URIRef(finding.shape or "")
    name = _literal(shape, SH.name) or "value"
    advice = _decapitalise(finding.message)
    value = finding.value
    focus = short(finding.focus, finding.focus)
    if component == "SPARQLConstraintComponent":
        return _from_rule_message(finding)
    if component == "ClassConstraintComponent" and value is not None:
        return _wrong_reference(finding, view, advice)
    if component in ("MinCountConstraintComponent", "QualifiedMinCountConstraintComponent"):
        return Explanation(f"{focus} has no {name}", advice)
    if component == "MaxCountConstraintComponent" and finding.path:
        values = [_shown(v, finding.focus) for v in view.values(finding.focus, finding.path)]
        more = ", ..." if len(values) > MAX_SHOWN else ""
        listed = f" ({', '.join(values[:MAX_SHOWN])}{more})" if values else ""
        return Explanation(
            f"{focus} has {len(values) or 'too many'} values of {name}{listed}", advice
        )
    if component == "UniqueLangConstraintComponent":
        return Explanation(f"{focus} has two values of {name} in one language", advice)
    if value is None:
        return Explanation(f"{focus} does not meet the rule on its {name}", advice)
    literal = _the_literal(finding, view)
    if literal is None and value.startswith(("http://", "https://")):
        if component == "OrConstraintComponent" and _alternatives(shape, SH["class"]):
            return _wrong_reference(finding, view, advice)  # one of several classes
        if component in ("DatatypeConstraintComponent", "OrConstraintComponent"):
            return Explanation(f"{short(value, finding.focus)} is an IRI, not text", advice)
    shown = f'"{value}"' if literal is not None else short(value, finding.focus)
    if component in ("DatatypeConstraintComponent", "OrConstraintComponent"):
        expected = _short_iri(str(_param(shape, SH.datatype) or ""))
        form = FORMS.get(expected)
        fix = f"write it as {form}" if form else advice
        return Explanation(f"{shown} is {_literal_kind(literal, expected)}", fix)
    if component == "InConstraintComponent":
        allowed = ", ".join(_short_iri(str(v)) for v in _list(shape, SH["in"]))
        return Explanation(f"{shown} is not an allowed {name}", f"use one of: {allowed}")
    limits = {
        "MinInclusiveConstraintComponent": ("below the minimum", SH.minInclusive),
        "MaxInclusiveConstraintComponent": ("above the maximum", SH.maxInclusive),
    }
    if component in limits:
        words, parameter = limits[component]
        return Explanation(f"{shown} is {words} {_param(shape, parameter)}", advice)
    wrong_form = {
        "PatternConstraintComponent": "is not in the expected form",
        "NodeKindConstraintComponent": "is text, not an IRI",
    }
    return Explanation(f"{shown} {wrong_form.get(component, f'is not a valid {name}')}", advice)


def _wrong_reference(finding: Finding, view: DataView, advice: str) -> Explanation:
    """A value that should be a record of some class: unknown (the codes there), or a record
    of another kind (what it is)."""
    value = finding.value or ""
    if not value.startswith(("http://", "https://")):
        return Explanation(f'"{value}" is text, not {_a(_expected(finding))}', advice)
    shown = short(value, finding.focus)
    classes = view.classes(value)
    if not classes:  # without a type nothing describes it as a record (a typo, most often)
        return _unknown_reference(value, shown, view, advice)
    kinds = " and ".join(_label(URIRef(c)) for c in classes)
    expected = _expected(finding)
    # the kind expected once: most shapes' advice names it already
    said = all(label.lower() in advice.lower() for label in expected.split(" or "))
    problem = f"{shown} is {_a(kinds)}" + ("" if said else f", not {_a(expected)}")
    return Explanation(problem, advice)


def _unknown_reference(iri: str, shown: str, view: DataView, advice: str) -> Explanation:
    prefix = iri.rsplit("/", 1)[0] + "/"
    sheet = sheet_of(iri)
    where = f"in the {sheet} sheet" if sheet else "described in the graph"
    codes = [c.removeprefix(prefix) for c in view.records_under(prefix)]
    wrong = iri.removeprefix(prefix)
    if codes:
        fix = f"{'codes there' if sheet else 'known codes'}: {closest_first(wrong, codes)}"
    else:  # the shape's advice would name the sheet a second time
        fix = "describe it there first, or correct the code" if sheet else advice
    return Explanation(f"{shown} is not {where}", fix)


def _from_rule_message(finding: Finding) -> Explanation:
    """A SPARQL rule's own message (values already in it), IRIs shortened, the record named
    where it says "This record", split at its first colon into problem and fix."""
    focus = short(finding.focus, finding.focus)
    text = _THIS.sub(lambda m: f"{m[1].capitalize()} {focus}", finding.message)
    problem, colon, fix = text.partition(": ")
    # records named by their codes in the problem; in the fix, as the shapes prescribe them
    problem = _IRI.sub(lambda m: short(m[0], finding.focus), problem)
    fix = fix.replace(ID_BASE, "id/")
    if not colon:
        return Explanation(f"{focus} does not meet this rule", _decapitalise(text))
    value = short(finding.value, finding.focus) if finding.value else None
    if focus not in problem and (value is None or value not in problem):
        problem = f"{focus}: {problem}"
    return Explanation(problem, fix.rstrip("."))


# -- names for people ------------------------------------------------------------------------


def short(text: str, focus: str) -> str:
    """An IRI as an officer writes it in the template: a record of the focus's own country by
    its code (`LA-STD-1`), another's as `XX/CODE`, a vocabulary term prefixed (`aqkg:Verified`)."""
    if text.startswith(ID_BASE):
        parts = text.removeprefix(ID_BASE).split("/")
        if len(parts) >= 3:
            own = _country_of(focus)
            return "/".join(parts[2:]) if parts[1] == own else "/".join(parts[1:])
        return "/".join(parts[1:]) or text
    return _short_iri(text)


def sheet_of(iri: str) -> str | None:
    """The template sheet describing records like `iri` (by the kind in its path)."""
    if not iri.startswith(ID_BASE):
        return None
    kind = iri.removeprefix(ID_BASE).split("/")[0]
    return _sheets_by_kind().get(kind)


@cache
def _sheets_by_kind() -> dict[str, str]:
    return {sheet.subject.split("/")[0]: sheet.name for sheet in load_mapping().sheets}


def _country_of(iri: str) -> str | None:
    parts = iri.removeprefix(ID_BASE).split("/") if iri.startswith(ID_BASE) else []
    return parts[1] if len(parts) >= 3 else None


def _short_iri(iri: str) -> str:
    for namespace, prefix in PREFIXES.items():
        if iri.startswith(namespace):
            return prefix + iri.removeprefix(namespace)
    return iri


def _shown(term: ox.NamedNode | ox.BlankNode | ox.Literal, focus: str) -> str:
    if isinstance(term, ox.NamedNode):
        return short(term.value, focus)
    if isinstance(term, ox.Literal):
        return f'"{term.value}"'
    return "a blank node"


def _the_literal(finding: Finding, view: DataView) -> ox.Literal | None:
    """The literal behind the finding's value (the report keeps only its text)."""
    if not finding.path:
        return None
    return next(
        (
            v
            for v in view.values(finding.focus, finding.path)
            if isinstance(v, ox.Literal) and v.value == finding.value
        ),
        None,
    )


def _literal_kind(literal: ox.Literal | None, expected: str) -> str:
    if literal is None:  # the store could not keep it as written: ill-formed for its type
        return f"not a valid {expected}" if expected else "of another datatype"
    if literal.language:
        return f"text tagged @{literal.language}"
    datatype = _short_iri(literal.datatype.value)
    return "plain text" if datatype == "xsd:string" else f"typed {datatype}"


def _expected(finding: Finding) -> str:
    """The class a value should have: the shape's sh:class, or those of its sh:or."""
    shape = URIRef(finding.shape or "")
    classes = [_param(shape, SH["class"]), *_alternatives(shape, SH["class"])]
    labels = [_label(c) for c in classes if isinstance(c, URIRef)]
    return " or ".join(labels) or "record of the expected kind"


def _a(noun: str) -> str:
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def _decapitalise(text: str) -> str:
    text = text.strip().rstrip(".")
    if len(text) > 1 and text[0].isupper() and (text[1].islower() or text[1] == " "):
        return text[0].lower() + text[1:]
    return text


# -- shapes and ontology ---------------------------------------------------------------------


@cache
def _shapes() -> Graph:
    return shacl.load_shapes()


@cache
def _ontology() -> Graph:
    return shacl.load_ontology()


def _param(shape: URIRef, parameter: URIRef) -> object:
    return _shapes().value(shape, parameter)


def _literal(shape: URIRef, parameter: URIRef) -> str | None:
    value = _shapes().value(shape, parameter)
    return str(value) if value is not None else None


def _list(shape: URIRef, parameter: URIRef) -> list[object]:
    head = _shapes().value(shape, parameter)
    return list(_shapes().items(head)) if head is not None else []


def _alternatives(shape: URIRef, parameter: URIRef) -> list[object]:
    """The `parameter` of each member of the shape's sh:or."""
    members = _list(shape, SH["or"])
    found = (_shapes().value(m, parameter) for m in members if isinstance(m, Node))
    return [value for value in found if value is not None]


def _label(cls: URIRef) -> str:
    label = _ontology().value(cls, RDFS.label)
    return str(label) if label is not None else _short_iri(str(cls))


def _node(text: str) -> ox.NamedNode | None:
    return ox.NamedNode(text) if text.startswith(("http://", "https://")) else None
