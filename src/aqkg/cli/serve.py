"""`aqkg serve` and `aqkg explore`: the HTTP server and the Streamlit explorer."""

from __future__ import annotations

import argparse
from typing import Any

from aqkg.cli.common import (
    EXIT_OK,
    CliError,
    store_options,
    store_path,
)


def add_commands(sub: Any) -> None:
    serve = sub.add_parser("serve", help="read-only SPARQL endpoint and REST API over the store")
    store_options(
        serve,
        memory=False,
        endpoint_help="answer from this SPARQL endpoint (read without credentials) instead of "
        "the embedded store",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default loopback)")
    serve.add_argument("--port", type=int, default=7878)
    serve.add_argument("--timeout", type=float, default=10.0, help="query time limit, seconds")
    serve.add_argument("--max-rows", type=int, default=100_000, help="largest result served")
    serve.add_argument(
        "--workers", type=int, help="query worker processes (default: cores, 2 to 8)"
    )
    serve.add_argument(
        "--base-url",
        default="",
        metavar="URL",
        help="where the record pages' links point, e.g. https://w3id.org/aqkg when served "
        "behind the w3id redirects (default: this server)",
    )
    serve.add_argument(
        "--explorer-url", default="", metavar="URL", help="the explorer, linked from record pages"
    )
    serve.add_argument(
        "--cors-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="let web pages from this origin query the endpoint (repeat; * for any; default none)",
    )
    serve.add_argument(
        "--client-queries",
        type=int,
        metavar="N",
        help="fair use: queries one client may run at once (default: half the workers, at "
        "least 1; 0: no limit)",
    )
    serve.add_argument(
        "--client-seconds",
        type=float,
        default=60.0,
        metavar="S",
        help="fair use: query seconds one client may use per minute (default 60; 0: no limit)",
    )
    serve.add_argument(
        "--trusted-proxy",
        action="append",
        default=[],
        metavar="ADDRESS",
        help="a reverse proxy whose X-Forwarded-For names the client (repeat)",
    )
    serve.set_defaults(handler=_cmd_serve)

    explore = sub.add_parser("explore", help="open the explorer (builds the store if needed)")
    store_options(
        explore,
        memory=False,
        endpoint_help="read from this SPARQL endpoint instead of the embedded store",
    )
    explore.add_argument("--port", type=int, help="port for the explorer (default 8501)")
    explore.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default loopback: only this machine)"
    )
    explore.set_defaults(handler=_cmd_explore)


def _cmd_serve(args: argparse.Namespace) -> int:
    from aqkg.web.server import FairUse, ServeError, default_workers, serve

    workers = args.workers or default_workers()
    if workers < 1 or (args.client_queries or 0) < 0 or args.client_seconds < 0:
        raise CliError(
            "--workers must be 1 or more, --client-queries and --client-seconds 0 or more"
        )
    client_queries = max(1, workers // 2) if args.client_queries is None else args.client_queries
    try:
        serve(
            store_path(args),
            host=args.host,
            port=args.port,
            timeout_seconds=args.timeout,
            max_result_rows=args.max_rows,
            endpoint=args.endpoint,
            workers=workers,
            base_url=args.base_url,
            explorer_url=args.explorer_url,
            cors_origins=tuple(args.cors_origin),
            fair_use=FairUse(client_queries, args.client_seconds),
            trusted_proxies=tuple(args.trusted_proxy),
        )
    except ServeError as error:
        raise CliError(str(error)) from None
    return EXIT_OK


def _cmd_explore(args: argparse.Namespace) -> int:
    from aqkg.explore import launch

    return launch(store_path(args), args.port, args.endpoint, args.host)
