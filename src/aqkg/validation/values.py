"""Value-node tests that must read literals the way rdflib does, as pySHACL sees them.

pySHACL works on an rdflib graph: literals are normalised on parsing ("01"^^xsd:integer is
"1"), a literal whose lexical form does not parse is ill-typed and fails sh:datatype, and
sh:pattern is a Python regular expression. The compiled validator keeps its data in
pyoxigraph, so the data is normalised the same way when it is loaded (`normalised`) and these
tests convert each value node to the rdflib term pySHACL would have seen.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from decimal import Decimal

import pyoxigraph as ox
from pyshacl.rdfutil.compare import compare_literal
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD
from rdflib.term import Identifier

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple

XSD_STRING = XSD.string
OX_XSD_STRING = ox.NamedNode(str(XSD.string))
OX_LANG_STRING = ox.NamedNode(str(RDF.langString))
# what `value` must be, by datatype, for pySHACL to accept a well-typed literal
PYTHON_VALUE_TYPES: dict[URIRef, type | tuple[type, ...]] = {
    XSD.integer: int,
    XSD.float: float,
    XSD.decimal: Decimal,
    XSD.boolean: bool,
    XSD.date: date,
    XSD.time: time,
    XSD.dateTime: datetime,
}


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


@functools.lru_cache(maxsize=65536)
def _rdflib_literal(lexical: str, datatype: str | None, language: str | None) -> Literal:
    if language:
        return Literal(lexical, lang=language)
    return Literal(lexical, datatype=URIRef(datatype) if datatype else None)


def to_rdflib(term: Term) -> Identifier:
    """The rdflib term pySHACL sees for `term` (after an N-Triples round trip)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return _rdflib_literal(term.value, None, term.language)
        datatype = None if term.datatype == OX_XSD_STRING else term.datatype.value
        return _rdflib_literal(term.value, datatype, None)
    return BNode()


def normalised(term: Term) -> Term:
    """`term` with the lexical form rdflib gives it ("01"^^xsd:integer -> "1")."""
    if not isinstance(term, ox.Literal) or term.datatype in (OX_XSD_STRING, OX_LANG_STRING):
        return term
    lexical = str(to_rdflib(term))
    return term if lexical == term.value else ox.Literal(lexical, datatype=term.datatype)


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


def datatype_fails(term: Term, datatype: URIRef) -> bool:
    """pySHACL's DatatypeConstraintComponent, for one value node."""
    value = to_rdflib(term)
    if not isinstance(value, Literal):
        return True
    if value.datatype == datatype:
        return value.ill_typed is True or not _has_python_type(value, datatype)
    if datatype == RDFS.Literal or (datatype == RDFS.Datatype and value.datatype):
        return False
    if datatype == XSD_STRING and value.datatype is None and value.language is None:
        return False
    return not (datatype == RDF.langString and value.language)


def _has_python_type(value: Literal, datatype: URIRef) -> bool:
    expected = PYTHON_VALUE_TYPES.get(datatype)
    return expected is None or isinstance(value.value, expected)


def compile_pattern(pattern: str, flags: str) -> re.Pattern[str]:
    """pySHACL reads only the i and m flags."""
    re_flags = (re.I if "i" in flags.lower() else 0) | (re.M if "m" in flags.lower() else 0)
    return re.compile(pattern, re_flags)


def pattern_fails(term: Term, regex: re.Pattern[str]) -> bool:
    value = to_rdflib(term)
    if isinstance(value, BNode):
        return True
    text = str(value.value) if isinstance(value, Literal) and _is_text(value) else str(value)
    return regex.search(text) is None


def _is_text(value: Literal) -> bool:
    return value.value is not None and value.datatype in (None, RDF.langString, XSD.string)


def range_test(bound: Literal, *, minimum: bool) -> Callable[[Term], bool]:
    """pySHACL's Min/MaxInclusiveConstraintComponent, for one value node."""
    bound_is_text = isinstance(bound.value, str)

    def fails(term: Term) -> bool:
        value = to_rdflib(term)
        if not isinstance(value, Literal) or isinstance(value.value, str) != bound_is_text:
            return True
        try:
            order: int = compare_literal(value, bound)  # type: ignore[no-untyped-call]
        except (TypeError, NotImplementedError):
            return True
        return order < 0 if minimum else order > 0

    return fails


def literal_sparql(literal: Literal) -> str:
    """A shapes-graph literal as a SPARQL term."""
    term: ox.Literal
    if literal.language:
        term = ox.Literal(str(literal), language=literal.language)
    else:
        term = ox.Literal(str(literal), datatype=ox.NamedNode(str(literal.datatype or XSD.string)))
    return str(term)
