"""Binding parameters in query text for endpoints: VALUES in every group of the outer query."""

from __future__ import annotations

import pytest

from aqkg.syntax.sparql_text import QueryTextError, boolean_constant_variables, with_values

BLOCK = " VALUES (?s) { (<urn:a>) } "


def _bound(query: str) -> str:
    return " ".join(with_values(query, {"s": "<urn:a>"}).split())


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_values_go_in_every_outer_group_but_not_in_subqueries_or_data() -> None:
    query = (
        'SELECT * WHERE { { SELECT ?s { ?s ?p "}" } } OPTIONAL { ?s a ?t VALUES ?t { <urn:t> } } }'
        " ORDER BY ?s VALUES ?s { <urn:b> }"
    )
    assert _bound(query) == _flat(
        "SELECT * WHERE {"
        + BLOCK
        + ' { SELECT ?s { ?s ?p "}" } } OPTIONAL {'
        + BLOCK
        + "?s a ?t VALUES ?t { <urn:t> } } } ORDER BY ?s VALUES ?s { <urn:b> }"
    )


def test_strings_iris_and_comments_are_skipped() -> None:
    query = 'PREFIX x: <urn:x#>\n# a { comment\nSELECT ("{" AS ?b) { ?s ?p """{""" }'
    assert _bound(query).endswith(_flat("{" + BLOCK + '?s ?p """{""" }'))


def test_construct_template_is_not_a_group() -> None:
    query = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    assert _bound(query) == _flat("CONSTRUCT { ?s ?p ?o } WHERE {" + BLOCK + "?s ?p ?o }")


def test_bad_names_and_queries_without_groups_are_refused() -> None:
    with pytest.raises(QueryTextError):
        with_values("SELECT * { }", {"s x": "<urn:a>"})
    with pytest.raises(QueryTextError):
        with_values("ASK", {"s": "<urn:a>"})


def test_boolean_constant_variables() -> None:
    query = "SELECT ?a (false AS ?b) { BIND( true AS ?c ) BIND(1 AS ?d) }"
    assert boolean_constant_variables(query) == {"b", "c"}
