"""ESCO / ISCO-08 importer, on the real ESCO v1.1.1 export and on small edited copies of it."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pyoxigraph import Literal, NamedNode, Quad, Store

from aqkg.intake.esco import (
    ESCO_GRAPH,
    ISCO_FILE,
    OCCUPATIONS_FILE,
    EscoImportError,
    ImportSummary,
    import_esco,
    iter_esco_quads,
)

REPO = Path(__file__).resolve().parents[1]
ESCO_DIR = REPO.parent / "shared" / "data" / "reference" / "esco-v1.1.1"

PREFIXES = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX aqkg: <https://w3id.org/aqkg/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX isco: <http://data.europa.eu/esco/isco/>
PREFIX esco: <http://data.europa.eu/esco/model#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""
SMALL_COPY_OCCUPATIONS = 20
OTHER_GRAPH = NamedNode("https://w3id.org/aqkg/graph/data/countries/ph/nqf")


@pytest.fixture(scope="session")
def esco_dir() -> Path:
    if not (ESCO_DIR / ISCO_FILE).is_file() or not (ESCO_DIR / OCCUPATIONS_FILE).is_file():
        pytest.skip(f"ESCO v1.1.1 CSV export not found at {ESCO_DIR} (reference data in ../shared)")
    return ESCO_DIR


@pytest.fixture(scope="module")
def imported(esco_dir: Path) -> tuple[Store, ImportSummary]:
    store = Store()
    return store, import_esco(store, esco_dir)


@pytest.fixture
def small_copy(esco_dir: Path, tmp_path: Path) -> Path:
    """All ISCO groups and the first occupations, written back as ESCO writes them."""
    folder = tmp_path / "esco"
    folder.mkdir()
    shutil.copyfile(esco_dir / ISCO_FILE, folder / ISCO_FILE)
    header, *rows = _read(esco_dir / OCCUPATIONS_FILE, limit=SMALL_COPY_OCCUPATIONS + 1)
    _write(folder / OCCUPATIONS_FILE, [header, *rows])
    return folder


def _read(path: Path, limit: int | None = None) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as file:
        rows = []
        for row in csv.reader(file):
            rows.append(row)
            if limit is not None and len(rows) == limit:
                break
        return rows


def _write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as file:
        csv.writer(file, lineterminator="\n").writerows(rows)


def _edit(folder: Path, file: str, row: int, column: str, value: str) -> None:
    """Set one cell; ``row`` counts like a spreadsheet (header = 1)."""
    rows = _read(folder / file)
    rows[row - 1][rows[0].index(column)] = value
    _write(folder / file, rows)


def _count(store: Store, where: str) -> int:
    """Distinct ?x matching ``where`` inside the ESCO graph."""
    query = f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ GRAPH <{ESCO_GRAPH}> {{ {where} }} }}"
    return int(next(iter(_query(store, query)))["n"].value)


def _query(store: Store, text: str) -> Any:
    """Run a query over the union of the store's graphs."""
    return store.query(PREFIXES + text, use_default_graph_as_union=True)


def _snapshot(store: Store) -> set[Quad]:
    return set(store)


# ---- the real export -------------------------------------------------------------------------


def test_imports_all_isco_groups_and_occupations(imported: tuple[Store, ImportSummary]) -> None:
    store, summary = imported
    assert _count(store, "?x a aqkg:IscoGroup, skos:Concept ; skos:inScheme ?s") == 619
    assert _count(store, "?x a esco:Occupation, skos:Concept") == 3007
    assert (
        _count(store, "?x skos:topConceptOf <http://data.europa.eu/esco/concept-scheme/isco>") == 10
    )
    assert (summary.isco_groups, summary.occupations) == (619, 3007)
    assert summary.triples == len(store)


def test_occupation_chain_is_walkable_to_the_major_group(
    imported: tuple[Store, ImportSummary],
) -> None:
    store, _ = imported
    solutions = _query(
        store,
        """SELECT ?ancestor WHERE {
             ?occupation skos:prefLabel "building electrician"@en ; aqkg:iscoGroup isco:C7411 ;
                         skos:broader+ ?ancestor .
           }""",
    )
    ancestors = {solution["ancestor"].value for solution in solutions}
    assert ancestors == {
        f"http://data.europa.eu/esco/isco/C{code}" for code in ("7411", "741", "74", "7")
    }


def test_labels_are_split_and_disjoint(imported: tuple[Store, ImportSummary]) -> None:
    store, _ = imported
    technical_director = NamedNode(
        "http://data.europa.eu/esco/occupation/00030d09-2b3a-4efd-87cc-c4ea39d27c34"
    )
    alt = NamedNode("http://www.w3.org/2004/02/skos/core#altLabel")
    labels = {quad.object for quad in store.quads_for_pattern(technical_director, alt, None)}
    assert Literal("head of technical", language="en") in labels
    assert Literal("technical director", language="en") not in labels  # it is the prefLabel
    clash = (
        "ASK { ?c skos:prefLabel ?l . { ?c skos:altLabel ?l } UNION { ?c skos:hiddenLabel ?l } }"
    )
    assert not _query(store, clash)


