"""`aqkg export`: the mapping records as SSSOM (read back with sssom-py, the mapping
community's own reader) and the store or one graph as N-Quads, TriG, Turtle, N-Triples and
JSON-LD (read back into the same statements)."""

from __future__ import annotations

import csv
from pathlib import Path

import pyoxigraph as ox
import pytest
from sssom.constants import SchemaValidationType
from sssom.parsers import parse_sssom_table
from sssom.validators import validate

from aqkg.cli.main import main
from aqkg.paths import ILLUSTRATIVE_GRAPH
from aqkg.store.embedded import EmbeddedStore

pytest_plugins = ["served_store"]

AQKG = "https://w3id.org/aqkg/ontology#"


def _records(store: EmbeddedStore) -> dict[str, dict[str, str]]:
    """Each mapping record's facts as the store holds them, by record IRI."""
    result = store.select(
        "PREFIX aqkg: <https://w3id.org/aqkg/ontology#> "
        "SELECT ?r ?s ?o ?m ?c ?status WHERE { ?r a aqkg:MappingRecord ; aqkg:mappingSubject ?s ;"
        " aqkg:mappingObject ?o ; aqkg:mappingPredicate ?m ; aqkg:curationStatus ?status "
        "OPTIONAL { ?r aqkg:confidence ?c } }"
    )
    return {
        str(row[0].value): {
            "subject": str(row[1].value),
            "object": str(row[2].value),
            "match": str(row[3].value).removeprefix(AQKG),
            "confidence": "" if row[4] is None else str(row[4].value),
            "status": str(row[5].value).removeprefix(AQKG),
        }
        for row in result.rows
        if row[0] is not None
        and row[1] is not None
        and row[2] is not None
        and row[3] is not None
        and row[5] is not None
    }


def test_the_mappings_export_is_an_sssom_set_sssom_py_reads(
    shipped_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "mappings.sssom.tsv"
    assert main(["export", "mappings", "--store", str(shipped_store), "-o", str(output)]) == 0
    expected = _records(EmbeddedStore.open(shipped_store))
    assert f"{len(expected)} mapping records" in capsys.readouterr().err

    msdf = parse_sssom_table(output)
    validate(msdf, [SchemaValidationType.JsonSchema, SchemaValidationType.PrefixMapCompleteness])
    assert msdf.metadata["license"] == "https://w3id.org/sssom/license/unspecified"
    frame = msdf.df
    assert len(frame) == len(expected)
    expand = msdf.converter.expand
    rows = {expand(r["record_id"]): r for r in frame.to_dict("records")}
    assert set(rows) == set(expected)
    skos = {
        "ExactMatch": "skos:exactMatch",
        "CloseMatch": "skos:closeMatch",
        "BroadMatch": "skos:broadMatch",
        "NarrowMatch": "skos:narrowMatch",
        "NoMatch": "skos:mappingRelation",
    }
    for record, facts in expected.items():
        row = rows[record]
        assert expand(row["subject_id"]) == facts["subject"]
        assert expand(row["object_id"]) == facts["object"]
        assert row["predicate_id"] == skos[facts["match"]]
        assert (row.get("predicate_modifier") or "") == (
            "Not" if facts["match"] == "NoMatch" else ""
        )
        assert str(row["mapping_justification"]).startswith("semapv:")
        if facts["confidence"]:
            assert float(row["confidence"]) == float(facts["confidence"])
        assert row["subject_label"] and row["author_label"]

    # the curation status: an extension column, declared in the metadata (SSSOM 1.0)
    (extension,) = msdf.metadata["extension_definitions"]
    assert extension["property"] == AQKG + "curationStatus"
    lines = [line for line in output.read_text("utf-8").splitlines() if not line.startswith("#")]
    table = list(csv.DictReader(lines, delimiter="\t"))
    statuses = {expand(r["record_id"]): r["curation_status"] for r in table}
    assert statuses == {r: "aqkg:" + f["status"] for r, f in expected.items()}
    assert "aqkg:Illustrative" in statuses.values()


@pytest.mark.parametrize(
    ("fmt", "rdf_format", "graph"),
    [
        ("nq", ox.RdfFormat.N_QUADS, None),
        ("jsonld", ox.RdfFormat.JSON_LD, None),
        ("trig", ox.RdfFormat.TRIG, ILLUSTRATIVE_GRAPH),
        ("ttl", ox.RdfFormat.TURTLE, ILLUSTRATIVE_GRAPH),
    ],
)
def test_the_graph_export_reads_back_into_the_same_statements(
    shipped_store: Path, tmp_path: Path, fmt: str, rdf_format: ox.RdfFormat, graph: str | None
) -> None:
    output = tmp_path / f"dump.{fmt}"
    arguments = ["export", "graph", "--store", str(shipped_store), "--format", fmt]
    assert main([*arguments, "-o", str(output), *(["--graph", graph] if graph else [])]) == 0
    store = EmbeddedStore.open(shipped_store).oxigraph
    node = ox.NamedNode(graph) if graph else None
    held = set(store.quads_for_pattern(None, None, None, node))
    read = list(ox.parse(path=str(output), format=rdf_format))
    if rdf_format.supports_datasets:
        assert set(read) == held and len(read) == len(held)
    else:
        assert {ox.Triple(q.subject, q.predicate, q.object) for q in read} == {
            ox.Triple(q.subject, q.predicate, q.object) for q in held
        }


def test_export_errors_are_one_line(
    shipped_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = ["--store", str(shipped_store)]
    assert (
        main(["export", "graph", *store, "--graph", "urn:x:none", "-o", str(tmp_path / "a")]) == 2
    )
    assert main(["export", "graph", *store, "-o", str(tmp_path / "missing" / "a.nq")]) == 2
    empty = tmp_path / "empty"
    ox.Store(str(empty)).flush()
    assert main(["export", "mappings", "--store", str(empty), "-o", str(tmp_path / "m.tsv")]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 3 and all(line.startswith("aqkg: error: ") for line in lines)
    assert "no graph <urn:x:none>" in lines[0] and "no mapping records" in lines[2]
    assert not list(tmp_path.glob("**/*.partial"))
