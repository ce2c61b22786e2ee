"""The named query catalogue: queries/*.rq files with a grlc-style header.

Header lines start with `#+ key: value`; a line `#+   more` continues the previous key.

    #+ summary: Qualifications at one AQRF level, across member states
    #+ description: ...
    #+ params: level (aqrf-level, required); country (country, optional)
    #+ tags: qualifications, aqrf
    #+ pattern: isco [0-9]{1,4}
    #+ paged: yes

A parameter's first word in brackets is its type: xsd:integer, xsd:decimal, xsd:string,
xsd:date, iri, country (an ISO 3166-1 alpha-2 code, bound as the member state's IRI), or
aqrf-level (the rank of an AQRF level, bound as an xsd:integer).
Parameters are bound as typed terms through pyoxigraph substitutions, never pasted into text.
A `#+ pattern: NAME REGEX` line (several separated by `;`) gives the form a parameter's value
must have in full; a value of another form is refused with a message naming the expected form,
rather than answered with no rows.
`#+ paged: yes` marks a listing query, served a page at a time (aqkg.sparql.paging has the
rules its text follows; they are checked when the catalogue is read).
Which values name something in the data (a member state, a level, a record) is checked
against the store by aqkg.sparql.param_checks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyoxigraph as ox

from aqkg.paths import queries_dir
from aqkg.sparql.binding import inline
from aqkg.sparql.paging import RESERVED_PARAMS, Page, PagingError, count_text, page_text
from aqkg.store.backend import Store
from aqkg.store.embedded import EmbeddedStore, SelectResult, Term
from aqkg.store.endpoint import as_bound
from aqkg.syntax.prefixes import PREFIXES
from aqkg.syntax.sparql_text import QueryTextError

XSD = "http://www.w3.org/2001/XMLSchema#"
COUNTRY_BASE = "https://w3id.org/aqkg/id/country/"
CURIE_PREFIXES = PREFIXES
PARAM_PATTERN = re.compile(r"^\s*(\w+)\s*\(([^)]*)\)\s*$")


Bound = ox.NamedNode | ox.Literal  # a parameter's value, as bind_params gives it


class QueryParamError(Exception):
    """A parameter is missing, unknown or of the wrong type; the message says which and why."""


INTERNAL_PREFIXES = ("explore-", "recognition-")


@dataclass(frozen=True)
class QueryParam:
    name: str
    type: str
    required: bool
    description: str
    pattern: str = ""  # the form the value must match in full (`#+ pattern:`), or none


@dataclass(frozen=True)
class NamedQuery:
    name: str
    path: Path
    summary: str
    description: str
    params: list[QueryParam] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    paged: bool = False  # a listing query, served a page at a time

    @property
    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def internal(self) -> bool:
        """Written for the explorer or the recognition engine rather than for people: listed
        by `aqkg queries --all` only (they still run, and the API still serves them)."""
        return self.name.startswith(INTERNAL_PREFIXES)


def catalogue(folder: Path | None = None) -> dict[str, NamedQuery]:
    """Every named query (top-level *.rq; qc/ and build/ hold internal ones), by name."""
    folder = folder or queries_dir()
    return {path.stem: read_query(path) for path in sorted(folder.glob("*.rq"))}


def read_query(path: Path) -> NamedQuery:
    text = path.read_text(encoding="utf-8")
    header = parse_header(text)
    paged = header.get("paged", "no")
    if paged not in ("yes", "no"):
        raise ValueError(f"{path.name}: write `#+ paged: yes` (or leave it out), not {paged!r}")
    query = NamedQuery(
        name=path.stem,
        path=path,
        summary=header.get("summary", ""),
        description=header.get("description", ""),
        params=parse_params(header.get("params", ""), parse_patterns(header.get("pattern", ""))),
        tags=[t.strip() for t in header.get("tags", "").split(",") if t.strip()],
        paged=paged == "yes",
    )
    if query.paged:
        _check_paged(query, text)
    return query


def _check_paged(query: NamedQuery, text: str) -> None:
    """A paged query's text follows the paging rules, and no parameter takes a page's name."""
    reserved = [p.name for p in query.params if p.name in RESERVED_PARAMS]
    if reserved:
        raise ValueError(f"{query.path.name}: a paged query has no parameter {reserved[0]!r}")
    try:
        count_text(text)
    except PagingError as error:
        raise ValueError(f"{query.path.name}: {error}") from None


def parse_header(text: str) -> dict[str, str]:
    header: dict[str, str] = {}
    key = None
    for line in text.splitlines():
        if not line.startswith("#+"):
            break
        body = line[2:]
        match = re.match(r"^ (\w+):\s*(.*)$", body)
        if match:
            key = match.group(1)
            header[key] = match.group(2).strip()
        elif key is not None:
            header[key] = (header[key] + " " + body.strip()).strip()
    return header


def parse_patterns(text: str) -> dict[str, str]:
    """`name regex; name regex` -> {name: regex}."""
    patterns = {}
    for item in filter(None, (part.strip() for part in text.split(";"))):
        name, _, regex = item.partition(" ")
        re.compile(regex.strip())  # a broken pattern fails when the catalogue is read
        patterns[name] = regex.strip()
    return patterns


def parse_params(text: str, patterns: Mapping[str, str] | None = None) -> list[QueryParam]:
    patterns = patterns or {}
    params = []
    for item in filter(None, (part.strip() for part in text.split(";"))):
        match = PARAM_PATTERN.match(item)
        if not match:
            raise ValueError(f"bad #+ params entry {item!r}: write `name (type, ..., required)`")
        name, inside = match.groups()
        words = [w.strip() for w in inside.split(",")]
        params.append(
            QueryParam(
                name=name,
                type=words[0],
                required="required" in words[1:],
                description=", ".join(w for w in words[1:] if w not in ("required", "optional")),
                pattern=patterns.get(name, ""),
            )
        )
    return params


def bind_params(
    query: NamedQuery | None, given: dict[str, str]
) -> dict[str, ox.NamedNode | ox.Literal]:
    """Typed terms for the given `name=value` strings, checked against the query's header.

    For an ad-hoc query (no header) every value is bound as a plain string literal, unless it
    looks like an IRI in angle brackets.
    """
    if query is None:
        return {name: _untyped_term(value) for name, value in given.items()}
    declared = {p.name: p for p in query.params}
    unknown = sorted(set(given) - set(declared))
    if unknown:
        known = ", ".join(declared) or "none"
        raise QueryParamError(
            f"query {query.name} has no parameter {unknown[0]!r} (it has: {known})"
        )
    missing = [p.name for p in query.params if p.required and p.name not in given]
    if missing:
        raise QueryParamError(f"query {query.name} needs --param {missing[0]}=VALUE")
    return {name: typed_term(declared[name], value) for name, value in given.items()}


def run(store: Store, sparql: str, bindings: Mapping[str, Term]) -> SelectResult:
    """A named query's rows, its parameters bound for the best plan on each backend.

    pyoxigraph plans a query before it applies substitutions, so there the parameters are
    written in as constants (aqkg.sparql.binding.inline): the plan then starts from them.
    A query whose subquery projects a parameter keeps the substitution. An endpoint store binds
    with VALUES, which Virtuoso plans from.
    """
    if isinstance(store, EmbeddedStore):
        return store.select(*for_embedded(sparql, bindings))
    return store.select(sparql, bindings)


@dataclass(frozen=True)
class PageOfRows:
    """One page of a paged query's rows, and how many rows all its pages hold."""

    result: SelectResult
    page: Page
    total: int


