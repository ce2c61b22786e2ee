"""Hostile workbook, CSV and RDF shapes of issue 23, generated (never committed: the big ones
unpack to about 100 MB from a few hundred KB). Shared by the hostile corpus
(tests/hostile/runner.py), the tests of aqkg.intake.sheet_input and the benchmark of peak memory
(benchmarks/hostile.py), so all three see the same files.

Each function writes into an existing file or folder and returns its path; `count` and the
sizes default to the issue's figures.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

from openpyxl import Workbook

Edit = Callable[[str, bytes], bytes]
CHUNK = 1 << 16


def workbook(path: Path, sheets: dict[str, list[list[str | None]]]) -> Path:
    """A plain workbook: one sheet per entry, its rows from row 1."""
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def rewrite(path: Path, edit: Edit, extra: dict[str, Iterable[bytes]] | None = None) -> Path:
    """Rewrite every part through `edit(name, data)`, then add `extra` parts, streamed."""
    with zipfile.ZipFile(path) as archive:
        members = [(info.filename, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            if extra is None or name not in extra:
                archive.writestr(name, edit(name, data))
        for name, chunks in (extra or {}).items():
            with archive.open(name, "w", force_zip64=True) as member:
                for chunk in chunks:
                    member.write(chunk)
    return path


def same(name: str, data: bytes) -> bytes:
    return data


def _repeated(head: bytes, unit: bytes, count: int, tail: bytes) -> Iterable[bytes]:
    yield head
    per_chunk = max(1, CHUNK // len(unit))
    for start in range(0, count, per_chunk):
        yield unit * min(per_chunk, count - start)
    yield tail


def sheet_part(path: Path, title: str) -> str:
    """The part name of a sheet of a workbook written by `workbook` (sheets in order)."""
    with zipfile.ZipFile(path) as archive:
        names = sorted(
            (n for n in archive.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)),
            key=lambda n: int(re.sub(r"\D", "", n)),
        )
    from openpyxl import load_workbook

    titles = load_workbook(path, read_only=True).sheetnames
    return names[titles.index(title)]


# -- element counts ------------------------------------------------------------------------

STYLES_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<styleSheet '
    b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<fonts count="1"><font/></fonts><fills count="1"><fill><patternFill/></fill></fills>'
    b'<borders count="1"><border/></borders><cellXfs count="1">'
)


def styles_bomb(path: Path, count: int = 19_000_000) -> Path:
    """styles.xml holding `count` cell formats (`<xf/>`: 5 bytes each)."""
    chunks = _repeated(STYLES_HEAD, b"<xf/>", count, b"</cellXfs></styleSheet>")
    return rewrite(path, same, {"xl/styles.xml": chunks})


def shared_strings_bomb(path: Path, count: int = 19_000_000) -> Path:
    """sharedStrings.xml holding `count` empty strings (`<si/>`), declared to openpyxl."""
    head = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<sst '
        b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    )
    rel = (
        b'<Relationship Id="rIdStrings" Target="sharedStrings.xml" Type="http://schemas.'
        b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>'
    )
    content = (
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxml'
        b'formats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    )

    def declare(name: str, data: bytes) -> bytes:
        if name == "xl/_rels/workbook.xml.rels":
            return data.replace(b"</Relationships>", rel + b"</Relationships>")
        if name == "[Content_Types].xml":
            return data.replace(b"</Types>", content + b"</Types>")
        return data

    chunks = _repeated(head, b"<si/>", count, b"</sst>")
    return rewrite(path, declare, {"xl/sharedStrings.xml": chunks})


def defined_names_bomb(path: Path, count: int = 2_200_000) -> Path:
    """workbook.xml holding `count` defined names."""
    with zipfile.ZipFile(path) as archive:
        original = archive.read("xl/workbook.xml")
    head, _, tail = original.partition(b"</sheets>")
    unit = b'<definedName name="n">Sheet!$A$1</definedName>'
    names = _repeated(head + b"</sheets><definedNames>", unit, count, b"</definedNames>" + tail)
    return rewrite(path, same, {"xl/workbook.xml": names})


def elements_bomb(path: Path, part: str, count: int) -> Path:
    """Any other part (here a theme) holding `count` elements."""
    chunks = _repeated(b"<theme>", b"<x/>", count, b"</theme>")
    return rewrite(path, same, {part: chunks})


# -- rows and columns ----------------------------------------------------------------------


def _column_letters(number: int) -> str:
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def sheet_rows(path: Path, title: str, rows: Iterable[bytes], dimension: str | None = None) -> Path:
    """Replace the sheet's `<sheetData>` with `rows` (each a `<row>` element), streamed;
    `dimension` sets a declared `<dimension ref=...>` (stale or not)."""
    part = sheet_part(path, title)
    with zipfile.ZipFile(path) as archive:
        original = archive.read(part)
    head = original.split(b"<sheetData", 1)[0]
    if dimension is not None:
        if b"<dimension" in head:
            start = head.index(b"<dimension")
            head = head[:start] + head[head.index(b"/>", start) + 2 :]
        head = head.replace(
            b"<sheetViews", b'<dimension ref="%s"/><sheetViews' % dimension.encode()
        )
    tail = (
        b"</sheetData>" + original.split(b"</sheetData>", 1)[1]
        if b"</sheetData>" in original
        else b"</sheetData></worksheet>"
    )

    def chunks() -> Iterable[bytes]:
        yield head + b"<sheetData>"
        yield from rows
        yield tail

    return rewrite(path, same, {part: chunks()})


def rename_sheet(path: Path, old: str, new: str) -> Path:
    """Rename a sheet in workbook.xml, to names openpyxl would refuse to write."""

    def edit(name: str, data: bytes) -> bytes:
        if name != "xl/workbook.xml":
            return data
        return data.replace(b'name="%s"' % old.encode(), b'name="%s"' % new.encode(), 1)

    return rewrite(path, edit)


def stale_dimension(path: Path, title: str, ref: str) -> Path:
    """Declare `<dimension ref=...>` in a sheet whatever rows it holds."""
    part = sheet_part(path, title)

    def edit(name: str, data: bytes) -> bytes:
        if name != part:
            return data
        return re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="%s"/>' % ref.encode(), data)

    return rewrite(path, edit)


def text_row(number: int, values: dict[int, str]) -> bytes:
    cells = b"".join(
        b'<c r="%s%d" t="inlineStr"><is><t>%s</t></is></c>'
        % (_column_letters(column).encode(), number, value.encode())
        for column, value in sorted(values.items())
    )
    return b'<row r="%d">%s</row>' % (number, cells)


def wide_sheet(path: Path, title: str, columns: int = 16_384, rows: int = 10_000) -> Path:
    """A header row `columns` wide, then `rows` one-cell rows (the issue's 171 KB workbook)."""

    def generated() -> Iterable[bytes]:
        yield text_row(1, {c: f"h{c}" for c in range(1, columns + 1)})
        for number in range(2, rows + 2):
            yield text_row(number, {1: f"v{number}"})

    return sheet_rows(path, title, generated())


def formula_without_value(path: Path, title: str, row: int, column: int) -> Path:
    """One formula cell with no stored value, as openpyxl writes formulas."""
    cell = b'<c r="%s%d"><f>1+1</f></c>' % (_column_letters(column).encode(), row)
    header = text_row(1, {1: "code", 2: "title_en"})
    return sheet_rows(path, title, [header, b'<row r="%d">%s</row>' % (row, cell)])


# -- CSV and RDF ---------------------------------------------------------------------------


def wide_csv_folder(
    folder: Path, files: int = 8, columns: int = 100_000, size: int = 19_000_000
) -> Path:
    """`files` CSV files of about `size` bytes, `columns` values per row."""
    row = (",".join("x" for _ in range(columns)) + "\n").encode()
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(files):
        with (folder / f"sheet{index}.csv").open("wb") as out:
            for _ in range(max(1, size // len(row))):
                out.write(row)
    return folder


def ntriples_long_iris(path: Path, count: int = 150, length: int = 1 << 20) -> Path:
    """`count` triples whose object IRI is `length` characters long."""
    with path.open("w", encoding="utf-8") as out:
        for index in range(count):
            iri = "https://example.org/" + "x" * (length - 20)
            out.write(f"<https://example.org/s{index}> <https://example.org/p> <{iri}> .\n")
    return path
