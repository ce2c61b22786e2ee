"""The `aqkg` command line. Each subcommand is a thin layer over one module."""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

import pyoxigraph as ox

from aqkg.cli.common import (
    EXIT_INVALID,
    EXIT_OK,
    EXIT_UNUSABLE,
    CliError,
    Handler,
    default_context,
    emit,
    store_options,
    store_path,
)
from aqkg.cli.load import add_commands as add_load_commands
from aqkg.cli.shacl import ENGINES, validate_against_shapes
from aqkg.cli.submissions import REPORT_FORMATS, is_spreadsheet, validate_spreadsheet
from aqkg.cli.submissions import add_commands as add_submission_commands
from aqkg.exports.graph import GRAPH_EXPORT_FORMATS
from aqkg.intake.rdf_input import UnusableInputError
from aqkg.progress import wanted as progress_wanted
from aqkg.sparql import results as result_output
from aqkg.sparql.catalogue import NamedQuery, QueryParamError, bind_params, catalogue, resolve
from aqkg.sparql.forms import Answer, QueryFailed, answer, answer_within, query_form
from aqkg.sparql.negotiation import TURTLE_PREFIXES
from aqkg.sparql.notes import needs_pairings, pairings_note
from aqkg.sparql.param_checks import check_params, store_select
from aqkg.store.backend import Store, open_store
from aqkg.store.embedded import EmbeddedStore, SelectResult, StoreError
from aqkg.syntax.dataset import DEFAULT_BASE_IRI
from aqkg.validation import report as report_output


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except (CliError, UnusableInputError, StoreError, QueryParamError, FileNotFoundError) as error:
        print(f"aqkg: error: {report_output.printable(str(error))}", file=sys.stderr)
        return EXIT_UNUSABLE
    except KeyboardInterrupt:
        print("aqkg: interrupted", file=sys.stderr)
        return 130
    except Exception as error:
        if os.environ.get("AQKG_DEBUG"):
            traceback.print_exc()
        print(
            f"aqkg: internal error: {type(error).__name__}: {error} "
            "(set AQKG_DEBUG=1 for details and report it)",
            file=sys.stderr,
        )
        return 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aqkg", description="Knowledge graph of ASEAN qualifications and their recognition."
    )
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    build = sub.add_parser("build", help="load ontology and data, validate, reason, store")
    store_options(build)
    build.add_argument(
        "--allow-invalid",
        action="store_true",
        help="write the store even when the data has violations",
    )
    build.set_defaults(handler=_cmd_build)

    validate = sub.add_parser("validate", help="check RDF files against the shapes")
    validate.add_argument("files", nargs="+", type=Path, metavar="FILE")
    validate.add_argument(
        "--format",
        choices=REPORT_FORMATS,
        default="text",
        help="markdown and html for spreadsheets (XLSX or a CSV folder) only",
    )
    validate.add_argument(
        "--store", type=Path, help="store holding the vocabularies to check against"
    )
    validate.add_argument(
        "--country",
        metavar="XX",
        help="check RDF files as XX's submission: only XX's records may be described "
        "(default: the member state the records belong to, when they are one's; a template "
        "names its own)",
    )
    validate.add_argument(
        "--shapes",
        type=Path,
        metavar="SHAPES",
        help="validate the files alone against these shapes (no project shapes, no store); "
        "--format turtle prints a W3C sh:ValidationReport",
    )
    validate.add_argument(
        "--ontology", type=Path, metavar="FILE", help="with --shapes: class tree mixed in"
    )
    validate.add_argument(
        "--engine",
        choices=ENGINES,
        default="auto",
        help="with --shapes: compiled refuses (exit 2) what it does not compile; auto falls "
        "back to pySHACL then",
    )
    validate.set_defaults(handler=_cmd_validate)

    query = sub.add_parser("query", help="run a named query, a .rq file or -e 'SPARQL'")
    query.add_argument("query", nargs="?", metavar="NAME|FILE.rq")
    query.add_argument(
        "-e", "--execute", metavar="SPARQL", help="a SPARQL SELECT, ASK, CONSTRUCT or DESCRIBE"
    )
    query.add_argument("--param", action="append", default=[], metavar="NAME=VALUE")
    query.add_argument(
        "--format",
        choices=[*sorted(result_output.FORMATTERS), *GRAPH_FORMATS],
        help="SELECT: table (default), csv, tsv, json; ASK: table (true/false) or json; "
        "CONSTRUCT and DESCRIBE: turtle (default), ntriples, jsonld",
    )
    query.add_argument(
        "--lang",
        action="store_true",
        help="table format: give each column holding language-tagged text a column of its tags",
    )
    query.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help="stop the query after this many seconds (it then runs in a worker process)",
    )
    query.add_argument(
        "--base",
        metavar="IRI",
        default=DEFAULT_BASE_IRI,
        help=f"base IRI of relative IRIs in the query (default: {DEFAULT_BASE_IRI}, so that "
        "<id/country/LA> is Lao PDR and <graph/...> a graph of the store)",
    )
    store_options(query)
    query.set_defaults(handler=_cmd_query)

    queries = sub.add_parser("queries", help="list the named queries")
    queries.add_argument(
        "--all",
        action="store_true",
        help="also the queries the explorer and the recognition engine use internally",
    )
    queries.set_defaults(handler=_cmd_queries)

    recognise = sub.add_parser(
        "recognise", help="what a qualification is recognised as in another member state"
    )
    recognise.add_argument("qualification", metavar="QUALIFICATION", help="IRI or XX/CODE")
    recognise.add_argument(
        "--to",
        required=True,
        metavar="COUNTRY",
        help="ISO alpha-2 code or English name, or `all` for every other member state",
    )
    recognise.add_argument("--format", choices=["json", "markdown", "table"], default="table")
    store_options(recognise)
    recognise.set_defaults(handler=_cmd_recognise)

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

    coverage = sub.add_parser("coverage", help="member state x kind matrix of what the graph holds")
    coverage.add_argument("--format", choices=["json", "markdown", "table"], default="table")
    store_options(coverage)
    coverage.set_defaults(handler=_cmd_coverage)

    add_submission_commands(sub)
    add_load_commands(sub)

    synth = sub.add_parser("synth", help="synthetic data shaped like the real graph")
    synth.add_argument("--triples", required=True, type=int, metavar="N")
    synth.add_argument("-o", "--output", required=True, type=Path, metavar="FILE.nt")
    synth.add_argument("--seed", type=int, default=1)
    synth.add_argument(
        "--violation-rate",
        type=float,
        default=0.0,
        metavar="R",
        help="share of copied qualifications given a violation (0-1)",
    )
    synth.add_argument(
        "--family-size",
        type=int,
        metavar="K",
        help="bundles sharing one copy of occupations, ISCO groups and RMCS (0: all share; "
        "default aqkg.build.synth.FAMILY_SIZE)",
    )
    synth.set_defaults(handler=_cmd_synth)

    import_cmd = sub.add_parser("import", help="import a reference classification")
    import_sub = import_cmd.add_subparsers(required=True, metavar="SOURCE")
    esco = import_sub.add_parser("esco", help="ESCO CSV export (ISCO-08 groups, occupations)")
    esco.add_argument("folder", type=Path, metavar="DIR")
    esco.add_argument("--store", type=Path)
    esco.set_defaults(handler=_cmd_import_esco)

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
    return parser


