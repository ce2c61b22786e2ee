"""Reading a submission's tables (the sheets of an .xlsx workbook, or a folder of CSV files),
every row, in bounded memory.

Nothing is lost without a word: a workbook's declared `<dimension>` is ignored (openpyxl's
reset_dimensions) so every non-empty row is read; a value in a column without a header, a
quote left open in a CSV file, a formula without a stored value are reported where they are.
Nothing is read unbounded: a workbook passes aqkg.intake.xlsx_guards before openpyxl opens it; CSV
files are limited in number, total size, field size (the csv module's own limit), columns and
rows, each checked while the rows stream in. Values are read, never formulas (openpyxl
data_only), and nothing is fetched from the network.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from aqkg.intake.templates import FORMULA_STARTS
from aqkg.intake.xlsx_guards import (
    MAX_COLUMNS,
    MAX_ROWS,
    WorkbookRefused,
    WorkbookScan,
    scan_workbook,
)

MAX_SPREADSHEET_BYTES = 20 * 1024 * 1024  # a workbook, or all the CSV files of a folder
MAX_FILES = 50  # CSV files in a folder (the template has 12)
# Non-empty rows in all the sheets together: validation takes about 11 KB a record, so this
# keeps a submission under 512 MB and 30 s (benchmarks/HOSTILE.md)
MAX_RECORDS = 30_000


class IngestError(Exception):
    """The input cannot be read as a submission template; the message is one line."""


@dataclass(frozen=True)
class SheetFinding:
    """One problem, located where the officer can fix it."""

    sheet: str | None
    row: int | None
    column: str | None
    value: str | None
    severity: str
    problem: str
    fix: str
    focus: str | None = None
    path: str | None = None
    shape: str | None = None


Row = dict[str, str | None]


@dataclass
class Table:
    """A sheet or CSV file: `name` as written (untrimmed), rows numbered as shown."""

    name: str
    headers: list[str]
    rows: list[tuple[int, Row]]
    hidden: bool = False
    findings: list[SheetFinding] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.name.strip()


def read_tables(path: Path) -> list[Table]:
    """Every sheet (or CSV file) as a table, in the order of the file (or of the names)."""
    if path.is_dir():
        return _read_csv_folder(path, _Budget(path))
    if not path.is_file():
        raise IngestError(f"{path}: no such file or folder")
    if path.suffix.lower() != ".xlsx":
        raise IngestError(f"{path}: give an .xlsx workbook or a folder of CSV files")
    _check_size(path, path.stat().st_size)
    return _read_workbook(path, _Budget(path))


class _Budget:
    """The non-empty rows a submission may still hold, counted as they are read."""

    def __init__(self, origin: Path) -> None:
        self.origin, self.left = origin, MAX_RECORDS

    def spend(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise IngestError(
                f"{self.origin}: over {MAX_RECORDS} rows of records in all, the limit; split "
                "the submission into several files, published one after the other"
            )


def _check_size(path: Path, size: int) -> None:
    if size > MAX_SPREADSHEET_BYTES:
        raise IngestError(
            f"{path}: {size} bytes is over the {MAX_SPREADSHEET_BYTES} byte limit; split the file"
        )


# -- workbooks -----------------------------------------------------------------------------


def _read_workbook(path: Path, budget: _Budget) -> list[Table]:
    from openpyxl import load_workbook
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    try:
        with zipfile.ZipFile(path) as archive:
            scan = scan_workbook(archive)
        workbook = load_workbook(path, read_only=True, data_only=True)
        try:
            tables = []
            for sheet in workbook.worksheets:
                assert isinstance(sheet, ReadOnlyWorksheet)
                sheet.reset_dimensions()  # a stale <dimension> would hide the rows after it
                rows = sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
                table = Table(sheet.title, [], [])
                _fill(table, rows, path, budget)
                table.hidden = sheet.sheet_state != "visible"
                _report_formulas(table, scan)
                tables.append(table)
            return tables
        finally:
            workbook.close()
    except WorkbookRefused as error:
        raise IngestError(f"{path}: {error}") from None
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        KeyError,
        ValueError,
        TypeError,  # openpyxl's descriptors refuse an element of the wrong kind
        OSError,
    ) as error:
        raise IngestError(f"{path}: not a readable .xlsx workbook ({error})") from None
    except SyntaxError as error:  # xml.etree's ParseError: malformed XML
        raise IngestError(f"{path}: not a readable .xlsx workbook (bad XML: {error})") from None


def _report_formulas(table: Table, scan: WorkbookScan) -> None:
    """openpyxl reads a formula without a stored value as an empty cell: say what it is."""
    sheet = scan.sheets.get(table.name)
    for row, column in sheet.formulas_without_value if sheet else []:
        header = table.headers[column - 1] if column <= len(table.headers) else None
        table.findings.append(
            SheetFinding(
                table.name,
                row,
                header or f"column {column}",
                None,
                "Violation",
                "a formula without a stored value: it is read as an empty cell",
                "Type the value itself (or open and save the file in a spreadsheet program, "
                "which stores the formula's value).",
            )
        )


# -- CSV folders ---------------------------------------------------------------------------


def _read_csv_folder(folder: Path, budget: _Budget) -> list[Table]:
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".csv" and p.is_file())
    if not files:
        raise IngestError(f"{folder}: no CSV files in this folder")
    if len(files) > MAX_FILES:
        raise IngestError(
            f"{folder}: {len(files)} CSV files, over the {MAX_FILES} file limit (the template "
            "has 12); remove the others"
        )
    _check_size(folder, sum(p.stat().st_size for p in files))
    return [_read_csv(file, budget) for file in files]


def _read_csv(file: Path, budget: _Budget) -> Table:
    data = file.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise IngestError(f"{file}: {_encoding_problem(data, error)}") from None
    # strict: a quote followed by anything but a delimiter is an error, not text, so a quote
    # left open stops at the next quote instead of swallowing rows silently
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    table = Table(file.stem, [], [])
    read = 0

    def records() -> Iterator[tuple[object, ...]]:
        nonlocal read
        for record in reader:
            read += 1
            yield tuple(_uncsv(v) for v in record)

    try:
        _fill(table, records(), file, budget)
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise IngestError(
                f"{file}: not readable as CSV (row {read + 1}: {error}); a cell holds at most "
                f"{csv.field_size_limit()} characters"
            ) from None
        table.findings.append(_open_quote(table.name, read + 1, error))
    return table


def _open_quote(sheet: str, row: int, error: csv.Error) -> SheetFinding:
    return SheetFinding(
        sheet,
        row,
        None,
        None,
        "Violation",
        f"a quote opened in row {row} is not closed where its cell ends ({error}): the rows "
        "after it are not read",
        'Close the quote, or write a quote inside a cell as two quotes ("").',
    )


def _encoding_problem(data: bytes, error: UnicodeDecodeError) -> str:
    """Where the first byte that is not UTF-8 is: line, column (by the commas before it)."""
    start = error.start
    line_start = data.rfind(b"\n", 0, start) + 1
    line = data.count(b"\n", 0, start) + 1
    before = data[line_start:start].decode("utf-8", "replace")
    column = len(next(csv.reader([before]), [""]))
    return (
        f"not UTF-8 text: byte {data[start]:#04x} at line {line}, column {column} "
        f"(byte {start} of the file); save it as 'CSV UTF-8'"
    )


def _uncsv(value: str) -> str:
    """Undo the ' that protects CSV text from being read as a formula."""
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_STARTS) else value


