"""The RDF dataset a query runs over, as SPARQL 1.1 defines it, the same on every backend.

- A protocol dataset (`default-graph-uri` / `named-graph-uri`) replaces the query's whole
  dataset, FROM NAMED included (SPARQL 1.1 Protocol 2.1.4). Only named graphs given: the
  default graph is empty; only default graphs given: there are no named graphs.
- Otherwise the query's FROM / FROM NAMED clauses define it (SPARQL 1.1 Query 13.2): FROM
  alone leaves no named graphs, FROM NAMED alone leaves an empty default graph.
- Otherwise the default graph is the union of every graph and GRAPH ranges over every graph.
  This is aqkg's choice (Oxigraph and Fuseki let their operators choose): aqkg keeps one named
  graph per source file and nothing in the store's own default graph, so without the union a
  query naming no graph would see nothing.

Why the query text is parsed here: pyoxigraph 0.5 applies a query's own FROM only when the
union option is off, its union option overrides FROM, and it exposes no parser to ask whether
a query has a dataset clause. rdflib's SPARQL 1.1 grammar reads it (a library, not a
hand-written reader). Its IRIs are resolved by pyoxigraph (its Turtle parser resolves
relative IRIs as its SPARQL parser does), so FROM <rel> and GRAPH <rel> name the same graph.
rdflib's parser takes 20-130 ms on a catalogue query, so a query in which "from" appears
nowhere outside comments, strings, IRIs and variable names skips it (the whole catalogue).

Virtuoso merges a query's FROM with the protocol's default-graph-uri instead of replacing it,
so an endpoint is sent the query without its dataset clause (:func:`without_dataset_clause`)
and the dataset as protocol parameters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pyoxigraph as ox
from rdflib.plugins.sparql.parser import parseQuery

# The base IRI of a query run outside the server (the CLI, the explorer, the Python API): the
# project's namespace, so `<id/country/LA>` names Lao PDR and `FROM <graph/data/...>` a graph.
# The server resolves against its own URL instead, as the SPARQL 1.1 Protocol expects.
DEFAULT_BASE_IRI = "https://w3id.org/aqkg/"


class DatasetError(ValueError):
    """The query's dataset clause cannot be read; the message says why, in one line."""


@dataclass(frozen=True)
class Dataset:
    """The graphs a query reads: its default graph is the merge of `default` and GRAPH ranges
    over `named`; None stands for every graph of the store (the union default graph)."""

    default: tuple[str, ...] | None = None
    named: tuple[str, ...] | None = None


UNION = Dataset()


def protocol_dataset(
    default_graph_uris: Iterable[str], named_graph_uris: Iterable[str]
) -> Dataset | None:
    """The dataset of a request's default-graph-uri / named-graph-uri, or None when it gives
    neither."""
    default, named = tuple(default_graph_uris), tuple(named_graph_uris)
    return Dataset(default, named) if default or named else None


def effective_dataset(sparql: str, base_iri: str, protocol: Dataset | None = None) -> Dataset:
    """The dataset the query runs over: the protocol's, else its own FROM clauses', else the
    union. Raises DatasetError, or SyntaxError when the query is not SPARQL."""
    if protocol is not None:
        return protocol
    return query_dataset(sparql, base_iri) or UNION


def oxigraph_options(dataset: Dataset) -> dict[str, Any]:
    """Keyword arguments of pyoxigraph's Store.query() for the dataset."""
    if dataset == UNION:
        return {"use_default_graph_as_union": True}
    options: dict[str, Any] = {}
    # Given explicitly, even as the query's own FROM: pyoxigraph then reads what the endpoint
    # backend is sent, from one reading of the query.
    if dataset.default is not None:
        options["default_graph"] = [ox.NamedNode(g) for g in dataset.default]
    else:
        options["use_default_graph_as_union"] = True
    if dataset.named is not None:
        options["named_graphs"] = [ox.NamedNode(g) for g in dataset.named]
    return options


def query_dataset(sparql: str, base_iri: str) -> Dataset | None:
    """The dataset of the query's FROM / FROM NAMED clauses, or None when it has none."""
    if not _may_mention(sparql, "from"):
        return None
    return _read_dataset(sparql, base_iri)


