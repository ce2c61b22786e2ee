"""`aqkg serve`: a read-only SPARQL 1.1 Protocol endpoint and a REST API of the named queries.

Routes (all read-only):

    GET|POST /sparql        SPARQL 1.1 Protocol query operation (GET ?query=, POST form, POST
                            application/sparql-query); default-graph-uri / named-graph-uri
                            replace the query's dataset, its FROM / FROM NAMED define it,
                            otherwise the default graph is the union of all graphs
                            (aqkg.sparql_dataset); relative IRIs resolve against the URL asked
    GET /api                the named queries with their parameters (JSON)
    GET /api/<name>?p=v     one named query, parameters bound as typed terms
    GET /openapi.json       OpenAPI 3.1 description generated from the catalogue

Why worker processes: pyoxigraph cannot cancel a running query and a thread cannot be killed,
so every query runs in a small pool of processes that each hold the store open read-only. A
query that passes the time limit has its process killed and replaced; the others keep going.

Why the SERVICE check is lexical: pyoxigraph evaluates SERVICE by fetching the remote endpoint
and does not expose the parsed algebra, so the query text is scanned (see `mentions_service`).
"""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import os
import queue
import re
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pyoxigraph as ox

from aqkg.openapi import openapi_document
from aqkg.param_checks import check_params, data_bounds
from aqkg.queries import NamedQuery, QueryParamError, bind_params, catalogue, for_embedded
from aqkg.results import defuse_formula
from aqkg.sparql_dataset import DEFAULT_BASE_IRI, Dataset, protocol_dataset
from aqkg.store import EmbeddedStore, StoreError

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

MAX_BODY_BYTES = 1 << 20
MAX_RESULT_BYTES = 256 << 20
MAX_DRAINED_BYTES = 16 << 20
WORKER_BOOT_SECONDS = 60.0
SOCKET_TIMEOUT_SECONDS = 60.0
READY = "ready"


class ServeError(Exception):
    """The server cannot start (port taken, no store); the message says what to do."""


# == public entry points ===========================================================================


def serve(
    store_path: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 7878,
    timeout_seconds: float = 10.0,
    max_result_rows: int = 100_000,
    endpoint: str | None = None,
) -> None:
    """Serve the store (or the SPARQL endpoint) until interrupted (Ctrl-C)."""
    server = make_server(
        store_path,
        host=host,
        port=port,
        timeout_seconds=timeout_seconds,
        max_result_rows=max_result_rows,
        endpoint=endpoint,
    )
    print(
        f"aqkg: serving {endpoint or store_path} read-only at {server.url}/sparql "
        f"(REST: /api, OpenAPI: /openapi.json); Ctrl-C stops",
        file=sys.stderr,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("aqkg: stopped", file=sys.stderr)
    finally:
        server.server_close()


def make_server(
    store_path: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 7878,
    timeout_seconds: float = 10.0,
    max_result_rows: int = 100_000,
    workers: int | None = None,
    queries_folder: Path | None = None,
    quiet: bool = False,
    endpoint: str | None = None,
) -> QueryServer:
    """A ready server (socket bound, query workers started); call serve_forever() on it.

    `workers` defaults to the number of cores (at least 2, so one slow query never blocks the
    rest); `queries_folder` defaults to the project's queries/. With `endpoint`, queries go to
    that SPARQL server (read without credentials) instead of the store at `store_path`.
    """
    settings = Settings(
        store_path=store_path,
        endpoint=endpoint,
        timeout_seconds=timeout_seconds,
        max_result_rows=max_result_rows,
        workers=workers or min(8, max(2, os.cpu_count() or 2)),
        queries=_load_catalogue(queries_folder),
        quiet=quiet,
    )
    try:
        return QueryServer((host, port), settings)
    except OSError as error:
        raise ServeError(f"cannot listen on {host}:{port}: {error.strerror or error}") from error


def _load_catalogue(folder: Path | None) -> dict[str, NamedQuery]:
    try:
        return catalogue(folder)
    except FileNotFoundError:
        # No project folder (a bare store): /sparql still works, the REST API is empty.
        return {}


@dataclass(frozen=True)
class Settings:
    store_path: Path
    endpoint: str | None
    timeout_seconds: float
    max_result_rows: int
    workers: int
    queries: dict[str, NamedQuery]
    quiet: bool


class QueryServer(ThreadingHTTPServer):
    """ThreadingHTTPServer with the query pool; server_close() also stops the workers."""

    # socketserver's default listen backlog is 5: a burst of 20 clients then sees connections
    # reset by the kernel before a thread can accept them.
    request_queue_size = 128

    daemon_threads = True

    def __init__(self, address: tuple[str, int], settings: Settings) -> None:
        super().__init__(address, _Handler)
        self.settings = settings
        try:
            self.pool = QueryPool(
                settings.store_path,
                size=settings.workers,
                timeout_seconds=settings.timeout_seconds,
                max_rows=settings.max_result_rows,
                endpoint=settings.endpoint,
            )
        except StoreError as error:
            super().server_close()
            raise ServeError(str(error)) from error
        # the member-state enum and the level bounds as the served data has them at start
        bounds = data_bounds(self.select) if settings.queries else None
        self.openapi = json.dumps(openapi_document(settings.queries, bounds), indent=2).encode()

    def select(self, sparql: str) -> list[list[str]]:
        """Rows through the worker pool: the server process itself never opens the store."""
        return select_through(self.pool, sparql)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host.decode() if isinstance(host, bytes) else host}:{port}"

    def server_close(self) -> None:
        super().server_close()
        pool: QueryPool | None = getattr(self, "pool", None)  # None when the bind failed
        if pool is not None:
            pool.close()


