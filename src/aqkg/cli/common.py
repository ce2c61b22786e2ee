"""What every `aqkg` subcommand shares: exit codes, the one-line error, store options."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from aqkg.paths import project_root
from aqkg.store.backend import Store, open_store
from aqkg.store.embedded import DEFAULT_STORE_DIR, EmbeddedStore

EXIT_OK, EXIT_INVALID, EXIT_UNUSABLE = 0, 1, 2

Handler = Callable[[argparse.Namespace], int]


class CliError(Exception):
    """An error to print as one line, exit status 2."""


ENDPOINT_HELP = (
    "a SPARQL 1.1 endpoint instead of the embedded store (writes use the user and password in "
    "AQKG_ENDPOINT_USER / AQKG_ENDPOINT_PASSWORD)"
)


def store_options(
    parser: argparse.ArgumentParser, *, memory: bool = True, endpoint_help: str = ENDPOINT_HELP
) -> None:
    """--store FOLDER | --memory | --endpoint URL (one at most); `memory` False for commands
    that need a built store (serve, explore)."""
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--store", type=Path, help="store folder (default: .aqkg/store)")
    if memory:
        where.add_argument(
            "--memory",
            action="store_true",
            help="build in memory from the project files, keep nothing on disk",
        )
    where.add_argument("--endpoint", metavar="URL", help=endpoint_help)


def store_path(args: argparse.Namespace) -> Path:
    return args.store if args.store else project_root() / DEFAULT_STORE_DIR


def default_context() -> EmbeddedStore | None:
    """The built store when there is one; otherwise the project files are read afresh."""
    path = project_root() / DEFAULT_STORE_DIR
    return EmbeddedStore.open(path) if (path / "CURRENT").is_file() else None


def emit(text: str) -> None:
    """Print output that may already end with a newline (CSV, TSV) without adding another."""
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def open_for_query(args: argparse.Namespace) -> Store:
    """The store a reading command asks for: --memory (built now), --endpoint, or --store."""
    if args.memory:
        from aqkg.build.pipeline import build

        _, store = build(None, allow_invalid=True)
        return store
    return open_store(store_path(args), args.endpoint)
