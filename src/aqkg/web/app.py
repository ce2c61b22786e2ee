"""The ASGI application of `aqkg serve` (Starlette), every route read-only.

    GET|POST /sparql        SPARQL 1.1 Protocol query operation (GET ?query=, POST form, POST
                            application/sparql-query); default-graph-uri / named-graph-uri
                            replace the query's dataset, its FROM / FROM NAMED define it,
                            otherwise the default graph is the union of all graphs
                            (aqkg.syntax.dataset); relative IRIs resolve against the URL asked
    GET /api                the named queries with their parameters (JSON)
    GET /api/<name>?p=v     one named query, parameters bound as typed terms; a listing
                            query a page at a time (limit, offset), its total in a header
    GET /api/recognise      the recognition engine (aqkg.web.recognition)
    GET /openapi.json       OpenAPI 3.1 description generated from the catalogue
    GET /id/<type>/<...>    the page of a minted IRI: HTML, Turtle, JSON-LD, N-Triples
                            (aqkg.web.pages; docs/linked-data.md)
    GET /context.jsonld     the JSON-LD context of the record pages
    GET /ontology           the ontology's documentation (pyLODE), terms at their anchors
    GET /downloads[/<file>] the SSSOM mapping set and dumps of the store, with size and date

One route function dispatches every path (`_route`), as the server on http.server did, so the
answers to unknown paths, wrong methods, OPTIONS and HEAD, and every error, stay one line (JSON
under /api) whatever the path; Starlette's own router would answer those in its own words.
Queries run in the killable worker processes of `aqkg.sparql.pool`; a request waits for its
worker in a thread (the pool is blocking), never on the event loop.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

import anyio
import anyio.to_thread
import pyoxigraph as ox
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response as StarletteResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aqkg.exports.downloads import Downloads
from aqkg.exports.ontology_docs import ontology_html
from aqkg.exports.records import context_document
from aqkg.sparql.catalogue import (
    NamedQuery,
    QueryParamError,
    bind_params,
    for_embedded,
    page_texts,
)
from aqkg.sparql.jobs import Failure, Job, Success, Task
from aqkg.sparql.negotiation import FormatChoice, FormatError, choose_formats
from aqkg.sparql.notes import needs_pairings, pairings_note_task
from aqkg.sparql.paging import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page
from aqkg.sparql.param_checks import check_params, data_bounds
from aqkg.sparql.pool import QueryPool, select_rows
from aqkg.sparql.readonly import FILE_MESSAGE, READ_ONLY_MESSAGE, mentions_file_iri, refusal
from aqkg.store.embedded import StoreError
from aqkg.syntax.dataset import protocol_dataset
from aqkg.web import description, pages, recognition
from aqkg.web.fairuse import ClientLimits, FairUse, Refused
from aqkg.web.openapi import openapi_document

MAX_BODY_BYTES = 1 << 20
MAX_DRAINED_BYTES = 16 << 20
# on a named query's answer that depends on unpublished data (aqkg.sparql.notes)
NOTE_HEADER = "AQKG-Note"
# on a page of a listing query: how many rows all its pages hold (the Link header points on)
TOTAL_HEADER = "AQKG-Total-Count"
# requests waiting for a query worker, each in a thread of its own (the pool blocks)
WAITING_THREADS = 128


@dataclass(frozen=True)
class Settings:
    store_path: Path
    endpoint: str | None
    timeout_seconds: float
    max_result_rows: int
    workers: int
    queries: dict[str, NamedQuery]
    quiet: bool
    base_url: str = ""  # where links on the pages point: "" is this server, root-relative
    explorer_url: str = ""  # the explorer, linked from the record pages when given
    cors_origins: tuple[str, ...] = ()
    fair_use: FairUse | None = None
    trusted_proxies: tuple[str, ...] = ()


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
Handler = Callable[[Request, str, Params], Awaitable[Response]]


class Service:
    """The state every request reads: settings, the query pool, what is made once."""

    def __init__(self, settings: Settings, pool: QueryPool) -> None:
        self.settings = settings
        self.pool = pool
        # the member-state enum and the level bounds as the served data has them at start,
        # read through the pool: the server process itself never opens the store
        bounds = data_bounds(self.select) if settings.queries else None
        self.openapi = json.dumps(openapi_document(settings.queries, bounds), indent=2).encode()
        self.limits = ClientLimits(settings.fair_use) if settings.fair_use else None
        self.downloads = (
            None
            if settings.endpoint
            else Downloads(settings.store_path, settings.base_url or "https://w3id.org/aqkg")
        )
        self._pairings_note: str | None = None
        self._ontology: bytes | None = None
        self._once = anyio.Lock()
        self._threads = anyio.CapacityLimiter(WAITING_THREADS)

    def select(
        self, sparql: str, bindings: Mapping[str, ox.NamedNode | ox.Literal] | None = None
    ) -> list[list[str]]:
        """A SELECT's rows as strings, from a query worker (aqkg.sparql.param_checks.Select)."""
        try:
            return select_rows(self.pool, sparql, bindings)
        except StoreError as error:
            raise HttpError(503, str(error), {"Retry-After": "1"}) from None

    async def pairings_note(self) -> str | None:
        """The note on unpublished level pairings (aqkg.sparql.notes), asked of a worker once:
        the store is read-only while it is served."""
        async with self._once:
            if self._pairings_note is None:
                outcome = await self.in_thread(self.pool.run, Task(pairings_note_task, {}))
                self._pairings_note = outcome.body.decode() if isinstance(outcome, Success) else ""
        return self._pairings_note or None

    async def ontology(self) -> bytes:
        async with self._once:
            if self._ontology is None:
                try:
                    self._ontology = (await self.in_thread(ontology_html)).encode("utf-8")
                except FileNotFoundError:
                    raise HttpError(404, "no ontology folder: serve from the project") from None
        return self._ontology

    async def in_thread(self, function: Callable[..., Any], *args: Any) -> Any:
        return await anyio.to_thread.run_sync(function, *args, limiter=self._threads)


