"""The query side of the W3C SPARQL 1.1 Protocol tests (w3c/rdf-tests,
sparql/sparql11/protocol/manifest.ttl), sent over HTTP to `aqkg serve` on the shipped data;
then the dataset cases the manifest leaves out, and checks taken from the Protocol text.

The manifest's data, adapted to graphs the store holds: its graphs data1.rdf, data2.rdf and
data3.rdf each hold one resource typed foaf:Document; here they are the qualifications graphs
of Cambodia, Lao PDR and Myanmar, each holding that country's bricklaying qualification typed
aqkg:Qualification. data0.rdf, named in requests but never read, is a graph the store does not
hold. Each test keeps the manifest's request (method, parameters, body, Content-Type) and
expected response (status class, result kind, boolean), with these IRIs in place of its own.

Out of scope: the update-side tests (update_*, bad_update_*). The endpoint is read-only;
test_serve checks that it refuses every update, however it is sent.
"""

from __future__ import annotations

import csv
import http.client
import io
from dataclasses import dataclass, field
from urllib.parse import urlencode, urljoin, urlsplit

import pyoxigraph as ox
import pytest

from aqkg.paths import GRAPH_BASE
from aqkg.web.server import QueryServer

pytest_plugins = ["served_store"]

COUNTRIES = GRAPH_BASE + "data/countries/"
QUALIFICATION = "https://w3id.org/aqkg/id/qualification/"
DATA0 = GRAPH_BASE + "data/countries/zz/none"  # named, never held
DATA1, DATA2, DATA3 = (f"{COUNTRIES}{country}/qualifications" for country in ("kh", "la", "mm"))
DOC1, DOC2, DOC3 = (f"<{QUALIFICATION}{country}/ILLUS-BRK>" for country in ("KH", "LA", "MM"))
SPARQL_PATH = "/sparql/"  # the manifest's path: the endpoint answers with or without the slash

BOTH_TYPED = f"ASK {{ {DOC1} a ?type . {DOC2} a ?type . }}"
BOTH_NAMED = f"ASK {{ GRAPH ?g1 {{ {DOC1} a ?type }} GRAPH ?g2 {{ {DOC2} a ?type }} }}"
FULL = f"ASK {{ {DOC3} a ?type GRAPH ?g1 {{ {DOC1} a ?type }} GRAPH ?g2 {{ {DOC2} a ?type }} }}"
FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"

RESULT_TYPES = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
RDF_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}


@dataclass(frozen=True)
class Case:
    """One request and the response the Protocol expects."""

    name: str
    method: str
    params: list[tuple[str, str]] = field(default_factory=list)  # in the request URL
    body: bytes | None = None
    content_type: str | None = None
    accept: str | None = None
    status: int = 2  # the expected class: 2 (2xx, 3xx allowed by the manifest) or 4
    result: str | None = None  # boolean, tabular or RDF
    boolean: bool | None = None


def _direct(name: str, query: str, params: list[tuple[str, str]], **expected: object) -> Case:
    return Case(name, "POST", params, query.encode(), DIRECT, **expected)


def _get(name: str, query: str, params: list[tuple[str, str]], **expected: object) -> Case:
    return Case(name, "GET", [("query", query), *params], **expected)


