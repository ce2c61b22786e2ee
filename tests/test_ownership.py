"""Ownership of records: a country's submission describes only its own records
(aqkg.validation.ownership),
through validate, publish and the templates' drop-down lists. Submissions are FICTIONAL."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from openpyxl import load_workbook
from test_ingest import Rows, make_workbook

from aqkg.cli.main import main
from aqkg.intake.templates import controlled_lists, write_template
from aqkg.store.embedded import EmbeddedStore
from aqkg.submissions.publish import PublishError, commit_version, publish
from aqkg.submissions.sheet_report import SheetReport, validate_spreadsheet
from aqkg.validation.ownership import graph_owner, record_owner
from aqkg.validation.report import Report
from aqkg.validation.validate import validate_files

ID = "https://w3id.org/aqkg/id/"
PREFIXES = """@prefix aqkg: <https://w3id.org/aqkg/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
"""
# The submission: PH rewriting Thailand's qualification, an AQRF level, an MRA, a
# curated regional source, and adding a level to Thailand's framework.
TRESPASSING = (
    PREFIXES
    + """
<https://w3id.org/aqkg/id/qualification/TH/DSD-BEW-L1> skos:prefLabel "Rewritten"@en ;
    aqkg:curationStatus aqkg:Verified .
<https://w3id.org/aqkg/id/level/ASEAN/AQRF-5> skos:prefLabel "Level five, rewritten"@en .
<https://w3id.org/aqkg/id/arrangement/ASEAN/mra-engineering>
    aqkg:coversOccupation <https://w3id.org/aqkg/id/occupation/TH/building-electrician> .
<https://w3id.org/aqkg/id/source/mra-acpecc-about> aqkg:url "https://example.org/evil" .
<https://w3id.org/aqkg/id/level/TH/TNQF-9> a aqkg:FrameworkLevel ;
    aqkg:inFramework <https://w3id.org/aqkg/id/framework/TH/TNQF> ; aqkg:rank 9 .
