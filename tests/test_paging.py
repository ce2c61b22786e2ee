"""Listing queries served a page at a time (aqkg.sparql.paging): the text rewrites and their
rules, every paged catalogue query's pages against its whole answer, and the page in
`aqkg query`, the REST API and the explorer's SPARQL page."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from aqkg.cli.main import main
from aqkg.explore.sparql import SparqlResult, page_number, run_sparql
from aqkg.sparql.catalogue import (
    NamedQuery,
    bind_params,
    catalogue,
    every_row,
    read_query,
    run,
    run_page,
)
from aqkg.sparql.paging import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    Page,
    PagingError,
    count_text,
    page_text,
)
from aqkg.store.embedded import EmbeddedStore
from aqkg.web.server import QueryServer

pytest_plugins = ["served_store"]

PAGED = [query for query in catalogue().values() if query.paged]
# the listing query the interface tests page through (hundreds of rows in the shipped data)
LISTING = "mappings"

NESTED = """PREFIX ex: <http://example.org/>
SELECT ?x ?n WHERE {
  { SELECT ?x WHERE { ?x a ?t . { SELECT ?t WHERE { ?t ?p ?o } ORDER BY ?t LIMIT 3 } }
    ORDER BY ?x LIMIT 100 }
  OPTIONAL { ?x ex:n ?n }
} ORDER BY ?x"""


# -- the text -------------------------------------------------------------------------------


def test_a_page_is_written_where_the_query_writes_its_limit() -> None:
    with_inner = NESTED.replace(" LIMIT 3", "")
    assert "ORDER BY ?x LIMIT 5 OFFSET 10 }" in page_text(with_inner, Page(5, 10))
    assert "ORDER BY ?x OFFSET 10 }" in page_text(with_inner, Page(None, 10))
    assert page_text(with_inner, Page()).count("LIMIT 100 OFFSET 0") == 1


def test_the_count_is_of_the_page_block_without_its_order() -> None:
    text = count_text(NESTED.replace(" LIMIT 3", ""))
    assert text.startswith("PREFIX ex: <http://example.org/>\nSELECT (COUNT(*) AS ?total) WHERE")
    assert "ORDER BY ?t" in text  # the nested subquery keeps its own order
    assert "ORDER BY ?x" not in text and "LIMIT" not in text and "?n" not in text


def test_a_page_block_may_be_the_outer_query() -> None:
    query = 'SELECT ?x WHERE { ?x ?p "LIMIT 5" } # LIMIT 7 in a comment\nORDER BY ?x LIMIT 100'
    assert page_text(query, Page(2, 4)).endswith("ORDER BY ?x LIMIT 2 OFFSET 4")
    counted = count_text(query)
    assert '"LIMIT 5"' in counted and "ORDER" not in counted
    store = EmbeddedStore.in_memory()
    assert run(store, counted, {}).rows[0][0].value == "0"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("SELECT ?x WHERE { ?x ?p ?o } ORDER BY ?x", "exactly one LIMIT"),
        (NESTED, "exactly one LIMIT"),  # the nested LIMIT 3 makes two
        ("SELECT ?x WHERE { ?x ?p ?o } ORDER BY ?x LIMIT 50", "written `LIMIT 100`"),
        ("SELECT ?x WHERE { ?x ?p ?o } ORDER BY ?x LIMIT 100 OFFSET 3", "writes no OFFSET"),
    ],
)
def test_a_paged_query_breaking_the_rules_is_named(query: str, message: str) -> None:
    with pytest.raises(PagingError, match=message):
        count_text(query)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("#+ paged: maybe\n", "write `#\\+ paged: yes`"),
        ("#+ paged: yes\n#+ params: offset (xsd:integer, optional)\n", "no parameter 'offset'"),
        ("#+ paged: yes\n", "exactly one LIMIT"),
    ],
)
def test_the_catalogue_refuses_a_broken_paged_query(
    tmp_path: Path, header: str, message: str
) -> None:
    path = tmp_path / "listing.rq"
    path.write_text(header + "SELECT ?x WHERE { ?x ?p ?o } ORDER BY ?x\n", encoding="utf-8")
    with pytest.raises(ValueError, match=f"listing.rq: .*{message}"):
        read_query(path)


def test_pages_have_a_size_and_an_offset_within_bounds() -> None:
    assert Page(1).size == 1
    with pytest.raises(ValueError, match="at least one row"):
        Page(0)
    with pytest.raises(ValueError, match="0 or more"):
        Page(10, -1)
    page = Page(10, 20)
    assert page.next(30) is None  # rows 21-30 are the last
    assert page.next(31) == Page(10, 30)
    assert page.previous() == Page(10, 10)
    assert Page(10, 5).previous() == Page(10, 0)
    assert Page(10, 0).previous() is None
    assert Page(None, 0).next(10**6) is None


# -- every paged query of the catalogue ---------------------------------------------------------


def test_the_listing_queries_are_paged() -> None:
    assert LISTING in {query.name for query in PAGED}


@pytest.fixture(scope="module")
def shipped(shipped_store: Path) -> EmbeddedStore:
    return EmbeddedStore.open(shipped_store)


@pytest.mark.parametrize("query", PAGED, ids=lambda query: query.name)
def test_the_pages_of_a_listing_query_add_up_to_its_answer(
    shipped: EmbeddedStore, query: NamedQuery
) -> None:
    bindings = bind_params(query, {})
    everything = run(shipped, every_row(query), bindings).rows
    first = run_page(shipped, query, bindings, Page())
    assert first.total == len(everything)
    assert first.result.rows == everything[:DEFAULT_PAGE_SIZE]
    assert run(shipped, query.text, bindings).rows == first.result.rows  # as written: page 1
    size = max(1, len(everything) // 3 + 1)  # three pages, the last one short
    pages, page = [], Page(size)
    while True:
        served = run_page(shipped, query, bindings, page)
        assert served.total == len(everything)
        pages += served.result.rows
        following = page.next(served.total)
        if following is None:
            break
        page = following
    assert pages == everything


# -- aqkg query --------------------------------------------------------------------------------


def cli(capsys: pytest.CaptureFixture[str], store: Path, *args: str) -> tuple[int, str, str]:
    code = main(["query", LISTING, "--store", str(store), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_aqkg_query_pages_a_listing_query(
    capsys: pytest.CaptureFixture[str], shipped_store: Path, shipped: EmbeddedStore
) -> None:
    total = run_page(shipped, catalogue()[LISTING], {}, Page()).total
    assert total > 10
    code, out, _ = cli(capsys, shipped_store, "--limit", "4", "--offset", "4")
    assert code == 0
    assert "(4 rows)" in out
    assert f"note: rows 5-8 of {total:,}; --offset 8 for the next page" in out
    code, out, _ = cli(capsys, shipped_store, "--limit", "4", "--offset", str(total - 4))
    assert f"note: rows {total - 3:,}-{total:,} of {total:,}\n" in out  # the last page
    code, out, err = cli(capsys, shipped_store, "--limit", "all", "--format", "tsv")
    assert len(out.splitlines()) == total + 1 and not err  # every row, no note
    code, out, err = cli(capsys, shipped_store, "--limit", "3", "--format", "csv")
    assert len(out.splitlines()) == 4  # the rows stay parseable; the note is on stderr
    assert err.startswith(f"note: rows 1-3 of {total:,}")
    code, out, _ = cli(capsys, shipped_store, "--offset", str(total))
    assert f"note: no rows after row {total:,}: the query has {total:,}" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--limit", "0"], "--limit 0: give a number of rows above 0, or `all`"),
        (["--limit", "ten"], "--limit ten: give a number of rows above 0, or `all`"),
        (["--offset", "-1"], "--offset -1: give the number of rows to skip, 0 or more"),
    ],
)
def test_aqkg_query_refuses_a_page_it_cannot_serve(
    capsys: pytest.CaptureFixture[str], shipped_store: Path, args: list[str], message: str
) -> None:
    code, _, err = cli(capsys, shipped_store, *args)
    assert code == 2
    assert err == f"aqkg: error: {message}\n"


def test_aqkg_query_pages_only_listing_queries(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "--memory", "frameworks", "--limit", "3"]) == 2
    assert "query frameworks is not one (write LIMIT" in capsys.readouterr().err
    assert main(["query", "--memory", "-e", "SELECT * {}", "--offset", "3"]) == 2
    assert "an ad-hoc query is not one" in capsys.readouterr().err


# -- the REST API ------------------------------------------------------------------------------


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_the_api_serves_a_page_with_its_total_and_links(
    shipped_server: QueryServer, shipped: EmbeddedStore
) -> None:
    total = run_page(shipped, catalogue()[LISTING], {}, Page()).total
    status, headers, body = get(f"{shipped_server.url}/api/{LISTING}?limit=2&offset=2")
    assert status == 200
    assert len(json.loads(body)["results"]["bindings"]) == 2
    assert headers["AQKG-Total-Count"] == str(total)
    assert headers["Link"] == (
        f'<{shipped_server.url}/api/{LISTING}?limit=2&offset=0>; rel="prev", '
        f'<{shipped_server.url}/api/{LISTING}?limit=2&offset=4>; rel="next"'
    )
    status, headers, body = get(f"{shipped_server.url}/api/{LISTING}")
    rows = json.loads(body)["results"]["bindings"]
    assert len(rows) == min(total, DEFAULT_PAGE_SIZE)
    assert 'rel="prev"' not in headers.get("Link", "")
    status, headers, _ = get(f"{shipped_server.url}/api/{LISTING}?limit=5&offset={total - 5}")
    assert status == 200 and "Link" in headers and 'rel="next"' not in headers["Link"]


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        (f"limit={MAX_PAGE_SIZE}", 200, None),
        (
            f"limit={MAX_PAGE_SIZE + 1}",
            400,
            f"limit={MAX_PAGE_SIZE + 1}: give 1 to 1000 rows a page",
        ),
        ("limit=0", 400, "limit=0: give 1 to 1000 rows a page"),
        ("limit=1", 200, None),
        ("offset=-1", 400, "offset='-1': give a whole number"),
        ("limit=ten", 400, "limit='ten': give a whole number"),
    ],
)
def test_the_api_refuses_a_page_out_of_bounds(
    shipped_server: QueryServer, query: str, status: int, message: str | None
) -> None:
    code, _, body = get(f"{shipped_server.url}/api/{LISTING}?{query}")
    assert code == status
    if message:
        assert json.loads(body)["error"] == message


def test_a_query_that_is_not_paged_takes_no_page(shipped_server: QueryServer) -> None:
    code, headers, body = get(f"{shipped_server.url}/api/frameworks?limit=5")
    assert code == 400
    assert "has no parameter 'limit'" in json.loads(body)["error"]
    code, headers, _ = get(f"{shipped_server.url}/api/frameworks")
    assert code == 200 and "AQKG-Total-Count" not in headers


def test_openapi_describes_the_page(shipped_server: QueryServer) -> None:
    _, _, body = get(f"{shipped_server.url}/openapi.json")
    paths = json.loads(body)["paths"]
    listing = paths[f"/api/{LISTING}"]["get"]
    limit = next(p for p in listing["parameters"] if p["name"] == "limit")
    assert limit["schema"]["maximum"] == MAX_PAGE_SIZE
    assert "AQKG-Total-Count" in listing["responses"]["200"]["headers"]
    names = {p["name"] for p in paths["/api/frameworks"]["get"]["parameters"]}
    assert "limit" not in names and "offset" not in names


# -- the explorer ------------------------------------------------------------------------------


def test_the_explorer_shows_a_page_and_says_which(
    shipped_store: Path, shipped: EmbeddedStore
) -> None:
    query = catalogue()[LISTING]
    total = run_page(shipped, query, {}, Page()).total
    second = run_sparql(shipped_store, query.text, {}, query, page=page_number(2))
    assert second.page == Page(DEFAULT_PAGE_SIZE, DEFAULT_PAGE_SIZE)
    assert second.total == total
    assert total > DEFAULT_PAGE_SIZE  # the shipped mapping records fill more than a page
    pages = -(-total // DEFAULT_PAGE_SIZE)
    last = min(total, 2 * DEFAULT_PAGE_SIZE)
    assert second.page_caption() == f"Rows 101-{last} of {total:,} (page 2 of {pages})"
    past = run_sparql(shipped_store, query.text, {}, query, page=page_number(pages + 1))
    assert past.page_caption() == f"No rows on this page: the query has {total:,}"
    edited = run_sparql(shipped_store, query.text + "\n", {}, query)  # the user's own text
    assert edited.page is None and edited.page_caption() is None


def test_a_page_caption_counts_pages() -> None:
    rows = tuple(("x",) for _ in range(3))
    result = SparqlResult("select", ("x",), rows, page=Page(3, 6), total=9)
    assert result.page_caption() == "Rows 7-9 of 9 (page 3 of 3)"
    assert SparqlResult("select", ("x",), rows, page=Page(3, 6), total=10).page_caption() == (
        "Rows 7-9 of 10 (page 3 of 4)"
    )