def _graphs(default: tuple[str, ...] = (), named: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    return [("default-graph-uri", g) for g in default] + [("named-graph-uri", g) for g in named]


TRUE = {"result": "boolean", "boolean": True}
FALSE = {"result": "boolean", "boolean": False}
BAD = {"status": 4}

MANIFEST_CASES = [
    Case("query_post_form", "POST", _graphs((DATA0,)), b"query=ASK%20%7B%7D", FORM, **TRUE),
    _get("query_dataset_default_graphs_get", BOTH_TYPED, _graphs((DATA1, DATA2)), **TRUE),
    _direct("query_dataset_default_graphs_post", BOTH_TYPED, _graphs((DATA1, DATA2)), **TRUE),
    _direct("query_dataset_named_graphs_post", BOTH_NAMED, _graphs(named=(DATA1, DATA2)), **TRUE),
    _get("query_dataset_named_graphs_get", BOTH_NAMED, _graphs(named=(DATA1, DATA2)), **TRUE),
    _direct("query_dataset_full", FULL, _graphs((DATA3,), (DATA1, DATA2)), **TRUE),
    _direct(
        "query_multiple_dataset",
        BOTH_NAMED.replace("ASK {", f"ASK FROM <{DATA3}> {{", 1),
        _graphs(named=(DATA1, DATA2)),
        **TRUE,
    ),
    _get("query_get", "ASK {}", _graphs((DATA0,)), **TRUE),
    _direct(
        "query_content_type_select", "SELECT (1 AS ?value) {}", _graphs((DATA0,)), result="tabular"
    ),
    _direct("query_content_type_ask", "ASK {}", _graphs((DATA0,)), result="boolean"),
    _direct(
        "query_content_type_describe",
        "DESCRIBE <http://example.org/>",
        _graphs((DATA0,)),
        result="RDF",
    ),
    _direct(
        "query_content_type_construct",
        "CONSTRUCT { <s> <p> 1 } WHERE {}",
        _graphs((DATA0,)),
        result="RDF",
    ),
    _direct("query_post_direct", "ASK {}", [], **TRUE),
    Case(
        "bad_query_method",
        "PUT",
        [("query", "ASK {}"), *_graphs((DATA0,))],
        content_type=FORM,
        **BAD,
    ),
    Case("bad_multiple_queries", "GET", [("query", "ASK {}"), ("query", "SELECT * {}")], **BAD),
    Case("bad_query_wrong_media_type", "POST", [], b"ASK {}", "text/plain", **BAD),
    Case("bad_query_missing_form_type", "POST", [], b"query=ASK%20%7B%7D", **BAD),
    Case("bad_query_missing_direct_type", "POST", [], b"ASK {}", **BAD),
    Case(
        "bad_query_non_utf8",
        "POST",
        [],
        "ASK {}".encode("utf-16"),
        "application/sparql-query; charset=UTF-16",
        **BAD,
    ),
    Case("bad_query_syntax", "GET", [("query", "ASK {")], **BAD),
]

# The rules of SPARQL 1.1 Query 13.2 and Protocol 2.1.4 the manifest does not test: each of
# its dataset tests would also pass on an endpoint that ignored the dataset and read the union.
DATASET_CASES = [
    _get("union_default_graph_without_a_dataset", FULL.replace("GRAPH ?g1", "", 1), [], **TRUE),
    _get("default_graph_uri_narrows", BOTH_TYPED, _graphs((DATA1,)), **FALSE),
    _get("named_graph_uri_narrows", BOTH_NAMED, _graphs(named=(DATA1,)), **FALSE),
    _get(
        "named_graph_uri_alone_empties_the_default_graph",
        f"ASK {{ {DOC1} ?p ?o }}",
        _graphs(named=(DATA1,)),
        **FALSE,
    ),
    _get(
        "default_graph_uri_alone_names_no_graph",
        "ASK { GRAPH ?g { ?s ?p ?o } }",
        _graphs((DATA1,)),
        **FALSE,
    ),
    _get(
        "from_is_honoured",
        BOTH_TYPED.replace("ASK", f"ASK FROM <{DATA1}> FROM <{DATA2}>"),
        [],
        **TRUE,
    ),
    _get("from_narrows", BOTH_TYPED.replace("ASK", f"ASK FROM <{DATA1}>"), [], **FALSE),
    _get(
        "from_named_is_honoured",
        BOTH_NAMED.replace("ASK", f"ASK FROM NAMED <{DATA1}> FROM NAMED <{DATA2}>"),
        [],
        **TRUE,
    ),
    _get("from_named_narrows", BOTH_NAMED.replace("ASK", f"ASK FROM NAMED <{DATA2}>"), [], **FALSE),
    _get(
        "from_alone_names_no_graph",
        f"ASK FROM <{DATA1}> {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        [],
        **FALSE,
    ),
    _get(
        "from_named_alone_empties_the_default_graph",
        f"ASK FROM NAMED <{DATA1}> {{ ?s ?p ?o }}",
        [],
        **FALSE,
    ),
    _get(
        "default_graph_uri_replaces_from",
        f"ASK FROM <{DATA2}> {{ {DOC2} a ?type }}",
        _graphs((DATA1,)),
        **FALSE,
    ),
    _get(
        "named_graph_uri_replaces_from_named",
        f"ASK FROM NAMED <{DATA2}> {{ GRAPH ?g {{ {DOC2} a ?type }} }}",
        _graphs(named=(DATA1,)),
        **FALSE,
    ),
    _get(
        "named_graph_uri_replaces_from_named_with_its_own",
        f"ASK FROM NAMED <{DATA2}> {{ GRAPH ?g {{ {DOC1} a ?type }} }}",
        _graphs(named=(DATA1,)),
        **TRUE,
    ),
    _get(
        "named_graph_uri_replaces_from",
        f"ASK FROM <{DATA1}> {{ {DOC1} a ?type }}",
        _graphs(named=(DATA1,)),
        **FALSE,
    ),
]

# Checks taken from the Protocol text (2.1 query operation, 2.1.6 success responses).
PROTOCOL_TEXT_CASES = [
    _get("ask_as_xml", "ASK {}", [], accept="application/sparql-results+xml", **TRUE),
    Case(
        "post_form_with_dataset_in_the_body",
        "POST",
        [],
        urlencode([("query", BOTH_TYPED), *_graphs((DATA1, DATA2))]).encode(),
        FORM,
        **TRUE,
    ),
    _get(
        "select_as_xml",
        "SELECT (1 AS ?value) {}",
        [],
        accept="application/sparql-results+xml",
        result="tabular",
    ),
    _get("select_as_csv", "SELECT (1 AS ?value) {}", [], accept="text/csv", result="tabular"),
    _get(
        "select_as_tsv",
        "SELECT (1 AS ?value) {}",
        [],
        accept="text/tab-separated-values",
        result="tabular",
    ),
    _get(
        "construct_as_n_triples",
        f"CONSTRUCT WHERE {{ {DOC1} a ?type }}",
        [],
        accept="application/n-triples",
        result="RDF",
    ),
    _get(
        "construct_as_rdf_xml",
        f"CONSTRUCT WHERE {{ {DOC1} a ?type }}",
        [],
        accept="application/rdf+xml",
        result="RDF",
    ),
    _get(
        "construct_as_json_ld",
        f"CONSTRUCT WHERE {{ {DOC1} a ?type }}",
        [],
        accept="application/ld+json",
        result="RDF",
    ),
    # A graph result asked for only as a result set: the default graph format (see serve.py).
    _get(
        "construct_asked_as_results",
        f"CONSTRUCT WHERE {{ {DOC1} a ?type }}",
        [],
        accept="application/sparql-results+json",
        result="RDF",
    ),
    _get(
        "describe_asked_as_results",
        f"DESCRIBE {DOC1}",
        [],
        accept="application/sparql-results+xml",
        result="RDF",
    ),
    _get("select_asked_only_as_rdf", "SELECT (1 AS ?value) {}", [], accept="text/turtle", status=4),
    _get("default_graph_uri_not_an_iri", "ASK {}", [("default-graph-uri", "not an iri")], status=4),
    Case(
        "utf8_labelled_utf16",
        "POST",
        [],
        b"ASK {}",
        "application/sparql-query; charset=UTF-16",
        status=4,
    ),
    Case("query_in_body_and_url", "POST", [("query", "ASK {}")], b"ASK {}", DIRECT, status=4),
]

CASES = MANIFEST_CASES + DATASET_CASES + PROTOCOL_TEXT_CASES


def send(server: QueryServer, case: Case, host: str | None = None) -> tuple[int, str, bytes]:
    """The request as the case gives it, with nothing added (urllib would add a Content-Type
    to a POST without one); `host` as the Host header, when given."""
    address = urlsplit(server.url)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=60)
    path = SPARQL_PATH + (f"?{urlencode(case.params)}" if case.params else "")
    fields = (("Content-Type", case.content_type), ("Accept", case.accept), ("Host", host))
    headers = {key: value for key, value in fields if value}
    try:
        connection.request(case.method, path, body=case.body, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type") or "", response.read()
    finally:
        connection.close()


def media_type(content_type: str) -> str:
    return content_type.split(";")[0].strip().lower()


def read_results(content_type: str, body: bytes) -> ox.QuerySolutions | ox.QueryBoolean:
    kind = media_type(content_type)
    assert kind in RESULT_TYPES, f"{content_type} is not a SPARQL results media type"
    return ox.parse_query_results(body, format=RESULT_TYPES[kind])


def read_table(content_type: str, body: bytes) -> list[list[str]]:
    """A SELECT result as rows of lexical values, its header first."""
    if media_type(content_type) == "text/csv":  # pyoxigraph does not read CSV (it is lossy)
        return list(csv.reader(io.StringIO(body.decode("utf-8"))))
    result = read_results(content_type, body)
    assert isinstance(result, ox.QuerySolutions)
    names = [v.value for v in result.variables]
    return [names, *([str(getattr(s[n], "value", "")) for n in names] for s in result)]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_protocol(shipped_server: QueryServer, case: Case) -> None:
    status, content_type, body = send(shipped_server, case)
    if case.status == 4:
        assert 400 <= status < 500, (status, body)
        assert b"Traceback" not in body and len(body.splitlines()) <= 1
        return
    assert 200 <= status < 400, (status, body)
    if case.result == "boolean":
        result = read_results(content_type, body)
        assert isinstance(result, ox.QueryBoolean)
        if case.boolean is not None:
            assert bool(result) is case.boolean
    elif case.result == "tabular":
        assert read_table(content_type, body) == [["value"], ["1"]]
    elif case.result == "RDF":
        kind = media_type(content_type)
        assert kind in RDF_TYPES, f"{content_type} is not an RDF media type"
        ox.parse(body, format=RDF_TYPES[kind])


def test_relative_iris_resolve_against_the_endpoint_url(shipped_server: QueryServer) -> None:
    """query_content_type_construct asks `CONSTRUCT { <s> <p> 1 }`: the query's base IRI is the
    URL it was sent to (as `oxigraph serve` does)."""
    case = MANIFEST_CASES[[c.name for c in MANIFEST_CASES].index("query_content_type_construct")]
    _, content_type, body = send(shipped_server, case)
    [triple] = ox.parse(body, format=RDF_TYPES[media_type(content_type)])
    assert triple.subject == ox.NamedNode(urljoin(shipped_server.url + SPARQL_PATH, "s"))


@pytest.mark.parametrize(
    ("host", "base"),
    [
        ("data.example.org:8080", "http://data.example.org:8080/sparql/"),  # behind a proxy
        ("[::1]", "http://[::1]/sparql/"),
        ("bad host/x", None),  # malformed: the server's own address
    ],
)
def test_the_base_iri_names_the_server_as_the_client_reached_it(
    shipped_server: QueryServer, host: str, base: str | None
) -> None:
    case = _get("construct", "CONSTRUCT { <s> <p> 1 } WHERE {}", [], accept="text/turtle")
    _, _, body = send(shipped_server, case, host=host)
    [triple] = ox.parse(body, format=ox.RdfFormat.TURTLE)
    expected = base or shipped_server.url + SPARQL_PATH
    assert triple.subject == ox.NamedNode(expected + "s")


def test_a_country_graph_counts_what_it_holds(shipped_server: QueryServer) -> None:
    """The issue's example: FROM one country's graph counts that graph's triples (16), as
    GRAPH does, not every triple of the store."""
    counts = []
    for query in (
        f"SELECT (COUNT(*) AS ?n) FROM <{DATA2}> WHERE {{ ?s ?p ?o }}",
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{DATA2}> {{ ?s ?p ?o }} }}",
        "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    ):
        _, content_type, body = send(shipped_server, _get("count", query, []))
        [solution] = read_results(content_type, body)
        counts.append(int(solution["n"].value))
    assert counts[0] == counts[1] == 16
    assert counts[2] > 8000


def test_ask_as_csv_and_tsv_is_the_bare_boolean(shipped_server: QueryServer) -> None:
    """The CSV and TSV result formats define no ASK form: the answer is `true` or `false`
    alone, as `oxigraph serve` writes it."""
    for accept in ("text/csv", "text/tab-separated-values"):
        status, content_type, body = send(shipped_server, _get("ask", "ASK {}", [], accept=accept))
        assert (status, media_type(content_type), body) == (200, accept, b"true")
