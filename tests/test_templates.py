"""Blank submission templates: sheets, description and example rows, drop-down lists, and
text that can never become a formula."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from aqkg.intake.project_files import load_project_files
from aqkg.intake.templates import (
    FIRST_DATA_ROW,
    TemplateError,
    controlled_lists,
    load_mapping,
    write_template,
)

RECORD_SHEETS = {
    "sources",
    "organisations",
    "framework",
    "levels",
    "referencing",
    "alignments",
    "occupations",
    "standards",
    "units",
    "qualifications",
    "mappings",
}


@pytest.fixture(scope="module")
def ph_lists() -> dict[str, list[str]]:
    return controlled_lists("PH", load_project_files())


def test_workbook_has_one_sheet_per_kind_of_record(
    tmp_path: Path, ph_lists: dict[str, list[str]]
) -> None:
    workbook = load_workbook(write_template("PH", tmp_path / "ph.xlsx", ph_lists))
    assert RECORD_SHEETS | {"about", "lists"} == set(workbook.sheetnames)
    assert workbook["lists"].sheet_state == "hidden"
    assert workbook["about"]["B2"].value == "PH"
    for spec in load_mapping().sheets:
        sheet = workbook[spec.name]
        assert [c.value for c in sheet[1]] == [c.name for c in spec.columns]
        assert all(c.value for c in sheet[2]), f"{spec.name}: a column has no description"
        assert any(c.value for c in sheet[3]), f"{spec.name}: no example row"
        assert sheet.freeze_panes == f"A{FIRST_DATA_ROW}"


def test_controlled_values_have_drop_down_lists(
    tmp_path: Path, ph_lists: dict[str, list[str]]
) -> None:
    assert ph_lists["level"] == [f"PQF-{rank}" for rank in range(1, 9)]
    assert "7112" in ph_lists["isco"] and "construction" in ph_lists["sector"]
    workbook = load_workbook(write_template("PH", tmp_path / "ph.xlsx", ph_lists))
    lists = workbook["lists"]
    named = {lists.cell(row=1, column=i).value: i for i in range(1, lists.max_column + 1)}
    sheet = workbook["qualifications"]
    by_column = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
    level = by_column[f"D{FIRST_DATA_ROW}:D2000"]
    assert level.type == "list" and "lists!" in str(level.formula1)
    status = by_column[f"K{FIRST_DATA_ROW}:K2000"]
    assert status.errorStyle == "stop"
    values = [lists.cell(row=r, column=named["curation-status"]).value for r in (2, 3, 4)]
    assert values == ["verified", "unverified", "illustrative"]
    alignments = {str(v.sqref) for v in workbook["alignments"].data_validations.dataValidation}
    assert f"D{FIRST_DATA_ROW}:D2000" in alignments  # match type


def test_formula_like_text_is_written_as_text(tmp_path: Path) -> None:
    lists = {"sector": ["=cmd|' /C calc'!A0", "+1", "-1", "@SUM(A1)"]}
    path = write_template("PH", tmp_path / "t.xlsx", lists)
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name), name
    sheet = load_workbook(path)["lists"]
    cells = [c for c in sheet["A"][1:] if c.value]
    assert [c.value for c in cells] == lists["sector"]
    assert {c.data_type for c in cells} == {"s"}
    folder = write_template("PH", tmp_path / "csv", lists)
    with (folder / "qualifications.csv").open(encoding="utf-8", newline="") as handle:
        help_row = list(csv.reader(handle))[1]
    assert "Allowed: =cmd" in " ".join(help_row)  # inside a sentence: harmless


def test_csv_folder_has_the_same_layout(tmp_path: Path, ph_lists: dict[str, list[str]]) -> None:
    folder = write_template("PH", tmp_path / "ph", ph_lists)
    assert {p.stem for p in folder.glob("*.csv")} == RECORD_SHEETS | {"about"}
    for spec in load_mapping().sheets:
        with (folder / f"{spec.name}.csv").open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        assert rows[0] == [c.name for c in spec.columns] and len(rows) == FIRST_DATA_ROW - 1


def test_bad_country_or_output_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="not an ASEAN member state"):
        write_template("FR", tmp_path / "fr.xlsx", {})
    with pytest.raises(TemplateError, match="xlsx"):
        write_template("PH", tmp_path / "ph.ods", {})


def test_csv_cells_are_protected_and_read_back() -> None:
    from aqkg.intake.sheet_input import _uncsv
    from aqkg.intake.templates import csv_safe

    for text in ("=1+1", "+1", "-1", "@A1"):
        assert csv_safe(text) == "'" + text and _uncsv(csv_safe(text)) == text
    assert csv_safe("plain") == "plain" and _uncsv("'quoted") == "'quoted"
