"""The dataset a query reads (SPARQL 1.1 Query 13.2, Protocol 2.1.4) and its base IRI, on the
embedded store; test_endpoint_store checks that Virtuoso gives the same rows."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from aqkg.store.embedded import EmbeddedStore, StoreError
from aqkg.syntax.dataset import (
    DEFAULT_BASE_IRI,
    UNION,
    Dataset,
    DatasetError,
    declares_base,
    protocol_dataset,
    query_dataset,
    without_dataset_clause,
)

A, B, C = (f"https://example.org/graph/{name}" for name in "abc")
COUNT = "SELECT (COUNT(*) AS ?n) {from_} WHERE {{ ?s ?p ?o }}"
PER_GRAPH = "SELECT ?g (COUNT(*) AS ?n) {from_} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} GROUP BY ?g"


@pytest.fixture(scope="module")
def store() -> EmbeddedStore:
    """Graph a holds 2 triples, b 1 and c 3."""
    store = EmbeddedStore.in_memory()
    for graph, size in ((A, 2), (B, 1), (C, 3)):
        triples = [
            ox.Triple(ox.NamedNode(f"{graph}/s{i}"), ox.NamedNode("urn:p"), ox.Literal(str(i)))
            for i in range(size)
        ]
        store.add_triples(graph, triples)
    return store


def count(store: EmbeddedStore, query: str, dataset: Dataset | None = None) -> int:
    [[n]] = store.select(query, dataset=dataset).rows
    assert isinstance(n, ox.Literal)
    return int(n.value)


def per_graph(store: EmbeddedStore, query: str, dataset: Dataset | None = None) -> dict[str, int]:
    rows = store.select(query, dataset=dataset).rows
    return {g.value: int(n.value) for g, n in rows if g is not None and n is not None}


@pytest.mark.parametrize(
    ("from_", "default_size", "named"),
    [
        ("", 6, {A: 2, B: 1, C: 3}),  # no dataset: the union, and every graph named
        (f"FROM <{B}>", 1, {}),  # FROM alone: no named graphs
        (f"FROM <{A}> FROM <{B}>", 3, {}),
        (f"FROM NAMED <{C}>", 0, {C: 3}),  # FROM NAMED alone: an empty default graph
        (f"FROM <{A}> FROM NAMED <{B}> FROM NAMED <{C}>", 2, {B: 1, C: 3}),
        ("FROM <https://example.org/graph/none>", 0, {}),
        ("FROM <graph/b>", 0, {}),  # relative to the CLI's base, not example.org
    ],
)
def test_the_query_dataset_clause_is_honoured(
    store: EmbeddedStore, from_: str, default_size: int, named: dict[str, int]
) -> None:
    assert count(store, COUNT.format(from_=from_)) == default_size
    assert per_graph(store, PER_GRAPH.format(from_=from_)) == named


@pytest.mark.parametrize(
    ("dataset", "default_size", "named"),
    [
        (Dataset((A,), ()), 2, {}),
        (Dataset((), (B,)), 0, {B: 1}),
        (Dataset((A, C), (B,)), 5, {B: 1}),
    ],
)
def test_a_protocol_dataset_replaces_the_whole_query_dataset(
    store: EmbeddedStore, dataset: Dataset, default_size: int, named: dict[str, int]
) -> None:
    from_ = f"FROM <{B}> FROM NAMED <{A}> FROM NAMED <{C}>"
    assert count(store, COUNT.format(from_=from_), dataset) == default_size
    assert per_graph(store, PER_GRAPH.format(from_=from_), dataset) == named


def test_prefixed_names_relative_iris_and_base_declarations_name_graphs() -> None:
    query = (
        "BASE <https://example.org/other/> PREFIX g: <../graph/> "
        r"SELECT * FROM g:a FROM <../graph/b> FROM NAMED g:c\/d {}"
    )
    assert query_dataset(query, DEFAULT_BASE_IRI) == Dataset((A, B), (C + "/d",))
    assert query_dataset("SELECT * FROM <graph/x> {}", "https://w3id.org/aqkg/") == Dataset(
        ("https://w3id.org/aqkg/graph/x",), ()
    )
    # the letters "from" elsewhere, or a query rdflib cannot read (SPARQL 1.2) without FROM
    for no_clause in (
        "SELECT ?from WHERE { ?from <urn:from> 'from' } # from",
        "SELECT * WHERE { ?s ?p <<( ?a ?b ?c )>> } # taken from elsewhere",
    ):
        assert query_dataset(no_clause, DEFAULT_BASE_IRI) is None
    assert protocol_dataset([], []) is None
    assert protocol_dataset([A], []) == Dataset((A,), ())
    assert Dataset(None, None) == UNION


@pytest.mark.parametrize(
    ("query", "error", "message"),
    [
        ("SELECT * FROM ex:a {}", DatasetError, "prefix is not declared"),
        ("SELECT * FROM <http://a b> {}", SyntaxError, "error at 1:"),
        ("SELEC * FROM <urn:a> {}", SyntaxError, "error at 1:"),
        # pyoxigraph reads this, rdflib does not: refused, never run over the union
        ("ASKFROM<urn:a>{}", DatasetError, "cannot read the FROM clauses"),
    ],
)
def test_a_dataset_clause_that_cannot_be_read_is_an_error(
    query: str, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        query_dataset(query, DEFAULT_BASE_IRI)


def test_the_store_reports_unreadable_clauses_in_one_line(store: EmbeddedStore) -> None:
    with pytest.raises(StoreError, match=r"^cannot read the FROM clauses"):
        store.raw_query("ASKFROM<urn:a>{}")
    with pytest.raises(StoreError, match=r"^SPARQL syntax error"):
        store.select("SELECT * FROM <urn:a> WHERE {")


def test_relative_iris_resolve_against_the_base(store: EmbeddedStore) -> None:
    result = store.raw_query("CONSTRUCT { <s> <p> 1 } WHERE {}", base_iri="http://host/sparql")
    assert [t.subject for t in result] == [ox.NamedNode("http://host/s")]
    [[iri]] = store.select("SELECT (<id/country/LA> AS ?x) {}").rows
    assert iri == ox.NamedNode("https://w3id.org/aqkg/id/country/LA")
    query = "BASE <https://example.org/dir/> SELECT (<y> AS ?x) {}"
    [[own]] = store.select(query, base_iri="http://h/").rows
    assert own == ox.NamedNode("https://example.org/dir/y")
    assert declares_base("base <urn:x:> SELECT * {}")
    assert declares_base("PREFIX a: <urn:a>BASE<urn:b/>SELECT * {}")
    assert not declares_base("PREFIX ex: <urn:> SELECT ?base { ?base ex:base 'base' } # base")


@pytest.mark.parametrize(
    ("query", "clauses"),
    [
        ("SELECT * {}", []),
        (
            "PREFIX from: <urn:f:> SELECT ?from\nFROM from:x FROM NAMED <urn:y> # FROM <urn:z>\n{}",
            ["FROM from:x", "FROM NAMED <urn:y>"],
        ),
        (
            "select * from named <urn:a>from<urn:b> where { ?s ?p 'FROM <urn:c>' }",
            ["from named <urn:a>", "from<urn:b>"],
        ),
    ],
)
def test_without_dataset_clause_takes_out_only_the_clauses(query: str, clauses: list[str]) -> None:
    expected = query
    for clause in clauses:
        expected = expected.replace(clause, " " * len(clause), 1)
    assert without_dataset_clause(query, DEFAULT_BASE_IRI) == expected


def test_without_dataset_clause_refuses_what_it_cannot_take_out() -> None:
    # The clause's IRI is written with an escape the text scanner does not read as an IRI.
    with pytest.raises(DatasetError, match="cannot take the FROM clauses out"):
        without_dataset_clause(r"SELECT * FROM <urn:\u0061> {}", DEFAULT_BASE_IRI)


@pytest.mark.parametrize(
    ("query", "parsed"),
    [
        ("PREFIX a: <urn:a#> SELECT ?x WHERE { ?x a:mobilityFrom ?y }", False),
        ('SELECT ?fromCountry WHERE { ?x ?p "from" } # FROM in a comment', False),
        ("SELECT ?x FROM <urn:g> WHERE { ?x ?p ?o }", True),
        ("select ?x from<urn:g> where { ?x ?p ?o }", True),
        ("SELECT ?x \\u0046ROM <urn:g> WHERE { ?x ?p ?o }", True),
    ],
)
def test_only_a_from_keyword_costs_a_parse(
    monkeypatch: pytest.MonkeyPatch, query: str, parsed: bool
) -> None:
    """rdflib's parse (about 100 ms on a catalogue query) runs only when the keyword FROM is in
    the query's code: not for a prefixed name, a variable, a string or a comment holding it."""
    from aqkg.syntax import dataset

    calls: list[str] = []
    real = dataset._parse
    monkeypatch.setattr(dataset, "_parse", lambda *a: calls.append(a[0]) or real(*a))
    dataset._read_dataset.cache_clear()
    found = query_dataset(query, "https://w3id.org/aqkg/")
    assert bool(calls) == parsed
    assert (found is not None) == parsed
