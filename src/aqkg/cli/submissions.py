"""`aqkg template | ingest | publish | history | diff | rollback`, and spreadsheet validation:
the route a national agency's workbook takes to a published, versioned graph."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aqkg.cli.common import (
    EXIT_INVALID,
    EXIT_OK,
    CliError,
    default_context,
    emit,
    store_options,
    store_path,
)
from aqkg.store.embedded import EmbeddedStore
from aqkg.validation import report as report_output

if TYPE_CHECKING:
    from aqkg.submissions.publish_endpoint import Remote

REPORT_FORMATS = ("text", "json", "markdown", "html", "turtle")


def add_commands(sub: Any) -> None:
    template = sub.add_parser("template", help="write a blank submission template for a country")
    template.add_argument("--country", required=True, metavar="XX")
    template.add_argument("-o", "--output", required=True, type=Path, metavar="FILE.xlsx|DIR")
    template.set_defaults(handler=_cmd_template)

    ingest = sub.add_parser("ingest", help="turn a filled template into RDF (Turtle)")
    ingest.add_argument("source", type=Path, metavar="FILE.xlsx|DIR")
    ingest.add_argument("-o", "--output", required=True, type=Path, metavar="OUT.ttl")
    ingest.add_argument("--country", metavar="XX", help="check the template is this country's")
    ingest.set_defaults(handler=_cmd_ingest)

    publish = sub.add_parser("publish", help="validate and publish a country's data, versioned")
    publish.add_argument("source", type=Path, metavar="FILE")
    publish.add_argument("--country", required=True, metavar="XX")
    publish.add_argument(
        "--allow-removals",
        action="store_true",
        help="publish even when the submission removes over 20%% of the country's published "
        "records",
    )
    _where_options(publish)
    publish.set_defaults(handler=_cmd_publish)

    history = sub.add_parser("history", help="published versions of a country's data")
    history.add_argument("country", metavar="XX")
    _where_options(history)
    history.set_defaults(handler=_cmd_history)

    diff = sub.add_parser("diff", help="what changed between two published versions")
    diff.add_argument("country", metavar="XX")
    diff.add_argument("old", type=int, metavar="A")
    diff.add_argument("new", type=int, metavar="B")
    _where_options(diff)
    diff.set_defaults(handler=_cmd_diff)

    rollback = sub.add_parser("rollback", help="make an earlier version current again")
    rollback.add_argument("country", metavar="XX")
    rollback.add_argument("--to", required=True, type=int, metavar="N")
    _where_options(rollback)
    rollback.set_defaults(handler=_cmd_rollback)


def _where_options(parser: argparse.ArgumentParser) -> None:
    """--store FOLDER | --endpoint URL, and --history DIR for the endpoint's local history."""
    store_options(
        parser,
        memory=False,
        endpoint_help="versions published to this SPARQL endpoint (writes as "
        "AQKG_ENDPOINT_USER / AQKG_ENDPOINT_PASSWORD); their history stays on local disk "
        "(--history)",
    )
    parser.add_argument(
        "--history",
        type=Path,
        metavar="DIR",
        help="with --endpoint: the local folder of its version history (default: "
        ".aqkg/endpoint-history/<host>-<port>-<path>)",
    )


def _remote(args: argparse.Namespace) -> Remote | None:
    """The endpoint and its history folder, or None for the embedded store."""
    if args.endpoint is None:
        if args.history is not None:
            raise CliError(
                "--history goes with --endpoint: the embedded store keeps its history beside it"
            )
        return None
    from aqkg.submissions.publish_endpoint import Remote

    return Remote.at(args.endpoint, args.history)


def is_spreadsheet(path: Path) -> bool:
    return path.is_dir() or path.suffix.lower() == ".xlsx"


