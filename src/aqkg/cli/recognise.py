"""`aqkg recognise`: what a qualification may count as in another member state, or in all."""

from __future__ import annotations

import argparse
from typing import Any

from aqkg.cli.common import (
    EXIT_OK,
    CliError,
    emit,
    open_for_query,
    store_options,
)


def add_commands(sub: Any) -> None:
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


def _cmd_recognise(args: argparse.Namespace) -> int:
    from aqkg.recognition.engine import (
        RecognitionError,
        format_everywhere,
        format_recognition,
        recognise,
        recognise_everywhere,
    )

    store = open_for_query(args)
    try:
        if args.to.strip().lower() == "all":
            emit(format_everywhere(recognise_everywhere(store, args.qualification), args.format))
        else:
            emit(format_recognition(recognise(store, args.qualification, args.to), args.format))
    except RecognitionError as error:
        raise CliError(str(error)) from None
    return EXIT_OK
