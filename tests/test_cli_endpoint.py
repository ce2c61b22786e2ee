"""The command line against a real Virtuoso: `--endpoint URL` builds, queries, recognises and
serves exactly as the embedded store does; credentials come from the environment only."""

from __future__ import annotations

import csv
import io
import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from aqkg.cli.main import main
from aqkg.sparql.catalogue import catalogue
from aqkg.store.embedded import EmbeddedStore
from aqkg.store.endpoint import EndpointStore
from aqkg.store.virtuoso import LocalVirtuoso
from aqkg.web.server import ServeError, make_server

pytest_plugins = ["virtuoso_fixture"]


@pytest.fixture
def endpoint(virtuoso: LocalVirtuoso, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("AQKG_ENDPOINT_USER", virtuoso.user)
    monkeypatch.setenv("AQKG_ENDPOINT_PASSWORD", virtuoso.password)
    return virtuoso.sparql_url


def test_build_query_recognise_through_the_endpoint(
    endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["build", "--endpoint", endpoint]) == 0
    assert f"written to {endpoint}" in capsys.readouterr().out

    assert main(["query", "referencing-status", "--endpoint", endpoint, "--format", "csv"]) == 0
    on_endpoint = capsys.readouterr().out
    assert main(["query", "referencing-status", "--memory", "--format", "csv"]) == 0
    assert sorted(on_endpoint.splitlines()) == sorted(capsys.readouterr().out.splitlines())

    args = ["recognise", "TH/DSD-BEW-L1", "--to", "KH", "--format", "json"]
    assert main([*args, "--endpoint", endpoint]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["candidates"][0]["qualification"]["iri"].endswith("/KH/ILLUS-BEW")

    # every query form, with and without a time limit, as on the embedded store; no PREFIX
    # lines (the project's are predeclared)
    la = "<https://w3id.org/aqkg/id/country/LA>"
    for query, fmt in [
        (f"ASK {{ {la} a aqkg:MemberState }}", "json"),
        (f"CONSTRUCT {{ {la} skos:prefLabel ?l }} WHERE {{ {la} skos:prefLabel ?l }}", "ntriples"),
    ]:
        outputs = []
        for where in (["--endpoint", endpoint], ["--endpoint", endpoint, "--timeout", "30"]):
            assert main(["query", "-e", query, "--format", fmt, *where]) == 0
            outputs.append(sorted(capsys.readouterr().out.splitlines()))
        assert main(["query", "-e", query, "--format", fmt, "--memory"]) == 0
        outputs.append(sorted(capsys.readouterr().out.splitlines()))
        assert outputs[0] == outputs[1] == outputs[2] and outputs[0], query

    everywhere = ["recognise", "TH/DSD-BEW-L1", "--to", "all", "--format", "json"]
    assert main([*everywhere, "--endpoint", endpoint]) == 0
    destinations = json.loads(capsys.readouterr().out)["destinations"]
    assert destinations[0]["country"] == "KH" and len(destinations) == 10


def test_writing_without_credentials_is_one_line(
    virtuoso: LocalVirtuoso, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("AQKG_ENDPOINT_USER", raising=False)
    monkeypatch.delenv("AQKG_ENDPOINT_PASSWORD", raising=False)
    assert main(["build", "--endpoint", virtuoso.sparql_url]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "AQKG_ENDPOINT_USER" in err


# -- aqkg serve --endpoint -----------------------------------------------------------------------

QUALIFICATIONS = (
    "PREFIX aqkg: <https://w3id.org/aqkg/ontology#> "
    "SELECT (COUNT(?q) AS ?n) WHERE { ?q a aqkg:Qualification }"
)


@pytest.fixture(scope="module")
def served(both_stores: tuple[EmbeddedStore, EndpointStore]) -> Iterator[str]:
    """`aqkg serve --endpoint` in this process, over the shipped data loaded in Virtuoso."""
    _, endpoint = both_stores
    server = make_server(
        Path("/nonexistent-store"),  # never opened: every answer comes from the endpoint
        port=0,
        timeout_seconds=10.0,
        max_result_rows=500,
        workers=2,
        quiet=True,
        endpoint=endpoint.query_url,
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.url
    server.shutdown()
    server.server_close()


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _sparql(base: str, query: str, format_name: str = "json") -> tuple[int, bytes]:
    return _get(f"{base}/sparql?query={urllib.parse.quote(query)}&format={format_name}")


def test_serve_answers_from_the_endpoint_as_from_the_embedded_store(
    served: str, both_stores: tuple[EmbeddedStore, EndpointStore]
) -> None:
    embedded, _ = both_stores
    status, body = _sparql(served, QUALIFICATIONS)
    assert status == 200
    [row] = json.loads(body)["results"]["bindings"]
    assert int(row["n"]["value"]) == int(str(embedded.select(QUALIFICATIONS).rows[0][0].value))
    assert json.loads(_sparql(served, "ASK { ?s a ?type }")[1])["boolean"] is True

    status, body = _get(f"{served}/api/referencing-status?format=csv")
    assert status == 200
    expected = embedded.select(catalogue()["referencing-status"].text)
    assert len(list(csv.reader(io.StringIO(body.decode())))) == len(expected.rows) + 1

    graph = "https://w3id.org/aqkg/graph/data/vocab/member-states"
    construct = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    status, body = _sparql(served, construct, "ntriples")
    assert status == 200
    served_triples = list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES))
    assert len(served_triples) == embedded.triple_counts()[graph]


@pytest.mark.parametrize(
    ("query", "status", "words"),
    [
        ("INSERT DATA { GRAPH <urn:x:g> { <urn:x:a> <urn:x:b> <urn:x:c> } }", 403, "read-only"),
        ("SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }", 403, "SERVICE"),
        ("SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }", 403, "file:"),
        ("SELECT (bif:file_to_string('/etc/passwd') AS ?x) WHERE {}", 403, "bif:"),
        ("SELECT (<bif:http_get>('http://127.0.0.1:1/') AS ?x) WHERE {}", 403, "bif:"),
        (
            'DEFINE get:soft "replace" SELECT * FROM <http://127.0.0.1:1/> { ?s ?p ?o }',
            400,
            "syntax",
        ),
    ],
)
def test_serve_over_the_endpoint_stays_read_only_and_standard(
    served: str, query: str, status: int, words: str
) -> None:
    answer, body = _sparql(served, query)
    assert answer == status and words in body.decode() and body.count(b"\n") == 1
    assert json.loads(_sparql(served, "ASK { <urn:x:a> ?p ?o }")[1])["boolean"] is False


def test_serve_without_an_answering_endpoint_does_not_start() -> None:
    with pytest.raises(ServeError, match="does not answer"):
        make_server(Path("/nonexistent"), port=0, workers=1, endpoint="http://127.0.0.1:9/sparql")