def create_app(settings: Settings, pool: QueryPool) -> Starlette:
    service = Service(settings, pool)

    async def endpoint(request: Request) -> StarletteResponse:
        return await _dispatch(service, request)

    methods = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]
    middleware = []
    if settings.cors_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(settings.cors_origins),
                allow_methods=["GET", "HEAD", "POST", "OPTIONS"],
                allow_headers=["Accept", "Content-Type"],
                expose_headers=[
                    NOTE_HEADER,
                    TOTAL_HEADER,
                    "Link",
                    "Retry-After",
                    "Content-Location",
                ],
                max_age=3600,
            )
        )
    # outermost: header names as the server on http.server wrote them (Content-Type), which
    # clients that compare names case-sensitively (and the tests' dict(headers)) expect
    middleware.insert(0, Middleware(_CanonicalHeaderNames))
    app = Starlette(
        routes=[Route("/{path:path}", endpoint, methods=methods)], middleware=middleware
    )
    app.state.service = service
    return app


class _CanonicalHeaderNames:
    """ASGI middleware: response header names in their canonical case (content-type ->
    Content-Type); Starlette writes them in lower case, which HTTP/1.1 allows."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def canonical(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    (_canonical(name), value) for name, value in message.get("headers", [])
                ]
            await send(message)

        await self.app(scope, receive, canonical if scope["type"] == "http" else send)


def _canonical(name: bytes) -> bytes:
    special = {
        name.lower().encode(): name.encode()
        for name in (NOTE_HEADER, TOTAL_HEADER, "WWW-Authenticate")
    }
    return special.get(name.lower()) or b"-".join(p.capitalize() for p in name.split(b"-"))


# == routing =======================================================================================


async def _dispatch(service: Service, request: Request) -> StarletteResponse:
    method = request.method
    path = unquote(request.url.path).rstrip("/") or "/"
    params = parse_qs(request.url.query, keep_blank_values=True)
    json_errors = path.startswith("/api")
    try:
        handler, allowed = _route(service, path)
        if method == "OPTIONS":
            return _send(Response("text/plain", b"", 204), headers={"Allow": allowed})
        if method not in allowed.split(", "):
            raise HttpError(405, f"{method} is not allowed on {path}", {"Allow": allowed})
        return _send(await handler(request, method, params), head=method == "HEAD")
    except HttpError as error:
        return _send_error(error, json_errors, head=method == "HEAD")
    except ClientDisconnect:
        return _send_error(HttpError(400, "the client went away"), json_errors)
    except Exception as error:  # never show a traceback to the client
        if not service.settings.quiet:
            print(f"aqkg: internal error on {request.url.path}: {error!r}")
        return _send_error(HttpError(500, f"internal error: {type(error).__name__}"), json_errors)


def _route(service: Service, path: str) -> tuple[Handler, str]:
    read = "GET, HEAD"
    routes: dict[str, tuple[Handler, str]] = {
        "/sparql": (_sparql, "GET, HEAD, POST"),
        "/api": (_api_list, read),
        recognition.PATH: (_recognise, read),
        "/openapi.json": (_openapi, read),
        description.VOID_PATH: (_void, read),
        "/context.jsonld": (_context, read),
        "/ontology": (_ontology, read),
        "/downloads": (_downloads, read),
        "/": (_index, read),
    }
    if path in routes:
        handler, allowed = routes[path]
    elif path.startswith("/api/"):
        handler, allowed = _api_query, read
    elif path.startswith(pages.PREFIX):
        handler, allowed = _record, read
    elif path.startswith("/downloads/"):
        handler, allowed = _download, read
    else:
        raise HttpError(404, f"nothing at {path}: see /openapi.json")
    return _with_service(service, handler), allowed


def _with_service(service: Service, handler: Handler) -> Handler:
    async def call(request: Request, method: str, params: Params) -> Response:
        request.state.service = service
        return await handler(request, method, params)

    return call


def _service(request: Request) -> Service:
    service: Service = request.state.service
    return service


# == routes ========================================================================================


async def _sparql(request: Request, method: str, params: Params) -> Response:
    posted = await _posted_query(request, params) if method == "POST" else None
    if "update" in params:
        raise HttpError(403, READ_ONLY_MESSAGE)
    if method != "POST" and not params:  # SPARQL 1.1 Service Description
        return await _described(request, description.service_task)
    query = posted or _single(params, "query", "give the SPARQL query as `query`")
    reason = refusal(query)
    if reason:
        raise HttpError(403, reason)
    job = Job(
        query=query,
        formats=_formats(request, params.get("format", [])),
        dataset=protocol_dataset(
            _graph_list(params, "default-graph-uri"), _graph_list(params, "named-graph-uri")
        ),
        base_iri=_base_iri(request),
    )
    return await _run(request, job)


def _formats(request: Request, format_values: list[str]) -> FormatChoice:
    try:
        return choose_formats(format_values, request.headers.get("Accept"))
    except FormatError as error:
        raise HttpError(400, str(error)) from None


def _base_iri(request: Request) -> str:
    """The URL the client asked for (no query string): the base IRI of its query, as the
    SPARQL 1.1 Protocol tests expect and `oxigraph serve` does. The Host header names the
    server as the client reached it (through a proxy too); a malformed one is ignored."""
    host = request.headers.get("Host") or ""
    if not _HOST.fullmatch(host):
        server = request.scope.get("server") or ("127.0.0.1", 0)
        host = f"{server[0]}:{server[1]}"
    return f"http://{host}{quote(unquote(request.url.path))}"


async def _posted_query(request: Request, params: Params) -> str | None:
    """The query of an application/sparql-query body; a form's fields go into params."""
    content_type, *options = (request.headers.get("Content-Type") or "").split(";")
    content_type = content_type.strip().lower()
    charset = _charset(options)
    if charset not in ("utf-8", "utf8"):
        raise HttpError(415, f"cannot read a body in {charset}: send the query in UTF-8", _CLOSE)
    if content_type == "application/sparql-update":
        raise HttpError(403, READ_ONLY_MESSAGE)
    if content_type not in ("application/sparql-query", "application/x-www-form-urlencoded"):
        raise HttpError(
            415,
            f"cannot read a {content_type or 'body without Content-Type'}: post "
            "application/sparql-query or application/x-www-form-urlencoded",
        )
    body = await _read_body(request)
    if content_type == "application/sparql-query":
        if "query" in params:
            raise HttpError(400, "give the query either in the body or as `query`, not both")
        return body
    for key, values in parse_qs(body, keep_blank_values=True).items():
        params.setdefault(key, []).extend(values)
    return None


