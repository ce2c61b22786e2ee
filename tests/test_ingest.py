"""Ingest of filled templates (XLSX and CSV) and validation reported by sheet, row and column.

The submission fixture tests/fixtures/spreadsheets/ph-fictional is FICTIONAL (made-up
qualifications, units and mapping, curation status illustrative) placed on the real PQF.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
from openpyxl import load_workbook

from aqkg.intake import sheet_input
from aqkg.intake.ingest import IngestError, ingest
from aqkg.intake.project_files import load_project_files
from aqkg.intake.templates import controlled_lists, write_template
from aqkg.store.embedded import EmbeddedStore
from aqkg.submissions.sheet_report import FORMATTERS, SheetReport, validate_spreadsheet

FIXTURE = Path(__file__).parent / "fixtures" / "spreadsheets" / "ph-fictional"
ID = "https://w3id.org/aqkg/id/"
Rows = dict[str, list[dict[str, str]]]


def fixture_rows() -> Rows:
    """The data rows (row 4 on) of every sheet of the fictional fixture."""
    rows: Rows = {}
    for file in sorted(FIXTURE.glob("*.csv")):
        if file.stem == "about":
            continue
        with file.open(encoding="utf-8", newline="") as handle:
            records = list(csv.DictReader(handle))
        rows[file.stem] = records[2:]
    return rows


def make_workbook(
    path: Path, context: EmbeddedStore, edit: Callable[[Rows], None] | None = None
) -> Path:
    """A template for PH filled with the fixture's rows, changed by `edit`, as an officer would."""
    rows = fixture_rows()
    if edit:
        edit(rows)
    write_template("PH", path, controlled_lists("PH", context))
    workbook = load_workbook(path)
    for sheet_name, records in rows.items():
        sheet = workbook[sheet_name]
        headers = [cell.value for cell in sheet[1]]
        for offset, record in enumerate(records):
            for index, header in enumerate(headers, start=1):
                value = record.get(str(header)) or None
                sheet.cell(row=4 + offset, column=index, value=value)
    workbook.save(path)
    return path


@pytest.fixture(scope="module")
def context() -> EmbeddedStore:
    return load_project_files()


def test_csv_folder_and_workbook_give_the_same_triples(
    tmp_path: Path, context: EmbeddedStore
) -> None:
    from_csv = ingest(FIXTURE)
    from_xlsx = ingest(make_workbook(tmp_path / "ph.xlsx", context))
    assert from_csv.country == from_xlsx.country == "PH"
    assert not from_csv.findings and not from_xlsx.findings
    assert set(from_csv.triples) == set(from_xlsx.triples)
    assert from_csv.records == 9


def test_iris_are_deterministic_from_codes() -> None:
    triples = set(ingest(FIXTURE).triples)
    qualification = ox.NamedNode(ID + "qualification/PH/TEST-TILING-NC-II")
    expected = [
        (qualification, "https://w3id.org/aqkg/ontology#hasLevel", ID + "level/PH/PQF-2"),
        (qualification, "https://w3id.org/aqkg/ontology#requiresUnit", ID + "unit/PH/TEST-U-3"),
        (qualification, "https://w3id.org/aqkg/ontology#awardedBy", ID + "org/PH/TESDA"),
        (
            ox.NamedNode(ID + "mapping/PH/test-map-1"),
            "https://w3id.org/aqkg/ontology#mappingObject",
            ID + "unit/ASEAN/CS-B5",
        ),
    ]
    for subject, predicate, obj in expected:
        assert ox.Triple(subject, ox.NamedNode(predicate), ox.NamedNode(obj)) in triples
    assert set(ingest(FIXTURE).triples) == triples


def test_provenance_points_to_the_cell() -> None:
    result = ingest(FIXTURE)
    cell = result.provenance.locate(
        ID + "qualification/PH/TEST-TILING-NC-II",
        "https://w3id.org/aqkg/ontology#requiresUnit",
        ID + "unit/PH/TEST-U-3",
    )
    assert cell is not None
    assert (cell.sheet, cell.row, cell.column, cell.value) == (
        "qualifications",
        5,
        "units",
        "TEST-U-3",
    )


def _set(sheet: str, index: int, **values: str) -> Callable[[Rows], None]:
    def edit(rows: Rows) -> None:
        rows[sheet][index].update(values)

    return edit


def _findings(tmp_path: Path, context: EmbeddedStore, edit: Callable[[Rows], None]) -> SheetReport:
    report, _ = validate_spreadsheet(make_workbook(tmp_path / "s.xlsx", context, edit), context)
    return report


