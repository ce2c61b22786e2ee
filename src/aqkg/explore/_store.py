"""Where the explorer's store is, opening it read-only, and reading a named query from it
(as plain rows, or as a display table); ExploreError is the explorer's one-line error."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from aqkg.explore._text import display
from aqkg.paths import project_root
from aqkg.sparql.catalogue import bind_params, catalogue, every_row, run
from aqkg.sparql.results import plain
from aqkg.store.embedded import DEFAULT_STORE_DIR, EmbeddedStore, StoreError

STORE_ENV = "AQKG_STORE"
# where `aqkg serve` answers, so that each record links to its page there (unset: no links)
SERVE_URL_ENV = "AQKG_SERVE_URL"
ID_BASE = "https://w3id.org/aqkg/id/"
Row = dict[str, str]


class ExploreError(Exception):
    """Something the explorer cannot do as asked; the message is one line for the user."""


def default_store_path() -> Path:
    """$AQKG_STORE, else the project's .aqkg/store."""
    given = os.environ.get(STORE_ENV)
    return Path(given) if given else project_root() / DEFAULT_STORE_DIR


def record_page(iri: str) -> str | None:
    """The URL of a record's page on `aqkg serve` ($AQKG_SERVE_URL), None when that is not
    set or the IRI is not one the graph mints."""
    served = os.environ.get(SERVE_URL_ENV, "").strip().rstrip("/")
    if not served or not iri.startswith(ID_BASE):
        return None
    return f"{served}/id/{iri.removeprefix(ID_BASE)}"


def store_exists(path: Path) -> bool:
    return (path / "CURRENT").is_file()


def store_stamp(path: Path) -> str:
    """Changes whenever the store is rebuilt (a new directory is renamed into place)."""
    try:
        folder = path.stat()
        current = (path / "CURRENT").stat()
    except OSError:
        return f"{path}:missing"
    return f"{path.resolve()}:{folder.st_ino}:{current.st_mtime_ns}"


def store_built_at(path: Path) -> datetime | None:
    """When the store was last written (its newest file), in UTC."""
    try:
        newest = max(entry.stat().st_mtime for entry in path.iterdir())
    except (OSError, ValueError):
        return None
    return datetime.fromtimestamp(newest, tz=UTC)


def open_store(path: Path) -> EmbeddedStore:
    """The store, read-only; the error says to run `aqkg build` when there is none."""
    if not store_exists(path):
        raise StoreError(f"no graph store at {path}: run `aqkg build` first, then reload")
    return EmbeddedStore.open(path, read_only=True)


def rows(store: EmbeddedStore, name: str, **params: str) -> list[Row]:
    """A named query's rows as plain strings ("" where unbound), every page of a listing
    query (the explorer searches and filters them itself)."""
    query = catalogue()[name]
    result = run(store, every_row(query), bind_params(query, params))
    return [
        {var: plain(term) for var, term in zip(result.variables, row, strict=True)}
        for row in result.rows
    ]


@dataclass(frozen=True)
class Table:
    """A query result for display: column names and rows of short strings."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def records(self) -> list[dict[str, str]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def table(store: EmbeddedStore, name: str, **params: str) -> Table:
    """Any named query as a display table (prefixed IRIs, parameter columns left out)."""
    query = catalogue()[name]
    result = run(store, every_row(query), bind_params(query, params))
    hidden = {p.name for p in query.params}
    keep = [i for i, var in enumerate(result.variables) if var not in hidden]
    return Table(
        tuple(result.variables[i] for i in keep),
        tuple(tuple(display(row[i]) for i in keep) for row in result.rows),
    )
