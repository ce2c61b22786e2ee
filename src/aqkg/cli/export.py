"""`aqkg export mappings | graph`: the mappings as SSSOM, the store as an RDF file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from aqkg.cli.common import (
    EXIT_OK,
    CliError,
    open_for_query,
    store_options,
)
from aqkg.exports.graph import GRAPH_EXPORT_FORMATS


def add_commands(sub: Any) -> None:
    export = sub.add_parser("export", help="the mappings as SSSOM, the store as an RDF file")
    export_sub = export.add_subparsers(required=True, metavar="WHAT")
    mappings = export_sub.add_parser("mappings", help="every mapping record as an SSSOM set")
    mappings.add_argument("--format", choices=["sssom"], default="sssom")
    mappings.add_argument(
        "-o", "--output", type=Path, required=True, metavar="FILE.tsv", help="file to write"
    )
    mappings.add_argument(
        "--set-id",
        metavar="IRI",
        help="the mapping set's IRI (default: its download URL under https://w3id.org/aqkg)",
    )
    store_options(mappings)
    mappings.set_defaults(handler=_cmd_export_mappings)
    graph = export_sub.add_parser("graph", help="the whole store or one named graph")
    graph.add_argument("--format", choices=list(GRAPH_EXPORT_FORMATS), default="nq")
    graph.add_argument("--graph", metavar="IRI", help="one named graph (default: every graph)")
    graph.add_argument("-o", "--output", type=Path, required=True, metavar="FILE")
    store_options(graph)
    graph.set_defaults(handler=_cmd_export_graph)


def _cmd_export_mappings(args: argparse.Namespace) -> int:
    from aqkg.exports.sssom import ExportError, MappingSetInfo, record_count, sssom_tsv

    info = MappingSetInfo(mapping_set_id=args.set_id) if args.set_id else MappingSetInfo()
    try:
        text = sssom_tsv(open_for_query(args), info)
    except ExportError as error:
        raise CliError(str(error)) from None
    _write_output(args.output, text.encode("utf-8"))
    print(f"{record_count(text)} mapping records -> {args.output} (SSSOM/TSV)", file=sys.stderr)
    return EXIT_OK


def _cmd_export_graph(args: argparse.Namespace) -> int:
    from aqkg.exports.graph import GraphExportError, write_graph

    store = open_for_query(args)
    partial = args.output.with_name(args.output.name + ".partial")
    try:
        count = write_graph(store, partial, args.format, args.graph)
    except GraphExportError as error:
        partial.unlink(missing_ok=True)
        raise CliError(str(error)) from None
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise CliError(f"cannot write {args.output}: {error.strerror or error}") from None
    partial.replace(args.output)
    what = f"graph <{args.graph}>" if args.graph else "the whole store"
    union = " (the union of its graphs)" if not args.graph and args.format in ("ttl", "nt") else ""
    print(f"{count} statements of {what}{union} -> {args.output}", file=sys.stderr)
    return EXIT_OK


def _write_output(path: Path, data: bytes) -> None:
    """Write all or nothing: a half-written export never replaces a good one."""
    partial = path.with_name(path.name + ".partial")
    try:
        partial.write_bytes(data)
        partial.replace(path)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise CliError(f"cannot write {path}: {error.strerror or error}") from None
