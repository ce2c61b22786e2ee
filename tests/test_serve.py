"""`aqkg serve`: SPARQL 1.1 Protocol and REST API over HTTP, driven as a client would.

The store and the named query are fictional and built here, so these tests do not depend on
the project's data.
"""

from __future__ import annotations

import csv
import io
import json
import random
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import rdflib
from SPARQLWrapper import CSV, JSON, POST, POSTDIRECTLY, TSV, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from aqkg.sparql.readonly import mentions_service
from aqkg.web.server import QueryServer, ServeError, make_server

EX = "https://example.org/fictional#"
WIDGETS_GRAPH = "https://example.org/graph/widgets"
LABELS_GRAPH = "https://example.org/graph/labels"
XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
COLOURS = ("red", "green", "blue")
WIDGETS = 120  # 40 of each colour; with labels about 480 triples in all
MAX_ROWS = 50
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
AQKG = "https://w3id.org/aqkg/ontology#"
SKOS = "http://www.w3.org/2004/02/skos/core#"

# COALESCE, not BOUND: pyoxigraph 0.5 BOUND(?v) is false even when ?v is substituted.
NAMED_QUERY = f"""#+ summary: Fictional widgets of one colour
#+ description: A test fixture: nothing here is real.
#+ params: colour (xsd:string, required); minSize (xsd:integer, 0-1000, optional);
#+   maker (country, optional)
#+ tags: test
PREFIX ex: <{EX}>
SELECT ?widget ?size ?colour ?minSize ?maker WHERE {{
  ?widget ex:colour ?colour ; ex:size ?size ; ex:maker ?maker .
  FILTER(?size >= COALESCE(?minSize, 0))
}}
ORDER BY ?size
"""
# Four-way cross join over every triple: about 5 * 10^10 rows to count, never done in 1 s.
SLOW_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
COUNT_RED = f"PREFIX ex: <{EX}> SELECT (COUNT(*) AS ?n) WHERE {{ ?w ex:colour 'red' }}"