@lru_cache(maxsize=256)
def _read_dataset(sparql: str, base_iri: str) -> Dataset | None:
    parsed = _parse(sparql, base_iri)
    if parsed is None:  # a query rdflib cannot read, without a FROM
        return None
    prologue, body = parsed
    # dict.get: rdflib's CompValue.get() answers an absent key with the key's own name
    clauses = dict.get(body, "datasetClause") or []
    if not clauses:
        return None
    prefixes, base = _prologue(prologue, base_iri)
    default: list[str] = []
    named: list[str] = []
    for clause in clauses:
        kind = "named" if "named" in clause else "default"
        graph = _graph_iri(clause[kind], prefixes, base)
        (named if kind == "named" else default).append(graph)
    return Dataset(tuple(default), tuple(named))


def declares_base(sparql: str) -> bool:
    """Whether the query has a BASE declaration of its own: the keyword BASE, read outside
    comments, strings and IRIs. (BASE is a keyword nowhere else, and the lexer reads a prefixed
    name such as `ex:base` whole, so no parse is needed.)"""
    return any(
        match.lastgroup == "name" and match.group().upper() == "BASE"
        for text in {sparql, _decoded(sparql)}
        for match in _LEXEME.finditer(text)
    )


def without_dataset_clause(sparql: str, base_iri: str) -> str:
    """The query with its FROM / FROM NAMED clauses taken out (the rest of the text as it was).

    The clauses are found by scanning the text, then checked with rdflib: the query without
    them must parse to the same tree, less its dataset clause; otherwise DatasetError (never a
    query that means something else)."""
    if query_dataset(sparql, base_iri) is None:
        return sparql
    stripped = "".join(_outside(sparql, list(_clause_spans(sparql))))
    try:
        original, remaining = _parse(sparql, base_iri), _parse(stripped, base_iri)
    except (SyntaxError, DatasetError):
        original = remaining = None
    if original is None or remaining is None or _tree(original) != _tree(remaining):
        raise DatasetError(
            "cannot take the FROM clauses out of this query to send them as protocol "
            "parameters: write each as `FROM <absolute IRI>` or `FROM prefix:name`"
        )
    return stripped


# -- reading the query ---------------------------------------------------------------------------

# rdflib parses in a thread of its own: pyparsing leaves reference cycles through the frames it
# raised exceptions in, and a frame keeps its callers' frames alive. In the caller's thread, a
# caller's pyoxigraph results would wait there for the garbage collector, which may run in
# another thread, where pyoxigraph refuses to free them. One thread also serializes parses
# (pyparsing's grammar objects keep state while parsing).
_PARSER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="aqkg-sparql-parser")
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_LOCAL_ESCAPE = re.compile(r"\\([_~.\-!$&'()*+,;=/?#@%])")
# The query's lexemes that matter here; what matches none of them is punctuation.
_LEXEME = re.compile(
    r"""(?P<comment>\#[^\n\r]*)
    |(?P<string>'''(?:'{0,2}(?:[^'\\]|\\.))*'''|\"\"\"(?:\"{0,2}(?:[^"\\]|\\.))*\"\"\"
       |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
    |(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    |(?P<variable>[?$]\w+)
    |(?P<name>(?:[A-Za-z][\w.-]*)?:(?:[\w\-.:%]|\\.)*|[A-Za-z_]\w*)  # prefixed name, keyword""",
    re.VERBOSE | re.DOTALL,
)


def _may_mention(sparql: str, word: str) -> bool:
    """False when the word is nowhere in the query's code (outside comments, strings, IRIs and
    variable names), in any case, written as it is or with \\u escapes (which SPARQL decodes
    before parsing). Within a name, not only a whole one: pyoxigraph reads `ASKFROM<g>` as
    ASK FROM <g>. Only the local part of a prefixed name is left out (aqkg:mobilityFrom
    names no graph): taking it for the keyword cost an rdflib parse, about 100 ms, on every
    run of the query."""
    return any(
        match.lastgroup == "name" and word in match.group().partition(":")[0].lower()
        for text in {sparql, _decoded(sparql)}
        for match in _LEXEME.finditer(text)
    )


