"""`aqkg serve --endpoint URL`: the query workers answer from a SPARQL server instead of the
embedded store, with the same refusals, formats, row limit and time limit.

The worker reads through EndpointStore without credentials, so it cannot write whatever it is
asked. Results come back through EndpointStore (blank nodes un-skolemised, Virtuoso's booleans
and language tags normalised) and are written by pyoxigraph's serializers exactly as for the
embedded store.

Why queries are parsed by pyoxigraph first: Virtuoso accepts more than SPARQL 1.1, and some of
it reaches outside the graph (DEFINE pragmas that make it fetch web pages, bif: and sql:
functions that call into its SQL engine). A query must be plain SPARQL 1.1 (pyoxigraph parses
it against an empty store, nothing is evaluated) and name no bif:/sql: function or other
Virtuoso schema IRI.
"""

from __future__ import annotations

import json
import re

import pyoxigraph as ox

from aqkg.sparql.evaluation import serialize_boolean, serialize_solutions, serialize_triples
from aqkg.sparql.jobs import Failure, Job, Outcome, ResultTooLarge
from aqkg.sparql.readonly import code_and_iris, first_keyword
from aqkg.sparql.results import as_json
from aqkg.store.embedded import StoreError
from aqkg.store.endpoint import EndpointStore
from aqkg.syntax.dataset import DEFAULT_BASE_IRI, DatasetError, without_dataset_clause

# Virtuoso's extension namespaces: bif: (built-in SQL functions), sql: (stored procedures),
# and the IRIs of its own schemas (virtrdf:, bif#, sql#).
_VIRTUOSO_EXTENSION = re.compile(r"\b(?:bif|sql)\s*:|openlinksw\.com/schemas/", re.IGNORECASE)
# How long a worker trusts its list of aqkg's graphs (a build on the endpoint may add some).
GRAPH_LIST_SECONDS = 10.0
EXTENSION_MESSAGE = (
    "this endpoint runs standard SPARQL 1.1 only: Virtuoso extensions (bif:, sql:, its schema "
    "IRIs) are refused"
)


def open_endpoint(url: str) -> EndpointStore:
    """The endpoint, read-only (no credentials), checked to answer."""
    store = EndpointStore(url, graph_cache_seconds=GRAPH_LIST_SECONDS)
    store.graph_names()  # raises StoreError, one line, when the server does not answer
    return store


def mentions_extension(query: str) -> bool:
    """A bif:/sql: function or a Virtuoso schema IRI outside strings and comments."""
    return bool(_VIRTUOSO_EXTENSION.search(code_and_iris(query)))


def extension_refusal(query: str, base_iri: str = DEFAULT_BASE_IRI) -> str | None:
    """Why a query valid for Virtuoso is refused here, or None: an extension, no SPARQL 1.1,
    or FROM clauses that cannot be sent as protocol parameters (see aqkg.store.endpoint)."""
    if mentions_extension(query):
        return EXTENSION_MESSAGE
    try:
        ox.Store().query(query, base_iri=base_iri)  # parses and plans; the result is never read
        without_dataset_clause(query, base_iri)
    except SyntaxError as error:
        return f"SPARQL syntax error: {' '.join(str(error).split())}"
    except DatasetError as error:
        return str(error)
    return None


def evaluate_on_endpoint(store: EndpointStore, job: Job, max_rows: int) -> Outcome:
    """Run one query on the endpoint and serialize it as `aqkg.sparql.evaluation.evaluate` does."""
    problem = extension_refusal(job.query, job.base_iri)
    if problem is not None:
        return Failure(403 if problem == EXTENSION_MESSAGE else 400, problem)
    form = first_keyword(job.query)
    try:
        if form == "ASK":
            answer = store.ask(job.query, job.bindings, dataset=job.dataset, base_iri=job.base_iri)
            parsed = ox.parse_query_results(
                json.dumps({"head": {}, "boolean": answer}), format=ox.QueryResultsFormat.JSON
            )
            assert isinstance(parsed, ox.QueryBoolean)
            return serialize_boolean(parsed, job.formats)
        if form in ("CONSTRUCT", "DESCRIBE"):
            triples = store.construct(job.query, dataset=job.dataset, base_iri=job.base_iri)
            return serialize_triples(iter(triples), job.formats, max_rows)
        result = store.select(job.query, job.bindings, dataset=job.dataset, base_iri=job.base_iri)
        if len(result.rows) > max_rows:
            raise ResultTooLarge()
        solutions = ox.parse_query_results(as_json(result), format=ox.QueryResultsFormat.JSON)
        assert isinstance(solutions, ox.QuerySolutions)
        return serialize_solutions(solutions, job.formats, max_rows)
    except ResultTooLarge:
        return Failure(400, f"the result has more than {max_rows} rows (the limit): add LIMIT")
    except StoreError as error:
        return Failure(502, " ".join(str(error).split()))
