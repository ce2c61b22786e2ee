"""The SPARQL page: user queries run in the query worker pool, aqkg.sparql.pool (a query past
the time limit has its process killed) after the same refusal check as the endpoint. FROM and FROM
NAMED are honoured as on every path (aqkg.syntax.dataset); relative IRIs resolve against
https://w3id.org/aqkg/, as in `aqkg query`, and file: IRIs are refused."""

from __future__ import annotations

import atexit
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import pyoxigraph as ox

from aqkg.explore._store import ExploreError, store_stamp
from aqkg.explore._text import pasteable
from aqkg.sparql import notes
from aqkg.sparql.catalogue import Bound, NamedQuery, QueryParamError, bind_params, page_texts
from aqkg.sparql.jobs import Job, Success
from aqkg.sparql.negotiation import FormatChoice
from aqkg.sparql.paging import DEFAULT_PAGE_SIZE, Page
from aqkg.sparql.param_checks import check_params
from aqkg.sparql.pool import QueryPool, select_rows
from aqkg.sparql.readonly import refusal
from aqkg.sparql.results import as_delimited
from aqkg.sparql.results import as_json as results_json
from aqkg.store.backend import Store
from aqkg.store.embedded import SelectResult, StoreError

SPARQL_TIMEOUT_SECONDS = 10.0
SPARQL_MAX_ROWS = 10_000
PAGE_SIZE = DEFAULT_PAGE_SIZE  # rows on a page of a listing query

# The editor's text when the user writes their own query (the catalogue fills it otherwise).
STARTER_QUERY = """PREFIX aqkg: <https://w3id.org/aqkg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?qualification ?title WHERE {
  ?qualification a aqkg:Qualification ; skos:prefLabel ?title .
}
LIMIT 20
"""


def sparql_refusal(query: str) -> str | None:
    """Why a query is refused (update, SERVICE, a file: IRI...), or None when it may run."""
    reason = refusal(query)
    return reason.replace("this endpoint", "the explorer") if reason is not None else None


@dataclass(frozen=True)
class SparqlResult:
    """A SELECT table, an ASK answer or a CONSTRUCT/DESCRIBE graph, ready to show and save."""

    kind: str  # select, ask, graph
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    boolean: bool | None = None
    csv: str = ""
    json: str = ""
    turtle: str = ""
    seconds: float = 0.0
    page: Page | None = None  # the page shown of a listing query, with its total
    total: int | None = None

    def page_caption(self) -> str | None:
        """ "Rows 101-200 of 34,132 (page 2 of 342)" for a page of a listing query."""
        if self.page is None or self.total is None:
            return None
        if not self.rows:
            return f"No rows on this page: the query has {self.total:,}"
        first, last = self.page.offset + 1, self.page.offset + len(self.rows)
        size = self.page.size or self.total
        pages = max(1, -(-self.total // size))
        number = self.page.offset // size + 1
        return f"Rows {first:,}-{last:,} of {self.total:,} (page {number:,} of {pages:,})"


_POOLS: dict[str, QueryPool] = {}
_POOLS_LOCK = threading.Lock()


def run_sparql(
    store_path: Path,
    query: str,
    params: Mapping[str, str] | None = None,
    named: NamedQuery | None = None,
    timeout_seconds: float = SPARQL_TIMEOUT_SECONDS,
    endpoint: str | None = None,
    page: Page | None = None,
) -> SparqlResult:
    """Run a read-only query with a time limit (on the SPARQL `endpoint` when given); raises
    ExploreError with a one-line message. A listing query run as the catalogue has it gives
    the `page` asked for (the first by default) and the number of rows of all its pages."""
    if not query.strip():
        raise ExploreError("the query is empty: pick one from the catalogue or write one")
    reason = sparql_refusal(query)
    if reason is not None:
        raise ExploreError(reason)
    given = {k: v for k, v in (params or {}).items() if v.strip()}
    pool = _pool(store_path, timeout_seconds, endpoint)
    try:
        bindings: Mapping[str, Bound] = bind_params(named, given) if named is not None else {}
        if named is not None:
            check_params(named, given, lambda sparql: select_rows(pool, sparql))
    except (QueryParamError, StoreError) as error:
        raise ExploreError(str(error)) from None
    texts = None
    if named is not None and named.paged and query == named.text:
        page = page or Page()
        texts = page_texts(named, bindings, page)
        query, bindings = texts.rows, texts.rows_bindings
    job = Job(query, FormatChoice("json", "turtle", "explorer"), bindings)
    started = time.perf_counter()
    outcome = pool.run(job)
    seconds = time.perf_counter() - started
    if not isinstance(outcome, Success):
        raise ExploreError(" ".join(str(outcome.message).split()))
    if outcome.content_type.startswith("text/turtle"):
        return SparqlResult("graph", turtle=outcome.body.decode("utf-8"), seconds=seconds)
    result = _parsed_results(outcome.body, seconds)
    if texts is None:
        return result
    try:
        (row,) = select_rows(pool, texts.count, texts.count_bindings)
    except StoreError as error:
        raise ExploreError(str(error)) from None
    return replace(result, page=page, total=int(row[0]))


def page_number(number: int) -> Page:
    """The `number`th page (from 1) of a listing query's rows."""
    return Page(PAGE_SIZE, (max(1, number) - 1) * PAGE_SIZE)


def _parsed_results(body: bytes, seconds: float) -> SparqlResult:
    parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    if isinstance(parsed, ox.QueryBoolean):
        return SparqlResult("ask", boolean=bool(parsed), json=body.decode("utf-8"), seconds=seconds)
    variables = [v.value for v in parsed.variables]
    result = SelectResult(variables, [[s[v] for v in variables] for s in parsed])
    return SparqlResult(
        "select",
        columns=tuple(variables),
        rows=tuple(tuple(pasteable(t) for t in row) for row in result.rows),
        csv=as_delimited(result),
        json=results_json(result),
        seconds=seconds,
    )


def _pool(store_path: Path, timeout_seconds: float, endpoint: str | None) -> QueryPool:
    """One query worker per store (or endpoint) and time limit, started on first use and kept."""
    key = f"{endpoint or store_stamp(store_path)}:{timeout_seconds}"
    with _POOLS_LOCK:
        if key not in _POOLS:
            try:
                pool = QueryPool(
                    store_path,
                    size=1,
                    timeout_seconds=timeout_seconds,
                    max_rows=SPARQL_MAX_ROWS,
                    endpoint=endpoint,
                )
            except StoreError as error:
                raise ExploreError(str(error)) from None
            _POOLS[key] = pool
            atexit.register(pool.close)
        return _POOLS[key]


def pairings_note(store: Store) -> str | None:
    """Why a query that places things on AQRF levels may come back empty (aqkg.sparql.notes)."""
    return notes.pairings_note(store)


needs_pairings = notes.needs_pairings  # for the app, which reads through aqkg.explore only