_CLOSE = {"Connection": "close"}  # the unread body must not be taken for the next request


async def _read_body(request: Request) -> str:
    length_header = request.headers.get("Content-Length")
    if length_header is None or not length_header.strip().isdigit():
        raise HttpError(411, "give a Content-Length (chunked bodies are not accepted)", _CLOSE)
    if int(length_header) > MAX_BODY_BYTES:
        await _drain(request, int(length_header))
        raise HttpError(413, f"request body over {MAX_BODY_BYTES} bytes", _CLOSE)
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:  # more than the Content-Length said
            raise HttpError(413, f"request body over {MAX_BODY_BYTES} bytes", _CLOSE)
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise HttpError(400, "the request body is not UTF-8") from None


async def _drain(request: Request, length: int) -> None:
    """Read a refused body (so the client reads our answer, not a reset) up to a bound; the
    connection is then closed."""
    if length > MAX_DRAINED_BYTES:
        return
    async for _ in request.stream():
        pass


async def _api_list(request: Request, method: str, params: Params) -> Response:
    queries = [_describe(q) for q in _service(request).settings.queries.values()]
    return _json_response({"queries": queries})


async def _api_query(request: Request, method: str, params: Params) -> Response:
    service = _service(request)
    name = unquote(request.url.path).rstrip("/").removeprefix("/api/")
    query = service.settings.queries.get(name)
    if query is None:
        raise HttpError(404, f"no named query {name!r}: GET /api lists them")
    declared = {p.name for p in query.params}
    paging = ("limit", "offset") if query.paged else ()
    given = {
        key: _single(params, key, "")
        for key in params
        if (key != "format" or "format" in declared) and key not in paging
    }
    missing = [p.name for p in query.params if p.required and p.name not in given]
    if missing:
        raise HttpError(400, f"query {name} needs the parameter {missing[0]}")
    try:
        bindings = bind_params(query, given)
        await service.in_thread(check_params, query, given, service.select)
    except QueryParamError as error:
        raise HttpError(400, str(error)) from None
    formats = [] if "format" in declared else params.get("format", [])
    choice = _formats(request, formats)
    text: str = query.text
    page = _page(params) if query.paged else None
    texts = page_texts(query, bindings, page) if page is not None else None
    if texts is not None:
        text, left = texts.rows, texts.rows_bindings
    elif service.settings.endpoint is None:  # pyoxigraph plans from constants
        text, written = for_embedded(text, bindings)
        left = bindings if written else {}  # written into the text as constants
    else:
        left = bindings
    job = Job(query=text, formats=choice, bindings=left, base_iri=_base_iri(request))
    response = await _run(request, job)
    if page is not None and texts is not None:
        (row,) = await service.in_thread(service.select, texts.count, texts.count_bindings)
        total = int(row[0])
        response = replace(
            response, headers={**response.headers, **_page_headers(request, page, total)}
        )
    note = await service.pairings_note() if needs_pairings(query) else None
    return replace(response, headers={**response.headers, NOTE_HEADER: note}) if note else response


