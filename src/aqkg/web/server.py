"""`aqkg serve`: a read-only SPARQL 1.1 Protocol endpoint, a REST API of the named queries and
the pages of the graph's IRIs, as an ASGI application (aqkg.web.app, Starlette) served by
uvicorn.

`make_server` binds the socket and starts the query workers, and returns a `QueryServer`
whose `serve_forever()`, `shutdown()` and `server_close()` run and stop uvicorn the way
`socketserver` servers are run and stopped (tests, benchmarks/load.py and `serve` use them).

Why worker processes: pyoxigraph cannot cancel a running query and a thread cannot be killed,
so every query runs in a small pool of processes that each hold the store open read-only. A
query that passes the time limit has its process killed and replaced; the others keep going.

Why the SERVICE check is lexical: pyoxigraph evaluates SERVICE by fetching the remote endpoint
and does not expose the parsed algebra, so the query text is scanned (see `mentions_service`).
"""

from __future__ import annotations

import os
import socket
import sys
import threading
from pathlib import Path

import uvicorn

from aqkg.sparql.catalogue import NamedQuery, catalogue
from aqkg.sparql.pool import QueryPool
from aqkg.store.embedded import StoreError
from aqkg.web.app import MAX_BODY_BYTES, NOTE_HEADER, Settings, create_app
from aqkg.web.fairuse import FairUse

__all__ = ["MAX_BODY_BYTES", "NOTE_HEADER", "FairUse", "QueryServer", "ServeError", "Settings"]

# a client that sends nothing on an open connection for this long is dropped
KEEP_ALIVE_SECONDS = 60
# a stop waits this long for requests under way before it cancels them
GRACEFUL_SECONDS = 5


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
    workers: int | None = None,
    base_url: str = "",
    explorer_url: str = "",
    cors_origins: tuple[str, ...] = (),
    fair_use: FairUse | None = None,
    trusted_proxies: tuple[str, ...] = (),
) -> None:
    """Serve the store (or the SPARQL endpoint) until interrupted (Ctrl-C)."""
    server = make_server(
        store_path,
        host=host,
        port=port,
        timeout_seconds=timeout_seconds,
        max_result_rows=max_result_rows,
        endpoint=endpoint,
        workers=workers,
        base_url=base_url,
        explorer_url=explorer_url,
        cors_origins=cors_origins,
        fair_use=fair_use,
        trusted_proxies=trusted_proxies,
    )
    print(
        f"aqkg: serving {endpoint or store_path} read-only at {server.url}/sparql "
        f"(REST: /api, OpenAPI: /openapi.json, records: /id/..., /ontology, /downloads); "
        "Ctrl-C stops",
        file=sys.stderr,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        print("aqkg: stopped", file=sys.stderr)


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
    base_url: str = "",
    explorer_url: str = "",
    cors_origins: tuple[str, ...] = (),
    fair_use: FairUse | None = None,
    trusted_proxies: tuple[str, ...] = (),
) -> QueryServer:
    """A ready server (socket bound, query workers started); call serve_forever() on it.

    `workers` defaults to the number of cores (at least 2, so one slow query never blocks the
    rest); `queries_folder` defaults to the project's queries/. With `endpoint`, queries go to
    that SPARQL server (read without credentials) instead of the store at `store_path`.
    `fair_use` None serves every client without limits (a server on loopback for oneself);
    `aqkg serve` sets limits. `trusted_proxies` are the addresses whose X-Forwarded-For names
    the client.
    """
    settings = Settings(
        store_path=store_path,
        endpoint=endpoint,
        timeout_seconds=timeout_seconds,
        max_result_rows=max_result_rows,
        workers=workers or default_workers(),
        queries=_load_catalogue(queries_folder),
        quiet=quiet,
        base_url=base_url.rstrip("/"),
        explorer_url=explorer_url.rstrip("/"),
        cors_origins=tuple(cors_origins),
        fair_use=fair_use,
        trusted_proxies=tuple(trusted_proxies),
    )
    try:
        sock = socket.create_server((host, port), backlog=128)
        # No Nagle delay: a response's head and a small body leave as two writes, and the
        # second waited for the client's delayed ACK of the first, 40 ms on Linux (the
        # accepted connections inherit the option from the listening socket there; asyncio
        # did not set it on the connections uvicorn accepts from a socket it is given).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except OSError as error:
        raise ServeError(f"cannot listen on {host}:{port}: {error.strerror or error}") from error
    try:
        pool = QueryPool(
            settings.store_path,
            size=settings.workers,
            timeout_seconds=settings.timeout_seconds,
            max_rows=settings.max_result_rows,
            endpoint=settings.endpoint,
        )
    except StoreError as error:
        sock.close()
        raise ServeError(str(error)) from error
    return QueryServer(sock, settings, pool)


def default_workers() -> int:
    """One per core, at least 2 (one slow query never blocks the rest), at most 8."""
    return min(8, max(2, os.cpu_count() or 2))


def _load_catalogue(folder: Path | None) -> dict[str, NamedQuery]:
    try:
        return catalogue(folder)
    except FileNotFoundError:
        # No project folder (a bare store): /sparql still works, the REST API is empty.
        return {}


class QueryServer:
    """uvicorn serving the application on a bound socket; server_close() also stops the
    query workers."""

    def __init__(self, sock: socket.socket, settings: Settings, pool: QueryPool) -> None:
        self.socket = sock
        self.settings = settings
        self.pool = pool
        self.server_address: tuple[str, int] = sock.getsockname()[:2]
        config = uvicorn.Config(
            create_app(settings, pool),
            lifespan="off",
            log_level="warning" if settings.quiet else "info",
            access_log=not settings.quiet,
            timeout_keep_alive=KEEP_ALIVE_SECONDS,
            timeout_graceful_shutdown=GRACEFUL_SECONDS,
            # X-Forwarded-For is believed from the trusted proxies only (uvicorn would
            # otherwise believe it from 127.0.0.1, where anyone on the machine can send it)
            proxy_headers=bool(settings.trusted_proxies),
            forwarded_allow_ips=list(settings.trusted_proxies) or None,
            server_header=False,
            date_header=True,
        )
        self._uvicorn = uvicorn.Server(config)
        self._stopped = threading.Event()
        self._stopped.set()

    @property
    def url(self) -> str:
        host, port = self.server_address
        return f"http://{f'[{host}]' if ':' in host else host}:{port}"

    def serve_forever(self) -> None:
        """Serve until shutdown() (from another thread) or Ctrl-C (in the main thread)."""
        self._stopped.clear()
        try:
            self._uvicorn.run(sockets=[self.socket])
        finally:
            self._stopped.set()

    def shutdown(self) -> None:
        """Stop serving and wait until serve_forever() has returned."""
        self._uvicorn.should_exit = True
        self._stopped.wait()

    def server_close(self) -> None:
        self.socket.close()
        self.pool.close()
