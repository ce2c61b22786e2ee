"""FROM, FROM NAMED and GRAPH give the same rows on every path a researcher runs a query by:
`aqkg query`, `aqkg serve` (its /sparql over HTTP), the explorer's SPARQL page, and a Virtuoso
behind the endpoint backend, read directly and through `aqkg serve --endpoint`."""

from __future__ import annotations

import contextlib
import io
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pyoxigraph as ox
import pytest
from dataset_queries import DATASET_QUERIES, LA

from aqkg.cli.main import main
from aqkg.explore.sparql import run_sparql
from aqkg.store.embedded import EmbeddedStore, SelectResult
from aqkg.store.endpoint import EndpointStore
from aqkg.store.virtuoso import LocalVirtuoso
from aqkg.web.server import QueryServer

pytest_plugins = ["virtuoso_fixture", "served_store"]

Rows = list[list[str]]
Runner = Callable[[str], Rows]


def _sorted(variables: list[str], terms: list[list[ox.NamedNode | ox.Literal | None]]) -> Rows:
    """The header, then the rows as N-Triples terms, sorted (paths may order them apart)."""
    return [variables, *sorted([str(t) if t is not None else "" for t in row] for row in terms)]


def _from_result(result: SelectResult) -> Rows:
    return _sorted(result.variables, result.rows)


def _from_json(body: str | bytes) -> Rows:
    solutions = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    assert isinstance(solutions, ox.QuerySolutions)
    names = [v.value for v in solutions.variables]
    return _sorted(names, [[s[name] for name in names] for s in solutions])


def _http(server: QueryServer) -> Runner:
    def ask(query: str) -> Rows:
        url = f"{server.url}/sparql?{urllib.parse.urlencode({'query': query})}"
        request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return _from_json(response.read())

    return ask


def _cli(store: Path) -> Runner:
    def ask(query: str) -> Rows:
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            assert main(["query", "--store", str(store), "--format", "json", "-e", query]) == 0
        return _from_json(printed.getvalue())

    return ask


@pytest.fixture(scope="module")
def paths(
    shipped_store: Path,
    shipped_server: QueryServer,
    virtuoso: LocalVirtuoso,
    both_stores: object,
    start_server: Callable[..., AbstractContextManager[QueryServer]],
) -> Iterator[dict[str, Runner]]:
    """Every path, each over the shipped data (Virtuoso's loaded by both_stores)."""
    embedded = EmbeddedStore.open(shipped_store)
    remote = EndpointStore(virtuoso.sparql_url)
    with start_server(shipped_store, endpoint=virtuoso.sparql_url) as virtuoso_server:
        yield {
            "python-api": lambda query: _from_result(embedded.select(query)),
            "cli": _cli(shipped_store),
            "serve": _http(shipped_server),
            "explorer": lambda query: _from_json(run_sparql(shipped_store, query).json),
            "virtuoso": lambda query: _from_result(remote.select(query)),
            "serve-endpoint-virtuoso": _http(virtuoso_server),
        }


@pytest.mark.parametrize("name", list(DATASET_QUERIES))
def test_every_path_gives_the_same_rows(paths: dict[str, Runner], name: str) -> None:
    query = DATASET_QUERIES[name]
    results = {path: ask(query) for path, ask in paths.items()}
    expected = results.pop("python-api")
    assert results == dict.fromkeys(results, expected)


def test_from_one_country_counts_that_country(paths: dict[str, Runner]) -> None:
    """The issue's example: FROM Lao PDR's qualifications graph counts its 16 triples, as GRAPH
    does, where it used to count every triple of the store."""
    ask = paths["cli"]
    count = '"16"^^<http://www.w3.org/2001/XMLSchema#integer>'
    assert ask(DATASET_QUERIES["from"]) == ask(DATASET_QUERIES["graph"]) == [["n"], [count]]
    relative = DATASET_QUERIES["from"].replace(LA, "graph/data/countries/la/qualifications")
    assert ask(relative) == [["n"], [count]]  # against the CLI's base, https://w3id.org/aqkg/
