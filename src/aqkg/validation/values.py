"""Value nodes as written, in a pyoxigraph store, and the value-node tests run in Python.

A pyoxigraph store keeps numbers, booleans and dates as values: "2"^^xsd:byte comes back as
"2"^^xsd:integer and "8.0"^^xsd:decimal as "8". SHACL sees the literal as written (sh:datatype
xsd:integer fails "2"^^xsd:byte; sh:in (1) fails "01"^^xsd:integer), so a literal the store
would change is stored under an opaque datatype that keeps it whole (`stored`) and read back as
written (`as_written`). SPARQL sees such a literal as one of an unknown datatype: equal to itself
only, which is what SPARQL says of an ill-formed literal too; for a well-formed one the engine
refuses SPARQL that compares values (see shacl_engine). Ranges are compared here, in Python,
with SPARQL's operator semantics (`compare`).
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

import pyoxigraph as ox
import rdflib
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import Identifier, Node

from aqkg.validation.xsd import lexical_form_valid

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple

XSD_STRING = XSD.string
OX_XSD_STRING = ox.NamedNode(str(XSD.string))
OX_LANG_STRING = ox.NamedNode(str(RDF.langString))
# the datatype of a literal stored whole: this prefix, then its own datatype IRI
AS_WRITTEN = "urn:aqkg:as-written:"


@contextmanager
def quiet_rdflib() -> Iterator[None]:
    """rdflib logs a traceback for every ill-typed literal it meets; that is a finding, not
    an error, so keep it out of the output."""
    logger = logging.getLogger("rdflib.term")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


@contextmanager
def literals_as_written() -> Iterator[None]:
    """rdflib parses literals into their canonical form ("01"^^xsd:integer as "1",
    "none"^^xsd:boolean as "false"); SHACL validates them as written."""
    normalize = rdflib.NORMALIZE_LITERALS
    rdflib.NORMALIZE_LITERALS = False
    try:
        yield
    finally:
        rdflib.NORMALIZE_LITERALS = normalize


@functools.lru_cache(maxsize=65536)
def _rdflib_literal(
    lexical: str, datatype: str | None, language: str | None, normalize: bool
) -> Literal:
    if language:
        return Literal(lexical, lang=language, normalize=normalize)
    return Literal(lexical, datatype=URIRef(datatype) if datatype else None, normalize=normalize)


def to_rdflib(term: Term, *, normalize: bool = True) -> Identifier:
    """The rdflib term for `term` (blank nodes keep their id); by default as pySHACL reads it
    after an N-Triples round trip ("01"^^xsd:integer as "1"), else as written."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return _rdflib_literal(term.value, None, term.language, normalize)
        datatype = None if term.datatype == OX_XSD_STRING else term.datatype.value
        return _rdflib_literal(term.value, datatype, None, normalize)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    raise TypeError(f"no rdflib term for {term}")


def from_rdflib(node: Node) -> Term:
    """The pyoxigraph term of a shapes-graph or data-graph node (blank nodes keep their id)."""
    if isinstance(node, URIRef):
        return ox.NamedNode(str(node))
    if isinstance(node, BNode):
        return ox.BlankNode(str(node))
    if isinstance(node, Literal):
        if node.language:
            return ox.Literal(str(node), language=node.language)
        return ox.Literal(str(node), datatype=ox.NamedNode(str(node.datatype or XSD.string)))
    raise TypeError(f"no pyoxigraph term for {node!r}")


_SCRATCH = ox.Store()
_PROBE = (ox.NamedNode("urn:aqkg:probe"), ox.NamedNode("urn:aqkg:probe"))


@functools.lru_cache(maxsize=65536)
def stored_form(term: ox.Literal) -> ox.Literal:
    """The literal a pyoxigraph store gives back: it keeps numbers, booleans and dates as
    values, so "8.0"^^xsd:decimal comes back as "8" where rdflib keeps "8.0"."""
    quad = ox.Quad(*_PROBE, term)
    _SCRATCH.add(quad)
    try:
        stored = next(iter(_SCRATCH.quads_for_pattern(*_PROBE, None))).object
    finally:
        _SCRATCH.clear()
    assert isinstance(stored, ox.Literal)
    return stored


class Stored(NamedTuple):
    """How a term goes into the store (`stored`)."""

    term: Term  # what the store holds
    opaque_value: bool  # a well-formed literal SPARQL now reads as of an unknown datatype


@functools.lru_cache(maxsize=65536)
def _stored_literal(term: ox.Literal) -> Stored:
    if term.language or term.datatype == OX_XSD_STRING or stored_form(term) == term:
        return Stored(term, False)
    # "2"^^xsd:byte would become "2"^^xsd:integer, "01"^^xsd:integer "1": another term, so the
    # literal is kept whole under an opaque datatype
    opaque = ox.Literal(term.value, datatype=ox.NamedNode(AS_WRITTEN + term.datatype.value))
    return Stored(opaque, lexical_form_valid(term.value, term.datatype.value))