"""
)
PH_RECORD = (
    "<https://w3id.org/aqkg/id/qualification/PH/X> <http://www.w3.org/2004/02/skos/core#"
    'prefLabel> "X"@en .\n'
)
FOREIGN = {
    ID + "qualification/TH/DSD-BEW-L1": "TH",
    ID + "level/ASEAN/AQRF-5": "the regional curation (ASEAN)",
    ID + "arrangement/ASEAN/mra-engineering": "the regional curation (ASEAN)",
    ID + "source/mra-acpecc-about": "the regional curation (ASEAN)",
    ID + "level/TH/TNQF-9": "TH",
}


pytest_plugins = ["project_stores"]  # context, base_store, store_path


def _turtle(tmp_path: Path, text: str, name: str = "submission.ttl") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _ownership(report: Report | SheetReport) -> dict[str, str]:
    """Foreign record (or placed-into record) -> message, for the ownership findings."""
    found = {}
    for finding in report.findings:
        if "is a record of" in finding_text(finding) or "is placed in" in finding_text(finding):
            found[finding.focus or ""] = finding_text(finding)
    return found


def finding_text(finding: object) -> str:
    return str(getattr(finding, "message", None) or getattr(finding, "fix", ""))


@pytest.mark.parametrize(
    ("iri", "owner"),
    [
        (ID + "qualification/PH/NC-II", "PH"),
        (ID + "level/TH/TNQF-9", "TH"),
        (ID + "org/LA/MOLSW", "LA"),
        (ID + "mapping/VN/x", "VN"),
        (ID + "level/ASEAN/AQRF-5", "ASEAN"),
        (ID + "org/ASEAN/AQRFC", "ASEAN"),
        (ID + "country/PH", "ASEAN"),  # the member-states vocabulary
        (ID + "sector/construction", "ASEAN"),
        (ID + "qualification/XX/y", "ASEAN"),  # not a member state: nobody's but the curators'
        ("http://data.europa.eu/esco/isco/C7112", "ASEAN"),
        (ID + "source/anything", None),
    ],
)
def test_the_owner_of_a_record_is_read_from_its_iri(iri: str, owner: str | None) -> None:
    assert record_owner(iri) == owner


@pytest.mark.parametrize(
    ("graph", "owner"),
    [
        ("https://w3id.org/aqkg/graph/data/countries/th/nqf", "TH"),
        ("https://w3id.org/aqkg/graph/published/ph", "PH"),
        ("https://w3id.org/aqkg/graph/data/regional/mrs", "ASEAN"),
        ("https://w3id.org/aqkg/graph/data/sources/arrangements", "ASEAN"),
        ("https://w3id.org/aqkg/graph/inferred", "ASEAN"),
    ],
)
def test_the_owner_of_a_graph(graph: str, owner: str) -> None:
    assert graph_owner(graph) == owner


def test_validate_names_every_foreign_record_and_its_owner(
    tmp_path: Path, context: EmbeddedStore
) -> None:
    report = validate_files([_turtle(tmp_path, TRESPASSING)], context, "PH")
    found = _ownership(report)
    assert set(found) == set(FOREIGN)
    for record, owner in FOREIGN.items():
        assert f"{record} is a record of {owner}: a submission for PH" in found[record]
    assert not report.conforms


def test_cli_validate_takes_the_country_or_infers_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _turtle(tmp_path, TRESPASSING)
    assert main(["validate", "--country", "PH", str(path)]) == 1
    out = capsys.readouterr().out
    assert out.count("is a record of") == len(FOREIGN)
    # without --country the file is TH's (its only member state's records are TH's)
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert "qualification/TH/DSD-BEW-L1 is a record" not in out
    assert "level/ASEAN/AQRF-5 is a record of the regional curation (ASEAN)" in out
    assert main(["validate", "--country", "XY", str(path)]) == 2
    assert "'XY' is not an ASEAN member state code" in capsys.readouterr().err
    # records of two member states: curated data (aqkg synth's, say), not one's submission
    both = _turtle(tmp_path, TRESPASSING + PH_RECORD, "both.ttl")
    main(["validate", str(both)])
    assert "is a record of" not in capsys.readouterr().out


def test_publish_refuses_foreign_records_and_changes_nothing(
    tmp_path: Path, store_path: Path
) -> None:
    before = set(ox.Store.read_only(str(store_path)))
    with pytest.raises(PublishError) as refused:
        publish(_turtle(tmp_path, TRESPASSING), "PH", store_path)
    assert refused.value.report is not None
    assert set(_ownership(refused.value.report)) == set(FOREIGN)
    assert set(ox.Store.read_only(str(store_path))) == before


def test_a_level_placed_in_another_countrys_framework_is_refused(
    tmp_path: Path, context: EmbeddedStore
) -> None:
    placed = [
        ("level/PH/X", "inFramework", "framework/TH/TNQF"),
        ("unit/PH/U", "partOfStandard", "standard/ASEAN/RMCS-X"),
        ("org/PH/O", "memberState", "country/TH"),
        ("level/PH/Y", "inFramework", "framework/PH/PQF"),
    ]
    text = "".join(f"<{ID}{s}> <{AQKG}{p}> <{ID}{o}> .\n" for s, p, o in placed)
    report = validate_files([_turtle(tmp_path, text)], context, "PH")
    found = _ownership(report)
    assert set(found) == {ID + "level/PH/X", ID + "unit/PH/U", ID + "org/PH/O"}
    assert (
        f"{ID}level/PH/X is placed in {ID}framework/TH/TNQF (inFramework), a record of TH"
        in found[ID + "level/PH/X"]
    )
    assert "a record of the regional curation (ASEAN)" in found[ID + "unit/PH/U"]
    assert f"placed in {ID}country/TH (memberState), a record of TH" in found[ID + "org/PH/O"]


def test_a_shared_organisation_belongs_to_the_country_of_its_iri(
    tmp_path: Path, context: EmbeddedStore
) -> None:
    """org/LA/MOLSW is described by data/regional/mrs.ttl too: Lao PDR may describe it,
    the Philippines only point to it."""
    text = f'<{ID}org/LA/MOLSW> <http://www.w3.org/2004/02/skos/core#altLabel> "MoLSW"@en .\n'
    path = _turtle(tmp_path, text)
    assert not _ownership(validate_files([path], context, "LA"))
    found = _ownership(validate_files([path], context, "PH"))
    assert f"{ID}org/LA/MOLSW is a record of LA" in found[ID + "org/LA/MOLSW"]


def test_a_source_is_its_introducers(tmp_path: Path, store_path: Path) -> None:
    """A new source is the submitter's; once published by TH, it is TH's to describe."""
    source = ID + "source/fictional-th-register"
    text = PREFIXES + f'<{source}> aqkg:url "https://example.org/x" .\n'
    path = _turtle(tmp_path, text)
    context = EmbeddedStore.open(store_path)
    assert not _ownership(validate_files([path], context, "PH"))
    del context
    commit_version(store_path, "TH", [_triple(source, "https://example.org/p", "x")], "test")
    context = EmbeddedStore.open(store_path)
    found = _ownership(validate_files([path], context, "PH"))
    assert f"{source} is a record of TH" in found[source]
    assert not _ownership(validate_files([path], context, "TH"))


def _triple(subject: str, predicate: str, value: str) -> ox.Triple:
    return ox.Triple(ox.NamedNode(subject), ox.NamedNode(predicate), ox.Literal(value))


def _reuse_regional_source(rows: Rows) -> None:
    rows["sources"].append(
        {
            "code": "mra-acpecc-about",
            "title": "A second page",
            "publisher": "x",
            "year": "2020",
            "url": "https://example.org/second",
        }
    )


def test_a_sources_row_reusing_a_curated_code_is_a_violation_on_its_row(
    tmp_path: Path, context: EmbeddedStore
) -> None:
    path = make_workbook(tmp_path / "ph.xlsx", context, _reuse_regional_source)
    report, _ = validate_spreadsheet(path, context)
    (finding,) = [f for f in report.findings if "is a record of" in f.fix]
    assert (finding.sheet, finding.row, finding.severity) == ("sources", 5, "Violation")
    assert finding.problem == "record of the regional curation (ASEAN)"
    assert f"{ID}source/mra-acpecc-about is a record of the regional curation" in finding.fix


def test_templates_offer_levels_from_their_owners_data_only(
    tmp_path: Path, store_path: Path
) -> None:
    """Before: a PH file placing TNQF-9 in Thailand's framework put it in TH's drop-down.
    Published before ownership was checked (commit_version does not validate), it stays out."""
    framework, level = ID + "framework/TH/TNQF", ID + "level/TH/TNQF-9"
    planted = [
        ox.Triple(ox.NamedNode(level), ox.NamedNode(f"{AQKG}inFramework"), ox.NamedNode(framework)),
        ox.Triple(ox.NamedNode(level), ox.NamedNode(f"{AQKG}rank"), ox.Literal(9)),
        ox.Triple(
            ox.NamedNode(ID + "sector/planted"),
            ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            ox.NamedNode(f"{AQKG}Sector"),
        ),
    ]
    commit_version(store_path, "PH", planted, "planted before the ownership rule")
    store = EmbeddedStore.open(store_path)
    lists = controlled_lists("TH", store)
    assert "TNQF-9" not in lists["level"] and "TNQF-1" in lists["level"]
    assert "planted" not in lists["sector"] and lists["sector"]
    workbook = load_workbook(write_template("TH", tmp_path / "th.xlsx", lists))
    help_row = " ".join(str(cell.value) for cell in workbook["qualifications"][2])
    assert "TNQF-1" in help_row and "TNQF-9" not in help_row


AQKG = "https://w3id.org/aqkg/ontology#"