def _page(params: Params) -> Page:
    """The page asked for by `limit` (1 to MAX_PAGE_SIZE) and `offset`; 400 otherwise."""
    values = {}
    for name, default in (("limit", DEFAULT_PAGE_SIZE), ("offset", 0)):
        given = _single(params, name, "") if name in params else str(default)
        if not given.isdigit():
            raise HttpError(400, f"{name}={given!r}: give a whole number")
        values[name] = int(given)
    if not 1 <= values["limit"] <= MAX_PAGE_SIZE:
        raise HttpError(400, f"limit={values['limit']}: give 1 to {MAX_PAGE_SIZE} rows a page")
    return Page(values["limit"], values["offset"])


def _page_headers(request: Request, page: Page, total: int) -> dict[str, str]:
    """The total, and RFC 8288 links to the pages before and after this one."""
    links = []
    for rel, other in (("prev", page.previous()), ("next", page.next(total))):
        if other is not None:
            kept = [
                (k, v)
                for k, v in request.query_params.multi_items()
                if k not in ("limit", "offset")
            ]
            pairs = [*kept, ("limit", str(other.size)), ("offset", str(other.offset))]
            target = request.url.replace(query=urlencode(pairs))
            links.append(f'<{target}>; rel="{rel}"')
    headers = {TOTAL_HEADER: str(total)}
    if links:
        headers["Link"] = ", ".join(links)
    return headers


async def _recognise(request: Request, method: str, params: Params) -> Response:
    arguments = {
        name: _single(params, name, f"give `{name}` ({recognition.PATH}?qualification=...&to=...)")
        for name in recognition.PARAMETERS
    }
    return await _run(request, recognition.task(**arguments))