# -- build ---------------------------------------------------------------------------------------


def _cmd_build(args: argparse.Namespace) -> int:
    from aqkg.build.pipeline import build

    target_path = None if args.memory or args.endpoint else store_path(args)
    summary, staging = build(target_path, allow_invalid=args.allow_invalid)
    if args.endpoint and summary.written:
        from aqkg.paths import BUILT_GRAPH_PREFIXES
        from aqkg.store.backend import replace_graphs

        replace_graphs(open_store(None, args.endpoint), staging, BUILT_GRAPH_PREFIXES)
    print(
        f"{summary.files} files -> {sum(summary.triples_per_graph.values())} triples "
        f"in {len(summary.triples_per_graph)} graphs"
    )
    for graph, count in sorted(summary.triples_per_graph.items()):
        print(f"  {count:>7}  {graph}")
    print(report_output.as_summary(summary.report))
    timings = ", ".join(f"{k} {v:.1f}s" for k, v in summary.timings.items())
    target = args.endpoint or ("memory" if target_path is None else str(target_path))
    state = "written to" if summary.written and target != "memory" else "NOT written to"
    print(f"store {state} {target}; {summary.seconds:.1f}s ({timings})")
    if not summary.report.conforms and not args.allow_invalid:
        print("build stopped: fix the violations above, or pass --allow-invalid", file=sys.stderr)
        return EXIT_INVALID
    return EXIT_OK


# -- validate ------------------------------------------------------------------------------------