def _decoded(sparql: str) -> str:
    """The query with its \\u and \\U escapes decoded, as SPARQL reads it."""
    return _CODEPOINT.sub(lambda m: chr(int(m[1] or m[2], 16)), sparql)


def _parse(sparql: str, base_iri: str) -> tuple[Any, Any] | None:
    """rdflib's parse of the query: (prologue, query), or None when rdflib cannot read a query
    that mentions no FROM (its grammar is SPARQL 1.1; pyoxigraph reads some of 1.2).
    Raises SyntaxError (pyoxigraph's message) for a query that is not SPARQL, DatasetError for
    one that names FROM in a way rdflib cannot read."""
    try:
        prologue, body = _PARSER.submit(parseQuery, sparql).result()
        return prologue, body
    except Exception as error:  # pyparsing's errors, or rdflib's own on what it cannot read
        problem = " ".join(str(error).split())[:200] or type(error).__name__
    _raise_syntax_error(sparql, base_iri)  # pyoxigraph's words when it is not SPARQL at all
    if _may_mention(sparql, "from"):
        raise DatasetError(
            f"cannot read the FROM clauses of this query (rdflib's SPARQL 1.1 parser: {problem})"
        )
    return None


def _raise_syntax_error(sparql: str, base_iri: str) -> None:
    """Raise pyoxigraph's SyntaxError if the query is not SPARQL (on an empty store: the query
    is parsed, and evaluated over nothing)."""
    try:
        ox.Store().query(sparql, base_iri=base_iri)
    except SyntaxError:
        raise
    except Exception:  # evaluation errors: the query parsed
        return


def _prologue(prologue: Any, base_iri: str) -> tuple[dict[str, str], str]:
    """The query's prefixes and final base, each IRI resolved against the base before it."""
    prefixes: dict[str, str] = {}
    base = base_iri
    for declaration in prologue:
        if declaration.name == "Base":
            base = _resolve(str(declaration.iri), base)
        elif declaration.name == "PrefixDecl":
            prefixes[declaration.prefix or ""] = _resolve(str(declaration.iri), base)
    return prefixes, base


def _graph_iri(term: Any, prefixes: dict[str, str], base: str) -> str:
    if getattr(term, "name", None) == "pname":
        prefix = term.prefix or ""
        if prefix not in prefixes:
            raise DatasetError(f"FROM {prefix}:{term.localname or ''}: the prefix is not declared")
        return prefixes[prefix] + _LOCAL_ESCAPE.sub(r"\1", term.localname or "")
    return _resolve(str(term), base)


def _resolve(reference: str, base: str) -> str:
    """The IRI reference resolved against the base, as pyoxigraph resolves it (RFC 3986)."""
    try:
        quads = ox.parse(f"<{reference}> <urn:x> <urn:x> .", ox.RdfFormat.TURTLE, base_iri=base)
        subject = next(iter(quads)).subject
    except (SyntaxError, ValueError, StopIteration):
        raise DatasetError(f"<{reference}> is not a valid IRI (base <{base}>)") from None
    assert isinstance(subject, ox.NamedNode)
    return subject.value


def _tree(parsed: tuple[Any, Any]) -> str:
    """The parse as text, less the dataset clause (rdflib's parse results compare by identity)."""
    prologue, body = parsed
    rest = {key: value for key, value in body.items() if key != "datasetClause"}
    return f"{prologue!r} {body.name} {rest!r}"


# -- finding the clauses in the text -------------------------------------------------------------


def _outside(text: str, spans: list[tuple[int, int]]) -> Iterator[str]:
    """The text with each span replaced by as many spaces."""
    previous = 0
    for start, end in spans:
        yield text[previous:start]
        yield " " * (end - start)
        previous = end
    yield text[previous:]


def _clause_spans(sparql: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each `FROM [NAMED] <iri>|prefix:name`, read outside strings and comments."""
    tokens = [m for m in _LEXEME.finditer(sparql) if m.lastgroup in ("iri", "name")]
    for index, token in enumerate(tokens):
        if token.group().upper() != "FROM":
            continue
        following = tokens[index + 1 : index + 3]
        if following and following[0].group().upper() == "NAMED":
            following = following[1:]
        if following:
            yield token.start(), following[0].end()