def validate_spreadsheet(
    path: Path, fmt: str, context: EmbeddedStore | None, country: str | None = None
) -> int:
    from aqkg.intake.ingest import IngestError
    from aqkg.intake.project_files import load_project_files
    from aqkg.submissions.sheet_report import FORMATTERS, validate_spreadsheet

    try:
        report, _ = validate_spreadsheet(path, context or load_project_files(), country)
    except IngestError as error:
        raise CliError(str(error)) from None
    emit(FORMATTERS[fmt](report))
    return EXIT_OK if report.conforms else EXIT_INVALID


def _cmd_template(args: argparse.Namespace) -> int:
    from aqkg.intake.project_files import load_project_files
    from aqkg.intake.templates import TemplateError, controlled_lists, write_template

    try:
        context = default_context() or load_project_files()
        out = write_template(args.country, args.output, controlled_lists(args.country, context))
    except TemplateError as error:
        raise CliError(str(error)) from None
    print(f"template for {args.country.upper()} written to {out}")
    return EXIT_OK


def _cmd_ingest(args: argparse.Namespace) -> int:
    from aqkg.intake.ingest import IngestError, ingest, write_turtle
    from aqkg.submissions.sheet_report import where

    try:
        ingested = ingest(args.source, args.country)
        write_turtle(ingested, args.output)
    except IngestError as error:
        raise CliError(str(error)) from None
    for finding in ingested.findings:
        line = f"{finding.severity.upper()} {where(finding)}: {finding.problem} {finding.fix}"
        print(report_output.printable(line), file=sys.stderr)
    print(f"{ingested.records} records, {len(ingested.triples)} triples -> {args.output}")
    violations = [f for f in ingested.findings if f.severity == "Violation"]
    return EXIT_INVALID if violations else EXIT_OK


def _cmd_publish(args: argparse.Namespace) -> int:
    from aqkg.submissions import publish_endpoint
    from aqkg.submissions.publish import PublishError, publish

    remote = _remote(args)
    try:
        if remote is None:
            version = publish(
                args.source,
                args.country,
                store_path(args),
                allow_removals=args.allow_removals,
                announce=print,
            )
        else:
            version = publish_endpoint.publish(
                args.source,
                args.country,
                remote,
                allow_removals=args.allow_removals,
                announce=print,
            )
    except PublishError as error:
        if error.report is None:
            raise CliError(str(error)) from None
        print(_report_text(error.report))
        print(f"aqkg: {error}", file=sys.stderr)  # it says "not published" itself
        return EXIT_INVALID
    print(f"published {args.country.upper()} {version.summary()}")
    return EXIT_OK


def _report_text(report: Any) -> str:
    if isinstance(report, report_output.Report):
        return report_output.as_text(report)
    from aqkg.submissions.sheet_report import as_text

    return as_text(report)


def _cmd_history(args: argparse.Namespace) -> int:
    from aqkg.submissions import publish_endpoint
    from aqkg.submissions.publish import PublishError, history

    remote = _remote(args)
    try:
        if remote is None:
            versions = history(store_path(args), args.country)
        else:
            versions = publish_endpoint.history(remote, args.country)
    except PublishError as error:
        raise CliError(str(error)) from None
    for version in versions:
        print(version.summary())
    if not versions:
        print(f"nothing published for {args.country.upper()} yet")
    return EXIT_OK


def _cmd_diff(args: argparse.Namespace) -> int:
    from aqkg.submissions.publish import PublishError, country_history, diff_in, history_root

    remote = _remote(args)
    root = history_root(store_path(args)) if remote is None else remote.history
    try:
        folder = country_history(root, args.country)
        print(diff_in(folder, args.country, args.old, args.new).as_text())
    except PublishError as error:
        raise CliError(str(error)) from None
    return EXIT_OK


def _cmd_rollback(args: argparse.Namespace) -> int:
    from aqkg.submissions import publish_endpoint
    from aqkg.submissions.publish import PublishError, rollback

    remote = _remote(args)
    try:
        if remote is None:
            version = rollback(store_path(args), args.country, args.to)
        else:
            version = publish_endpoint.rollback(remote, args.country, args.to)
    except PublishError as error:
        raise CliError(str(error)) from None
    print(f"{args.country.upper()} rolled back: {version.summary()}")
    return EXIT_OK
