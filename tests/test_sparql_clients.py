"""Common SPARQL clients against `aqkg serve` on the shipped data, over HTTP: SPARQLWrapper in
every query form, return format and request method, and rdflib's SPARQLStore in its default
(XML) and JSON modes, with the dataset given the ways each client gives it."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import (
    CSV,
    GET,
    JSON,
    JSONLD,
    N3,
    POST,
    POSTDIRECTLY,
    TSV,
    TURTLE,
    URLENCODED,
    XML,
    SPARQLWrapper,
)

from aqkg.paths import GRAPH_BASE
from aqkg.web.server import QueryServer

pytest_plugins = ["served_store"]
# The clients' own notes (SPARQLWrapper: "format requested was CSV, but Turtle was returned"),
# and rdflib's deprecations inside SPARQLWrapper.
pytestmark = [
    pytest.mark.filterwarnings("ignore::RuntimeWarning:SPARQLWrapper.Wrapper"),
    pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning"),
]

LAO = GRAPH_BASE + "data/countries/la/qualifications"
LAO_TRIPLES = 16
COUNT = f"SELECT (COUNT(*) AS ?n) FROM <{LAO}> WHERE {{ ?s ?p ?o }}"
ASK_TRUE = f"ASK FROM <{LAO}> {{ <https://w3id.org/aqkg/id/qualification/LA/ILLUS-BRK> ?p ?o }}"
ASK_FALSE = f"ASK FROM <{LAO}> {{ <https://w3id.org/aqkg/id/qualification/KH/ILLUS-BRK> ?p ?o }}"
CONSTRUCT = f"CONSTRUCT {{ ?s ?p ?o }} FROM <{LAO}> WHERE {{ ?s ?p ?o }}"
DESCRIBE = f"DESCRIBE <https://w3id.org/aqkg/id/qualification/LA/ILLUS-BRK> FROM <{LAO}>"
METHODS = [(GET, URLENCODED), (POST, URLENCODED), (POST, POSTDIRECTLY)]
METHOD_IDS = ["get", "post-form", "post-direct"]


def wrapper(server: QueryServer, query: str, return_format: str, method: tuple[str, str]) -> Any:
    client = SPARQLWrapper(server.url + "/sparql")
    client.setQuery(query)
    client.setReturnFormat(return_format)
    client.setMethod(method[0])
    client.setRequestMethod(method[1])
    return client.query().convert()


def count_from(result: Any, return_format: str) -> int:
    """The ?n of a one-row SELECT result as SPARQLWrapper converts it."""
    if return_format == JSON:
        return int(result["results"]["bindings"][0]["n"]["value"])
    if return_format == XML:
        return int(result.getElementsByTagName("literal")[0].firstChild.data)
    delimiter = "," if return_format == CSV else "\t"
    rows = list(csv.reader(io.StringIO(result.decode("utf-8")), delimiter=delimiter))
    return int(rows[1][0])


def boolean_from(result: Any, return_format: str) -> bool:
    if return_format == JSON:
        return bool(result["boolean"])
    if return_format == XML:
        return result.getElementsByTagName("boolean")[0].firstChild.data == "true"
    return bool(result.decode("utf-8").strip() == "true")  # CSV, TSV: the bare value


@pytest.mark.parametrize("method", METHODS, ids=METHOD_IDS)
@pytest.mark.parametrize("return_format", [JSON, XML, CSV, TSV])
def test_sparqlwrapper_select_and_ask(
    shipped_server: QueryServer, return_format: str, method: tuple[str, str]
) -> None:
    assert (
        count_from(wrapper(shipped_server, COUNT, return_format, method), return_format)
        == LAO_TRIPLES
    )
    for query, expected in ((ASK_TRUE, True), (ASK_FALSE, False)):
        answer = wrapper(shipped_server, query, return_format, method)
        assert boolean_from(answer, return_format) is expected


@pytest.mark.parametrize("method", METHODS, ids=METHOD_IDS)
@pytest.mark.parametrize("return_format", [TURTLE, N3, XML, JSONLD, JSON, CSV])
def test_sparqlwrapper_construct_and_describe(
    shipped_server: QueryServer, return_format: str, method: tuple[str, str]
) -> None:
    """JSON asks for JSON-LD; CSV, a result-set format, gets the default graph format."""
    for query in (CONSTRUCT, DESCRIBE):
        result = wrapper(shipped_server, query, return_format, method)
        graph = result if isinstance(result, rdflib.Graph) else _graph(result)
        assert len(graph) == LAO_TRIPLES if query == CONSTRUCT else len(graph) > 0


def _graph(result: Any) -> rdflib.Graph:
    """SPARQLWrapper gives Turtle, N3 and JSON-LD as bytes (or JSON-LD as parsed JSON)."""
    if isinstance(result, (dict, list)):
        return rdflib.Graph().parse(data=json.dumps(result), format="json-ld")
    text = result.decode("utf-8")
    return rdflib.Graph().parse(
        data=text, format="json-ld" if text.startswith(("{", "[")) else "turtle"
    )


def test_sparqlwrapper_names_the_dataset(shipped_server: QueryServer) -> None:
    client = SPARQLWrapper(shipped_server.url + "/sparql")
    client.setQuery("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    client.setReturnFormat(JSON)
    client.addDefaultGraph(LAO)
    assert count_from(client.query().convert(), JSON) == LAO_TRIPLES


@pytest.mark.parametrize("mode", ["xml", "json"])
def test_rdflib_sparqlstore(shipped_server: QueryServer, mode: str) -> None:
    """rdflib's SPARQLStore in its default mode (XML) and in JSON mode, where it asks for
    application/sparql-results+json whatever the query: CONSTRUCT and DESCRIBE then come as
    Turtle, which it reads by the Content-Type."""
    store = SPARQLStore(shipped_server.url + "/sparql", returnFormat=mode)
    everything = rdflib.Graph(store=store)
    [row] = everything.query(COUNT)
    assert int(row[0]) == LAO_TRIPLES
    assert everything.query(ASK_TRUE).askAnswer is True
    assert everything.query(ASK_FALSE).askAnswer is False
    constructed = everything.query(CONSTRUCT).graph
    assert constructed is not None and len(constructed) == LAO_TRIPLES
    described = everything.query(DESCRIBE).graph
    assert described is not None and len(described) > 0
    # A graph of the store by its name: SPARQLStore sends it as default-graph-uri.
    lao = rdflib.Graph(store=store, identifier=rdflib.URIRef(LAO))
    [row] = lao.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert int(row[0]) == LAO_TRIPLES