def _widget_quads() -> Iterator[ox.Quad]:
    widgets, labels = ox.NamedNode(WIDGETS_GRAPH), ox.NamedNode(LABELS_GRAPH)
    # the makers are the fictional member states the country parameter is checked against
    for code in ("XX", "ZZ"):
        state = ox.NamedNode("https://w3id.org/aqkg/id/country/" + code)
        yield ox.Quad(state, ox.NamedNode(RDF_TYPE), ox.NamedNode(AQKG + "MemberState"), labels)
        yield ox.Quad(state, ox.NamedNode(SKOS + "notation"), ox.Literal(code), labels)
    for i in range(WIDGETS):
        widget = ox.NamedNode(f"{EX}widget{i}")
        maker = ox.NamedNode("https://w3id.org/aqkg/id/country/" + ("ZZ" if i % 2 else "XX"))
        yield ox.Quad(widget, ox.NamedNode(EX + "colour"), ox.Literal(COLOURS[i % 3]), widgets)
        yield ox.Quad(
            widget, ox.NamedNode(EX + "size"), ox.Literal(str(i), datatype=XSD_INTEGER), widgets
        )
        yield ox.Quad(widget, ox.NamedNode(EX + "maker"), maker, widgets)
        yield ox.Quad(
            widget, ox.NamedNode(EX + "label"), ox.Literal(f"widget {i}", language="en"), labels
        )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[QueryServer]:
    root = tmp_path_factory.mktemp("serve")
    store_path = root / "store"
    store = ox.Store(str(store_path))
    store.extend(_widget_quads())
    store.flush()
    del store  # releases the RocksDB lock for the read-only workers
    (root / "queries").mkdir()
    (root / "queries" / "widgets.rq").write_text(NAMED_QUERY, encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AQKG_HOME", str(root))  # the catalogue is read from <AQKG_HOME>/queries
        server = make_server(
            store_path, port=0, timeout_seconds=1.0, max_result_rows=MAX_ROWS, workers=2, quiet=True
        )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def base_url(server: QueryServer) -> str:
    return server.url


def sparql(base_url: str, query: str, return_format: str = JSON) -> SPARQLWrapper:
    client = SPARQLWrapper(base_url + "/sparql")
    client.setQuery(query)
    client.setReturnFormat(return_format)
    return client


def http(
    url: str,
    *,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


# -- SPARQL 1.1 Protocol ---------------------------------------------------------------------------

COLOUR_COUNTS = (
    f"PREFIX ex: <{EX}> SELECT ?colour (COUNT(?w) AS ?n) "
    "WHERE { ?w ex:colour ?colour } GROUP BY ?colour ORDER BY ?colour"
)


def test_select_as_json_sees_the_union_of_graphs(base_url: str) -> None:
    result: Any = sparql(base_url, COLOUR_COUNTS).query().convert()
    rows = {b["colour"]["value"]: int(b["n"]["value"]) for b in result["results"]["bindings"]}
    assert rows == {"blue": 40, "green": 40, "red": 40}
    joined = f"PREFIX ex: <{EX}> SELECT ?l WHERE {{ ex:widget7 ex:colour ?c ; ex:label ?l }}"
    labels: Any = sparql(base_url, joined).query().convert()
    assert labels["results"]["bindings"][0]["l"] == {
        "type": "literal",
        "value": "widget 7",
        "xml:lang": "en",
    }


def test_select_as_xml_csv_and_tsv(base_url: str) -> None:
    document: Any = sparql(base_url, COLOUR_COUNTS, XML).query().convert()
    assert len(document.getElementsByTagName("result")) == 3
    csv_rows = list(
        csv.reader(io.StringIO(sparql(base_url, COLOUR_COUNTS, CSV).query().convert().decode()))
    )
    assert csv_rows == [["colour", "n"], ["blue", "40"], ["green", "40"], ["red", "40"]]
    tsv = sparql(base_url, COLOUR_COUNTS, TSV).query().convert().decode().splitlines()
    assert tsv[0] == "?colour\t?n" and tsv[1] == '"blue"\t40'


def test_post_form_and_post_direct(base_url: str) -> None:
    for request_method in ("urlencoded", POSTDIRECTLY):
        client = sparql(base_url, COUNT_RED)
        client.setMethod(POST)
        client.setRequestMethod(request_method)
        result: Any = client.query().convert()
        assert result["results"]["bindings"][0]["n"]["value"] == "40"


def test_ask_and_construct_as_turtle(base_url: str) -> None:
    ask: Any = sparql(base_url, f"ASK {{ <{EX}widget3> ?p 'red' }}").query().convert()
    assert ask["boolean"] is True
    construct = (
        f"PREFIX ex: <{EX}> CONSTRUCT {{ ?w ex:size ?s }} "
        "WHERE { ?w ex:colour 'red' ; ex:size ?s }"
    )
    client = sparql(base_url, construct, TURTLE)
    response = client.query()
    assert response.response.headers["Content-Type"].startswith("text/turtle")
    graph = rdflib.Graph().parse(data=response.convert(), format="turtle")
    assert len(graph) == 40


def test_content_negotiation_and_format_override(base_url: str) -> None:
    url = f"{base_url}/sparql?query={urllib.request.quote(COUNT_RED)}"
    status, headers, _ = http(
        url, headers={"Accept": "text/csv;q=0.5, application/sparql-results+xml"}
    )
    assert (status, headers["Content-Type"]) == (200, "application/sparql-results+xml")
    status, headers, body = http(url + "&format=csv", headers={"Accept": "application/json"})
    assert (status, headers["Content-Type"], body) == (
        200,
        "text/csv; charset=utf-8",
        b"n\r\n40\r\n",
    )
    status, _, body = http(url, headers={"Accept": "text/turtle"})
    assert status == 406 and b"available: application/sparql-results+json" in body
    assert http(url + "&format=yaml")[0] == 400


def test_dataset_parameters_narrow_the_default_graph(base_url: str) -> None:
    query = urllib.request.quote(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{EX}label> ?o }}")
    narrow = (
        f"{base_url}/sparql?query={query}&default-graph-uri={urllib.request.quote(WIDGETS_GRAPH)}"
    )
    status, _, body = http(narrow + "&format=csv")
    assert (status, body) == (200, b"n\r\n0\r\n")
    assert http(f"{base_url}/sparql?query={query}&default-graph-uri=not%20an%20iri")[0] == 400


def test_an_oversized_result_is_refused_with_a_hint(base_url: str) -> None:
    with pytest.raises(QueryBadFormed, match=f"more than {MAX_ROWS} rows"):
        sparql(base_url, "SELECT * WHERE { ?s ?p ?o }").query()
    construct = sparql(base_url, "CONSTRUCT WHERE { ?s ?p ?o }", TURTLE)
    with pytest.raises(QueryBadFormed, match="add LIMIT"):
        construct.query()


# -- read-only -------------------------------------------------------------------------------------

UPDATE = f"INSERT DATA {{ <{EX}x> <{EX}y> 'z' }}"


def test_updates_are_refused_however_they_are_sent(base_url: str) -> None:
    for request_method in ("urlencoded", POSTDIRECTLY):
        client = sparql(base_url, UPDATE)
        client.setMethod(POST)
        client.setRequestMethod(request_method)
        with pytest.raises(urllib.error.HTTPError) as refused:
            client.query()
        assert refused.value.code == 403
        assert b"read-only" in refused.value.read()
    status, _, body = http(f"{base_url}/sparql?query={urllib.request.quote(UPDATE)}")
    assert status == 403 and body.count(b"\n") == 1
    assert sparql(base_url, f"ASK {{ <{EX}x> ?p ?o }}").query().convert()["boolean"] is False


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }",
        "select * where { service silent <http://127.0.0.1:1/> { ?s ?p ?o } }",
        "SELECT * WHERE { ?s ?p trueSERVICE<http://127.0.0.1:1/>{} }",  # no space needed
        "PREFIX ex: <http://127.0.0.1:1/> SELECT * WHERE { SERVICEex:x {} }",
        "SELECT * WHERE { ?s ?p ?o FILTER(1<2)SERVICE#>\n<http://127.0.0.1:1/>{} }",
        # the parser reads `ex:a\\'` as one name, a tokenizer would start a string at the quote
        "PREFIX ex: <http://e/> SELECT * { ?s ?p ex:a\\' SERVICE <http://127.0.0.1:1/> {} } #'",
        "SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:1/> {} }",
    ],
)
def test_service_is_refused(base_url: str, query: str) -> None:
    status, _, body = http(
        f"{base_url}/sparql",
        method="POST",
        body=query.encode(),
        headers={"Content-Type": "application/sparql-query"},
    )
    assert status == 403, body
    assert b"SERVICE is refused" in body