@pytest.mark.parametrize(
    ("edit", "where", "value"),
    [
        (_set("mappings", 0, date="2026-02-30"), ("mappings", 4, "date"), "2026-02-30"),
        (_set("mappings", 0, confidence="high"), ("mappings", 4, "confidence"), "high"),
        (
            _set("qualifications", 1, curation_status="maybe"),
            ("qualifications", 5, "curation_status"),
            "maybe",
        ),
        (_set("units", 1, code="TEST U 2"), ("units", 5, "code"), "TEST U 2"),
        (_set("sources", 0, year="twenty"), ("sources", 4, "year"), "twenty"),
    ],
)
def test_bad_cells_are_reported_where_they_are(
    tmp_path: Path,
    context: EmbeddedStore,
    edit: Callable[[Rows], None],
    where: tuple[str, int, str],
    value: str,
) -> None:
    result = ingest(make_workbook(tmp_path / "s.xlsx", context, edit))
    located = [(f.sheet, f.row, f.column) for f in result.findings if f.severity == "Violation"]
    assert located == [where]
    assert result.findings[0].value == value
    assert result.findings[0].fix


def _add(sheet: str, **values: str) -> Callable[[Rows], None]:
    def edit(rows: Rows) -> None:
        rows[sheet].append(values)

    return edit


def _add_alignments(rows: Rows) -> None:
    common = {"framework": "PQF", "match_type": "exact", "curation_status": "illustrative"}
    common["source"] = "aqkg-test-fictional-ph"
    rows["alignments"] = [
        {**common, "national_level": "4", "aqrf_level": "5"},
        {**common, "national_level": "5", "aqrf_level": "4"},
    ]


# Each cross-record rule of the issue, with the cell its report must name.
CROSS_RECORD_CASES = {
    "level not in the country's NQF": (
        _set("qualifications", 0, level="PQF-9"),
        ("qualifications", 4, "level", "PQF-9"),
    ),
    "non-monotonic referencing": (_add_alignments, ("alignments", 5, "national_level", "5")),
    "unit code used twice": (
        _add(
            "units",
            code="TEST-U-2",
            title_en="Lay wall tiles (fictional)",
            standard="TEST-STD-TILING",
            source="aqkg-test-fictional-ph",
            curation_status="illustrative",
        ),
        ("units", 7, "code", "TEST-U-2"),
    ),
    "mapping without justification": (
        _set("mappings", 0, justification=""),
        ("mappings", 4, "justification", None),
    ),
    "missing English title": (
        _set("qualifications", 1, title_en=""),
        ("qualifications", 5, "title_en", None),
    ),
}


@pytest.mark.parametrize("rule", sorted(CROSS_RECORD_CASES))
def test_cross_record_rule_names_sheet_row_column(
    tmp_path: Path, context: EmbeddedStore, rule: str
) -> None:
    edit, expected = CROSS_RECORD_CASES[rule]
    report = _findings(tmp_path, context, edit)
    violations = [f for f in report.findings if f.severity == "Violation"]
    assert not report.conforms
    assert [(f.sheet, f.row, f.column, f.value) for f in violations] == [expected]
    assert violations[0].fix


def test_fixture_conforms(tmp_path: Path, context: EmbeddedStore) -> None:
    report, _ = validate_spreadsheet(FIXTURE, context)
    assert report.conforms, FORMATTERS["text"](report)
    assert report.records == 9


def test_report_formats_escape_public_values(tmp_path: Path, context: EmbeddedStore) -> None:
    evil = "<script>alert(1)</script>|x"
    report = _findings(tmp_path, context, _set("qualifications", 0, curation_status=evil))
    page = FORMATTERS["html"](report)
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "\\|x" in FORMATTERS["markdown"](report)
    payload = json.loads(FORMATTERS["json"](report))
    assert payload["findings"][0]["row"] == 4 and payload["conforms"] is False
    graph = FORMATTERS["turtle"](report)
    assert "sh:ValidationReport" in graph and "sheet qualifications, row 4" in graph
    assert "sheet qualifications, row 4, column curation_status" in FORMATTERS["text"](report)


def test_formulas_in_input_are_never_evaluated_nor_copied(
    tmp_path: Path, context: EmbeddedStore
) -> None:
    path = make_workbook(tmp_path / "f.xlsx", context)
    workbook = load_workbook(path)
    workbook["qualifications"]["B4"] = '=HYPERLINK("http://evil.example","x")'
    workbook.save(path)
    result = ingest(path)
    assert not any(str(t.object.value).startswith("=") for t in result.triples)


def test_unusable_input_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    not_xlsx = tmp_path / "x.xlsx"
    not_xlsx.write_text("hello")
    cases = [tmp_path / "missing.xlsx", not_xlsx, tmp_path / "x.ods"]
    (tmp_path / "x.ods").write_text("")
    for path in cases:
        with pytest.raises(IngestError) as caught:
            ingest(path)
        assert "\n" not in str(caught.value) and str(path) in str(caught.value)
    monkeypatch.setattr(sheet_input, "MAX_SPREADSHEET_BYTES", 10)
    with pytest.raises(IngestError, match="byte limit"):
        ingest(FIXTURE)


def test_country_must_match_the_template() -> None:
    with pytest.raises(IngestError, match="for PH, not TH"):
        ingest(FIXTURE, country="TH")
    assert ingest(FIXTURE, country="ph").country == "PH"