# == read-only guard ===============================================================================

UPDATE_KEYWORDS = frozenset(
    ["INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"]
)
READ_ONLY_MESSAGE = "this endpoint is read-only: SPARQL UPDATE (INSERT, DELETE, LOAD...) is refused"
SERVICE_MESSAGE = (
    "this endpoint does not run federated queries: SERVICE is refused (it would make the "
    "server fetch other sites); the word is refused anywhere outside strings, comments, IRIs, "
    "variable names and the local part of prefixed names"
)
FILE_MESSAGE = (
    "this endpoint never reads local files: file: IRIs are refused (FROM <file:...> would only "
    "name a graph of the store, never read the file)"
)
# pyoxigraph 0.5 parses and optimises recursively: about 1,000 nested groups (FILTER EXISTS
# {...}), 5,000 nested brackets or 20,000 chained operators overflow the stack and kill the
# process (SIGSEGV). Real queries stay far below these limits.
MAX_QUERY_NESTING = 128
MAX_QUERY_OPERATORS = 2_000
_NOT_BRACKET = re.compile(r"[^(){}\[\]]+")

_ESCAPE = r"""\\(?:[tbnrf"'\\]|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8})"""
_STRING_LONG = {  # exactly SPARQL's STRING_LITERAL_LONG1 and 2
    "'": re.compile(r"'''(?:(?:'|'')?(?:[^'\\]|" + _ESCAPE + r"))*'''"),
    '"': re.compile(r'"""(?:(?:"|"")?(?:[^"\\]|' + _ESCAPE + r'))*"""'),
}
# Any escape: where pyoxigraph would reject the long string and read an empty '' instead.
_STRING_LONG_LOOSE = {
    "'": re.compile(r"'''(?:(?:'|'')?(?:[^'\\]|\\.))*'''", re.DOTALL),
    '"': re.compile(r'"""(?:(?:"|"")?(?:[^"\\]|\\.))*"""', re.DOTALL),
}
_STRING_SHORT = {
    "'": re.compile(r"'(?:[^'\\\n\r]|\\.)*'"),
    '"': re.compile(r'"(?:[^"\\\n\r]|\\.)*"'),
}
_IRI = re.compile(r'<(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>')
_VARIABLE = re.compile(r"[?$]\w+")
_LOCAL_PART = re.compile(r":[\w\-:%]*")
_LINE_END = re.compile(r"[\n\r]")
_INTERESTING = re.compile(r"""[sS'"<#\\?$:()]""")
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
# After one of these characters the next token is an operand, so `<` there starts an IRI.
_BEFORE_OPERAND = frozenset("(,=!&|+-*/^{;.[")
_NOISE = re.compile(
    "|".join(p.pattern for p in (*_STRING_LONG.values(), *_STRING_SHORT.values(), _IRI))
    + r"|#[^\n\r]*",
    re.DOTALL,
)

State = tuple[int, int, bool]  # position, bracket depth, "the last token was an operand"


def refusal(query: str) -> str | None:
    """Why the query is refused (an update, SERVICE, a file: IRI, nesting that would crash
    pyoxigraph), or None when it may run."""
    if first_keyword(query) in UPDATE_KEYWORDS:
        return READ_ONLY_MESSAGE
    if mentions_service(query):
        return SERVICE_MESSAGE
    if mentions_file_iri(query):
        return FILE_MESSAGE
    return complexity_problem(query)


def code_and_iris(query: str) -> str:
    """The query with its strings and comments blanked out, its IRIs kept."""
    return _NOISE.sub(lambda m: m[0] if m[0].startswith("<") else " ", query)


def mentions_file_iri(query: str) -> bool:
    """Whether an IRI of the query (a FROM, a PREFIX or BASE declaration...) is a file: IRI,
    codepoint escapes decoded; strings and comments are skipped."""
    decoded = _CODEPOINT.sub(_decode_codepoint, query)
    return any(
        token[0][:6].lower() == "<file:"
        for text in (query, decoded)
        for token in _NOISE.finditer(text)
    )


def complexity_problem(query: str) -> str | None:
    """Why the query is too deeply nested for pyoxigraph (see MAX_QUERY_NESTING), or None.
    Counted outside strings, IRIs and comments."""
    code = _NOISE.sub(" ", query)
    brackets = _NOT_BRACKET.sub("", code).translate(str.maketrans("{}[]", "()()"))
    for _ in range(MAX_QUERY_NESTING):  # each pass removes the innermost pairs
        inner_removed = brackets.replace("()", "")
        if inner_removed == brackets:
            break
        brackets = inner_removed
    else:
        if "()" in brackets:
            return (
                f"queries nesting brackets over {MAX_QUERY_NESTING} levels deep are refused "
                "(pyoxigraph would crash); simplify it"
            )
    if len(_OPERATOR.findall(code)) > MAX_QUERY_OPERATORS:
        return (
            f"queries with over {MAX_QUERY_OPERATORS} operators (UNION, ||, &&, +, /...) are "
            "refused (pyoxigraph would crash); simplify it"
        )
    return None