def _cmd_validate(args: argparse.Namespace) -> int:
    from aqkg.validation.validate import validate_files

    if args.shapes is not None:
        if args.format not in report_output.FORMATTERS:
            raise CliError(f"--format {args.format} is not for --shapes; use text, json or turtle")
        return validate_against_shapes(
            args.files, args.shapes, args.ontology, args.engine, args.format
        )
    if args.ontology is not None or args.engine != "auto":
        raise CliError("--ontology and --engine go with --shapes")

    context = EmbeddedStore.open(args.store) if args.store else default_context()
    spreadsheets = [path for path in args.files if is_spreadsheet(path)]
    if spreadsheets:
        if len(args.files) > 1:
            raise CliError("validate one spreadsheet (XLSX or CSV folder) at a time")
        return validate_spreadsheet(spreadsheets[0], args.format, context, args.country)
    if args.format not in report_output.FORMATTERS:
        raise CliError(f"--format {args.format} is for spreadsheets; use text, json or turtle")
    result = validate_files(args.files, context, _country_option(args.country))
    print(report_output.FORMATTERS[args.format](result))
    return EXIT_OK if result.conforms else EXIT_INVALID


def _country_option(country: str | None) -> str | None:
    from aqkg.intake.templates import TemplateError, check_country

    try:
        return check_country(country) if country else None
    except TemplateError as error:
        raise CliError(str(error)) from None


# -- query ---------------------------------------------------------------------------------------


def _cmd_query(args: argparse.Namespace) -> int:
    if bool(args.query) == bool(args.execute):
        raise CliError("give either a query NAME or FILE.rq, or -e 'SPARQL' (not both)")
    named: NamedQuery | None = None
    if args.execute:
        sparql = args.execute
    else:
        target = resolve(args.query)
        if isinstance(target, NamedQuery):
            named, sparql = target, target.text
        else:
            sparql = _read_query_file(target)
    if named is None:
        _refuse_unsafe(sparql)
    given = _param_pairs(args.param)
    bindings = bind_params(named, given)
    base = _base_iri(args.base)
    if named is not None:
        check_params(named, given, store_select(_open_for_query(args)))
    try:
        form = query_form(sparql)
        _check_format(form, args.format)
        if args.timeout is not None:
            if not args.timeout > 0:
                raise CliError(f"--timeout {args.timeout:g}: give a number of seconds above 0")
            if args.memory:
                raise CliError("--timeout needs a built store or an endpoint, not --memory")
            result = answer_within(
                store_path(args), args.endpoint, sparql, bindings, base, args.timeout
            )
        else:
            result = answer(_open_for_query(args), sparql, bindings, base)
    except QueryFailed as error:
        raise CliError(str(error)) from None
    emit(_formatted(result, args.format, args.lang))
    if named is not None and needs_pairings(named) and _is_empty(result):
        note = pairings_note(_open_for_query(args))
        if note:
            # beside a table; on stderr for the machine formats, so they stay parseable
            print(
                f"note: {note}",
                file=sys.stdout if (args.format or "table") == "table" else sys.stderr,
            )
    return EXIT_OK


def _is_empty(result: Answer) -> bool:
    return isinstance(result, SelectResult) and not result.rows


GRAPH_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
}


def _check_format(form: str, fmt: str | None) -> None:
    graph = form in ("CONSTRUCT", "DESCRIBE")
    allowed = list(GRAPH_FORMATS) if graph else ["table", "json"] if form == "ASK" else None
    if fmt is None:
        return
    if allowed is None:
        allowed = sorted(result_output.FORMATTERS)
    if fmt not in allowed:
        article = "an" if form[0] in "AE" else "a"
        raise CliError(
            f"--format {fmt} does not fit {article} {form} query: use {', '.join(allowed)}"
        )


def _formatted(result: Answer, fmt: str | None, languages: bool) -> str:
    if isinstance(result, bool):
        if fmt == "json":
            return json.dumps({"head": {}, "boolean": result})
        return "true" if result else "false"
    if isinstance(result, list):
        rdf_format = GRAPH_FORMATS[fmt or "turtle"]
        prefixes = TURTLE_PREFIXES if rdf_format == ox.RdfFormat.TURTLE else None
        return (ox.serialize(result, format=rdf_format, prefixes=prefixes) or b"").decode()
    if (fmt or "table") == "table":
        return result_output.as_table(result, languages=languages)
    return result_output.FORMATTERS[fmt or "table"](result)


