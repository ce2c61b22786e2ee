"""The linked-data routes of `aqkg serve`, driven over HTTP on the shipped data: the page of
every minted IRI in HTML, Turtle, JSON-LD and N-Triples (by Accept and by extension, parsed
back into the statements the store holds), the published JSON-LD context, the ontology's
documentation, the downloads, CORS headers, and fair use (429 with Retry-After) under load."""

from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pyoxigraph as ox
import pytest

from aqkg.exports.records import read_record
from aqkg.store.embedded import EmbeddedStore
from aqkg.web.server import FairUse, QueryServer, make_server

pytest_plugins = ["served_store"]

ID = "https://w3id.org/aqkg/id/"
QUALIFICATION = "qualification/PH/TRAVEL-SERVICES-NC-II"
DOTTED_UNIT = "unit/ASEAN/D1.HBS.CL5.17"  # a code with dots: not an extension
EXPLORER = "http://127.0.0.1:8501"
ORIGIN = "https://sparql-client.example.org"
SLOW_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
FORMATS = {
    "text/turtle": ("ttl", ox.RdfFormat.TURTLE),
    "application/n-triples": ("nt", ox.RdfFormat.N_TRIPLES),
    "application/ld+json": ("jsonld", ox.RdfFormat.JSON_LD),
}


@pytest.fixture(scope="module")
def server(shipped_store: Path) -> Iterator[QueryServer]:
    """The shipped store, with an explorer to link to and one CORS origin."""
    with running(
        shipped_store, explorer_url=EXPLORER, cors_origins=(ORIGIN,), workers=1
    ) as started:
        yield started


def running(store: Path, **options: object) -> Iterator[QueryServer]:
    return _Running(store, options)  # type: ignore[return-value]


