"""The `aqkg` command line. Each subcommand is a thin layer over one module."""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

import pyoxigraph as ox

from aqkg import report as report_output
from aqkg import results as result_output
from aqkg.backend import Store, open_store
from aqkg.cli_common import (
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
from aqkg.cli_submissions import REPORT_FORMATS, is_spreadsheet, validate_spreadsheet
from aqkg.cli_submissions import add_commands as add_submission_commands
from aqkg.param_checks import check_params, store_select
from aqkg.progress import wanted as progress_wanted
from aqkg.queries import NamedQuery, QueryParamError, bind_params, catalogue, resolve, run
from aqkg.rdf_input import UnusableInputError
from aqkg.sparql_dataset import DEFAULT_BASE_IRI
from aqkg.store import EmbeddedStore, StoreError


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
    validate.set_defaults(handler=_cmd_validate)

    query = sub.add_parser("query", help="run a named query, a .rq file or -e 'SPARQL'")
    query.add_argument("query", nargs="?", metavar="NAME|FILE.rq")
    query.add_argument("-e", "--execute", metavar="SPARQL", help="a SPARQL SELECT to run")
    query.add_argument("--param", action="append", default=[], metavar="NAME=VALUE")
    query.add_argument("--format", choices=sorted(result_output.FORMATTERS), default="table")
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
    queries.set_defaults(handler=_cmd_queries)

    recognise = sub.add_parser(
        "recognise", help="what a qualification is recognised as in another member state"
    )
    recognise.add_argument("qualification", metavar="QUALIFICATION", help="IRI or XX/CODE")
    recognise.add_argument("--to", required=True, metavar="COUNTRY", help="ISO alpha-2 code")
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
    serve.set_defaults(handler=_cmd_serve)

    explore = sub.add_parser("explore", help="open the explorer (builds the store if needed)")
    store_options(
        explore,
        memory=False,
        endpoint_help="read from this SPARQL endpoint instead of the embedded store",
    )
    explore.add_argument("--port", type=int, help="port for the explorer (default 8501)")
    explore.set_defaults(handler=_cmd_explore)

    coverage = sub.add_parser("coverage", help="member state x kind matrix of what the graph holds")
    coverage.add_argument("--format", choices=["json", "markdown", "table"], default="table")
    store_options(coverage)
    coverage.set_defaults(handler=_cmd_coverage)

    add_submission_commands(sub)

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
        "default aqkg.synth.FAMILY_SIZE)",
    )
    synth.set_defaults(handler=_cmd_synth)

    import_cmd = sub.add_parser("import", help="import a reference classification")
    import_sub = import_cmd.add_subparsers(required=True, metavar="SOURCE")
    esco = import_sub.add_parser("esco", help="ESCO CSV export (ISCO-08 groups, occupations)")
    esco.add_argument("folder", type=Path, metavar="DIR")
    esco.add_argument("--store", type=Path)
    esco.set_defaults(handler=_cmd_import_esco)
    return parser


# -- build ---------------------------------------------------------------------------------------


def _cmd_build(args: argparse.Namespace) -> int:
    from aqkg.build import build

    target_path = None if args.memory or args.endpoint else store_path(args)
    summary, staging = build(target_path, allow_invalid=args.allow_invalid)
    if args.endpoint and summary.written:
        from aqkg.backend import replace_graphs
        from aqkg.build import BUILT_GRAPH_PREFIXES

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
    from aqkg.validate import validate_files

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
    from aqkg.templates import TemplateError, check_country

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
    store = _open_for_query(args)
    if named is not None:
        check_params(named, given, store_select(store))
        result = run(store, sparql, bindings)
    else:
        result = store.select(sparql, bindings, base_iri=base)
    emit(result_output.FORMATTERS[args.format](result))
    return EXIT_OK


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
    from aqkg.serve import refusal

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
        from aqkg.build import build

        _, store = build(None, allow_invalid=True)
        return store
    return open_store(store_path(args), args.endpoint)


def _cmd_queries(args: argparse.Namespace) -> int:
    for query in catalogue().values():
        params = ", ".join(f"{p.name}:{p.type}{'' if p.required else '?'}" for p in query.params)
        print(f"{query.name:<40} {query.summary}" + (f"  [{params}]" if params else ""))
    return EXIT_OK


def _cmd_recognise(args: argparse.Namespace) -> int:
    from aqkg.recognise import RecognitionError, format_recognition, recognise

    try:
        recognition = recognise(_open_for_query(args), args.qualification, args.to)
    except RecognitionError as error:
        raise CliError(str(error)) from None
    emit(format_recognition(recognition, args.format))
    return EXIT_OK


def _cmd_serve(args: argparse.Namespace) -> int:
    from aqkg.serve import ServeError, serve

    try:
        serve(
            store_path(args),
            host=args.host,
            port=args.port,
            timeout_seconds=args.timeout,
            max_result_rows=args.max_rows,
            endpoint=args.endpoint,
        )
    except ServeError as error:
        raise CliError(str(error)) from None
    return EXIT_OK


def _cmd_explore(args: argparse.Namespace) -> int:
    from aqkg.explore import launch

    return launch(store_path(args), args.port, args.endpoint)


def _cmd_synth(args: argparse.Namespace) -> int:
    from aqkg.synth import FAMILY_SIZE, write

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
    from aqkg.coverage import FORMATTERS, coverage_matrix, failing_records

    store = _open_for_query(args)
    print(FORMATTERS[args.format](coverage_matrix(store, failing_records(store))))
    return EXIT_OK


# -- import --------------------------------------------------------------------------------------


def _cmd_import_esco(args: argparse.Namespace) -> int:
    from aqkg.esco import EscoImportError, import_esco

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
