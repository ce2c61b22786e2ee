"""`aqkg serve`: a read-only SPARQL 1.1 Protocol endpoint and a REST API of the named queries.

Routes (all read-only):

    GET|POST /sparql        SPARQL 1.1 Protocol query operation (GET ?query=, POST form, POST
                            application/sparql-query); default-graph-uri / named-graph-uri
                            replace the query's dataset, its FROM / FROM NAMED define it,
                            otherwise the default graph is the union of all graphs
                            (aqkg.syntax.dataset); relative IRIs resolve against the URL asked
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

import json
import os
import re
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pyoxigraph as ox

from aqkg.sparql.catalogue import NamedQuery, QueryParamError, bind_params, catalogue, for_embedded
from aqkg.sparql.jobs import Failure, Job, Success, Task
from aqkg.sparql.negotiation import FormatChoice, FormatError, choose_formats
from aqkg.sparql.notes import needs_pairings, pairings_note_task
from aqkg.sparql.pool import QueryPool
from aqkg.sparql.readonly import FILE_MESSAGE, READ_ONLY_MESSAGE, mentions_file_iri, refusal
from aqkg.store.embedded import StoreError
from aqkg.syntax.dataset import protocol_dataset
from aqkg.web import description, recognition
from aqkg.web.openapi import openapi_document

MAX_BODY_BYTES = 1 << 20
MAX_DRAINED_BYTES = 16 << 20
SOCKET_TIMEOUT_SECONDS = 60.0
# on a named query's answer that depends on unpublished data (aqkg.sparql.notes)
NOTE_HEADER = "AQKG-Note"


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
        self._pairings_note: str | None = None
        self._note_lock = threading.Lock()
        self.openapi = json.dumps(openapi_document(settings.queries), indent=2).encode()
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

    def pairings_note(self) -> str | None:
        """The note on unpublished level pairings (aqkg.sparql.notes), asked of a worker once:
        the store is read-only while it is served."""
        with self._note_lock:
            if self._pairings_note is None:
                outcome = self.pool.run(Task(pairings_note_task, {}))
                self._pairings_note = outcome.body.decode() if isinstance(outcome, Success) else ""
            return self._pairings_note or None

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host.decode() if isinstance(host, bytes) else host}:{port}"

    def server_close(self) -> None:
        super().server_close()
        pool: QueryPool | None = getattr(self, "pool", None)  # None when the bind failed
        if pool is not None:
            pool.close()


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
    headers: Mapping[str, str] = field(default_factory=dict)


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
        if path == recognition.PATH:
            return self._recognise, read
        if path.startswith("/api/"):
            name = path.removeprefix("/api/")
            return (lambda method, params: self._api_query(name, params)), read
        if path == "/openapi.json":
            return self._openapi, read
        if path == description.VOID_PATH:
            return self._void, read
        if path == "/":
            return self._index, read
        raise HttpError(404, f"nothing at {path}: see /openapi.json")

    # -- routes --------------------------------------------------------------------------------

    def _sparql(self, method: str, params: Params) -> Response:
        posted = self._posted_query(params) if method == "POST" else None
        if "update" in params:
            raise HttpError(403, READ_ONLY_MESSAGE)
        if method != "POST" and not params:  # SPARQL 1.1 Service Description
            return self._described(description.service_task)
        query = posted or _single(params, "query", "give the SPARQL query as `query`")
        reason = refusal(query)
        if reason:
            raise HttpError(403, reason)
        job = Job(
            query=query,
            formats=self._formats(params.get("format", [])),
            dataset=protocol_dataset(
                _graph_list(params, "default-graph-uri"), _graph_list(params, "named-graph-uri")
            ),
            base_iri=self._base_iri(),
        )
        return self._run(job)

    def _formats(self, format_values: list[str]) -> FormatChoice:
        try:
            return choose_formats(format_values, self.headers.get("Accept"))
        except FormatError as error:
            raise HttpError(400, str(error)) from None

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
        except QueryParamError as error:
            raise HttpError(400, str(error)) from None
        formats = [] if "format" in declared else params.get("format", [])
        choice = self._formats(formats)
        text: str = query.text
        if self.server.settings.endpoint is None:  # the workers run pyoxigraph
            text, left = for_embedded(text, bindings)
            bindings = bindings if left else {}  # written into the text as constants
        job = Job(query=text, formats=choice, bindings=bindings, base_iri=self._base_iri())
        response = self._run(job)
        note = self.server.pairings_note() if needs_pairings(query) else None
        return replace(response, headers={NOTE_HEADER: note}) if note else response

    def _recognise(self, method: str, params: Params) -> Response:
        arguments = {
            name: _single(
                params, name, f"give `{name}` ({recognition.PATH}?qualification=...&to=...)"
            )
            for name in recognition.PARAMETERS
        }
        return self._run(recognition.task(**arguments))

    def _void(self, method: str, params: Params) -> Response:
        return self._described(description.void_task)

    def _described(self, task: Callable[[str, str], Task]) -> Response:
        media = description.media_type(self.headers.get("Accept"))
        if media is None:
            raise HttpError(
                406, f"the description is available as {', '.join(description.FORMATS)}"
            )
        host = urlsplit(self._base_iri())
        return self._run(task(f"{host.scheme}://{host.netloc}", media))

    def _openapi(self, method: str, params: Params) -> Response:
        return Response("application/json", self.server.openapi)

    def _index(self, method: str, params: Params) -> Response:
        return _json_response(
            {
                "service": "aqkg read-only SPARQL endpoint",
                "sparql": "/sparql",
                "api": "/api",
                "openapi": "/openapi.json",
                "void": description.VOID_PATH,
            }
        )

    def _run(self, job: Job | Task) -> Response:
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
        for key, value in {**response.headers, **(headers or {})}.items():
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