@dataclass(frozen=True)
class PageTexts:
    """What to run for a page of a paged query: the page's text and the count's, each with
    the bindings left to substitute (none where the values are written in as constants)."""

    rows: str
    rows_bindings: Mapping[str, Bound]
    count: str
    count_bindings: Mapping[str, Bound]


def page_texts(query: NamedQuery, bindings: Mapping[str, Bound], page: Page) -> PageTexts:
    """A page of a paged query and its total, as every interface runs them.

    The parameters are written in as constants on every backend (:func:`for_embedded`): the
    page block filters on them before its LIMIT, which a VALUES block joined outside the
    block (an endpoint's usual binding) would apply too late."""
    if not query.paged:
        raise QueryParamError(f"query {query.name} is not paged: it has no pages to choose")
    rows, rows_left = for_embedded(page_text(query.text, page), bindings)
    count, count_left = for_embedded(count_text(query.text), bindings)
    return PageTexts(rows, bindings if rows_left else {}, count, bindings if count_left else {})


def every_row(query: NamedQuery) -> str:
    """The named query's text for all its rows: a paged query without its page (for the
    build's coverage table and the explorer's own lists, which need every row)."""
    return page_text(query.text, Page(None)) if query.paged else query.text


def run_page(
    store: Store, query: NamedQuery, bindings: Mapping[str, Bound], page: Page
) -> PageOfRows:
    """A page of a paged query's rows and its total (:func:`page_texts`)."""
    texts = page_texts(query, bindings, page)
    rows = store.select(texts.rows, texts.rows_bindings)
    counted = store.select(texts.count, texts.count_bindings)
    # a parameter's column holds the term given (Virtuoso rewrites "0"^^xsd:decimal as 0)
    rows = SelectResult(rows.variables, as_bound(rows.variables, rows.rows, bindings))
    return PageOfRows(rows, page, total_of(counted))