def stored(term: Term) -> Stored:
    """The term to put into the store for `term`: itself, or, when the store would change it,
    its lexical form under an opaque datatype (`as_written` reads it back)."""
    if isinstance(term, ox.Literal):
        return _stored_literal(term)
    return Stored(term, False)


def as_written(term: Term) -> Term:
    """The term `stored` was given."""
    if isinstance(term, ox.Literal) and term.datatype.value.startswith(AS_WRITTEN):
        datatype = term.datatype.value[len(AS_WRITTEN) :]
        return ox.Literal(term.value, datatype=ox.NamedNode(datatype))
    return term


def sparql_term(node: Node) -> str:
    """A shapes-graph term as the store holds it, in SPARQL syntax; ValueError for a blank
    node (a query cannot name one)."""
    if isinstance(node, BNode):
        raise ValueError("a blank node cannot be named in SPARQL")
    return str(stored(from_rdflib(node)).term)


def datatype_fails(term: Term, datatype: str) -> bool:
    """SHACL's DatatypeConstraintComponent for one value node (as written, see `stored`):
    the literal's datatype is `datatype` and its lexical form is in that datatype's space."""
    if not isinstance(term, ox.Literal):
        return True
    actual = OX_LANG_STRING.value if term.language else term.datatype.value
    return actual != datatype or not lexical_form_valid(term.value, datatype)


# XPath's regex flags: Python's re reads the same letters the same way, but for q (quote)
_REGEX_FLAGS = {"i": re.I, "m": re.M, "s": re.S, "x": re.X}


def compile_pattern(pattern: str, flags: str) -> re.Pattern[str]:
    """sh:pattern with sh:flags; re.error if Python cannot read it."""
    if "q" in flags:
        pattern = re.escape(pattern)
    re_flags = 0
    for flag in flags:
        re_flags |= _REGEX_FLAGS.get(flag, 0)
    return re.compile(pattern, re_flags)


def pattern_fails(term: Term, regex: re.Pattern[str]) -> bool:
    """A blank node fails; an IRI or literal fails when its string does not match."""
    if not isinstance(term, (ox.NamedNode, ox.Literal)):
        return True
    return regex.search(term.value) is None


def compare(left: Term, right: Term) -> int | None:
    """-1, 0 or 1 as SPARQL's < and = order two literals; None when they are not comparable
    (not literals, ill-formed, different kinds of value, a date with and one without a
    timezone, NaN, language-tagged strings)."""
    a, b = _comparable(left), _comparable(right)
    if a is None or b is None or a[0] != b[0]:
        return None
    left_value, right_value = a[1], b[1]
    try:
        return -1 if left_value < right_value else 1 if left_value > right_value else 0
    except TypeError:  # offset-aware against offset-naive
        return None


_NUMERIC = {
    "integer", "decimal", "float", "double", "nonPositiveInteger", "negativeInteger", "long",
    "int", "short", "byte", "nonNegativeInteger", "unsignedLong", "unsignedInt",
    "unsignedShort", "unsignedByte", "positiveInteger",
}  # fmt: skip
_VALUE_KINDS = {"string": "string", "boolean": "boolean", "dateTime": "dateTime"}
_VALUE_KINDS |= {"dateTimeStamp": "dateTime", "date": "date", "time": "time"}


def _comparable(term: Term) -> tuple[str, Any] | None:
    if not isinstance(term, ox.Literal) or term.language:
        return None
    datatype = term.datatype.value
    if not datatype.startswith(str(XSD)) or not lexical_form_valid(term.value, datatype):
        return None
    name = datatype[len(str(XSD)) :]
    if name in _NUMERIC:
        return _number(term.value.strip(), name)
    kind = _VALUE_KINDS.get(name)
    if kind is None:
        return None
    if kind == "string":
        return kind, term.value
    with quiet_rdflib():
        value = Literal(term.value.strip(), datatype=URIRef(datatype)).value
    return (kind, value) if isinstance(value, (bool, date, datetime, time)) else None


def _number(text: str, name: str) -> tuple[str, Any] | None:
    if name in ("float", "double"):
        number = float(text.replace("INF", "inf"))
        return None if number != number else ("number", number)
    try:
        return "number", Decimal(text)
    except InvalidOperation:
        return None


def range_test(bound: Term, *, minimum: bool, exclusive: bool) -> Callable[[Term], bool]:
    """sh:min/maxInclusive/Exclusive for one value node: fails unless comparable and within."""

    def fails(term: Term) -> bool:
        order = compare(term, bound)
        if order is None:
            return True
        if minimum:
            return order < 0 or (exclusive and order == 0)
        return order > 0 or (exclusive and order == 0)

    return fails
