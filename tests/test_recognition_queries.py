"""The recognition engine's faster queries give what the slower ones gave (issue 7).

On a seeded synthetic graph (copies of the shipped qualifications, so each has many candidates
sharing occupations, RMCS units and levels): the rewritten `recognition-candidates` gives the
rows of the query as it was (tests/fixtures/recognition-candidates-before.rq), and the unit
coverage rows the engine derives from one read of the held qualification's paths are the rows
`unit-coverage` gives for each pair, in both directions. The answers themselves are compared with
the pre-rewrite engine in test_recognition_snapshot.py, and across backends below.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from test_recognition_snapshot import pairs

from aqkg.build.pipeline import build
from aqkg.build.synth import SYNTH_GRAPH, write
from aqkg.paths import GRAPH_BASE
from aqkg.recognition.candidates import Neighbourhood
from aqkg.recognition.engine import format_recognition, recognise
from aqkg.recognition.reader import Reader
from aqkg.sparql.binding import inline, with_rows
from aqkg.sparql.catalogue import bind_params, catalogue, read_query
from aqkg.store.backend import Store
from aqkg.store.embedded import EmbeddedStore, SelectResult
from aqkg.store.endpoint import EndpointStore
from aqkg.syntax.sparql_text import QueryTextError

pytest_plugins = ["virtuoso_fixture"]

BEFORE = Path(__file__).parent / "fixtures" / "recognition-candidates-before.rq"
Q = "https://w3id.org/aqkg/id/qualification/"


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> EmbeddedStore:
    """The shipped data grown to ~30k triples by renamed copies (seed 1), all in one family
    (sharing the real occupations and RMCS units): the densest sharing, most candidates."""
    path = tmp_path_factory.mktemp("synth") / "synth.nt"
    write(path, 30_000, seed=1, family_size=0)
    _, store = build(None)
    for graph in store.graph_names():
        if graph.startswith(GRAPH_BASE + "data/"):
            store.oxigraph.remove_graph(ox.NamedNode(graph))
    store.bulk_load_ntriples(path, SYNTH_GRAPH + "test")
    return store


def texts(result: SelectResult) -> tuple[list[str], list[list[str]]]:
    return result.variables, [["" if t is None else str(t) for t in row] for row in result.rows]


# -- inlining parameters -------------------------------------------------------------------------


def test_inline_writes_constants_and_keeps_the_projected_column() -> None:
    text = (
        'SELECT ?a ?q WHERE { ?q <http://x/p?q> "?q" . # ?q in a comment\n'
        " FILTER(?a != ?q) } ORDER BY ?q"
    )
    done = inline(text, {"q": ox.NamedNode("http://x/it")})
    assert done == (
        'SELECT ?a (<http://x/it> AS ?q) WHERE { <http://x/it> <http://x/p?q> "?q" . '
        "# ?q in a comment\n FILTER(?a != <http://x/it>) } ORDER BY ?q"
    )
    store = EmbeddedStore(ox.Store())
    assert store.select(done).variables == ["a", "q"]


def test_inline_reaches_subqueries_that_project_and_with_rows_refuses_bad_names() -> None:
    x = {"q": ox.Literal("x")}
    done = inline("SELECT ?q ?o WHERE { { SELECT ?q ?o WHERE { ?q ?p ?o } } }", x)
    assert done == 'SELECT ("x" AS ?q) ?o WHERE { { SELECT  ?o WHERE { "x" ?p ?o } } }'
    kept = inline("SELECT ?q WHERE { ?q ?p ?o { SELECT ?o WHERE { ?q ?p ?o } } }", x)
    assert kept.endswith('WHERE { "x" ?p ?o { SELECT ?o WHERE { ?q ?p ?o } } }')
    grouped = inline("SELECT ?q (COUNT(?o) AS ?n) WHERE { ?q ?p ?o } GROUP BY ?q", x)
    assert grouped.endswith('GROUP BY ("x") ')
    for text in (
        "SELECT ?q WHERE { { SELECT * WHERE { ?q ?p ?o } } }",
        "SELECT ?q WHERE { { SELECT ?q WHERE { ?q ?p ?o } } }",
    ):
        with pytest.raises(QueryTextError, match="subqueries"):
            inline(text, x)
    with pytest.raises(QueryTextError, match="variable name"):
        with_rows("SELECT ?q WHERE { ?q ?p ?o }", "q }", ["http://x/a"])


# -- same rows as before ---------------------------------------------------------------------------


def synthetic_pairs(store: Store) -> list[tuple[str, str]]:
    """Every fifth (qualification, other country) pair: each original and its copies."""
    return pairs(store)[::5]


def test_candidates_query_gives_the_rows_it_gave_before(synthetic: EmbeddedStore) -> None:
    new, old = catalogue()["recognition-candidates"], read_query(BEFORE)
    with_candidates = 0
    for qualification, country in synthetic_pairs(synthetic):
        params = bind_params(new, {"qualification": qualification, "country": country})
        expected = texts(synthetic.select(old.text, params))
        assert texts(synthetic.select(inline(new.text, params))) == expected
        with_candidates += bool(expected[1])
    assert with_candidates >= 10
    # And bound the way `aqkg query` binds it (pyoxigraph substitutions).
    params = bind_params(new, {"qualification": Q + "TH/DSD-BEW-L1", "country": "KH"})
    expected = texts(synthetic.select(old.text, params))
    assert len(expected[1]) > 10
    assert texts(synthetic.select(new.text, params)) == expected


def test_derived_unit_coverage_rows_are_those_of_unit_coverage(synthetic: EmbeddedStore) -> None:
    reader = Reader(synthetic)
    query = catalogue()["unit-coverage"]
    compared = 0
    for held, country in synthetic_pairs(synthetic)[:40]:
        rows = reader.rows("recognition-candidates", qualification=held, country=country)
        candidates = sorted({str(r["candidate"].value) for r in rows if r["candidate"]})
        neighbourhood = Neighbourhood.read(reader, held, candidates)
        for target in candidates:
            for holder, of, derived in (
                (held, target, neighbourhood.forward(target)),
                (target, held, neighbourhood.reverse(target)),
            ):
                params = bind_params(query, {"holder": holder, "target": of})
                result = synthetic.select(query.text, params)
                expected = [dict(zip(result.variables, row, strict=True)) for row in result.rows]
                assert _strings(derived) == _strings(expected), (holder, of)
                compared += 1
    assert compared >= 50


def _strings(rows: list[dict[str, object]]) -> list[dict[str, str]]:
    return [{k: "" if v is None else str(v) for k, v in row.items()} for row in rows]


# -- same answers on Virtuoso ----------------------------------------------------------------------


def test_every_shipped_recognition_with_candidates_is_the_same_on_virtuoso(
    both_stores: tuple[EmbeddedStore, EndpointStore],
) -> None:
    embedded, endpoint = both_stores
    checked = 0
    for qualification, country in pairs(embedded):
        expected = recognise(embedded, qualification, country)
        if not expected.candidates and checked:
            continue  # the engine's new queries only run for candidates
        got = recognise(endpoint, qualification, country)
        assert format_recognition(got, "json") == format_recognition(expected, "json")
        checked += 1
    assert checked >= 20
