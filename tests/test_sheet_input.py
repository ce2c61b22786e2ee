"""Reading a submission's tables: every row, named sheets, and bounded resources
(aqkg.intake.sheet_input, aqkg.intake.xlsx_guards). Each limit is tried at N and N+1, lowered where
N would
take long to write. The workbooks come from tests/hostile/shapes.py."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hostile import shapes
from test_ingest import FIXTURE, make_workbook

from aqkg.intake import sheet_input, xlsx_guards
from aqkg.intake.ingest import IngestError, ingest
from aqkg.intake.project_files import load_project_files
from aqkg.intake.sheet_input import read_tables
from aqkg.intake.templates import load_mapping
from aqkg.store.embedded import EmbeddedStore

HEADER = ["code", "title_en"]


@pytest.fixture(scope="module")
def context() -> EmbeddedStore:
    return load_project_files()


def _book(tmp_path: Path, rows: int = 3) -> Path:
    data: list[list[str | None]] = [HEADER, *([f"C{i}", f"T{i}"] for i in range(2, rows + 2))]
    return shapes.workbook(tmp_path / "book.xlsx", {"about": [["key", "value"]], "s": data})


def _rows(path: Path, sheet: str = "s") -> list[int]:
    (table,) = [t for t in read_tables(path) if t.name == sheet]
    return [number for number, _ in table.rows]


def _refused(path: Path, *words: str) -> str:
    with pytest.raises(IngestError) as refused:
        read_tables(path)
    message = str(refused.value)
    assert "\n" not in message and str(path) in message
    for word in words:
        assert word in message, message
    return message


# -- every row -----------------------------------------------------------------------------


def test_a_stale_dimension_hides_no_row(tmp_path: Path, context: EmbeddedStore) -> None:
    """Before: `<dimension ref="A1:K4">` with a record on row 5 published one record."""
    path = make_workbook(tmp_path / "ph.xlsx", context)
    expected = ingest(path)
    shapes.stale_dimension(path, "qualifications", "A1:K4")
    read = ingest(path)
    assert read.records == expected.records
    assert sorted(read.provenance.rows.values()) == sorted(expected.provenance.rows.values())
    assert ("qualifications", 5) in read.provenance.rows.values()


def test_sheet_names_are_exact_and_twins_are_violations(tmp_path: Path) -> None:
    path = shapes.workbook(
        tmp_path / "twins.xlsx",
        {
            "about": [["key", "value"], ["country", "PH"]],
            "qualifications": [["code"], ["d"], ["e"], ["Q1"]],
            "q2": [["code"], ["d"], ["e"], ["Q2"]],
            "Sources ": [["code"], ["d"], ["e"], ["s1"]],
            "x": [["code"], ["d"], ["e"], ["x"]],
            "Sheet9": [],
        },
    )
    # names no spreadsheet program writes (openpyxl neither)
    shapes.rename_sheet(path, "x", "../../x")
    shapes.rename_sheet(path, "q2", "QUALIFICATIONS")
    problems = {f.sheet: f.problem for f in ingest(path).findings if f.row is None}
    assert problems["QUALIFICATIONS"] == (
        "sheets 'qualifications' and 'QUALIFICATIONS' have one name, but for case or spaces: "
        "only 'qualifications' is read"
    )
    assert problems["Sources "] == (
        "sheet 'Sources ' is named like the template's 'sources', but not exactly"
    )
    assert (
        problems["../../x"] == "sheet '../../x' is not part of the template: its rows are not read"
    )
    assert "Sheet9" not in problems  # empty: nothing is lost


def test_csv_file_names_are_matched_like_sheets(tmp_path: Path) -> None:
    folder = tmp_path / "csv"
    shutil.copytree(FIXTURE, folder)
    shutil.copy(folder / "qualifications.csv", folder / "Qualifications.csv")
    findings = [f for f in ingest(folder).findings if f.sheet == "Qualifications"]
    assert [f.severity for f in findings] == ["Violation"]
    assert "'qualifications' and 'Qualifications' have one name" in findings[0].problem


def test_a_quote_left_open_is_a_violation_on_its_row(tmp_path: Path) -> None:
    """Before: the open quote swallowed the next four sources and the folder validated."""
    folder = tmp_path / "csv"
    shutil.copytree(FIXTURE, folder)
    sources = folder / "sources.csv"
    lines = sources.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace("https://", '"https://', 1)
    lines += [f'extra-{i},"Extra {i}",x,2020,https://example.org/{i}' for i in range(4)]
    sources.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (finding,) = [f for f in ingest(folder).findings if f.sheet == "sources"]
    assert (finding.row, finding.severity) == (4, "Violation")
    assert finding.problem.startswith("a quote opened in row 4 is not closed where its cell ends")


def test_a_quote_closed_late_leaves_values_in_unnamed_columns(tmp_path: Path) -> None:
    folder = tmp_path / "csv"
    shutil.copytree(FIXTURE, folder)
    sources = folder / "sources.csv"
    text = sources.read_text(encoding="utf-8").rstrip("\n")
    sources.write_text(text + '\nx1,T,P,2020,"https://a\nx2",T2,P2,2021,https://b\n', "utf-8")
    found = [f for f in ingest(folder).findings if f.sheet == "sources" and f.row == 5]
    assert {f.column for f in found} == {"column 6", "column 7", "column 8", "column 9"}
    assert found[0].problem == "a value in a column without a header: it would be lost"


def test_a_formula_without_a_value_is_named_not_read_as_empty(tmp_path: Path) -> None:
    """Before: "no code"."""
    path = shapes.formula_without_value(_book(tmp_path), "s", row=4, column=2)
    (table,) = [t for t in read_tables(path) if t.name == "s"]
    (finding,) = table.findings
    assert (finding.sheet, finding.row, finding.column) == ("s", 4, "title_en")
    assert finding.problem == "a formula without a stored value: it is read as an empty cell"


def test_a_latin1_byte_is_placed_by_line_and_column(tmp_path: Path) -> None:
    """Before: "at byte 5064" of a chunk, with no row."""
    folder = tmp_path / "csv"
    folder.mkdir()
    body = "code,title,publisher\n" + "a,b,c\n" * 3000 + "d,caf\xe9,f\n"
    (folder / "sources.csv").write_bytes(body.encode("latin-1"))
    message = _refused(folder, "not UTF-8 text")
    assert "byte 0xe9 at line 3002, column 2 (byte" in message
    assert "save it as 'CSV UTF-8'" in message


# -- limits, at N and N+1 ------------------------------------------------------------------


def test_the_column_limit_leaves_the_template_a_margin() -> None:
    widest = max(len(spec.columns) for spec in load_mapping().sheets)
    assert widest + 20 <= xlsx_guards.MAX_COLUMNS


def test_columns_at_the_limit_and_over(tmp_path: Path) -> None:
    limit = xlsx_guards.MAX_COLUMNS
    path = shapes.sheet_rows(_book(tmp_path), "s", [shapes.text_row(1, {limit: "h"})])
    assert read_tables(path)
    over = shapes.sheet_rows(_book(tmp_path), "s", [shapes.text_row(2, {limit + 1: "x"})])
    _refused(over, f"sheet 's', row 2: a cell in column {limit + 1}, over the {limit} column")


def test_cells_naming_one_column_count_too(tmp_path: Path) -> None:
    limit = xlsx_guards.MAX_COLUMNS
    cell = b'<c r="A2" t="inlineStr"><is><t>x</t></is></c>'
    rows = [b'<row r="2">' + cell * limit + b"</row>"]
    assert read_tables(shapes.sheet_rows(_book(tmp_path), "s", rows))
    over = [b'<row r="2">' + cell * (limit + 1) + b"</row>"]
    _refused(shapes.sheet_rows(_book(tmp_path), "s", over), f"row 2: over {limit} cells")


def test_the_issues_wide_workbook_is_refused_at_its_header(tmp_path: Path) -> None:
    path = shapes.wide_sheet(_book(tmp_path), "s", columns=16_384, rows=10_000)
    _refused(path, "row 1: a cell in column 51, over the 50 column limit")


def test_rows_at_the_limit_and_over(tmp_path: Path) -> None:
    limit = xlsx_guards.MAX_ROWS
    path = shapes.sheet_rows(_book(tmp_path), "s", [shapes.text_row(limit, {1: "x"})])
    assert _rows(path) == [limit]
    over = shapes.sheet_rows(_book(tmp_path), "s", [shapes.text_row(limit + 1, {1: "x"})])
    _refused(over, f"sheet 's' has a row {limit + 1}, over the {limit} row limit")


@pytest.mark.parametrize(
    ("limit", "bomb", "words"),
    [
        ("MAX_STYLE_ELEMENTS", shapes.styles_bomb, "style elements"),
        ("MAX_SHARED_STRINGS", shapes.shared_strings_bomb, "shared strings"),
        ("MAX_DEFINED_NAMES", shapes.defined_names_bomb, "defined names"),
    ],
)
def test_element_counts_at_the_limit_and_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: str, bomb: object, words: str
) -> None:
    monkeypatch.setattr(xlsx_guards, limit, 1000)
    # styles.xml has a few elements of its own besides the formats
    own = 9 if limit == "MAX_STYLE_ELEMENTS" else 0
    assert callable(bomb)
    assert read_tables(bomb(_book(tmp_path), 1000 - own))
    _refused(bomb(_book(tmp_path), 1001 - own), f"holds over 1000 {words}, the limit")


def test_other_parts_are_counted_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx_guards, "MAX_OTHER_ELEMENTS", 1000)
    assert read_tables(shapes.elements_bomb(_book(tmp_path), "xl/theme/big.xml", 999))
    big = shapes.elements_bomb(_book(tmp_path), "xl/theme/big.xml", 1000)
    _refused(big, "part xl/theme/big.xml holds over 1000 elements, the limit")


def test_a_part_over_its_size_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx_guards, "MAX_PART_BYTES", 20_000)
    assert read_tables(
        shapes.rewrite(_book(tmp_path), shapes.same, {"xl/media/a.bin": [b"x" * 20_000]})
    )
    big = shapes.rewrite(_book(tmp_path), shapes.same, {"xl/media/a.bin": [b"x" * 20_001]})
    _refused(big, "part xl/media/a.bin unpacks to 20001 bytes, over the 20000 byte limit")


def test_files_per_folder_at_the_limit_and_over(tmp_path: Path) -> None:
    folder = tmp_path / "csv"
    folder.mkdir()
    for index in range(sheet_input.MAX_FILES):
        (folder / f"f{index}.csv").write_text("a\n", encoding="utf-8")
    assert len(read_tables(folder)) == sheet_input.MAX_FILES
    (folder / "one-more.csv").write_text("a\n", encoding="utf-8")
    _refused(folder, f"51 CSV files, over the {sheet_input.MAX_FILES} file limit")


def test_csv_columns_and_folder_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    limit = xlsx_guards.MAX_COLUMNS
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "s.csv").write_text(",".join(["h"] * limit) + "\n", encoding="utf-8")
    assert read_tables(folder)
    (folder / "s.csv").write_text(",".join(["h"] * (limit + 1)) + "\n", encoding="utf-8")
    _refused(folder, f"row 1: a value in column {limit + 1}, over the {limit} column limit")
    monkeypatch.setattr(sheet_input, "MAX_SPREADSHEET_BYTES", 100)
    (folder / "s.csv").write_text("x" * 99 + "\n", encoding="utf-8")
    assert read_tables(folder)
    (folder / "t.csv").write_text("y\n", encoding="utf-8")
    _refused(folder, "102 bytes is over the 100 byte limit")


def test_records_in_all_sheets_at_the_limit_and_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each sheet under its row limit, the submission over its total (validation's memory)."""
    monkeypatch.setattr(sheet_input, "MAX_RECORDS", 10)
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "a.csv").write_text("h\n" + "x\n" * 6, encoding="utf-8")
    (folder / "b.csv").write_text("h\n" + "y\n" * 4, encoding="utf-8")
    assert sum(len(t.rows) for t in read_tables(folder)) == 10
    (folder / "b.csv").write_text("h\n" + "y\n" * 5, encoding="utf-8")
    _refused(folder, "over 10 rows of records in all, the limit; split the submission")
    book = shapes.workbook(tmp_path / "b.xlsx", {"s": [["h"], *([f"v{i}"] for i in range(11))]})
    _refused(book, "over 10 rows of records in all")
