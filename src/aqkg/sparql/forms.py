"""Any query form on any store: SELECT rows, an ASK boolean, CONSTRUCT or DESCRIBE triples,
run in this process or, with a time limit, in a killable worker (`aqkg query --timeout`).

pyoxigraph cannot cancel a running query, so a time limit means a worker process (the
server's pool, one worker): its answer comes back as SPARQL JSON or N-Triples and is read
into the same values an in-process run gives, so every output format is written one way.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pyoxigraph as ox

from aqkg.sparql.catalogue import for_embedded
from aqkg.sparql.jobs import Failure, Job
from aqkg.sparql.negotiation import FormatChoice
from aqkg.sparql.pool import QueryPool
from aqkg.sparql.readonly import first_keyword
from aqkg.store.backend import Store
from aqkg.store.embedded import EmbeddedStore, SelectResult, StoreError, Term
from aqkg.store.endpoint import EndpointStore
from aqkg.syntax.dataset import DEFAULT_BASE_IRI
from aqkg.syntax.prefixes import UndeclaredPrefixError, with_prefixes

Answer = SelectResult | bool | list[ox.Triple]
FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
# the worker's own row limit; the CLI prints what it is given, so only memory bounds it
WORKER_MAX_ROWS = 10_000_000


class QueryFailed(Exception):
    """The query could not be answered (time limit, syntax, evaluation): one line."""


def query_form(sparql: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE; QueryFailed for anything else."""
    form = first_keyword(sparql)
    if form not in FORMS:
        raise QueryFailed(
            f"not a query form aqkg runs: {form or 'nothing'} (give SELECT, ASK, CONSTRUCT or "
            "DESCRIBE)"
        )
    return form


def answer(
    store: Store, sparql: str, bindings: Mapping[str, Term], base_iri: str = DEFAULT_BASE_IRI
) -> Answer:
    """The query's answer, evaluated here (the project's prefixes predeclared)."""
    form = query_form(sparql)
    try:
        sparql = with_prefixes(sparql)
    except UndeclaredPrefixError as error:
        raise QueryFailed(str(error)) from None
    if isinstance(store, EmbeddedStore):
        text, left = for_embedded(sparql, bindings)
        if form == "SELECT":
            return store.select(text, left, base_iri=base_iri)
        result = store.raw_query(text, left, base_iri=base_iri)
        return bool(result) if isinstance(result, ox.QueryBoolean) else list(result)
    if not isinstance(store, EndpointStore):
        raise TypeError(f"no query forms for {type(store).__name__}")
    if form == "SELECT":
        return store.select(sparql, bindings, base_iri=base_iri)
    if form == "ASK":
        return store.ask(sparql, bindings, base_iri=base_iri)
    if bindings:
        raise QueryFailed(f"a {form} query on an endpoint takes no parameters")
    return list(store.construct(sparql, base_iri=base_iri))


def answer_within(
    store_path: Path,
    endpoint: str | None,
    sparql: str,
    bindings: Mapping[str, Term],
    base_iri: str,
    timeout_seconds: float,
) -> Answer:
    """The query's answer, evaluated in a worker that is killed after `timeout_seconds`."""
    query_form(sparql)
    text, left = (sparql, bindings) if endpoint else for_embedded(sparql, bindings)
    formats = FormatChoice(results="json", graph="ntriples", accepted="")
    try:
        pool = QueryPool(
            store_path,
            size=1,
            timeout_seconds=timeout_seconds,
            max_rows=WORKER_MAX_ROWS,
            endpoint=endpoint,
        )
    except StoreError as error:
        raise QueryFailed(str(error)) from None
    try:
        outcome = pool.run(Job(text, formats, dict(left), base_iri=base_iri))  # type: ignore[arg-type]
    finally:
        pool.close()
    if isinstance(outcome, Failure):
        raise QueryFailed(outcome.message)
    if outcome.content_type.startswith("application/n-triples"):
        return list(ox.parse(outcome.body, format=ox.RdfFormat.N_TRIPLES))
    parsed = ox.parse_query_results(outcome.body, format=ox.QueryResultsFormat.JSON)
    if isinstance(parsed, ox.QueryBoolean):
        return bool(parsed)
    variables = [v.value for v in parsed.variables]
    rows: list[list[Term | None]] = [[solution[v] for v in variables] for solution in parsed]
    return SelectResult(variables, rows)
