"""`aqkg validate`: RDF files and spreadsheets against the project's shapes, or any data
against given shapes."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from aqkg.cli.common import (
    EXIT_INVALID,
    EXIT_OK,
    CliError,
    default_context,
)
from aqkg.cli.shacl import ENGINES, validate_against_shapes
from aqkg.cli.submissions import REPORT_FORMATS, is_spreadsheet, validate_spreadsheet
from aqkg.store.embedded import EmbeddedStore
from aqkg.validation import report as report_output


def add_commands(sub: Any) -> None:
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