@pytest.mark.parametrize(
    "query",
    [
        f"SELECT ?w WHERE {{ ?w <{EX}label> ?l FILTER(CONTAINS(?l, 'service')) }}",
        f"# every service\nPREFIX s: <{EX}> SELECT ?service WHERE {{ ?service s:serviceType ?t }}",
        "SELECT * WHERE { ?w ?p '''it's a service''' }",
        "SELECT * WHERE { ?s ?p <https://w3id.org/aqkg/id/sector/mechanical-services> }",
    ],
)
def test_the_word_service_elsewhere_is_fine(query: str) -> None:
    assert not mentions_service(query)


def test_the_service_check_never_misses_what_pyoxigraph_would_run() -> None:
    """Mutated queries: whenever pyoxigraph starts a SERVICE call, the check has refused it.

    Endpoints are on port 1, which pyoxigraph refuses before connecting: no network is used.
    """
    endpoint = "<http://127.0.0.1:1/>"
    store = ox.Store()
    store.add(
        ox.Quad(
            ox.NamedNode("http://127.0.0.1:1/a"),
            ox.NamedNode("http://127.0.0.1:1/b"),
            ox.Literal("2", datatype=XSD_INTEGER),
        )
    )
    seeds = [
        "SELECT * WHERE { ?a ?b ?c SERVICE @ { } }",
        "PREFIX ex: @ SELECT * WHERE { ?a ?b ?c FILTER(?c != 'x' && \"y\" < 3) SERVICE ex: { } }",
        "SELECT * WHERE { ?a ?b ?c FILTER(1<2) SERVICE @ { } } # comment",
        "SELECT * WHERE { ?a ?b ?c . FILTER EXISTS { SERVICE @ { } } }",
    ]
    pieces = [
        "SERVICE",
        "'",
        '"',
        "'''",
        "#",
        "<",
        ">",
        "\n",
        " ",
        "(",
        ")",
        "\\",
        "2",
        "true",
        "?x",
        "ex:",
        ":",
        "#>",
        "<2)",
        "''",
        "{",
        "}",
        ".",
        "&&",
        "e",
    ]
    rng = random.Random(7)
    executed = 0
    for _ in range(4000):
        seed = rng.choice(seeds)
        query = seed
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(query) + 1)
            query = query[:at] + rng.choice(pieces) + query[at:]
            if rng.random() < 0.3:
                query = query.replace(" ", "", rng.randint(1, 6))
        if query.count("@") != seed.count("@"):
            continue  # keep the endpoint intact
        query = query.replace("@", endpoint)
        try:
            list(store.query(query))
        except OSError:
            executed += 1
            assert mentions_service(query), query
        except (SyntaxError, ValueError, TypeError):
            pass
    assert executed > 50


