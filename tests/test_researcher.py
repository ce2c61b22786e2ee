"""Issue 22, the researcher's SPARQL, over the shipped data: predeclared prefixes on every query
path, printed terms that paste back, labels and member states, coverage that agrees, the unit
paths the engine allows, unknowns said, the VoID description, the worked questions."""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest

from aqkg.cli.main import main
from aqkg.explore.sparql import run_sparql
from aqkg.sparql.results import as_table, short
from aqkg.store.embedded import EmbeddedStore
from aqkg.syntax.prefixes import (
    PREFIXES,
    UndeclaredPrefixError,
    prefixed_name,
    used_prefixes,
    with_prefixes,
)
from aqkg.web.server import QueryServer

pytest_plugins = ["served_store"]

NO_PROLOGUE = (
    "SELECT ?country ?label WHERE { ?country a aqkg:MemberState ; skos:prefLabel ?label "
    'FILTER(LANG(?label) = "en") } ORDER BY ?country'
)


@pytest.fixture(scope="module")
def store(shipped_store: Path) -> EmbeddedStore:
    return EmbeddedStore.open(shipped_store, read_only=True)


def _get(server: QueryServer, path: str, accept: str = "") -> tuple[int, str, str]:
    request = urllib.request.Request(
        server.url + path, headers={"Accept": accept} if accept else {}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"] or "", error.read().decode()


# -- 1. predeclared prefixes ---------------------------------------------------------------------


def test_prologue_only_for_prefixes_used_and_not_declared() -> None:
    text = 'PREFIX skos: <http://example.org/mine#> SELECT * WHERE { ?s skos:x "a:b" ; aqkg:y _:b }'
    assert used_prefixes(text) == ["skos", "aqkg"]
    prefixed = with_prefixes(text)
    assert prefixed.startswith(
        "PREFIX aqkg: <https://w3id.org/aqkg/ontology#> PREFIX skos: <http://example.org/mine#>"
    )
    assert "\n" not in prefixed[: -len(text)]  # error line numbers still point into the query
    assert with_prefixes("SELECT * WHERE { ?s ?p <http://x/y:z> }") == (
        "SELECT * WHERE { ?s ?p <http://x/y:z> }"
    )


def test_an_undeclared_prefix_is_named_in_one_line() -> None:
    with pytest.raises(UndeclaredPrefixError) as caught:
        with_prefixes("SELECT * WHERE { ?s wdt:P31 ?o }")
    message = str(caught.value)
    assert "\n" not in message and message.startswith("prefix wdt: is not declared")


def test_a_query_without_prologue_runs_on_the_cli(
    shipped_store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["query", "--store", str(shipped_store), "-e", NO_PROLOGUE]) == 0
    assert "id:country\\/PH" in capsys.readouterr().out
    assert main(["query", "--store", str(shipped_store), "-e", "SELECT * { ?s wd:Q1 ?o }"]) == 2
    error = capsys.readouterr().err
    assert "prefix wd: is not declared" in error and len(error.strip().splitlines()) == 1


def test_a_query_without_prologue_runs_on_the_endpoint_and_the_api(
    shipped_server: QueryServer,
) -> None:
    query = urllib.parse.quote(NO_PROLOGUE)
    status, _, body = _get(shipped_server, f"/sparql?query={query}", "text/csv")
    assert status == 200 and "https://w3id.org/aqkg/id/country/PH,Philippines" in body
    status, _, body = _get(
        shipped_server, "/sparql?query=" + urllib.parse.quote("ASK { ?s ex:p ?o }")
    )
    assert status == 400 and "prefix ex: is not declared" in body


def test_a_query_without_prologue_runs_in_the_explorer(shipped_store: Path) -> None:
    result = run_sparql(shipped_store, NO_PROLOGUE)
    assert ("id:country\\/PH", "Philippines") in result.rows


# -- 2. printed terms paste back -----------------------------------------------------------------


def test_printed_terms_paste_back_into_a_query(store: EmbeddedStore) -> None:
    """Every IRI `aqkg query` prints in a table, pasted into a query, names the same term."""
    result = store.select("SELECT DISTINCT ?s WHERE { GRAPH ?g { ?s ?p ?o } FILTER(isIRI(?s)) }")
    printed = {short(row[0]) for row in result.rows}
    assert len(printed) > 1000 and any("\\/" in p for p in printed)
    values = " ".join(sorted(printed))
    pasted = store.select(with_prefixes(f"SELECT ?s WHERE {{ VALUES ?s {{ {values} }} }}"))
    assert {row[0] for row in pasted.rows} == {row[0] for row in result.rows}


def test_table_cells_are_the_pasteable_names() -> None:
    result = type("R", (), {})()
    result.variables = ["x"]
    result.rows = [
        [ox.NamedNode("https://w3id.org/aqkg/id/country/PH")],
        [ox.NamedNode("http://example.org/a")],
    ]
    table = as_table(result)  # type: ignore[arg-type]
    assert "id:country\\/PH" in table and "<http://example.org/a>" in table
    assert prefixed_name(PREFIXES["isco"] + "C7112") == "isco:C7112"


# -- 3. labels and member states -----------------------------------------------------------------


def test_every_record_and_individual_has_an_rdfs_label(store: EmbeddedStore) -> None:
    unlabelled = store.select(
        with_prefixes(
            "SELECT DISTINCT ?x WHERE { ?x a ?class "
            "FILTER(STRSTARTS(STR(?x), STR(id:)) || STRSTARTS(STR(?x), STR(aqkg:))) "
            "FILTER NOT EXISTS { ?x rdfs:label ?label } }"
        )
    )
    assert not unlabelled.rows, [short(r[0]) for r in unlabelled.rows[:5]]
    labelled = store.select(
        with_prefixes(
            "SELECT ?label WHERE { GRAPH <https://w3id.org/aqkg/graph/inferred> "
            '{ id:country\\/PH rdfs:label ?label } FILTER(LANG(?label) = "en") }'
        )
    )
    assert [row[0].value for row in labelled.rows] == ["Philippines"]  # type: ignore[union-attr]


def test_every_country_owned_record_has_its_member_state(store: EmbeddedStore) -> None:
    """A record whose IRI carries a member state's code states or is given that member state,
    units and mappings included; a regional record gets none."""
    result = store.select(
        with_prefixes(
            "SELECT ?record ?country WHERE { ?record a ?class "
            'FILTER(REGEX(STR(?record), "^https://w3id.org/aqkg/id/[a-z-]+/[A-Z]{2}/")) '
            "OPTIONAL { ?record aqkg:memberState ?country } }"
        )
    )
    wrong = set()
    kinds = set()
    for record, country in result.rows:
        kind, code = record.value.split("/")[5:7]  # type: ignore[union-attr]
        kinds.add(kind)
        if country != ox.NamedNode(f"https://w3id.org/aqkg/id/country/{code}"):
            wrong.add(short(record))
    assert not wrong, sorted(wrong)[:5]
    assert {"unit", "mapping", "level", "referencing"} <= kinds
    for regional in ("id:framework\\/ASEAN\\/AQRF", "id:unit\\/ASEAN\\/D1\\.HHK\\.CL3\\.03"):
        assert not bool(store.raw_query(with_prefixes(f"ASK {{ {regional} aqkg:memberState ?c }}")))


# -- 4. coverage agrees --------------------------------------------------------------------------

PLAIN_COUNT = """
SELECT ?code ?class ?status (COUNT(DISTINCT ?record) AS ?n) WHERE {
  VALUES ?class { aqkg:NationalQualificationsFramework aqkg:FrameworkLevel aqkg:Referencing
    aqkg:LevelAlignment aqkg:Qualification aqkg:CompetencyStandard aqkg:CompetencyUnit
    aqkg:MappingRecord }
  ?record a ?class ; aqkg:curationStatus ?status .
  OPTIONAL { ?record aqkg:memberState ?country }
  BIND(IF(BOUND(?country), STRAFTER(STR(?country), "/id/country/"), "ASEAN") AS ?code)
} GROUP BY ?code ?class ?status
"""
KIND_OF_CLASS = {
    "NationalQualificationsFramework": "NQF",
    "FrameworkLevel": "levels",
    "Referencing": "referencing",
    "LevelAlignment": "level pairings",
    "Qualification": "qualifications",
    "CompetencyStandard": "standards",
    "CompetencyUnit": "units",
    "MappingRecord": "mappings",
}


def test_coverage_the_named_query_and_a_plain_count_agree(store: EmbeddedStore) -> None:
    from aqkg.build.coverage import coverage_matrix
    from aqkg.sparql.catalogue import catalogue

    matrix = coverage_matrix(store)
    from_cli = {
        (code, kind): (c.records, c.verified, c.unverified, c.illustrative)
        for code, row in matrix.items()
        for kind, c in row.items()
        if c.records
    }
    named = store.select(catalogue()["coverage-counts"].text)
    from_query = {
        (row[0].value, row[1].value): tuple(int(t.value) for t in row[2:6])  # type: ignore[union-attr]
        for row in named.rows
    }
    assert from_cli == from_query
    plain: dict[tuple[str, str], list[int]] = {}
    statuses = ["Verified", "Unverified", "Illustrative"]
    for code, cls, status, n in store.select(with_prefixes(PLAIN_COUNT)).rows:
        kind = KIND_OF_CLASS[cls.value.rsplit("#", 1)[1]]  # type: ignore[union-attr]
        cell = plain.setdefault((code.value, kind), [0, 0, 0, 0])  # type: ignore[union-attr]
        cell[0] += int(n.value)  # type: ignore[union-attr]
        cell[1 + statuses.index(status.value.rsplit("#", 1)[1])] += int(n.value)  # type: ignore[union-attr]
    without_arrangements = {k: v for k, v in from_query.items() if k[1] != "arrangements"}
    assert {k: tuple(v) for k, v in plain.items()} == without_arrangements
    assert from_query[("PH", "units")][0] > 50 and from_query[("KH", "mappings")][3] > 0


# -- 5. named queries agree with the engine ------------------------------------------------------


def test_unit_paths_flag_exactly_the_paths_the_engine_uses(store: EmbeddedStore) -> None:
    """For every shipped qualification and every other member state, the valid rows of
    recognition-unit-paths are the unit paths `aqkg recognise` counts for each candidate (best
    and other paths), and no path it rejects is one the engine counts."""
    from aqkg.recognition.engine import _recognise
    from aqkg.recognition.reader import Reader
    from aqkg.sparql.catalogue import catalogue, run

    query = catalogue()["recognition-unit-paths"].text
    required: dict[str, set[str]] = {}
    for qualification, unit in store.select(
        with_prefixes("SELECT ?q ?u WHERE { ?q a aqkg:Qualification ; aqkg:requiresUnit ?u }")
    ).rows:
        required.setdefault(qualification.value, set()).add(unit.value)  # type: ignore[union-attr]
    countries = [
        c.value
        for (c,) in store.select(
            with_prefixes("SELECT ?c WHERE { ?s a aqkg:MemberState ; skos:notation ?c }")
        ).rows
    ]  # type: ignore[union-attr]
    totals = {"rows": 0, "valid": 0, "compared": 0, "rejected and relevant": 0}
    for held in sorted(required):
        result = run(store, query, {"qualification": ox.NamedNode(held)})
        rows = [dict(zip(result.variables, row, strict=True)) for row in result.rows]
        if not rows:
            continue
        paths = {
            (r["heldUnit"].value, r["hub"].value if r["hub"] else None, r["unit"].value): r  # type: ignore[union-attr]
            for r in rows
        }
        valid = {path for path, r in paths.items() if r["valid"] == ox.Literal(True)}
        totals["rows"] += len(rows)
        totals["valid"] += sum(r["valid"] == ox.Literal(True) for r in rows)
        for r in rows:  # a rejected path names the rule that rejects it
            assert (r["valid"] == ox.Literal(True)) == (r["rejectedBy"].value == "")  # type: ignore[union-attr]
        reader = Reader(store)
        for country in countries:
            if country == held.split("/")[-2]:
                continue
            for candidate in _recognise(reader, held, country).candidates:
                coverage = candidate.coverage
                engine = {
                    (m.matched_by.iri, m.via.iri if m.via else None, m.unit.iri)
                    for m in (*coverage.matches, *coverage.other_paths)
                }
                target_units = required.get(coverage.of_qualification, set())
                assert engine == {p for p in valid if p[2] in target_units}, (held, country)
                totals["compared"] += 1
                totals["rejected and relevant"] += len(
                    {p for p in paths if p[2] in target_units} - valid
                )
    print(totals)
    assert totals["compared"] > 20 and totals["rejected and relevant"] > 0, totals


def test_a_parameter_of_the_wrong_form_is_refused_with_the_expected_form(
    shipped_store: Path, shipped_server: QueryServer, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["query", "--store", str(shipped_store), "occupations-by-isco", "--param"]
    assert main([*argv, "isco=C7112"]) == 2
    error = capsys.readouterr().err
    assert "isco='C7112' is not of the form" in error and "1 to 4 digits" in error
    assert main([*argv, "isco=7112"]) == 0
    assert "Bricklayers" in capsys.readouterr().out
    status, _, body = _get(shipped_server, "/api/occupations-by-isco?isco=C7112")
    assert status == 400 and "1 to 4 digits" in body


# -- 6. unknown is said, not implied -------------------------------------------------------------


def _named_rows(store: EmbeddedStore, name: str, **params: str) -> list[dict[str, str]]:
    from aqkg.sparql.catalogue import bind_params, catalogue, run

    query = catalogue()[name]
    result = run(store, query.text, bind_params(query, params))
    return [
        {v: (t.value if t is not None else "") for v, t in zip(result.variables, row, strict=True)}  # type: ignore[union-attr]
        for row in result.rows
    ]


def test_unknown_level_counts_partial_dates_and_notes_are_said(store: EmbeddedStore) -> None:
    frameworks = {row["code"]: row for row in _named_rows(store, "frameworks")}
    for code in ("KH", "TH"):  # one placeholder level is kept; the count is not known
        assert frameworks[code]["levelCount"] == "not known"
        assert "number of levels" in frameworks[code]["levelCountNote"]
    assert frameworks["PH"]["levelCount"] == "8" and frameworks["PH"]["levelCountNote"] == ""
    referencing = {row["code"]: row for row in _named_rows(store, "referencing-status")}
    assert referencing["MY"]["statusDate"] == "2019-05"  # the 6th AQRFC meeting, 21-23 May 2019
    assert "6th meeting" in referencing["MY"]["historyNote"]
    assert referencing["TH"]["statusDate"] == "2019-10"
    assert "endorsement date was not found" in referencing["ID"]["historyNote"]
    assert referencing["ID"]["statusDate"] == ""
    dates = store.select(
        with_prefixes(
            "SELECT (DATATYPE(?d) AS ?t) "
            "WHERE { id:referencing\\/MY\\/MQF-AQRF aqkg:statusDate ?d }"
        )
    )
    assert dates.rows[0][0] == ox.NamedNode(PREFIXES["xsd"] + "gYearMonth")
    nursing = next(r for r in _named_rows(store, "mras") if r["profession"] == "Nurse")
    assert nursing["signedDate"] == "2006-12" and "8 December 2006" in nursing["sourceConflict"]


# -- 7. the corridor's direction -----------------------------------------------------------------


def test_a_corridor_gives_its_direction_where_a_source_states_it(store: EmbeddedStore) -> None:
    corridors = {
        row["corridor"].rsplit("/", 1)[1]: row for row in _named_rows(store, "mrs-corridors")
    }
    assert corridors["th-clm-bricklaying-plastering-masonry"]["mobility"] == "KH -> TH"
    for slug, row in corridors.items():
        assert "Direction of mobility" in row["note"], slug
        if slug != "th-clm-bricklaying-plastering-masonry":
            assert row["mobility"] == "", slug


# -- 8. VoID and the service description ---------------------------------------------------------


def test_void_describes_graphs_vocabularies_licence_and_endpoint(
    shipped_server: QueryServer, store: EmbeddedStore
) -> None:
    status, content_type, body = _get(shipped_server, "/.well-known/void")
    assert status == 200 and content_type.startswith("text/turtle")
    graph = ox.Store()
    graph.load(body.encode(), format=ox.RdfFormat.TURTLE)
    counts = {
        row["g"].value: int(row["n"].value)  # type: ignore[union-attr]
        for row in graph.query(
            with_prefixes("SELECT ?g ?n WHERE { ?d void:subset ?g . ?g void:triples ?n }")
        )
    }
    assert counts == store.triple_counts()
    ask = "ASK { ?d void:sparqlEndpoint ?e ; dcterms:license ?l ; void:vocabulary ?v ; "
    ask += "void:triples ?n }"
    assert bool(graph.query(with_prefixes(ask)))
    vocabularies = {
        row["v"].value
        for row in graph.query(with_prefixes("SELECT ?v { ?d void:vocabulary ?v }"))  # type: ignore[union-attr]
    }
    assert {PREFIXES["aqkg"], PREFIXES["skos"], PREFIXES["dcterms"]} <= vocabularies
    status, content_type, _ = _get(shipped_server, "/.well-known/void", "application/n-triples")
    assert status == 200 and content_type.startswith("application/n-triples")


def test_the_endpoint_answers_a_service_description_when_no_query_is_given(
    shipped_server: QueryServer,
) -> None:
    status, content_type, body = _get(shipped_server, "/sparql", "text/turtle")
    assert status == 200 and content_type.startswith("text/turtle")
    graph = ox.Store()
    graph.load(body.encode(), format=ox.RdfFormat.TURTLE)
    service = "ASK { ?s a sd:Service ; sd:endpoint ?s ; sd:supportedLanguage sd:SPARQL11Query ; "
    service += "sd:defaultDataset/sd:namedGraph/sd:name ?g }"
    assert bool(graph.query(with_prefixes(service)))


# -- 9. the researchers' page: every query runs --------------------------------------------------

PAGE = Path(__file__).parents[1] / "docs" / "sparql-for-researchers.md"


def test_every_query_of_the_researchers_page_runs_and_answers(store: EmbeddedStore) -> None:
    queries = re.findall(r"```sparql\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.DOTALL)
    assert len(queries) >= 10
    answers = []
    for query in queries:
        assert "PREFIX" not in query  # written with the predeclared prefixes
        result = store.select(with_prefixes(query))
        assert result.rows, query
        answers.append([[short(t) if t is not None else "" for t in row] for row in result.rows])
    referencing = {row[0]: row for row in answers[0]}
    assert referencing["MY"][2] == "2019-05" and referencing["TH"][2] == "2019-10"
    levels = {row[0]: row for row in answers[1]}
    assert levels["id:framework\\/KH\\/CQF"][1] == "not known"
    assert [
        "id:corridor\\/ASEAN\\/th-clm-bricklaying-plastering-masonry",
        "KH",
        "TH",
        "KH",
        "TH",
    ] in (answers[3])