_OPERATOR = re.compile(r"\|\||&&|[!+\-*/|^<>=]|\bUNION\b|\bMINUS\b", re.IGNORECASE)


def first_keyword(query: str) -> str:
    """The query form keyword after the prologue (SELECT, INSERT...), upper case.

    Only used to word the error: an update never runs anyway, Store.query() cannot execute one.
    """
    words = re.findall(r"[A-Za-z_][\w.-]*:?|:", _NOISE.sub(" ", query))
    index = 0
    while index < len(words) and words[index].upper() in ("BASE", "PREFIX"):
        index += 2 if words[index].upper() == "PREFIX" else 1
    return words[index].upper() if index < len(words) else ""


def mentions_service(query: str) -> bool:
    """Whether the SERVICE keyword can be in the query, under any reading of its tokens.

    A plain tokenizer is not enough: pyoxigraph's parser needs no space around keywords
    (`?o trueSERVICE<...>`, `SERVICEex:x` both run a SERVICE), and `<` is an IRI or a
    less-than depending on context (`FILTER(1<2)SERVICE#>` hides the keyword from a tokenizer
    that reads an IRI there). So the text is walked along every reading at once: wherever a
    token is ambiguous (`<`, `'''`, `\\`) both continuations are explored, and "service" in any
    case, at any position read as code, refuses the query. Only variable names and the local
    part of prefixed names are exempt (the parser reads both greedily). Codepoint escapes
    (\\uXXXX) are checked both as written and decoded, as the SPARQL spec decodes them first.
    This refuses a few harmless queries (e.g. a full IRI containing "service" inside a FILTER:
    write it as a prefixed name), never the other way round.
    """
    decoded = _CODEPOINT.sub(_decode_codepoint, query)
    return any(_service_reachable(text) for text in {query, decoded})


def _decode_codepoint(match: re.Match[str]) -> str:
    code = int(match[1] or match[2], 16)
    return chr(code) if code <= sys.maxunicode else match[0]


def _service_reachable(text: str) -> bool:
    start: State = (0, 0, False)
    seen = {start}
    pending = [start]
    budget = 8 * len(text) + 1000  # states; a real query needs about one per token
    while pending:
        found, following = _step(text, *pending.pop())
        if found or len(seen) > budget:
            return True  # fail closed on a pathological text
        for state in following:
            if state not in seen:
                seen.add(state)
                pending.append(state)
    return False


def _step(text: str, position: int, depth: int, operand: bool) -> tuple[bool, list[State]]:
    """(SERVICE found here, next states) from one position read as code."""
    match = _INTERESTING.search(text, position)
    if match is None:
        return False, []
    here = match.start()
    skipped = text[position:here].rstrip()
    if skipped:
        operand = skipped[-1] not in _BEFORE_OPERAND
    char = text[here]
    if char in "sS":
        return text[here : here + 7].lower() == "service", [(here + 1, depth, True)]
    if char in "?$:":
        token = (_VARIABLE if char != ":" else _LOCAL_PART).match(text, here)
        return False, [(token.end() if token else here + 1, depth, True)]
    if char == "#":
        line_end = _LINE_END.search(text, here)
        return False, [(line_end.start() if line_end else len(text), depth, operand)]
    if char == "(":
        return False, [(here + 1, depth + 1, False)]
    if char == ")":
        return False, [(here + 1, max(depth - 1, 0), True)]
    if char == "\\":  # an escape in a prefixed name, or a stray character
        return False, [(here + 2, depth, True), (here + 1, depth, True)]
    if char == "<":
        return False, _after_angle(text, here, depth, operand)
    return False, _after_quote(text, here, depth)


def _after_angle(text: str, here: int, depth: int, operand: bool) -> list[State]:
    iri = _IRI.match(text, here)
    states: list[State] = [(iri.end(), depth, True)] if iri else []
    # Inside brackets after an operand, pyoxigraph may read `<` as less-than instead.
    if iri is None or (depth > 0 and operand):
        states.append((here + 1, depth, False))
    return states


def _after_quote(text: str, here: int, depth: int) -> list[State]:
    quote = text[here]
    exact = _STRING_LONG[quote].match(text, here)
    if exact:  # pyoxigraph tries the long form first and keeps it when it parses
        return [(exact.end(), depth, True)]
    ends = [
        token.end()
        for pattern in (_STRING_LONG_LOOSE[quote], _STRING_SHORT[quote])
        if (token := pattern.match(text, here))
    ]
    return [(end, depth, True) for end in ends] or [(here + 1, depth, True)]


# == formats =======================================================================================