# -- time limit ------------------------------------------------------------------------------------


def test_a_slow_query_is_stopped_and_does_not_hold_up_the_others(
    server: QueryServer, base_url: str
) -> None:
    outcome: dict[str, Any] = {}

    def run_slow() -> None:
        started = time.monotonic()
        outcome["status"], _, outcome["body"] = http(
            f"{base_url}/sparql?query={urllib.request.quote(SLOW_QUERY)}"
        )
        outcome["seconds"] = time.monotonic() - started

    slow = threading.Thread(target=run_slow)
    slow.start()
    time.sleep(0.2)
    quick: Any = sparql(base_url, COUNT_RED).query().convert()  # served by the other worker
    assert quick["results"]["bindings"][0]["n"]["value"] == "40"
    assert slow.is_alive()  # the quick answer did not wait for the slow one
    slow.join()
    assert outcome["status"] == 503
    assert b"query stopped after 1 s" in outcome["body"]
    assert outcome["seconds"] < 5
    after: Any = sparql(base_url, COUNT_RED).query().convert()
    assert after["results"]["bindings"][0]["n"]["value"] == "40"
    deadline = time.monotonic() + 20
    while server.pool.idle_workers() < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.pool.idle_workers() == 2  # the killed worker was replaced


# -- REST API --------------------------------------------------------------------------------------


def test_a_named_query_with_typed_parameters(base_url: str) -> None:
    status, headers, body = http(f"{base_url}/api/widgets?colour=red&minSize=100")
    assert (status, headers["Content-Type"]) == (200, "application/sparql-results+json")
    sizes = [int(b["size"]["value"]) for b in json.loads(body)["results"]["bindings"]]
    assert sizes == [102, 105, 108, 111, 114, 117]
    status, _, body = http(
        f"{base_url}/api/widgets?colour=red&minSize=110&maker=zz", headers={"Accept": "text/csv"}
    )
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    assert status == 200
    assert [r["size"] for r in rows] == ["111", "117"]
    assert {r["maker"] for r in rows} == {"https://w3id.org/aqkg/id/country/ZZ"}
    assert http(f"{base_url}/api/widgets?colour=red&format=csv")[2].startswith(b"widget,size")
    assert http(f"{base_url}/api/widgets?colour=red&minSize=1000")[0] == 200  # the maximum


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        (
            "widgets?colour=red&minSize=big",
            400,
            "parameter minSize='big' is not a valid xsd:integer",
        ),
        ("widgets?minSize=3", 400, "needs the parameter colour"),
        ("widgets?colour=red&shape=round", 400, "has no parameter 'shape'"),
        ("widgets?colour=red&colour=blue", 400, "give colour once"),
        ("widgets?colour=red&maker=ZZZ", 400, "not a valid country"),
        ("widgets?colour=red&maker=YY", 400, "maker='YY' is not a member state in the graph"),
        (
            "widgets?colour=red&minSize=1001",
            400,
            "minSize='1001' is out of range; use a number from 0 to 1000",
        ),
        ("gadgets", 404, "no named query 'gadgets'"),
    ],
)
def test_named_query_errors(base_url: str, query: str, status: int, message: str) -> None:
    got, headers, body = http(f"{base_url}/api/{query}")
    assert got == status
    assert headers["Content-Type"] == "application/json"
    assert message in json.loads(body)["error"]