def test_every_concept_is_sourced_and_verified(imported: tuple[Store, ImportSummary]) -> None:
    store, _ = imported
    source = "https://w3id.org/aqkg/id/source/esco-v1.1.1"
    concepts = _query(store, "SELECT (COUNT(?c) AS ?n) WHERE { ?c a skos:Concept }")
    assert int(next(iter(concepts))["n"].value) == 619 + 3007
    unsourced = f"""
        ASK {{ ?c a ?type . VALUES ?type {{ skos:Concept skos:ConceptScheme }}
               FILTER NOT EXISTS {{ ?c dcterms:source <{source}> ;
                                       aqkg:curationStatus aqkg:Verified }} }}"""
    assert not _query(store, unsourced)
    document = f"""
        ASK {{ <{source}> a aqkg:SourceDocument ; dcterms:title ?t ; dcterms:publisher ?p ;
               aqkg:url ?u ; dcterms:issued ?y . FILTER(datatype(?y) = xsd:gYear) }}"""
    assert _query(store, document)


def test_reimport_is_idempotent(imported: tuple[Store, ImportSummary], esco_dir: Path) -> None:
    store, first = imported
    before = _snapshot(store)
    second = import_esco(store, esco_dir)
    assert second.triples == first.triples
    assert _snapshot(store) == before


# ---- small copies ----------------------------------------------------------------------------


def test_import_replaces_the_graph_and_leaves_others_alone(
    imported: tuple[Store, ImportSummary], small_copy: Path
) -> None:
    full, _ = imported
    store = Store()
    store.extend(full)
    other = Quad(
        NamedNode("https://w3id.org/aqkg/id/framework/PH/PQF"),
        NamedNode("urn:p"),
        Literal("x"),
        OTHER_GRAPH,
    )
    store.add(other)
    summary = import_esco(store, small_copy)
    assert summary.occupations == SMALL_COPY_OCCUPATIONS
    assert _count(store, "?x a esco:Occupation") == SMALL_COPY_OCCUPATIONS
    assert list(store.quads_for_pattern(None, None, None, OTHER_GRAPH)) == [other]


def test_streams_and_reports_progress(small_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    quads = iter_esco_quads(small_copy, progress=True)
    first = next(quads)
    assert first.graph_name == NamedNode(ESCO_GRAPH)
    assert sum(1 for _ in quads) > 0
    assert "ESCO import" in capsys.readouterr().err


def test_reads_a_file_with_byte_order_mark(small_copy: Path) -> None:
    path = small_copy / OCCUPATIONS_FILE
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert import_esco(Store(), small_copy).occupations == SMALL_COPY_OCCUPATIONS


LAST_OCCUPATION_ROW = SMALL_COPY_OCCUPATIONS + 1

BAD_INPUTS: list[tuple[str, Callable[[Path], object], list[str]]] = [
    (
        "missing file",
        lambda folder: (folder / OCCUPATIONS_FILE).unlink(),
        [OCCUPATIONS_FILE, "esco.ec.europa.eu"],
    ),
    (
        "missing column",
        lambda folder: _edit(folder, ISCO_FILE, 1, "code", "kode"),
        [f"{ISCO_FILE}, row 1", "missing column(s) code"],
    ),
    (
        "bad occupation URI",
        lambda folder: _edit(
            folder, OCCUPATIONS_FILE, LAST_OCCUPATION_ROW, "conceptUri", "not a uri"
        ),
        [f"{OCCUPATIONS_FILE}, row {LAST_OCCUPATION_ROW} (line ", "conceptUri", "not a valid IRI"],
    ),
    (
        "ISCO code not digits",
        lambda folder: _edit(folder, ISCO_FILE, 300, "code", "71a2"),
        [f"{ISCO_FILE}, row 300 (line ", "'71a2'", "1 to 4 digits"],
    ),
    (
        "occupation code not digits",
        lambda folder: _edit(folder, OCCUPATIONS_FILE, LAST_OCCUPATION_ROW, "code", "7411.x"),
        [f"{OCCUPATIONS_FILE}, row {LAST_OCCUPATION_ROW}", "'7411.x'"],
    ),
    (
        "unknown ISCO group",
        lambda folder: _edit(folder, OCCUPATIONS_FILE, LAST_OCCUPATION_ROW, "iscoGroup", "9999"),
        [f"{OCCUPATIONS_FILE}, row {LAST_OCCUPATION_ROW}", "iscoGroup 9999", ISCO_FILE],
    ),
    (
        "unbalanced quote",
        lambda folder: (folder / OCCUPATIONS_FILE).write_text(
            (folder / OCCUPATIONS_FILE).read_text(encoding="utf-8") + 'Occupation,"http://x\n',
            encoding="utf-8",
        ),
        [OCCUPATIONS_FILE, "line "],
    ),
]


@pytest.mark.parametrize(
    ("damage", "expected"), [case[1:] for case in BAD_INPUTS], ids=[case[0] for case in BAD_INPUTS]
)
def test_bad_input_raises_and_leaves_the_store_unchanged(
    small_copy: Path, damage: Callable[[Path], object], expected: list[str]
) -> None:
    store = Store()
    store.add(
        Quad(
            NamedNode("https://w3id.org/aqkg/id/country/PH"),
            NamedNode("urn:p"),
            Literal("x"),
            OTHER_GRAPH,
        )
    )
    import_esco(store, small_copy)  # a previous, good ESCO graph
    before = _snapshot(store)
    damage(small_copy)
    with pytest.raises(EscoImportError) as raised:
        import_esco(store, small_copy)
    for part in expected:
        assert part in str(raised.value)
    assert _snapshot(store) == before


def test_missing_folder_says_where_to_get_the_files(tmp_path: Path) -> None:
    with pytest.raises(
        EscoImportError,
        match=r"is not a folder\..*https://esco\.ec\.europa\.eu/en/use-esco/download",
    ):
        import_esco(Store(), tmp_path / "nowhere")
