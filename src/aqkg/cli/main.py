"""The `aqkg` command line: the entry point. Each command group is a module of this package
(project, validate, query, recognise, serve, submissions, load, export), a thin layer over the
domain modules."""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence

from aqkg.cli import export, load, project, query, recognise, serve, submissions, validate
from aqkg.cli.common import (
    EXIT_UNUSABLE,
    CliError,
    Handler,
)
from aqkg.intake.rdf_input import UnusableInputError
from aqkg.sparql.catalogue import QueryParamError
from aqkg.store.embedded import StoreError
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
    for group in (project, validate, query, recognise, serve, submissions, load, export):
        group.add_commands(sub)
    return parser


if __name__ == "__main__":
    sys.exit(main())