def test_the_catalogue_and_the_openapi_description(base_url: str) -> None:
    listing = json.loads(http(f"{base_url}/api")[2])
    assert [q["name"] for q in listing["queries"]] == ["widgets"]
    status, headers, body = http(f"{base_url}/openapi.json")
    assert (status, headers["Content-Type"]) == (200, "application/json")
    document = json.loads(body)
    assert document["openapi"].startswith("3.1")
    assert {"/sparql", "/api", "/api/widgets"} <= set(document["paths"])
    operation = document["paths"]["/api/widgets"]["get"]
    assert operation["summary"] == "Fictional widgets of one colour"
    params = {p["name"]: p for p in operation["parameters"]}
    assert params["colour"]["required"] is True and params["colour"]["schema"] == {"type": "string"}
    assert params["minSize"]["schema"] == {"type": "integer", "minimum": 0, "maximum": 1000}
    # the member states the served graph holds, not a list in the code
    assert params["maker"]["schema"] == {"type": "string", "enum": ["XX", "ZZ"]}
    assert "post" in document["paths"]["/sparql"]


# -- HTTP errors -----------------------------------------------------------------------------------


def test_a_syntax_error_is_a_400_with_the_parser_message_and_no_traceback(base_url: str) -> None:
    with pytest.raises(QueryBadFormed, match="SPARQL syntax error"):
        sparql(base_url, "SELECT ?x WHERE { ?x ").query()
    status, headers, body = http(f"{base_url}/sparql?query=SELEC")
    assert (status, headers["Content-Type"]) == (400, "text/plain; charset=utf-8")
    assert body.decode().startswith("SPARQL syntax error: error at 1:")
    assert b"Traceback" not in body and body.count(b"\n") == 1


@pytest.mark.parametrize(
    ("method", "path", "body", "content_type", "status"),
    [
        ("GET", "/sparql?format=json", None, None, 400),  # no query (none at all: a description)
        ("GET", "/nowhere", None, None, 404),
        ("PUT", "/sparql", b"x", "text/plain", 405),
        ("DELETE", "/api/widgets", None, None, 405),
        ("POST", "/sparql", b"SELECT * {}", "text/plain", 415),
        ("POST", "/sparql", b"q" * ((1 << 20) + 1), "application/sparql-query", 413),
    ],
)
def test_http_errors(
    base_url: str, method: str, path: str, body: bytes | None, content_type: str | None, status: int
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    got, _, text = http(base_url + path, method=method, body=body, headers=headers)
    assert got == status
    assert len(text.splitlines()) <= 1 and b"Traceback" not in text


def test_head_and_options(base_url: str) -> None:
    status, headers, body = http(f"{base_url}/openapi.json", method="HEAD")
    assert (status, body) == (200, b"") and int(headers["Content-Length"]) > 1000
    status, headers, _ = http(f"{base_url}/sparql", method="OPTIONS")
    assert (status, headers["Allow"]) == (204, "GET, HEAD, POST")


def test_the_server_does_not_start_without_a_store_or_a_port(tmp_path: Path) -> None:
    with pytest.raises(ServeError, match="run `aqkg build` first"):
        make_server(tmp_path / "missing", port=0, workers=1, queries_folder=tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ServeError, match=f"cannot listen on 127.0.0.1:{port}"):
            make_server(tmp_path / "missing", port=port, queries_folder=tmp_path)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not on PATH")
def test_curl(base_url: str) -> None:
    completed = subprocess.run(
        [
            "curl",
            "-sS",
            "--fail",
            "-H",
            "Accept: text/csv",
            f"{base_url}/api/widgets?colour=blue&minSize=110",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    assert completed.stdout.splitlines()[0] == "widget,size,colour,minSize,maker"
    assert len(completed.stdout.splitlines()) == 1 + 4  # sizes 110, 113, 116 and 119


def test_the_server_sends_small_answers_without_nagle_delay(server: QueryServer) -> None:
    """TCP_NODELAY on the listening socket (inherited by each connection on Linux): without
    it, a small answer's body waited for the client's delayed ACK of its head, 40 ms a request
    on a kept-alive connection (benchmarks: 0.59x oxigraph's requests per second)."""
    assert server.socket.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
