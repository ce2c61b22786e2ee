"""The named query catalogue: every query runs, its results agree with the data files, the
fictional examples stay fictional, and docs/queries.md is up to date.

Queries that follow levels through the AQRF are checked against the fictional examples
(data/examples), since no real NQF-to-AQRF level pairing is published.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS

from aqkg.build.pipeline import build
from aqkg.docs.catalogue import (
    EXAMPLE_PARAMS,
    example_files,
    example_params_for,
    fictional_example_store,
    header_example,
    render_catalogue_markdown,
    run,
)
from aqkg.intake.project_files import ingested_folder, project_files
from aqkg.intake.rdf_input import to_rdflib
from aqkg.sparql.catalogue import bind_params, catalogue, every_row, read_query
from aqkg.sparql.catalogue import run as run_bound
from aqkg.sparql.results import plain
from aqkg.store.embedded import EmbeddedStore
from aqkg.validation.validate import validate_files

REPO = Path(__file__).resolve().parents[1]
README = REPO / "docs" / "queries.md"
AQKG = Namespace("https://w3id.org/aqkg/ontology#")
ID = "https://w3id.org/aqkg/id/"
ISCO = "http://data.europa.eu/esco/isco/C"

Row = dict[str, str]


# -- fixtures and helpers ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[EmbeddedStore, Path]:
    """The store built from the shipped data: in memory, and its on-disk copy."""
    path = tmp_path_factory.mktemp("catalogue") / "store"
    summary, store = build(path)
    assert summary.written, "the shipped data must build"
    return store, path


@pytest.fixture(scope="module")
def store(built: tuple[EmbeddedStore, Path]) -> EmbeddedStore:
    return built[0]


@pytest.fixture(scope="module")
def fictional() -> EmbeddedStore:
    """The shipped data plus data/examples."""
    return fictional_example_store()


def rows(store: EmbeddedStore, name: str, **params: str) -> list[Row]:
    """Every row of the named query (all the pages of a listing query)."""
    query = catalogue()[name]
    result = store.select(every_row(query), bind_params(query, params))
    return [
        {var: plain(term) for var, term in zip(result.variables, row, strict=True)}
        for row in result.rows
    ]


@cache
def data_graph() -> Graph:
    """Every shipped data file (Turtle parsed by rdflib, independently of the store; the
    curated submission folders through the ingest)."""
    graph = Graph()
    for path in project_files():
        if "data" not in path.relative_to(REPO).parts[:1]:
            continue
        if path.is_dir():
            graph += to_rdflib(ingested_folder(path).triples)
        else:
            graph.parse(path, format="turtle")
    return graph


@cache
def examples_graph() -> Graph:
    graph = Graph()
    for path in example_files():
        graph.parse(path, format="turtle")
    return graph


def title_of(source: str) -> str:
    return str(data_graph().value(URIRef(ID + "source/" + source), DCTERMS.title))


# -- every query runs ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(catalogue()))
def test_every_named_query_runs_with_its_example(store: EmbeddedStore, name: str) -> None:
    query = catalogue()[name]
    params = example_params_for(query, EXAMPLE_PARAMS)
    assert params is not None, (
        f"{name} has required parameters but no example: add `#+ example: name=value; ...` "
        "to its header (or to EXAMPLE_PARAMS in src/aqkg/docs/catalogue.py)"
    )
    run(query, store, params)


# Parameters beyond the header examples, so that each kind of binding is run both ways.
MORE_PARAMS = [
    ("frameworks", {"country": "PH"}),
    ("mappings", {"match_type": "aqkg:ExactMatch", "min_confidence": "0.5"}),
    ("occupations-by-isco", {"isco": "71"}),
    ("framework-levels", {"framework": "id:framework/PH/PQF", "country": "PH"}),
    ("sources-of", {"node": "id:framework/PH/PQF"}),
]


@pytest.mark.parametrize(
    ("name", "params"),
    [(n, example_params_for(q, EXAMPLE_PARAMS) or {}) for n, q in sorted(catalogue().items())]
    + MORE_PARAMS,
)
def test_constants_give_the_rows_substitution_gives(
    store: EmbeddedStore, name: str, params: dict[str, str]
) -> None:
    query = catalogue()[name]
    bindings = bind_params(query, params)
    expected = store.select(query.text, bindings)
    got = run_bound(store, query.text, bindings)
    assert got.variables == expected.variables
    assert sorted(map(str, got.rows)) == sorted(map(str, expected.rows))


def test_header_example_line_is_read(tmp_path: Path) -> None:
    rq = tmp_path / "q.rq"
    rq.write_text(
        "#+ summary: s\n#+ description: d\n#+ params: a (xsd:string, required); b (country,"
        " optional)\n#+ example: a=x y; b=PH\n#+ tags: t\nSELECT ?a ?b WHERE {}\n"
    )
    query = read_query(rq)
    assert header_example(query) == {"a": "x y", "b": "PH"}
    assert example_params_for(query, {"q": {"a": "other"}}) == {"a": "x y", "b": "PH"}


# -- the existing queries ------------------------------------------------------------------------


def test_frameworks_has_the_aqrf_with_eight_levels(store: EmbeddedStore) -> None:
    aqrf = [r for r in rows(store, "frameworks") if r["code"] == "ASEAN"]
    assert len(aqrf) == 1
    assert aqrf[0]["framework"] == ID + "framework/ASEAN/AQRF"
    assert (aqrf[0]["statedLevels"], aqrf[0]["levelsInGraph"]) == ("8", "8")


def test_framework_levels_of_the_philippines_in_rank_order(store: EmbeddedStore) -> None:
    found = rows(store, "framework-levels", country="PH")
    assert [r["rank"] for r in found] == [str(n) for n in range(1, 9)]
    assert [r["level"] for r in found] == [ID + f"level/PH/PQF-{n}" for n in range(1, 9)]
    assert {r["referencingStatus"] for r in found} == {"referencing endorsed"}


def test_qualifications_at_aqrf_level_is_empty_without_published_pairings(
    store: EmbeddedStore,
) -> None:
    assert not list(data_graph().subjects(RDF.type, AQKG.LevelAlignment))
    assert rows(store, "qualifications-at-aqrf-level", level="2") == []


def test_qualifications_at_aqrf_level_follows_exact_and_close_pairings(
    fictional: EmbeddedStore,
) -> None:
    at_four = rows(fictional, "qualifications-at-aqrf-level", level="4")
    assert {(r["qualification"], r["matchType"]) for r in at_four} == {
        (ID + "qualification/XA/EX-CERT-IV", "exact match"),
        (ID + "qualification/XB/EX-DIP-5", "close match"),
    }
    assert {r["pairingCuration"] for r in at_four} == {"illustrative"}
    only_xb = rows(fictional, "qualifications-at-aqrf-level", level="4", country="XB")
    assert [r["code"] for r in only_xb] == ["XB"]
    # XAQF level 6 is only a broad match of AQRF level 7: it does not count.
    assert rows(fictional, "qualifications-at-aqrf-level", level="7") == []


# -- levels-side-by-side -------------------------------------------------------------------------


def test_levels_side_by_side_lists_every_aqrf_level_blank_on_real_data(
    store: EmbeddedStore,
) -> None:
    found = rows(store, "levels-side-by-side", country_a="PH", country_b="MY")
    assert [r["aqrfRank"] for r in found] == [str(n) for n in range(1, 9)]
    assert all(not r["levelsA"] and not r["levelsB"] for r in found)


def test_levels_side_by_side_pairs_two_frameworks_through_the_aqrf(
    fictional: EmbeddedStore,
) -> None:
    found = {
        r["aqrfRank"]: r
        for r in rows(fictional, "levels-side-by-side", country_a="XA", country_b="XB")
    }
    assert found["1"]["levelsA"] == "XAQF level 1 (fictional example) (exact match)"
    assert found["1"]["levelsB"] == (
        "XBQF level 1 (fictional example) (exact match), "
        "XBQF level 2 (fictional example) (close match)"
    )
    assert found["4"]["levelsB"] == "XBQF level 5 (fictional example) (close match)"
    assert (found["5"]["levelsA"], found["5"]["levelsB"]) == (
        "",
        "XBQF level 6 (fictional example) (exact match)",
    )
    # broad (XA 6 -> AQRF 7) and narrow (XB 8 -> AQRF 8) pairings are left out
    assert not any(found[rank][side] for rank in ("7", "8") for side in ("levelsA", "levelsB"))
    assert found["4"]["curationA"] == found["4"]["curationB"] == "illustrative"


def test_levels_side_by_side_swaps_columns_with_the_countries(fictional: EmbeddedStore) -> None:
    forward = rows(fictional, "levels-side-by-side", country_a="XA", country_b="XB")
    backward = rows(fictional, "levels-side-by-side", country_a="XB", country_b="XA")
    assert [r["levelsA"] for r in forward] == [r["levelsB"] for r in backward]


# -- referencing-status --------------------------------------------------------------------------


def test_referencing_status_of_every_nqf(store: EmbeddedStore) -> None:
    found = {r["code"]: r for r in rows(store, "referencing-status")}
    nqfs = set(data_graph().subjects(RDF.type, AQKG.NationalQualificationsFramework))
    assert len(found) == len(nqfs) == 11  # Timor-Leste since 26 October 2025
    assert (found["PH"]["status"], found["PH"]["statusDate"]) == (
        "referencing endorsed",
        "2019-05-22",
    )
    assert found["PH"]["curation"] == "verified"
    assert found["MY"]["status"] == "referencing endorsed"
    assert found["TH"]["status"] == "referencing endorsed"  # 7th AQRF Committee, October 2019
    assert found["TH"]["statusDate"] == "2019-10"  # the day within the meeting was not found
    assert found["MY"]["statusDate"] == "2019-05"  # 6th AQRF Committee, 21-23 May 2019
    assert {r["levelPairings"] for r in found.values()} == {"0"}
    assert title_of("nqf-ph-tesda-endorsement-2019") in found["PH"]["sources"]


def test_referencing_status_counts_pairings_and_filters_by_country(
    fictional: EmbeddedStore,
) -> None:
    found = rows(fictional, "referencing-status", country="XB")
    assert [(r["code"], r["levelPairings"], r["statusDate"]) for r in found] == [
        ("XB", "8", "2022-09-30")
    ]


# -- mras ----------------------------------------------------------------------------------------


def test_mras_lists_the_eight_arrangements(store: EmbeddedStore) -> None:
    found = rows(store, "mras")
    mras = set(data_graph().subjects(RDF.type, AQKG.MutualRecognitionArrangement))
    assert len(mras) == 8
    assert {r["arrangement"] for r in found} == {str(m) for m in mras}
    assert len(found) == 8
    assert len(rows(store, "mras", country="PH")) == 8


def test_mras_engineering_register_signing_and_isco(store: EmbeddedStore) -> None:
    engineering = URIRef(ID + "arrangement/ASEAN/mra-engineering")
    [row] = [r for r in rows(store, "mras") if r["arrangement"] == str(engineering)]
    title = str(data_graph().value(engineering, AQKG.registerTitle))
    assert "ASEAN Chartered Professional Engineer" in title
    assert row["registerTitle"] == title
    assert row["signedDate"] == str(data_graph().value(engineering, AQKG.signedDate))
    assert row["isco"] == "214, 215"
    assert row["parties"] == "BN, ID, KH, LA, MM, MY, PH, SG, TH, VN"
    assert "Coordinating Committee" in row["monitoringBody"]


def test_mras_of_a_country_party_to_none_is_empty(fictional: EmbeddedStore) -> None:
    assert rows(fictional, "mras", country="XA") == []


# -- mrs-corridors -------------------------------------------------------------------------------


def test_mrs_corridors_lists_the_thailand_cambodia_wiring_corridor(store: EmbeddedStore) -> None:
    found = {r["corridor"]: r for r in rows(store, "mrs-corridors")}
    corridors = set(data_graph().subjects(RDF.type, AQKG.RecognitionCorridor))
    assert set(found) == {str(c) for c in corridors}
    wiring = found[ID + "corridor/ASEAN/th-kh-building-electrical-wiring"]
    assert wiring["parties"] == "KH, TH"
    assert wiring["occupations"] == "Building electrician"
    assert "Comparability" in wiring["recognitionModel"]
    # no source gives the step reached: blank, with the editorial note instead
    assert (wiring["roadmapStep"], wiring["stepDate"]) == ("", "")
    assert "Roadmap step reached: not encoded" in wiring["note"]


def test_mrs_corridors_of_one_country(store: EmbeddedStore) -> None:
    found = {r["corridor"].rsplit("/", 1)[1] for r in rows(store, "mrs-corridors", country="KH")}
    assert found == {"th-kh-building-electrical-wiring", "th-clm-bricklaying-plastering-masonry"}


def test_mrs_corridors_shows_a_step_reached_and_its_date(fictional: EmbeddedStore) -> None:
    [row] = rows(fictional, "mrs-corridors", country="XB")
    assert row["roadmapStep"].startswith("2")
    assert (row["stepDate"], row["note"], row["aqrfLevels"]) == ("2023-05-10", "", "3, 4")


# -- mappings ------------------------------------------------------------------------------------


def mapping_confidences(match_type: URIRef | None = None) -> dict[str, Decimal]:
    graph = data_graph()
    return {
        str(record): Decimal(str(graph.value(record, AQKG.confidence)))
        for record in graph.subjects(RDF.type, AQKG.MappingRecord)
        if match_type is None or (record, AQKG.mappingPredicate, match_type) in graph
    }


def test_mappings_lists_every_record(store: EmbeddedStore) -> None:
    assert {r["record"] for r in rows(store, "mappings")} == set(mapping_confidences())


def test_mappings_by_match_type(store: EmbeddedStore) -> None:
    found = rows(store, "mappings", match_type=str(AQKG.ExactMatch))
    assert {r["matchType"] for r in found} == {"exact match"}
    assert {r["record"] for r in found} == set(mapping_confidences(AQKG.ExactMatch))
    assert all(r["authors"] and r["justification"] for r in found)
    # evidence for real records, the documents imitated for illustrative ones: never both
    assert all(bool(r["sources"]) != bool(r["modelledOn"]) for r in found)
    assert {bool(r["modelledOn"]) for r in found} == {
        r["curation"] == "illustrative" for r in found
    }


def test_mappings_by_minimum_confidence(store: EmbeddedStore) -> None:
    expected = {k for k, v in mapping_confidences().items() if v >= Decimal("0.8")}
    found = rows(store, "mappings", min_confidence="0.8")
    assert {r["record"] for r in found} == expected
    assert expected and len(expected) < len(mapping_confidences())
    both = rows(store, "mappings", match_type=str(AQKG.CloseMatch), min_confidence="0.8")
    close = {k for k, v in mapping_confidences(AQKG.CloseMatch).items() if v >= Decimal("0.8")}
    assert {r["record"] for r in both} == close
    assert {r["matchType"] for r in both} <= {"close match"}


# -- sources-of and sources ----------------------------------------------------------------------


def test_sources_of_a_framework(store: EmbeddedStore) -> None:
    found = rows(store, "sources-of", node=ID + "framework/PH/PQF")
    own = [r for r in found if r["attachedAs"] == "the node itself"]
    assert title_of("nqf-ph-ra-10968") in {r["title"] for r in own}
    assert {r["url"] for r in own} >= {"https://pqf.gov.ph/Home/Details/5"}
    levels = {r["record"] for r in found if r["attachedAs"] == "level"}
    assert levels == {ID + f"level/PH/PQF-{n}" for n in range(1, 9)}
    referencing = {r["title"] for r in found if r["attachedAs"] == "referencing"}
    assert title_of("nqf-ph-tesda-endorsement-2019") in referencing


def test_sources_of_a_referencing_includes_its_alignments(fictional: EmbeddedStore) -> None:
    found = rows(fictional, "sources-of", node=ID + "referencing/XA/XAQF-AQRF")
    alignments = {r["record"] for r in found if r["attachedAs"] == "level alignment"}
    assert len(alignments) == 6
    assert {r["curation"] for r in found} == {"illustrative"}


def test_sources_counts_citing_records(store: EmbeddedStore) -> None:
    found = {r["source"]: r for r in rows(store, "sources")}
    graph = data_graph()
    assert set(found) == {str(s) for s in graph.subjects(RDF.type, AQKG.SourceDocument)}
    esco = ID + "source/std-esco-v1-1-1"
    citing = set(graph.subjects(DCTERMS.source, URIRef(esco)))
    assert found[esco]["citedBy"] == str(len(citing))
    assert found[esco]["title"] == title_of("std-esco-v1-1-1")


# -- occupations-by-isco -------------------------------------------------------------------------


def test_occupations_by_isco_unit_group_finds_bricklaying_and_masonry(
    store: EmbeddedStore,
) -> None:
    # The data puts bricklayers and masons in ISCO-08 7112 (bricklayers and related workers);
    # 7122 is floor layers and tile setters, which no occupation here has.
    found = rows(store, "occupations-by-isco", isco="7112")
    assert {r["occupationName"] for r in found} == {"Bricklayer", "Mason"}
    assert ID + "qualification/PH/MASONRY-NC-II" in {r["record"] for r in found}
    assert rows(store, "occupations-by-isco", isco="7122") == []


def test_occupations_by_isco_prefix_walks_the_hierarchy(store: EmbeddedStore) -> None:
    found = rows(store, "occupations-by-isco", isco="71")
    assert {"Bricklayer", "Mason", "Plasterer", "Carpenter"} <= {r["occupationName"] for r in found}
    assert all(r["iscoCode"].startswith("71") for r in found)
    linked = {
        str(o)
        for o, g in data_graph().subject_objects(AQKG.iscoGroup)
        if str(g).startswith(ISCO + "71")
    }
    assert {r["occupation"] for r in found} == linked


def test_occupations_by_isco_without_a_code_lists_every_linked_occupation(
    store: EmbeddedStore,
) -> None:
    found = rows(store, "occupations-by-isco")
    linked = {str(o) for o in data_graph().subjects(AQKG.iscoGroup, None)}
    assert {r["occupation"] for r in found} == linked


# -- the fictional examples ----------------------------------------------------------------------


def test_examples_are_not_part_of_the_build() -> None:
    assert example_files()
    assert not set(example_files()) & set(project_files())


def test_examples_are_labelled_fictional_and_illustrative() -> None:
    graph = examples_graph()
    records = {s for s in graph.subjects(SKOS.prefLabel, None)}
    for record in records:
        for label in graph.objects(record, SKOS.prefLabel):
            assert str(label).endswith("(fictional example)"), f"{record}: {label}"
        if (record, RDF.type, AQKG.SourceDocument) not in graph:
            assert (record, AQKG.curationStatus, AQKG.Illustrative) in graph, record
    for source in graph.subjects(RDF.type, AQKG.SourceDocument):
        assert str(graph.value(source, DCTERMS.title)).endswith("(fictional example)")


def test_examples_never_describe_a_real_record() -> None:
    real = set(data_graph().subjects()) | set(data_graph().objects())
    described = set(examples_graph().subjects())
    assert not described & real
    attached_to_real_nqf = [
        (s, o) for s, o in examples_graph().subject_objects(AQKG.referencedFramework) if o in real
    ]
    assert attached_to_real_nqf == []


def test_examples_conform_to_the_shapes() -> None:
    report = validate_files(example_files())
    assert report.conforms, report


# -- docs/queries.md ---------------------------------------------------------------------------


def test_readme_documents_every_query() -> None:
    text = README.read_text(encoding="utf-8")
    missing = [name for name in catalogue() if f"\n## {name}\n" not in text]
    assert not missing, f"docs/queries.md does not document {missing}: regenerate it"


def test_readme_is_up_to_date(built: tuple[EmbeddedStore, Path], fictional: EmbeddedStore) -> None:
    on_disk = EmbeddedStore.open(built[1])
    expected = render_catalogue_markdown(on_disk, EXAMPLE_PARAMS, fictional_store=fictional)
    assert README.read_text(encoding="utf-8") == expected, (
        "docs/queries.md is out of date: run `aqkg build --store /tmp/store && "
        "python -m aqkg.docs.catalogue --store /tmp/store > docs/queries.md`"
    )