class _Running:
    def __init__(self, store: Path, options: dict[str, object]) -> None:
        self.server = make_server(store, port=0, quiet=True, **options)  # type: ignore[arg-type]

    def __enter__(self) -> QueryServer:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self.server

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def get(
    url: str, headers: dict[str, str] | None = None, method: str = "GET"
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


class Page(HTMLParser):
    """What a test reads of an HTML page: title, h1, links (href -> text), element ids."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.title = self.h1 = ""
        self.links: dict[str, str] = {}
        self.ids: set[str] = set()
        self.text: list[str] = []
        self._in: list[str] = []
        self._href: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in.append(tag)
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(str(found["id"]))
        if tag == "a":
            self._href = found.get("href")
            if self._href is not None:
                self.links.setdefault(self._href, "")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._in:
            while self._in.pop() != tag:
                pass
        if tag == "a":
            self._href = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if "title" in self._in:
            self.title += data
        if "h1" in self._in:
            self.h1 += data
        if self._href is not None:
            self.links[self._href] += data


def held(store: Path, iri: str) -> set[ox.Triple]:
    record = read_record(EmbeddedStore.open(store), iri)
    assert record is not None
    return set(record.triples())


# -- record pages ---------------------------------------------------------------------------------


def test_a_browser_gets_the_record_page(server: QueryServer) -> None:
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    status, headers, body = get(f"{server.url}/id/{QUALIFICATION}", {"Accept": accept})
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert headers["Content-Location"] == f"/id/{QUALIFICATION}.html"
    assert "Accept" in headers["Vary"]
    page = Page(body.decode("utf-8"))
    assert page.h1 == "Travel Services NC II" and "Travel Services NC II" in page.title
    text = " ".join(page.text)
    assert "Curation status" in text and "unverified" in text
    # every property by its label, linked records by theirs, sources, and the way on
    assert page.links["/id/level/PH/PQF-2"]
    assert page.links["/ontology#hasLevel"] == "has level"
    assert any(href.startswith("/id/source/tesda-") for href in page.links)
    reference = QUALIFICATION.removeprefix("qualification/")
    recognise = "/api/recognise?" + urllib.parse.urlencode(
        {"qualification": reference, "to": "all"}
    )
    assert recognise in page.links
    explorer = f"{EXPLORER}/qualifications?" + urllib.parse.urlencode({"qualification": reference})
    assert explorer in page.links
    assert f"/id/{QUALIFICATION}.ttl" in page.links


@pytest.mark.parametrize("media", list(FORMATS))
def test_the_data_by_accept_and_by_extension_is_what_the_store_holds(
    server: QueryServer, shipped_store: Path, media: str
) -> None:
    extension, rdf_format = FORMATS[media]
    _, _, context = get(f"{server.url}/context.jsonld")
    for path in (QUALIFICATION, DOTTED_UNIT):
        expected = held(shipped_store, ID + path)
        by_accept = get(f"{server.url}/id/{path}", {"Accept": media})
        by_extension = get(f"{server.url}/id/{path}.{extension}")
        for status, headers, body in (by_accept, by_extension):
            assert status == 200 and headers["Content-Type"].startswith(media)
            if rdf_format == ox.RdfFormat.JSON_LD:  # its @context is the published one
                document = json.loads(body)
                assert document["@context"] == "/context.jsonld"
                document["@context"] = json.loads(context)["@context"]
                body = json.dumps(document).encode()
            assert {q.triple for q in ox.parse(body, format=rdf_format)} == expected
        assert by_accept[1]["Content-Location"] == f"/id/{path}.{extension}"
        assert "Content-Location" not in by_extension[1]


def test_unknown_records_are_404_and_unknown_formats_406(server: QueryServer) -> None:
    for path in ("qualification/PH/NO-SUCH-THING", "qualification/PH/NO-SUCH-THING.ttl", "x y"):
        status, _, body = get(f"{server.url}/id/{urllib.parse.quote(path)}")
        assert status == 404 and b"no record" in body and len(body.splitlines()) == 1
    status, _, body = get(f"{server.url}/id/{QUALIFICATION}", {"Accept": "image/png"})
    assert status == 406 and len(body.splitlines()) == 1
    status, headers, body = get(f"{server.url}/id/{QUALIFICATION}", method="HEAD")
    assert (status, body) == (200, b"") and int(headers["Content-Length"]) > 1000
    assert get(f"{server.url}/id/{QUALIFICATION}", method="POST")[0] == 405


def test_the_ontology_is_documented_at_its_anchors(server: QueryServer) -> None:
    status, headers, body = get(f"{server.url}/ontology")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    page = Page(body.decode("utf-8"))
    assert {"Qualification", "requiresUnit", "MappingRecord", "ExactMatch"} <= page.ids


def test_the_downloads_are_listed_with_size_and_date_and_served(
    server: QueryServer, shipped_store: Path
) -> None:
    status, _, body = get(f"{server.url}/downloads")
    assert status == 200
    page = Page(body.decode("utf-8"))
    files = {href.rsplit("/", 1)[1]: href for href in page.links if href.startswith("/downloads/")}
    assert set(files) >= {"aqkg-mappings.sssom.tsv", "aqkg.nq", "aqkg.ttl", "aqkg.jsonld"}
    assert "made (UTC)" in " ".join(page.text)
    status, headers, nquads = get(server.url + files["aqkg.nq"])
    assert status == 200 and headers["Content-Type"] == "application/n-quads"
    quads = set(EmbeddedStore.open(shipped_store).oxigraph.quads_for_pattern(None, None, None))
    assert set(ox.parse(nquads, format=ox.RdfFormat.N_QUADS)) == quads
    status, _, sssom = get(server.url + files["aqkg-mappings.sssom.tsv"])
    assert status == 200 and sssom.startswith(b"# curie_map:")
    assert get(f"{server.url}/downloads/nothing.txt")[0] == 404
    assert get(f"{server.url}/downloads/..%2Fstore%2FCURRENT")[0] == 404


# -- CORS -----------------------------------------------------------------------------------------


def test_cors_for_the_configured_origin_only(
    server: QueryServer, shipped_server: QueryServer
) -> None:
    query = f"{server.url}/sparql?query=" + urllib.parse.quote("ASK {}")
    status, headers, _ = get(query, {"Origin": ORIGIN})
    assert status == 200 and headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "AQKG-Note" in headers["Access-Control-Expose-Headers"]
    preflight = {
        "Origin": ORIGIN,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Content-Type",
    }
    status, headers, _ = get(f"{server.url}/sparql", preflight, method="OPTIONS")
    assert status == 200 and "POST" in headers["Access-Control-Allow-Methods"]
    status, headers, _ = get(query, {"Origin": "https://elsewhere.example.org"})
    assert status == 200 and "Access-Control-Allow-Origin" not in headers
    # none by default
    default = f"{shipped_server.url}/sparql?query=" + urllib.parse.quote("ASK {}")
    status, headers, _ = get(default, {"Origin": ORIGIN})
    assert status == 200 and "Access-Control-Allow-Origin" not in headers


# -- fair use -------------------------------------------------------------------------------------


def send_from(
    server: QueryServer, source: str, query: str, forwarded: str | None = None
) -> tuple[int, dict[str, str], float]:
    """POST a query from the loopback address `source` (127.0.0.0/8 is all this machine)."""
    host, port = server.server_address
    connection = http.client.HTTPConnection(host, port, timeout=60, source_address=(source, 0))
    headers = {"Content-Type": "application/sparql-query"}
    if forwarded:
        headers["X-Forwarded-For"] = forwarded
    started = time.perf_counter()
    try:
        connection.request("POST", "/sparql", query.encode(), headers)
        response = connection.getresponse()
        response.read()
        return response.status, dict(response.getheaders()), time.perf_counter() - started
    finally:
        connection.close()


def test_one_client_cannot_starve_another(shipped_store: Path) -> None:
    """Two workers, a 2 s limit: six slow queries sent at once by one client run one at a
    time (the others 429), so another client's quick query finds a free worker; past its
    query seconds for the minute the first client waits (429, Retry-After), the other does not.
    X-Forwarded-For counts only from the trusted proxy."""
    fair = FairUse(concurrent_queries=1, seconds_per_minute=3.0)
    with running(
        shipped_store, workers=2, timeout_seconds=2.0, fair_use=fair, trusted_proxies=("127.0.0.4",)
    ) as server:
        outcomes: list[tuple[int, dict[str, str], float]] = []

        def slow() -> None:
            outcomes.append(send_from(server, "127.0.0.2", SLOW_QUERY))

        threads = [threading.Thread(target=slow) for _ in range(6)]
        for thread in threads:
            thread.start()
        time.sleep(0.5)
        status, _, seconds = send_from(server, "127.0.0.3", "ASK {}")
        assert status == 200 and seconds < 1.0, seconds
        # a spoofed forwarded-for from an untrusted peer changes nothing
        spoofed = send_from(server, "127.0.0.2", "ASK {}", forwarded="198.51.100.9")
        assert spoofed[0] == 429
        # the trusted proxy's clients are told apart by the address it forwards
        assert send_from(server, "127.0.0.4", "ASK {}", forwarded="198.51.100.7")[0] == 200
        for thread in threads:
            thread.join()
        statuses = sorted(status for status, _, _ in outcomes)
        assert statuses == [429] * 5 + [503]  # one ran into the time limit, five were refused
        refused = [headers for status, headers, _ in outcomes if status == 429]
        assert all(h["Retry-After"] == "1" and "fair use" not in h for h in refused)
        # 2 s spent; one more slow query passes the 3 s budget, then the client must wait
        assert send_from(server, "127.0.0.2", SLOW_QUERY)[0] == 503
        status, headers, _ = send_from(server, "127.0.0.2", "ASK {}")
        assert status == 429 and 1 < int(headers["Retry-After"]) <= 60
        assert send_from(server, "127.0.0.3", "ASK {}")[0] == 200


def test_the_explorer_binds_loopback_unless_told_otherwise() -> None:
    """Streamlit's own default is every interface; `aqkg explore` asks for 127.0.0.1."""
    from aqkg import explore

    assert "--server.address=127.0.0.1" in explore.streamlit_command(8501)
    assert "--server.address=0.0.0.0" in explore.streamlit_command(8501, host="0.0.0.0")