async def _record(request: Request, method: str, params: Params) -> Response:
    settings = _service(request).settings
    path = unquote(request.url.path).removeprefix(pages.PREFIX)
    try:
        chosen = pages.format_for(request.headers.get("Accept"))
    except pages.NotAcceptable as error:
        raise HttpError(406, str(error)) from None
    task = pages.record_task(path, chosen, settings.base_url, settings.explorer_url)
    return await _run(request, task)


async def _context(request: Request, method: str, params: Params) -> Response:
    return Response("application/ld+json", context_document())


async def _ontology(request: Request, method: str, params: Params) -> Response:
    return Response("text/html; charset=utf-8", await _service(request).ontology())


async def _downloads(request: Request, method: str, params: Params) -> Response:
    service = _service(request)
    if service.downloads is None:
        raise HttpError(404, "no downloads when serving a SPARQL endpoint: export from it")
    files = await service.in_thread(service.downloads.files)
    base = service.settings.base_url
    return Response("text/html; charset=utf-8", pages.downloads_html(files, base).encode())


async def _download(request: Request, method: str, params: Params) -> Response:
    service = _service(request)
    name = unquote(request.url.path).removeprefix("/downloads/")
    if service.downloads is None:
        raise HttpError(404, "no downloads when serving a SPARQL endpoint: export from it")
    files = {d.name: d for d in await service.in_thread(service.downloads.files)}
    if name not in files:
        raise HttpError(404, f"no download {name!r}: see /downloads")
    body = await anyio.Path(service.downloads.folder / name).read_bytes()
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(files[name].media_type, body, headers=disposition)


async def _void(request: Request, method: str, params: Params) -> Response:
    return await _described(request, description.void_task)


async def _described(request: Request, task: Callable[[str, str], Task]) -> Response:
    media = description.media_type(request.headers.get("Accept"))
    if media is None:
        raise HttpError(406, f"the description is available as {', '.join(description.FORMATS)}")
    host = urlsplit(_base_iri(request))
    return await _run(request, task(f"{host.scheme}://{host.netloc}", media))


async def _openapi(request: Request, method: str, params: Params) -> Response:
    return Response("application/json", _service(request).openapi)


async def _index(request: Request, method: str, params: Params) -> Response:
    return _json_response(
        {
            "service": "aqkg read-only SPARQL endpoint",
            "sparql": "/sparql",
            "api": "/api",
            "openapi": "/openapi.json",
            "void": description.VOID_PATH,
            "records": "/id/{type}/{...}",
            "ontology": "/ontology",
            "downloads": "/downloads",
        }
    )


async def _run(request: Request, job: Job | Task) -> Response:
    """The job's outcome from a query worker, within the client's fair use."""
    service = _service(request)
    client = request.client.host if request.client else "unknown"
    started = None
    if service.limits is not None:
        try:
            started = service.limits.admit(client)
        except Refused as refused:
            raise HttpError(
                429, refused.message, {"Retry-After": str(refused.retry_after)}
            ) from None
    try:
        outcome = await service.in_thread(service.pool.run, job)
    finally:
        if service.limits is not None and started is not None:
            service.limits.release(client, started)
    if isinstance(outcome, Failure):
        retry = {"Retry-After": "1"} if outcome.status == 503 else None
        raise HttpError(outcome.status, outcome.message, retry)
    return Response(outcome.content_type, outcome.body, headers=outcome.headers)


# == writing =======================================================================================


def _send(
    response: Response, head: bool = False, headers: Mapping[str, str] | None = None
) -> StarletteResponse:
    fields = {"Vary": "Accept", **response.headers, **(headers or {})}
    if head:  # the length of the body a GET would have had, and no body
        fields["Content-Length"] = str(len(response.body))
    return StarletteResponse(
        b"" if head else response.body,
        status_code=response.status,
        headers=fields,
        media_type=response.content_type,
    )


def _send_error(error: HttpError, json_errors: bool, head: bool = False) -> StarletteResponse:
    if json_errors:
        body = json.dumps({"error": error.message, "status": error.status}).encode()
        content_type = "application/json"
    else:
        body = (error.message + "\n").encode() if error.message else b""
        content_type = "text/plain; charset=utf-8"
    return _send(Response(content_type, body, error.status), head, error.headers)


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
