"""`aqkg load FILE... [--graph IRI] [--store DIR | --endpoint URL]`: RDF dumps into the store."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from aqkg.cli.common import EXIT_OK, CliError, store_options, store_path
from aqkg.intake.bulk_load import LOADED_GRAPH_BASE, LoadError, load_into_endpoint, load_into_folder


def add_commands(sub: Any) -> None:
    load = sub.add_parser(
        "load",
        help="bulk-load RDF dumps (N-Triples, N-Quads, Turtle, TriG; gzip too), all or nothing",
    )
    load.add_argument("files", nargs="+", type=Path, metavar="FILE")
    load.add_argument(
        "--graph",
        metavar="IRI",
        help="named graph for the triples of triple files (default: "
        f"{LOADED_GRAPH_BASE}<file name>); N-Quads and TriG keep their own graphs",
    )
    store_options(load, memory=False)
    load.set_defaults(handler=_cmd_load)


def _cmd_load(args: argparse.Namespace) -> int:
    try:
        if args.endpoint:
            from aqkg.store.endpoint import EndpointStore

            loaded = load_into_endpoint(
                EndpointStore.from_environment(args.endpoint), args.files, args.graph
            )
        else:
            loaded = load_into_folder(store_path(args), args.files, args.graph)
    except LoadError as error:
        raise CliError(str(error)) from None
    where = args.endpoint or str(store_path(args))
    graphs = ", ".join(loaded.graphs[:5]) + (" ..." if len(loaded.graphs) > 5 else "")
    added = f"{loaded.triples} triples" if loaded.triples is not None else _size(loaded.bytes)
    print(f"{loaded.files} file(s), {added}, loaded into {where}: {graphs}")
    return EXIT_OK


def _size(count: int) -> str:
    return f"{count / 1e6:.1f} MB" if count >= 100_000 else f"{count} bytes"