def _base_iri(value: str) -> str:
    try:
        return ox.NamedNode(value).value
    except ValueError:
        message = f"--base {value!r}: give an absolute IRI, such as {DEFAULT_BASE_IRI}"
        raise CliError(message) from None


def _read_query_file(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise CliError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from None


def _refuse_unsafe(sparql: str) -> None:
    """An ad-hoc query (-e, FILE.rq) gets the endpoint's checks: no UPDATE, no SERVICE and no
    file: IRI (querying opens no socket and reads no file, even for a query pasted from
    elsewhere), nothing nested so deep that pyoxigraph would crash."""
    from aqkg.sparql.readonly import refusal

    problem = refusal(sparql)
    if problem:
        raise CliError(problem.replace("this endpoint", "aqkg query"))


def _param_pairs(items: list[str]) -> dict[str, str]:
    pairs = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise CliError(f"--param {item!r}: write NAME=VALUE")
        pairs[name] = value
    return pairs


def _open_for_query(args: argparse.Namespace) -> Store:
    if args.memory:
        from aqkg.build.pipeline import build

        _, store = build(None, allow_invalid=True)
        return store
    return open_store(store_path(args), args.endpoint)


def _cmd_queries(args: argparse.Namespace) -> int:
    shown = [q for q in catalogue().values() if args.all or not q.internal]
    for query in shown:
        params = ", ".join(f"{p.name}:{p.type}{'' if p.required else '?'}" for p in query.params)
        print(f"{query.name:<40} {query.summary}" + (f"  [{params}]" if params else ""))
    return EXIT_OK


def _cmd_recognise(args: argparse.Namespace) -> int:
    from aqkg.recognition.engine import (
        RecognitionError,
        format_everywhere,
        format_recognition,
        recognise,
        recognise_everywhere,
    )

    store = _open_for_query(args)
    try:
        if args.to.strip().lower() == "all":
            emit(format_everywhere(recognise_everywhere(store, args.qualification), args.format))
        else:
            emit(format_recognition(recognise(store, args.qualification, args.to), args.format))
    except RecognitionError as error:
        raise CliError(str(error)) from None
    return EXIT_OK


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


def _cmd_synth(args: argparse.Namespace) -> int:
    from aqkg.build.synth import FAMILY_SIZE, write

    family_size = FAMILY_SIZE if args.family_size is None else args.family_size
    if args.triples < 1 or not 0.0 <= args.violation_rate <= 1.0 or family_size < 0:
        raise CliError(
            "--triples must be at least 1, --violation-rate between 0 and 1 "
            "and --family-size 0 or more"
        )
    written = write(args.output, args.triples, args.seed, args.violation_rate, family_size)
    print(f"{written} triples -> {args.output} (seed {args.seed})")
    return EXIT_OK


def _cmd_coverage(args: argparse.Namespace) -> int:
    from aqkg.build.coverage import FORMATTERS, coverage_matrix, failing_records

    store = _open_for_query(args)
    print(FORMATTERS[args.format](coverage_matrix(store, failing_records(store))))
    return EXIT_OK


# -- export ---------------------------------------------------------------------------------------


def _cmd_export_mappings(args: argparse.Namespace) -> int:
    from aqkg.exports.sssom import ExportError, MappingSetInfo, record_count, sssom_tsv

    info = MappingSetInfo(mapping_set_id=args.set_id) if args.set_id else MappingSetInfo()
    try:
        text = sssom_tsv(_open_for_query(args), info)
    except ExportError as error:
        raise CliError(str(error)) from None
    _write_output(args.output, text.encode("utf-8"))
    print(f"{record_count(text)} mapping records -> {args.output} (SSSOM/TSV)", file=sys.stderr)
    return EXIT_OK


def _cmd_export_graph(args: argparse.Namespace) -> int:
    from aqkg.exports.graph import GraphExportError, write_graph

    store = _open_for_query(args)
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


# -- import --------------------------------------------------------------------------------------


def _cmd_import_esco(args: argparse.Namespace) -> int:
    from aqkg.intake.esco import EscoImportError, import_esco

    store = EmbeddedStore.open(store_path(args), read_only=False)
    try:
        summary = import_esco(store.oxigraph, args.folder, progress=progress_wanted())
    except EscoImportError as error:
        raise CliError(str(error)) from None
    store.flush()
    print(
        f"imported {summary.isco_groups} ISCO-08 groups and {summary.occupations} ESCO "
        f"occupations ({summary.triples} triples) in {summary.seconds:.1f}s"
    )
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