def total_of(counted: SelectResult) -> int:
    """The ?total of a count query's one row."""
    (row,) = counted.rows
    term = row[counted.variables.index("total")]
    return int(term.value) if isinstance(term, ox.Literal) else 0


def for_embedded(sparql: str, bindings: Mapping[str, Term]) -> tuple[str, Mapping[str, Term]]:
    """The text and bindings to hand pyoxigraph: parameters written in as constants where
    that is safe (see :func:`run`), else the text as it is with its substitutions."""
    if not bindings:
        return sparql, bindings
    try:
        return inline(sparql, bindings), {}
    except QueryTextError:
        return sparql, bindings  # a subquery joins on a parameter: substitution keeps that join


def typed_term(param: QueryParam, value: str) -> ox.NamedNode | ox.Literal:
    if param.pattern and not re.fullmatch(param.pattern, value):
        expected = f"{param.description} ({param.pattern})" if param.description else param.pattern
        raise QueryParamError(f"parameter {param.name}={value!r} is not of the form {expected}")
    try:
        return _convert(param.type, value)
    except (ValueError, InvalidOperation):
        raise QueryParamError(
            f"parameter {param.name}={value!r} is not a valid {param.type}"
        ) from None


def _convert(kind: str, value: str) -> ox.NamedNode | ox.Literal:
    if kind == "country":
        if not re.fullmatch(r"[A-Za-z]{2}", value):
            raise ValueError(value)
        return ox.NamedNode(COUNTRY_BASE + value.upper())
    if kind == "iri":
        return ox.NamedNode(expand_curie(value.strip("<>")))
    if kind in ("xsd:integer", "aqrf-level"):
        return ox.Literal(str(int(value)), datatype=ox.NamedNode(XSD + "integer"))
    if kind == "xsd:decimal":
        return ox.Literal(str(Decimal(value)), datatype=ox.NamedNode(XSD + "decimal"))
    if kind == "xsd:date":
        return ox.Literal(
            date.fromisoformat(value).isoformat(), datatype=ox.NamedNode(XSD + "date")
        )
    if kind == "xsd:string":
        return ox.Literal(value)
    raise ValueError(f"unknown parameter type {kind}")


def expand_curie(value: str) -> str:
    """`aqkg:ExactMatch`, `id:country/PH` or `id:country\\/PH` (as `aqkg query` prints it) ->
    the full IRI; anything else is returned as is."""
    prefix, colon, local = value.partition(":")
    namespace = CURIE_PREFIXES.get(prefix)
    if not (colon and namespace) or local.startswith("//"):
        return value
    return namespace + re.sub(r"\\(.)", r"\1", local)


def _untyped_term(value: str) -> ox.NamedNode | ox.Literal:
    if value.startswith("<") and value.endswith(">"):
        return ox.NamedNode(value[1:-1])
    return ox.Literal(value)


def resolve(name_or_path: str) -> NamedQuery | Path:
    """A catalogue name, or a path to a .rq file given by the user."""
    known = catalogue()
    if name_or_path in known:
        return known[name_or_path]
    path = Path(name_or_path)
    if path.suffix == ".rq" and path.is_file():
        return path
    raise QueryParamError(
        f"no named query {name_or_path!r} and no such .rq file; `aqkg queries` lists the names"
    )