RESULT_FORMATS: dict[str, tuple[str, ox.QueryResultsFormat]] = {
    "json": ("application/sparql-results+json", ox.QueryResultsFormat.JSON),
    "xml": ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
    "csv": ("text/csv; charset=utf-8", ox.QueryResultsFormat.CSV),
    "tsv": ("text/tab-separated-values; charset=utf-8", ox.QueryResultsFormat.TSV),
}
GRAPH_FORMATS: dict[str, tuple[str, ox.RdfFormat]] = {
    "turtle": ("text/turtle; charset=utf-8", ox.RdfFormat.TURTLE),
    "ntriples": ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    "jsonld": ("application/ld+json", ox.RdfFormat.JSON_LD),
    "rdfxml": ("application/rdf+xml", ox.RdfFormat.RDF_XML),
}
# Namespaces whose local names are plain words (instance IRIs under /id/ have slashes).
TURTLE_PREFIXES = {
    "aqkg": "https://w3id.org/aqkg/ontology#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
# Accept header media types, in order of preference (the first is the default).
RESULT_MEDIA = {
    "application/sparql-results+json": "json",
    "application/sparql-results+xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "application/json": "json",
}
GRAPH_MEDIA = {
    "text/turtle": "turtle",
    "application/n-triples": "ntriples",
    "application/ld+json": "jsonld",
    "application/rdf+xml": "rdfxml",
    "application/turtle": "turtle",
    "application/x-turtle": "turtle",
    "text/n3": "turtle",
    "application/x-json+ld": "jsonld",
    "application/json": "jsonld",
}
# `format=` values (SPARQLWrapper sends its return format under this name): (results, graph).
FORMAT_NAMES: dict[str, tuple[str | None, str | None]] = {
    "json": ("json", "jsonld"),
    "xml": ("xml", "rdfxml"),
    "csv": ("csv", None),
    "tsv": ("tsv", None),
    "turtle": (None, "turtle"),
    "ttl": (None, "turtle"),
    "n3": (None, "turtle"),
    "ntriples": (None, "ntriples"),
    "nt": (None, "ntriples"),
    "n-triples": (None, "ntriples"),
    "jsonld": (None, "jsonld"),
    "json-ld": (None, "jsonld"),
    "rdf": (None, "rdfxml"),
    "rdf+xml": (None, "rdfxml"),
    "rdfxml": (None, "rdfxml"),
}


@dataclass(frozen=True)
class FormatChoice:
    """The format for a SELECT/ASK result and for a CONSTRUCT/DESCRIBE one (None: 406)."""

    results: str | None
    graph: str | None
    accepted: str


def choose_formats(format_values: list[str], accept: str | None) -> FormatChoice:
    """`format=` values win over the Accept header; unknown format names are an error.

    A client that accepts only result-set formats (rdflib's SPARQLStore in JSON mode sends
    just application/sparql-results+json, whatever the query) gets a CONSTRUCT or DESCRIBE
    result in the default graph format, Turtle, instead of 406: HTTP lets a server disregard
    an Accept header it cannot satisfy (RFC 9110 section 12.5.1) and the SPARQL 1.1 Protocol
    asks only that the Content-Type say what was sent, by which such clients parse the answer.
    (`oxigraph serve` answers 406 there.) A SELECT or ASK asked for only as RDF stays a 406,
    as it is for oxigraph: no client asks that of an endpoint by default.
    """
    if not format_values:
        results, graph = _negotiate(accept, RESULT_MEDIA), _negotiate(accept, GRAPH_MEDIA)
        accepted = accept or "*/*"
    else:
        results = graph = None
        for value in format_values:
            pair = _format_value(value)
            results, graph = results or pair[0], graph or pair[1]
        accepted = "format=" + ",".join(format_values)
    if graph is None and results is not None:
        graph = next(iter(GRAPH_MEDIA.values()))
    return FormatChoice(results, graph, accepted)


def _format_value(value: str) -> tuple[str | None, str | None]:
    if "/" in value:  # a media type, as SPARQLWrapper sends for TSV or JSON-LD
        return _negotiate(value, RESULT_MEDIA), _negotiate(value, GRAPH_MEDIA)
    if value.strip().lower() in FORMAT_NAMES:
        return FORMAT_NAMES[value.strip().lower()]
    raise HttpError(400, f"unknown format {value!r}: use one of {', '.join(FORMAT_NAMES)}")


def _negotiate(accept: str | None, media: Mapping[str, str]) -> str | None:
    if not accept or not accept.strip():
        return next(iter(media.values()))
    ranges = _media_ranges(accept)
    best, best_quality = None, 0.0
    for media_type, name in media.items():
        quality = _quality(media_type, ranges)
        if quality > best_quality:
            best, best_quality = name, quality
    return best


def _media_ranges(accept: str) -> list[tuple[str, float]]:
    ranges = []
    for part in accept.split(","):
        media_type, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media_type:
            ranges.append((media_type.lower(), quality))
    return ranges


def _quality(media_type: str, ranges: list[tuple[str, float]]) -> float:
    """The quality of the most specific matching range (RFC 9110 section 12.5.1)."""
    family = media_type.split("/")[0] + "/*"
    best_specificity, quality = -1, 0.0
    for media_range, range_quality in ranges:
        specificity = {media_type: 2, family: 1, "*/*": 0}.get(media_range, -1)
        if specificity > best_specificity:
            best_specificity, quality = specificity, range_quality
    return quality


# == query workers =================================================================================


@dataclass(frozen=True)
class Job:
    query: str
    formats: FormatChoice
    bindings: Mapping[str, ox.NamedNode | ox.Literal] = field(default_factory=dict)
    dataset: Dataset | None = None  # the protocol's; None: the query's own, else the union
    base_iri: str = DEFAULT_BASE_IRI


@dataclass(frozen=True)
class Success:
    content_type: str
    body: bytes


@dataclass(frozen=True)
class Failure:
    status: int
    message: str


Outcome = Success | Failure


def select_through(pool: QueryPool, sparql: str) -> list[list[str]]:
    """A SELECT's rows as plain strings, run by `pool` (an aqkg.param_checks.Select); raises
    HttpError with the pool's status when it fails (time limit, every worker busy)."""
    outcome = pool.run(Job(query=sparql, formats=choose_formats(["json"], None)))
    if isinstance(outcome, Failure):
        raise HttpError(outcome.status, outcome.message)
    results = json.loads(outcome.body)
    names = results["head"]["vars"]
    return [
        [binding.get(name, {}).get("value", "") for name in names]
        for binding in results["results"]["bindings"]
    ]


class ResultTooLarge(Exception):
    pass


class QueryPool:
    """Worker processes, each with the store open read-only, taking one query at a time."""

    def __init__(
        self,
        store_path: Path,
        *,
        size: int,
        timeout_seconds: float,
        max_rows: int,
        endpoint: str | None = None,
    ) -> None:
        self._store_path = store_path
        self._endpoint = endpoint  # when given, the workers read from it, not store_path
        self._timeout = timeout_seconds
        self._max_rows = max_rows
        # spawn: the server is multi-threaded, and forking a threaded process is unsafe.
        self._context = multiprocessing.get_context("spawn")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._live: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        try:
            for worker in [self._launch() for _ in range(size)]:
                self._idle.put(self._await_ready(worker))
        except StoreError:
            self.close()
            raise

    def run(self, job: Job) -> Outcome:
        # A free worker appears within one time limit (a stuck one is killed by then),
        # plus the time to start its replacement.
        try:
            worker = self._idle.get(timeout=self._timeout + WORKER_BOOT_SECONDS)
        except queue.Empty:
            return Failure(503, "every query worker is busy; try again in a moment")
        try:
            worker.connection.send(job)
            if worker.connection.poll(self._timeout):
                outcome: Outcome = worker.connection.recv()
                self._idle.put(worker)
                return outcome
            message = (
                f"query stopped after {self._timeout:g} s (the time limit); "
                "add LIMIT or narrow the pattern"
            )
            status = 503
        except (EOFError, OSError):
            message, status = "the query worker stopped unexpectedly", 500
        self._replace(worker)
        return Failure(status, message)

    def idle_workers(self) -> int:
        return self._idle.qsize()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers = list(self._live)
        for worker in workers:
            self._stop(worker)

    def _launch(self) -> _Worker:
        parent, child = self._context.Pipe()
        process = self._context.Process(
            target=_worker_main,
            args=(child, str(self._store_path), self._max_rows, self._endpoint),
            name="aqkg-query-worker",
            daemon=True,
        )
        process.start()
        child.close()
        worker = _Worker(process, parent)
        with self._lock:
            self._live.add(worker)
        return worker

    def _await_ready(self, worker: _Worker) -> _Worker:
        try:
            if worker.connection.poll(WORKER_BOOT_SECONDS):
                greeting = worker.connection.recv()
                if greeting == READY:
                    return worker
            else:
                greeting = f"a query worker did not start within {WORKER_BOOT_SECONDS:g} s"
        except (EOFError, OSError):
            greeting = "a query worker stopped while starting"
        self._stop(worker)
        raise StoreError(str(greeting))

    def _replace(self, worker: _Worker) -> None:
        self._stop(worker)
        threading.Thread(target=self._add_worker, name="aqkg-worker-start", daemon=True).start()

    def _add_worker(self) -> None:
        try:
            worker = self._await_ready(self._launch())
        except StoreError as error:
            if not self._closed:
                print(f"aqkg: cannot replace a query worker: {error}", file=sys.stderr)
            return
        with self._lock:
            if not self._closed:
                self._idle.put(worker)
                return
        self._stop(worker)

    def _stop(self, worker: _Worker) -> None:
        """Kill a worker; safe to call twice (shutdown may race a replacement starting)."""
        with self._lock:
            if worker not in self._live:
                return
            self._live.discard(worker)
        worker.process.kill()  # read-only store: killing mid-query cannot damage it
        worker.process.join(timeout=5)
        worker.connection.close()


@dataclass(eq=False)
class _Worker:
    process: BaseProcess
    connection: Connection


def _worker_main(
    connection: Connection, store_path: str, max_rows: int, endpoint: str | None = None
) -> None:
    """A worker process: open the store read-only (or the endpoint, without credentials),
    then evaluate jobs until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's to handle
    try:
        answer = _evaluator(Path(store_path), endpoint)
    except StoreError as error:
        connection.send(str(error))
        return
    connection.send(READY)
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        connection.send(answer(job, max_rows))


def _evaluator(store_path: Path, endpoint: str | None) -> Callable[[Job, int], Outcome]:
    if endpoint:
        from aqkg.serve_endpoint import evaluate_on_endpoint, open_endpoint

        remote = open_endpoint(endpoint)
        return lambda job, max_rows: evaluate_on_endpoint(remote, job, max_rows)
    store = EmbeddedStore.open(store_path, read_only=True)
    return lambda job, max_rows: evaluate(store, job, max_rows)


def evaluate(store: EmbeddedStore, job: Job, max_rows: int) -> Outcome:
    """Run one query and serialize its result with pyoxigraph's own writers."""
    try:
        result = store.raw_query(
            job.query, job.bindings, dataset=job.dataset, base_iri=job.base_iri
        )
        if isinstance(result, ox.QuerySolutions):
            return serialize_solutions(result, job.formats, max_rows)
        if isinstance(result, ox.QueryBoolean):
            return serialize_boolean(result, job.formats)
        return serialize_triples(result, job.formats, max_rows)
    except StoreError as error:  # a syntax error, or FROM clauses that cannot be read
        return Failure(400, _one_line(error))
    except ResultTooLarge:
        limits = f"{max_rows} rows or {MAX_RESULT_BYTES >> 20} MB"
        return Failure(400, f"the result has more than {limits} (the limits): add LIMIT or page")
    except (RuntimeError, ValueError) as error:  # pyoxigraph's evaluation errors
        return Failure(400, f"query failed: {_one_line(error)}")
    except Exception as error:  # a worker must answer, never die on one query
        return Failure(500, f"query failed: {type(error).__name__}: {_one_line(error)}")


def serialize_solutions(result: ox.QuerySolutions, formats: FormatChoice, max_rows: int) -> Outcome:
    if formats.results is None:
        return _not_acceptable("SELECT", formats, RESULT_FORMATS)
    # Rows are counted on TSV (one line per row, newlines in literals escaped), which
    # pyoxigraph writes incrementally, so an oversized result stops early; the TSV is then
    # re-read and written in the asked format, still by pyoxigraph.
    writer = _CappedWriter(max_rows)
    try:
        result.serialize(writer, format=ox.QueryResultsFormat.TSV)
    except Exception:
        if writer.overflowed:
            raise ResultTooLarge() from None
        raise
    content_type, results_format = RESULT_FORMATS[formats.results]
    body = writer.getvalue()
    if results_format != ox.QueryResultsFormat.TSV:
        reread = ox.parse_query_results(body, format=ox.QueryResultsFormat.TSV)
        assert isinstance(reread, ox.QuerySolutions)
        if results_format == ox.QueryResultsFormat.CSV:
            body = _defused_csv(reread)
        else:
            body = reread.serialize(format=results_format) or b""
    return Success(content_type, body)


def _defused_csv(solutions: ox.QuerySolutions) -> bytes:
    """SPARQL 1.1 CSV as pyoxigraph writes it, except that a value a spreadsheet program would
    run as a formula (=, +, -, @) gets a leading ' (CSV injection), as `aqkg query --format csv`
    does. CSV is the format people open in a spreadsheet; JSON, XML and TSV stay exact."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    variables = [v.value for v in solutions.variables]
    writer.writerow(variables)
    for solution in solutions:
        writer.writerow([defuse_formula(_csv_value(solution[v])) for v in variables])
    return buffer.getvalue().encode("utf-8")


def _csv_value(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Triple):
        return str(term)
    return str(term.value)


def serialize_boolean(result: ox.QueryBoolean, formats: FormatChoice) -> Outcome:
    if formats.results is None:
        return _not_acceptable("ASK", formats, RESULT_FORMATS)
    content_type, results_format = RESULT_FORMATS[formats.results]
    return Success(content_type, result.serialize(format=results_format) or b"")


def serialize_triples(result: Iterable[ox.Triple], formats: FormatChoice, max_rows: int) -> Outcome:
    if formats.graph is None:
        return _not_acceptable("CONSTRUCT/DESCRIBE", formats, GRAPH_FORMATS)
    content_type, rdf_format = GRAPH_FORMATS[formats.graph]
    body = ox.serialize(
        _capped(result, max_rows),
        format=rdf_format,
        prefixes=TURTLE_PREFIXES if rdf_format == ox.RdfFormat.TURTLE else None,
    )
    return Success(content_type, body or b"")


def _capped(triples: Iterable[ox.Triple], max_rows: int) -> Iterator[ox.Triple]:
    for count, triple in enumerate(triples, 1):
        if count > max_rows:
            raise ResultTooLarge()
        yield triple


def _not_acceptable(form: str, formats: FormatChoice, offered: Mapping[str, Any]) -> Failure:
    types = ", ".join(content_type.split(";")[0] for content_type, _ in offered.values())
    return Failure(406, f"cannot give a {form} result as {formats.accepted}; available: {types}")


class _CappedWriter(io.BytesIO):
    """A byte buffer that stops the writer once the TSV has more than max_rows rows."""

    def __init__(self, max_rows: int) -> None:
        super().__init__()
        self._lines = 0
        self._max_rows = max_rows
        self.overflowed = False

    def write(self, data: ReadableBuffer, /) -> int:
        chunk = bytes(data)
        self._lines += chunk.count(b"\n")
        if self._lines - 1 > self._max_rows or self.tell() + len(chunk) > MAX_RESULT_BYTES:
            self.overflowed = True
            raise ResultTooLarge()
        return super().write(chunk)


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


# == HTTP ==========================================================================================


class HttpError(Exception):
    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})


@dataclass(frozen=True)
class Response:
    content_type: str
    body: bytes
    status: int = 200


Params = dict[str, list[str]]


class _Handler(BaseHTTPRequestHandler):
    server: QueryServer
    server_version = "aqkg"
    timeout = SOCKET_TIMEOUT_SECONDS  # drop clients that stall mid-request

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_OPTIONS(self) -> None:
        self._dispatch("OPTIONS")

    # -- routing -------------------------------------------------------------------------------

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        path = unquote(url.path).rstrip("/") or "/"
        params = parse_qs(url.query, keep_blank_values=True)
        json_errors = path.startswith("/api")
        try:
            handler, allowed = self._route(path)
            if method == "OPTIONS":
                self._send(Response("text/plain", b"", 204), headers={"Allow": allowed})
                return
            if method not in allowed.split(", "):
                raise HttpError(405, f"{method} is not allowed on {path}", {"Allow": allowed})
            self._send(handler(method, params), head=method == "HEAD")
        except HttpError as error:
            self._send_error(error, json_errors, head=method == "HEAD")
        except Exception as error:  # never show a traceback to the client
            self.log_error("internal error on %s: %r", self.path, error)
            self._send_error(HttpError(500, f"internal error: {type(error).__name__}"), json_errors)

    def _route(self, path: str) -> tuple[Callable[[str, Params], Response], str]:
        read = "GET, HEAD"
        if path == "/sparql":
            return self._sparql, "GET, HEAD, POST"
        if path == "/api":
            return self._api_list, read
        if path.startswith("/api/"):
            name = path.removeprefix("/api/")
            return (lambda method, params: self._api_query(name, params)), read
        if path == "/openapi.json":
            return self._openapi, read
        if path == "/":
            return self._index, read
        raise HttpError(404, f"nothing at {path}: see /openapi.json")

    # -- routes --------------------------------------------------------------------------------

    def _sparql(self, method: str, params: Params) -> Response:
        posted = self._posted_query(params) if method == "POST" else None
        if "update" in params:
            raise HttpError(403, READ_ONLY_MESSAGE)
        query = posted or _single(params, "query", "give the SPARQL query as `query`")
        reason = refusal(query)
        if reason:
            raise HttpError(403, reason)
        job = Job(
            query=query,
            formats=choose_formats(params.get("format", []), self.headers.get("Accept")),
            dataset=protocol_dataset(
                _graph_list(params, "default-graph-uri"), _graph_list(params, "named-graph-uri")
            ),
            base_iri=self._base_iri(),
        )
        return self._run(job)

    def _base_iri(self) -> str:
        """The URL the client asked for (no query string): the base IRI of its query, as the
        SPARQL 1.1 Protocol tests expect and `oxigraph serve` does. The Host header names the
        server as the client reached it (through a proxy too); a malformed one is ignored."""
        host = self.headers.get("Host") or ""
        if not _HOST.fullmatch(host):
            host = urlsplit(self.server.url).netloc
        return f"http://{host}{quote(unquote(urlsplit(self.path).path))}"

    def _posted_query(self, params: Params) -> str | None:
        """The query of an application/sparql-query body; a form's fields go into params."""
        content_type, *options = (self.headers.get("Content-Type") or "").split(";")
        content_type = content_type.strip().lower()
        charset = _charset(options)
        if charset not in ("utf-8", "utf8"):
            self.close_connection = True  # the unread body must not be taken for a request
            raise HttpError(415, f"cannot read a body in {charset}: send the query in UTF-8")
        if content_type == "application/sparql-update":
            raise HttpError(403, READ_ONLY_MESSAGE)
        if content_type not in ("application/sparql-query", "application/x-www-form-urlencoded"):
            raise HttpError(
                415,
                f"cannot read a {content_type or 'body without Content-Type'}: post "
                "application/sparql-query or application/x-www-form-urlencoded",
            )
        body = self._read_body()
        if content_type == "application/sparql-query":
            if "query" in params:
                raise HttpError(400, "give the query either in the body or as `query`, not both")
            return body
        for key, values in parse_qs(body, keep_blank_values=True).items():
            params.setdefault(key, []).extend(values)
        return None

    def _read_body(self) -> str:
        length_header = self.headers.get("Content-Length")
        if length_header is None or not length_header.strip().isdigit():
            self.close_connection = True
            raise HttpError(411, "give a Content-Length (chunked bodies are not accepted)")
        length = int(length_header)
        if length > MAX_BODY_BYTES:
            self._discard(length)
            raise HttpError(413, f"request body over {MAX_BODY_BYTES} bytes")
        try:
            return self.rfile.read(length).decode("utf-8")
        except UnicodeDecodeError:
            raise HttpError(400, "the request body is not UTF-8") from None

    def _discard(self, length: int) -> None:
        """Drain a refused body (so the client reads our answer, not a reset), then hang up."""
        self.close_connection = True
        while 0 < length <= MAX_DRAINED_BYTES:
            chunk = self.rfile.read(min(length, 1 << 16))
            if not chunk:
                break
            length -= len(chunk)

    def _api_list(self, method: str, params: Params) -> Response:
        queries = [_describe(q) for q in self.server.settings.queries.values()]
        return _json_response({"queries": queries})

    def _api_query(self, name: str, params: Params) -> Response:
        query = self.server.settings.queries.get(name)
        if query is None:
            raise HttpError(404, f"no named query {name!r}: GET /api lists them")
        declared = {p.name for p in query.params}
        given = {
            key: _single(params, key, "")
            for key in params
            if key != "format" or "format" in declared
        }
        missing = [p.name for p in query.params if p.required and p.name not in given]
        if missing:
            raise HttpError(400, f"query {name} needs the parameter {missing[0]}")
        try:
            bindings = bind_params(query, given)
            check_params(query, given, self.server.select)
        except QueryParamError as error:
            raise HttpError(400, str(error)) from None
        formats = [] if "format" in declared else params.get("format", [])
        choice = choose_formats(formats, self.headers.get("Accept"))
        text: str = query.text
        if self.server.settings.endpoint is None:  # the workers run pyoxigraph
            text, left = for_embedded(text, bindings)
            bindings = bindings if left else {}  # written into the text as constants
        job = Job(query=text, formats=choice, bindings=bindings, base_iri=self._base_iri())
        return self._run(job)

    def _openapi(self, method: str, params: Params) -> Response:
        return Response("application/json", self.server.openapi)

    def _index(self, method: str, params: Params) -> Response:
        return _json_response(
            {
                "service": "aqkg read-only SPARQL endpoint",
                "sparql": "/sparql",
                "api": "/api",
                "openapi": "/openapi.json",
            }
        )

    def _run(self, job: Job) -> Response:
        outcome = self.server.pool.run(job)
        if isinstance(outcome, Failure):
            retry = {"Retry-After": "1"} if outcome.status == 503 else None
            raise HttpError(outcome.status, outcome.message, retry)
        return Response(outcome.content_type, outcome.body)

    # -- writing -------------------------------------------------------------------------------

    def _send(
        self, response: Response, head: bool = False, headers: Mapping[str, str] | None = None
    ) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("Vary", "Accept")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if not head:
            self.wfile.write(response.body)

    def _send_error(self, error: HttpError, json_errors: bool, head: bool = False) -> None:
        if json_errors:
            body = json.dumps({"error": error.message, "status": error.status}).encode()
            content_type = "application/json"
        else:
            body = (error.message + "\n").encode() if error.message else b""
            content_type = "text/plain; charset=utf-8"
        self._send(Response(content_type, body, error.status), head, error.headers)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own errors (bad request line, URI too long), as one plain line."""
        self.close_connection = True
        text = message or HTTPStatus(code).phrase
        self._send_error(HttpError(code, text), json_errors=False)

    def log_message(self, format: str, *args: Any) -> None:
        if not self.server.settings.quiet:
            super().log_message(format, *args)


def _single(params: Params, name: str, missing_message: str) -> str:
    values = params.get(name, [])
    if not values:
        raise HttpError(400, missing_message or f"give {name}")
    if len(values) > 1:
        raise HttpError(400, f"give {name} once, not {len(values)} times")
    return values[0]


def _charset(options: list[str]) -> str:
    """The charset parameter of a Content-Type (its options after the media type), lower case;
    UTF-8 when none is given (application/sparql-query is UTF-8 by definition)."""
    for option in options:
        key, _, value = option.strip().partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return "utf-8"


# host[:port] as a client may send it in the Host header: a name, IPv4 or [IPv6] address.
_HOST = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?")


def _graph_list(params: Params, name: str) -> tuple[str, ...]:
    graphs = tuple(params.get(name, []))
    for graph in graphs:
        try:
            ox.NamedNode(graph)
        except ValueError:
            raise HttpError(400, f"{name} {graph!r} is not an absolute IRI") from None
        if mentions_file_iri(f"<{graph}>"):
            raise HttpError(403, FILE_MESSAGE)
    return graphs


def _describe(query: NamedQuery) -> dict[str, Any]:
    return {
        "name": query.name,
        "summary": query.summary,
        "description": query.description,
        "tags": query.tags,
        "params": [
            {"name": p.name, "type": p.type, "required": p.required, "description": p.description}
            for p in query.params
        ],
        "href": f"/api/{query.name}",
    }


def _json_response(payload: object) -> Response:
    return Response("application/json", json.dumps(payload, indent=2).encode())
