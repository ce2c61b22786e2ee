"""The named query catalogue: headers, parameter binding, and that every query runs."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from aqkg.sparql.catalogue import (
    QueryParamError,
    bind_params,
    catalogue,
    parse_header,
    parse_params,
    read_query,
)
from aqkg.store.embedded import EmbeddedStore

COUNTRY = "https://w3id.org/aqkg/id/country/"


def test_every_named_query_has_a_complete_header() -> None:
    queries = catalogue()
    assert {"frameworks", "framework-levels", "qualifications-at-aqrf-level"} <= set(queries)
    for query in queries.values():
        assert query.summary, f"{query.path}: no #+ summary"
        assert query.description, f"{query.path}: no #+ description"
        assert query.tags, f"{query.path}: no #+ tags"


def test_every_param_is_projected_so_it_can_be_bound() -> None:
    # pyoxigraph substitutes only variables of the SELECT projection.
    for query in catalogue().values():
        select_clause = query.text.split("WHERE", 1)[0]
        for param in query.params:
            assert f"?{param.name}" in select_clause, f"{query.name}: ?{param.name} not projected"


def test_header_continuation_lines_join() -> None:
    header = parse_header("#+ summary: a\n#+ description: one\n#+   two\nSELECT * {}")
    assert header == {"summary": "a", "description": "one two"}


def test_params_parse_type_and_requiredness() -> None:
    params = parse_params("level (xsd:integer, 1-8, required); country (country, optional)")
    assert [(p.name, p.type, p.required) for p in params] == [
        ("level", "xsd:integer", True),
        ("country", "country", False),
    ]
    assert params[0].description == "1-8"


def test_bind_params_types_values() -> None:
    query = catalogue()["qualifications-at-aqrf-level"]
    bound = bind_params(query, {"level": "4", "country": "ph"})
    assert bound["level"] == ox.Literal(
        "4", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
    )
    assert bound["country"] == ox.NamedNode(COUNTRY + "PH")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({}, "needs --param level"),
        ({"level": "four"}, "not a valid aqrf-level"),
        ({"level": "4", "country": "Philippines"}, "not a valid country"),
        ({"level": "4", "colour": "red"}, "no parameter 'colour'"),
    ],
)
def test_bad_params_are_named(given: dict[str, str], expected: str) -> None:
    with pytest.raises(QueryParamError, match=expected):
        bind_params(catalogue()["qualifications-at-aqrf-level"], given)


def test_a_value_is_bound_as_a_term_never_pasted_into_the_query(tmp_path: Path) -> None:
    rq = tmp_path / "labels.rq"
    rq.write_text(
        "#+ summary: s\n#+ description: d\n#+ params: name (xsd:string, required)\n#+ tags: t\n"
        "SELECT ?s ?name WHERE { ?s <http://x/label> ?name }\n"
    )
    store = EmbeddedStore.in_memory()
    store.add_triples(
        "http://x/g",
        [
            ox.Triple(ox.NamedNode("http://x/a"), ox.NamedNode("http://x/label"), ox.Literal("a")),
            ox.Triple(ox.NamedNode("http://x/b"), ox.NamedNode("http://x/label"), ox.Literal("b")),
        ],
    )
    hostile = 'a" } UNION { ?s ?p ?name } #'
    query = read_query(rq)
    assert store.select(query.text, bind_params(query, {"name": hostile})).rows == []
    rows = store.select(query.text, bind_params(query, {"name": "a"})).rows
    assert rows == [[ox.NamedNode("http://x/a"), ox.Literal("a")]]


def test_iri_params_accept_the_usual_prefixes() -> None:
    query = catalogue()["mappings"]
    bound = bind_params(query, {"match_type": "aqkg:ExactMatch"})
    assert bound["match_type"] == ox.NamedNode("https://w3id.org/aqkg/ontology#ExactMatch")
    full = "https://w3id.org/aqkg/ontology#CloseMatch"
    assert bind_params(query, {"match_type": full})["match_type"] == ox.NamedNode(full)