# -- tables --------------------------------------------------------------------------------


def _fill(table: Table, rows: Iterator[tuple[object, ...]], origin: Path, budget: _Budget) -> None:
    """Rows numbered as a spreadsheet program shows them; a value in a column without a header
    is reported (it would be lost)."""
    for number, values in enumerate(rows, start=1):
        if number > MAX_ROWS:
            raise IngestError(
                f"{origin}: sheet {table.name!r} has over {MAX_ROWS} rows, the limit; split the "
                "records into several files"
            )
        if len(values) > MAX_COLUMNS and any(v not in (None, "") for v in values[MAX_COLUMNS:]):
            raise IngestError(
                f"{origin}: sheet {table.name!r}, row {number}: a value in column "
                f"{_last_filled(values)}, over the {MAX_COLUMNS} column limit (the template has "
                "fewer); delete the columns after the template's last one"
            )
        cells = [_normalise(v) for v in values]
        if number == 1:
            table.headers.extend((c or "").strip().lower() for c in cells)
            continue
        _unnamed(table, number, cells)
        if any(cells):
            budget.spend()
            table.rows.append((number, dict(zip(table.headers, cells, strict=False))))


def _last_filled(values: tuple[object, ...]) -> int:
    return max(i for i, v in enumerate(values, start=1) if v not in (None, ""))


def _unnamed(table: Table, number: int, cells: list[str | None]) -> None:
    for index, value in enumerate(cells, start=1):
        named = index <= len(table.headers) and table.headers[index - 1]
        if value is not None and not named:
            table.findings.append(
                SheetFinding(
                    table.name,
                    number,
                    f"column {index}",
                    value,
                    "Violation",
                    "a value in a column without a header: it would be lost",
                    "Move it to the column it belongs to, or give the column its template "
                    "name in row 1. In a CSV file, check for a quote or a comma too many.",
                )
            )


def _normalise(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    return text or None
